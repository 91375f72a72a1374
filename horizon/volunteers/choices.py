"""Typed answers to the form's choices: what to do (a choice, or the person's own words) and yes or no.

Why it reads words and not sentences: people answer a choice in their own way ("ik wil helpen bij acties",
"a local group please", "dat is goed"). Each choice has its words (:data:`ACTIVITY_WORDS`), matched on folded
text; a word is not counted when the clause denies it ("geen campagne, liever een lokale groep"). An answer
that names exactly one choice is that choice; any other answer that says something is kept as the person's
own words under "other" rather than refused. Yes and no are read the same way, and an unsure answer is never
taken for a yes: consent needs a clear one.

Pure functions (no Rasa, no database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set

from horizon.volunteers.activities import ACTIVITIES, ACTIVITY_WORDS, MAX_NOTE_LENGTH, OTHER
from horizon.volunteers.answers import NOT_NAMES, entity_value, is_payload, words

#: Words that deny what follows them in the same clause.
NEGATIONS = frozenset("niet geen nooit zonder not no never without don dont nor".split())
#: Words that start a new clause: "niet in een groep, liever de campagne", "not a group but the campaign".
CLAUSE_BREAKS = frozenset("maar liever wel dan but rather instead than".split())
#: Inflections a word of a choice may carry: "acties", "groepen", "lokale".
INFLECTIONS = ("", "s", "en", "n", "e", "es")
#: Questions are not answers: they start with one of these (or an imperative: "vertel me ...") or hold a "?".
WH_WORDS = frozenset(
    "wat wie waar wanneer waarom hoe hoeveel welke welk what who where when why how which "
    "vertel leg geef toon zeg tell explain show give".split()
)
#: "mag ik ...", "can you ...": a question put back, not an answer.
MODALS = frozenset("mag kan kun kunt moet wil zal may can could should must will would".split())
PRONOUN_PAIRS = [[p] for p in "ik je jij jullie we wij u i you".split()]
#: Words that make a yes conditional ("ja, maar niet doorgeven"): consent must be plain.
RESERVATIONS = frozenset("maar behalve alleen enkel tenzij but except only unless".split())
#: Words that carry no wish of their own, left over around "iets anders" ("ik weet het nog niet").
FILLER = frozenset(
    "ik het nog dat dit je is een de wil wel graag liever misschien eigenlijk echt iets euh eh hmm "
    "i m am it s yet still really something maybe perhaps want would like please um uh a the".split()
)

YES_WORDS = (
    "ja",
    "jawel",
    "jazeker",
    "yes",
    "yep",
    "yeah",
    "yup",
    "ok",
    "oke",
    "okay",
    "okido",
    "akkoord",
    "zeker",
    "graag",
    "goed",
    "prima",
    "natuurlijk",
    "tuurlijk",
    "uiteraard",
    "absoluut",
    "correct",
    "klopt",
    "juist",
    "perfect",
    "top",
    "sure",
    "fine",
    "agree",
    "agreed",
    "alright",
    "certainly",
    "absolutely",
    "right",
    "dat mag",
    "mag",
    "doe maar",
    "geen probleem",
    "no problem",
    "of course",
    "go ahead",
    "all right",
)
NO_WORDS = (
    "nee",
    "neen",
    "nope",
    "nah",
    "no",
    "liever niet",
    "rather not",
    "disagree",
    "weiger*",
    "refuse",
)
#: An unsure answer is neither yes nor no.
UNSURE_WORDS = (
    "misschien",
    "weet niet",
    "weet het niet",
    "weet ik niet",
    "weet nog niet",
    "twijfel*",
    "hangt ervan af",
    "denk het",
    "maybe",
    "perhaps",
    "not sure",
    "unsure",
    "don t know",
    "dont know",
    "depends",
    "i guess",
)


# --- matching words ------------------------------------------------------------------------------------------


def _word_matches(word: str, key: str) -> bool:
    """``key`` with its inflections; ``*x`` also ends a compound, ``x*`` also starts one."""
    core = key.strip("*")
    if any(word == core + end for end in INFLECTIONS):
        return True
    if key.endswith("*") and word.startswith(core):
        return True
    return key.startswith("*") and any(word.endswith(core + end) for end in INFLECTIONS)


def _length_at(found: Sequence[str], start: int, key: str) -> int:
    """How many words ``key`` (a word or a phrase) covers at ``start``, 0 if it is not there."""
    parts = key.split()
    if len(parts) == 1:
        return 1 if _word_matches(found[start], key) else 0
    if found[start : start + len(parts)] == parts:
        return len(parts)
    return 0


@dataclass(frozen=True)
class Hit:
    """One key found: where, how many words, and whether its clause denies it."""

    key: str
    start: int
    length: int
    denied: bool


def clauses(text: str) -> List[List[str]]:
    """Folded words per clause: punctuation and words such as "maar", "liever", "but" start a new one."""
    result: List[List[str]] = []
    for part in re.split(r"[,.;:!?()\n]+", text or ""):
        current: List[str] = []
        found = words(part)
        for index, word in enumerate(found):
            if word in CLAUSE_BREAKS and current and index + 1 < len(found):  # "doe maar" stays one clause
                result.append(current)
                current = []
            current.append(word)
        result.append(current)
    return [c for c in result if c]


def find_keys(text: str, keys: Iterable[str]) -> List[Hit]:
    """Every key in the text (longest first where two start at one word), with its clause's denial."""
    ordered = sorted(keys, key=lambda k: -len(k.split()))
    hits: List[Hit] = []
    offset = 0
    for clause in clauses(text):
        index = 0
        while index < len(clause):
            found = next(((k, n) for k in ordered if (n := _length_at(clause, index, k))), None)
            if found is None:
                index += 1
                continue
            key, length = found
            after = clause[index + length : index + length + 1]
            denied = any(w in NEGATIONS for w in clause[:index] + after)
            hits.append(Hit(key, offset + index, length, denied))
            index += length
        offset += len(clause)
    return hits


