"""What of an unanswered question may be kept: the words, without what could identify the person.

Masked: e-mail addresses and phone numbers (the patterns of :mod:`horizon.redaction`), street addresses
(a word ending in a street word, "straat", "laan", "rue" ..., or a street word followed by a name, with its
house number), every remaining number (house numbers, postcodes, dates of birth, account numbers), names
introduced as names ("ik ben Jan Peeters", "my name is ..."), and the values the person gave in a form of the
same conversation (name, e-mail, place, postcode, the "forget me" address or code), wherever they recur.
What is left is a question a person can read and a team can learn from, e.g. "waar is de [address]?".
"""

from __future__ import annotations

import re
from typing import Iterable, Optional

from horizon.redaction import EMAIL, PHONE
from horizon.text import fold

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
ADDRESS_MASK = "[address]"
NUMBER_MASK = "[number]"
NAME_MASK = "[name]"
MASKS = (EMAIL_MASK, PHONE_MASK, ADDRESS_MASK, NUMBER_MASK, NAME_MASK)

#: Endings of Dutch street names ("Kerkstraat", "Stationsplein", "Frankrijklei") and English ones.
_STREET_ENDINGS = (
    r"straat|laan|weg|plein|steenweg|dreef|lei|kaai|markt|baan|dijk|singel|vest|hof|pad|wegel|gracht|"
    r"street|road|lane"
)
#: Words that start a street name in French and English ("rue de la Loi", "avenue Louise").
_STREET_WORDS = r"rue|avenue|chauss[ée]e|boulevard|place|square|chemin|quai|drève|street|road"
_HOUSE_NUMBER = r"(?:\s*,?\s*(?:nr\.?|nummer|n°|no\.?)?\s*\d+(?:\s?[a-zA-Z]\b)?(?:\s*(?:bus|/)\s*\w+)?)?"
STREET = re.compile(
    rf"\b[\w'-]*(?:{_STREET_ENDINGS})\b{_HOUSE_NUMBER}"
    rf"|\b(?:{_STREET_WORDS})\s+(?:(?:de|du|des|la|le|l'|d')\s*)*[A-ZÀ-Ý][\w'-]*(?:\s+[A-ZÀ-Ý][\w'-]*)*{_HOUSE_NUMBER}",
    re.IGNORECASE | re.UNICODE,
)
NUMBER = re.compile(r"\d+(?:[.,/-]\d+)*")
#: "ik ben Jan Peeters", "mijn naam is ...", "I'm ...", "my name is ...", "je m'appelle ...": the capitalised
#: words after it (the introduction in any case: "Ik ben ..." starts a sentence).
NAME_INTRO = re.compile(
    r"\b(?i:ik\s+ben|ik\s+heet|mijn\s+naam\s+is|naam\s*:|i\s+am|i'm|my\s+name\s+is|name\s*:|je\s+m'appelle|"
    r"je\s+suis|hier\s+is|this\s+is)\s+(?P<name>[A-ZÀ-Ý][\w'-]*(?:\s+(?:van|de|der|den|le|la)?\s*[A-ZÀ-Ý][\w'-]*)*)",
    re.UNICODE,
)
_MASKED_VALUE_MIN = 3  # shorter form values ("ja", "12") would mask ordinary words; numbers are masked anyway


def mask(text: str, personal: Iterable[str] = (), numbers: bool = True) -> str:
    """``text`` with e-mail addresses, phone numbers, street addresses, numbers and names masked.

    ``personal``: values the person gave in a form of this conversation; each one (and each word of a
    name of several words) is masked wherever it appears, without regard to case or accents. ``numbers``:
    False keeps the remaining numbers (the hand-off's transcript, read by the team: "11.11.11", "20 posters").
    """
    text = EMAIL.sub(EMAIL_MASK, text)
    text = PHONE.sub(PHONE_MASK, text)
    text = mask_values(text, personal)
    text = STREET.sub(ADDRESS_MASK, text)
    text = NAME_INTRO.sub(lambda m: m.group(0)[: m.start("name") - m.start(0)] + NAME_MASK, text)
    return NUMBER.sub(NUMBER_MASK, text) if numbers else text


def mask_values(text: str, personal: Iterable[str]) -> str:
    """Every personal value, and every word of it, masked; matched on the folded text (same offsets). Also for
    the assistant's own words that repeat them (horizon/handoff/transcript.py)."""
    words = set()
    for value in personal:
        value = str(value).strip()
        if len(value) < _MASKED_VALUE_MIN or value.lower() in ("true", "false", "none"):
            continue
        words.add(value)
        words.update(w for w in re.split(r"[\s,]+", value) if len(w) >= _MASKED_VALUE_MIN)
    if not words:
        return text
    folded = fold(text)
    spans = []
    for word in sorted(words, key=len, reverse=True):
        key = fold(word)
        for match in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)", folded):
            spans.append((match.start(), match.end()))
    for start, end in sorted(_merge(spans), reverse=True):
        text = text[:start] + NAME_MASK + text[end:]
    return text


def _merge(spans: list) -> list:
    merged: list = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def is_question_text(text: Optional[str]) -> bool:
    """A typed message, not a button's payload ("/affirm", "/inform{...}") or nothing."""
    return bool(text and text.strip() and not text.lstrip().startswith("/"))
