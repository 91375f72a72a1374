"""What a free answer in the volunteer form means: a name, a field to correct, a place (the choices and yes or
no: :mod:`horizon.volunteers.choices`).

Pure functions (no Rasa, no database), so each rule is easy to test. Buttons send the same meaning as an
entity (``/inform{"volunteer_field": "email"}``); typed answers are matched on keywords, in Dutch
and English, accent- and case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

from horizon.initiatives.search_terms import find_terms
from horizon.places import (
    AmbiguousPostcode,
    AreaMatch,
    Municipality,
    MunicipalityMatch,
    PlaceResolver,
    Resolution,
    Suggestion,
)
from horizon.places.words import CUE_WORDS
from horizon.text import fold

QUESTION_WORDS = frozenset(
    "wat wie waar wanneer waarom hoe hoeveel welke welk kan kun kunt mag is zijn heeft hebben doen jullie "
    "what who where when why how which can could is are do does may".split()
)
YES_WORDS = frozenset("ja jawel yes yep yeah ok oke okay akkoord zeker graag sure goed prima natuurlijk doe".split())
NO_WORDS = frozenset("nee neen no nope niet liever geen not".split())
NOT_NAMES = YES_WORDS | NO_WORDS | frozenset("stop hallo hoi hello hi hey dag bedankt thanks annuleer cancel".split())
#: Words of a sentence, not of a name ("ik wil doneren"); name particles such as "de", "van" are allowed.
SENTENCE_WORDS = frozenset(
    "ik wil mijn je jij jullie we wij heb ben wordt worden kan graag naam heet doneren helpen vrijwilliger "
    "i want my me you am have would like please name help donate volunteer".split()
)
#: "mijn naam is Jan" -> "Jan".
NAME_PREFIX = re.compile(
    r"^\s*(?:mijn naam is|ik ben|ik heet|ik noem|dit is|het is|my name is|i am|i'm|im|it's|this is|call me)\s+",
    re.IGNORECASE,
)
FIELD_KEYWORDS: Dict[str, Tuple[str, ...]] = {
    "name": ("naam", "name"),
    "email": ("mail", "adres", "address"),
    "place": ("gemeente", "postcode", "plaats", "woonplaats", "place", "town", "city", "municipality", "postal"),
    "activity": ("activiteit", "keuze", "wat ik wil doen", "activity", "choice", "what i want"),
}
MAX_NAME_WORDS = 6
MAX_NAME_LENGTH = 80


def words(text: str) -> List[str]:
    """Folded words (lower case, no accents); hyphens and apostrophes split words."""
    return re.findall(r"[^\W_]+", fold(text or ""))


def _has_keyword(text: str, keywords: Iterable[str]) -> bool:
    """A keyword as a phrase, or one-word keywords also at the start or end of a compound word
    ("novembercampagne", "e-mailadres")."""
    found = words(text)
    padded = f" {' '.join(found)} "
    for keyword in keywords:
        if f" {keyword} " in padded:
            return True
        if " " not in keyword and any(w.startswith(keyword) or w.endswith(keyword) for w in found):
            return True
    return False


def entity_value(message: Dict[str, Any], name: str) -> Optional[str]:
    """The value of the first ``name`` entity of a parsed message (buttons send them)."""
    for entity in message.get("entities") or []:
        if entity.get("entity") == name and entity.get("value") not in (None, ""):
            return str(entity["value"])
    return None


def is_payload(text: Any) -> bool:
    """A button press (``/intent{...}``) rather than typed text."""
    return isinstance(text, str) and text.strip().startswith("/")


def looks_like_question(text: str) -> bool:
    found = words(text)
    return "?" in (text or "") or bool(found) and found[0] in QUESTION_WORDS


def clean_name(text: Any) -> Optional[str]:
    """A plausible name, tidied ("  jan   Peeters " -> "jan Peeters"), or None.

    Not a judgement on names: only what is certainly not one is refused (digits, an address, a question,
    a sentence, a bare yes/no/stop).
    """
    if not isinstance(text, str):
        return None
    name = NAME_PREFIX.sub("", " ".join(text.split())).strip(" .,!")
    folded = words(name)
    if not 2 <= len(name) <= MAX_NAME_LENGTH or not folded or len(folded) > MAX_NAME_WORDS:
        return None
    if re.search(r"[\d@/\\?!<>{}\[\]=_#:;]", name) or "http" in name.lower():
        return None
    if " ".join(folded) in NOT_NAMES or all(w in NOT_NAMES for w in folded):
        return None
    if any(w in SENTENCE_WORDS for w in folded):
        return None
    if len(folded) >= 3 and folded[0] in QUESTION_WORDS:  # "wat is jullie missie"
        return None
    return name


def _choice(text: Any, message: Dict[str, Any], entity: str, keywords: Dict[str, Tuple[str, ...]]) -> Optional[str]:
    """A code of ``keywords``: from a button's entity, the code itself, or one unambiguous keyword match."""
    chosen = entity_value(message, entity)
    if chosen in keywords:
        return chosen
    if not isinstance(text, str) or is_payload(text):
        return None
    if text in keywords:
        return text
    found = [code for code, keys in keywords.items() if _has_keyword(text, keys)]
    return found[0] if len(found) == 1 else None