def uncovered(text: str, keys: Iterable[str]) -> List[str]:
    """The words of the text that none of the keys covers."""
    covered = {i for h in find_keys(text, keys) for i in range(h.start, h.start + h.length)}
    return [w for i, w in enumerate(w for c in clauses(text) for w in c) if i not in covered]


# --- what to do ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityAnswer:
    """A choice, and for "other" the person's own words when they said what they would like."""

    code: str
    note: Optional[str] = None


def named_activities(text: str) -> Set[str]:
    """The choices a typed answer names; a denied local group or campaign ("geen campagne") does not count."""
    named = set()
    for code, keys in ACTIVITY_WORDS.items():
        for hit in find_keys(text, keys):
            if code == OTHER or not hit.denied:
                named.add(code)
    return named


def own_words(text: str) -> Optional[str]:
    """The answer as the person's own words, tidied and cut to a sensible length; None when it says nothing
    about what they would like (a bare yes or greeting, an address, a question)."""
    if not isinstance(text, str) or is_payload(text) or "?" in text:
        return None
    tidy = " ".join(text.split()).strip(" .,!;:-–")
    tidy = re.sub(r"^(?:iets anders|something else|anders|other)\b\s*[:,\-–]?\s*", "", tidy, flags=re.IGNORECASE)
    found = words(tidy)
    if not found or found[0] in WH_WORDS or re.search(r"@|https?:|www\.", tidy, re.IGNORECASE):
        return None
    if not any(len(w) >= 2 and w.isalpha() for w in found) or all(w in NOT_NAMES for w in found):
        return None
    if len(tidy) > MAX_NOTE_LENGTH:
        tidy = tidy[: MAX_NOTE_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return tidy


def _says_more_than_other(text: str) -> bool:
    """Whether an "other" answer holds more than "iets anders" / "weet ik nog niet" and filler words."""
    return any(w not in FILLER and w not in NOT_NAMES for w in uncovered(text, ACTIVITY_WORDS[OTHER]))


def read_activity(text: Any, message: Dict[str, Any]) -> Optional[ActivityAnswer]:
    """A button's choice, a typed answer that names one choice, or the person's own words under "other"
    (None when the answer says nothing usable: the form asks again)."""
    chosen = entity_value(message, "volunteer_activity")
    if chosen in ACTIVITIES:
        return ActivityAnswer(chosen)
    if not isinstance(text, str) or is_payload(text):
        return None
    if text in ACTIVITIES:
        return ActivityAnswer(text)
    named = named_activities(text)
    if len(named) == 1 and named != {OTHER}:
        return ActivityAnswer(named.pop())
    if named == {OTHER} and not _says_more_than_other(text):
        return ActivityAnswer(OTHER)
    note = own_words(text)
    return ActivityAnswer(OTHER, note) if note else None


# --- yes or no -----------------------------------------------------------------------------------------------


def is_question(text: str) -> bool:
    """A question mark, a question word first, or a question put back ("mag ik eerst iets vragen")."""
    found = words(text)
    return "?" in text or bool(found) and (found[0] in WH_WORDS or found[0] in MODALS and found[1:2] in PRONOUN_PAIRS)


def read_yes_no(text: Any) -> Optional[bool]:
    """Yes, no, or None (unclear, unsure, both, or a question). A denied yes ("niet akkoord", "zeker niet") is a
    no; "geen probleem" / "no problem" is a yes."""
    if not isinstance(text, str) or is_payload(text) or is_question(text):
        return None
    if find_keys(text, UNSURE_WORDS):
        return None
    yes = no = False
    for hit in find_keys(text, YES_WORDS + NO_WORDS):
        is_yes = hit.key in YES_WORDS
        if is_yes and not hit.denied:
            yes = True
        else:
            no = True
    return yes if yes != no else None


def yes_no(intent: Optional[str], text: Any) -> Optional[bool]:
    """True for yes, False for no, None when unclear. Typed words win over the intent; an unsure answer
    stays unclear whatever the intent; a button (``/affirm``) or an unreadable text goes by the intent."""
    if text is True or text is False:
        return text
    if isinstance(text, str) and not is_payload(text):
        reading = read_yes_no(text)
        if reading is not None or find_keys(text, UNSURE_WORDS) or is_question(text):
            return reading
    if intent == "affirm":
        return True
    if intent in ("deny", "stop"):
        return False
    return None


def consent_from(intent: Optional[str], text: Any) -> Optional[bool]:
    """Consent: a button, or typed words that clearly say yes. The intent alone never makes a typed answer
    a yes (a classifier's guess is not consent); it may make it a no."""
    if text is True or text is False:
        return text
    if isinstance(text, str) and not is_payload(text):
        reading = read_yes_no(text)
        if reading is None and intent in ("deny", "stop") and not find_keys(text, UNSURE_WORDS):
            return False
        if reading is True and _has_reservation(text):
            return None
        return reading
    return {"affirm": True, "deny": False, "stop": False}.get(intent or "")


def _has_reservation(text: str) -> bool:
    """A "but", "only" or a negation outside the yes itself: "ja, maar niet doorgeven", "yes, not by email"."""
    return any(w in RESERVATIONS or w in NEGATIONS for w in uncovered(text, YES_WORDS))