def field_from(text: Any, message: Dict[str, Any]) -> Optional[str]:
    """Which field the person wants to correct ("mijn e-mailadres klopt niet" -> "email"), or None."""
    return _choice(text, message, "volunteer_field", FIELD_KEYWORDS)


# --- places --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceAnswer:
    """What a place answer led to: ``kind`` is accepted, suggestion, ambiguous, area or unknown."""

    kind: str
    municipality: Optional[Municipality] = None
    postcode: Optional[str] = None
    suggested_name: Optional[str] = None
    candidates: Tuple[Municipality, ...] = ()
    area_name: Optional[str] = None
    typed: Optional[str] = None  # a near miss: the words as typed (folded), to be suggested again later

    @property
    def value(self) -> Optional[str]:
        """The slot value: canonical and resolvable again (``municipality:<REFNIS>``)."""
        return self.municipality.value if self.municipality else None


def place_answer(text: Any, resolver: PlaceResolver, language: str = "nl") -> PlaceAnswer:
    """Resolve a typed place or postcode; only one municipality counts as an answer."""
    if not isinstance(text, str) or is_payload(text):
        return PlaceAnswer("unknown")
    return _answer(resolver.resolve(text), language)


def named_place(text: Any, resolver: PlaceResolver, language: str = "nl") -> PlaceAnswer:
    """A place named inside a sentence ("ik woon in Kortrjik, kan ik daar iets doen?"): what the resolver
    finds, but a near miss only when it follows a place cue ("in", "uit", "near") and is not a word the
    initiative search knows (a country, a theme: "in Benin" is not a typo of Menen)."""
    if not isinstance(text, str) or is_payload(text):
        return PlaceAnswer("unknown")
    result = resolver.resolve(text)
    if isinstance(result, Suggestion) and not _likely_meant(text, result):
        return PlaceAnswer("unknown")
    return _answer(result, language)


def _likely_meant(text: str, suggestion: Suggestion) -> bool:
    """A near miss of a municipality, after a place cue, that is not a word the search knows otherwise."""
    return (
        isinstance(suggestion.place, Municipality)
        and _after_cue(text, suggestion.text)
        and not find_terms(suggestion.text)
    )


def _after_cue(text: str, query: str) -> bool:
    """Whether the words ``query`` follow a place cue word in ``text``."""
    found, wanted = words(text), query.split()
    return any(found[i : i + len(wanted)] == wanted and i > 0 and found[i - 1] in CUE_WORDS for i in range(len(found)))


def _answer(result: Optional[Resolution], language: str) -> PlaceAnswer:
    if isinstance(result, MunicipalityMatch):
        return PlaceAnswer("accepted", municipality=result.municipality, postcode=result.postcode)
    if isinstance(result, AmbiguousPostcode):
        return PlaceAnswer("ambiguous", postcode=result.postcode, candidates=result.candidates)
    if isinstance(result, Suggestion) and isinstance(result.place, Municipality):
        return PlaceAnswer(
            "suggestion", municipality=result.place, suggested_name=result.suggested_name, typed=result.text
        )
    if isinstance(result, AreaMatch):
        towns = tuple(p for p in result.alternatives if isinstance(p, Municipality))
        return PlaceAnswer("area", area_name=result.area.name(language), candidates=towns)
    if isinstance(result, Suggestion):  # a near miss of a province or region
        return PlaceAnswer("area", area_name=result.suggested_name)
    return PlaceAnswer("unknown")
