"""What a message asks about besides the place: a theme, a partner country, a kind of initiative.

Why a keyword matcher and not trained entities: the vocabularies are small, fixed and already defined with
Dutch and English labels (``THEMES``, ``INITIATIVE_TYPES`` in :mod:`horizon.initiatives.vocabulary`; country names from
pycountry via :func:`horizon.initiatives.vocabulary.country_name`), so matching them directly works for every theme
and every country without training examples, and stays in step when a theme is added there. Matching is on
accent-folded words (the tokenizer of :mod:`horizon.text`): "Indonesië", "indonesie" and
"INDONESIE" are the same. Theme and type keywords also match as the start of a word, for Dutch compounds
("klimaatproject", "gezondheidszorg", "4de pijlerinitiatieven"); country names match whole words only.

Words inside a place the NLU already found (``skip``: character spans of ``location`` entities) are
ignored, so "Luxemburg" the province is not also Luxembourg the country, nor "Waterloo" a water project.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import pycountry

from horizon.initiatives.vocabulary import INITIATIVE_TYPES, THEMES, country_name
from horizon.places import MAX_TEXT
from horizon.text import Token, name_key, tokenize

Span = Tuple[int, int]

#: Extra ways to name a theme, beside its Dutch and English label (folded, lower case).
THEME_ALIASES: Dict[str, Tuple[str, ...]] = {
    "education": ("school", "scholen", "schools", "educat", "eduction", "opleiding", "onderwijs"),
    "health": ("gezondheid", "ziekenhuis", "hospital", "medisch", "medical", "healthcare"),
    "climate": ("klimaat", "milieu", "environment"),
    "agriculture_food": ("landbouw", "voeding", "voedsel", "boeren", "agricult", "food", "farm"),
    "human_rights": ("mensenrecht", "kinderrecht", "human right", "child right", "children s right"),
    "migration": ("migra", "vluchteling", "refugee", "asiel", "asylum"),
    "gender": ("vrouwenrecht", "women s right", "womens right", "vrouwen", "women"),
    "fair_trade": ("fairtrade", "wereldwinkel", "eerlijke handel", "fair trade"),
    "water": ("water", "drinkwater", "sanitat"),
    "economic_justice": ("economisch", "economic", "fiscale rechtvaardigheid", "tax justice"),
    "peace": ("vredes", "conflict"),
}

#: Ways to name a kind of initiative (folded; "11-groep" and "11.11.11-groep" tokenize to "11 groep", ...).
TYPE_ALIASES: Dict[str, Tuple[str, ...]] = {
    "local_group": (
        "11 groep",
        "11 11 11 groep",
        "11 group",
        "11 11 11 group",
        "lokale groep",
        "lokale groepen",
        "local group",
        "local chapter",
        "comite",
        "committee",
        "lokale werking",
    ),
    "fourth_pillar": (
        "4de pijler",
        "vierde pijler",
        "fourth pillar",
        "4th pillar",
        "pijlerinitiatie",
        "pijlerorganisatie",
    ),
    "member_organisation": ("lidorganisatie", "member organisation", "member organization"),
}

#: Country names people use that pycountry does not give (folded). "Congo" alone means DR Congo here.
COUNTRY_ALIASES: Dict[str, str] = {
    "congo": "CD",
    "kongo": "CD",
    "dr congo": "CD",
    "drc": "CD",
    "democratische republiek congo": "CD",
    "democratic republic of the congo": "CD",
    "congo brazzaville": "CG",
    "equador": "EC",
    "filipijnen": "PH",
    "palestina": "PS",
    "palestine": "PS",
    "bolivie": "BO",
}
#: Never a partner country: Belgium itself.
NOT_PARTNERS = frozenset({"BE"})


@dataclass(frozen=True)
class SearchTerms:
    """Codes found in a message (None: not mentioned). The first mention of each kind counts."""

    theme: Optional[str] = None
    country: Optional[str] = None
    type: Optional[str] = None

    def as_dict(self) -> Dict[str, Optional[str]]:
        return {"theme": self.theme, "country": self.country, "type": self.type}

    def __bool__(self) -> bool:
        return any(self.as_dict().values())


@dataclass(frozen=True)
class _Keyword:
    kind: str  # theme, country or type
    code: str
    words: Tuple[str, ...]
    prefix: bool  # the last word may be the start of a longer word


def _keywords(kind: str, names: Iterable[Tuple[str, str]], prefix: bool) -> List[_Keyword]:
    found = []
    for code, name in names:
        key = name_key(name)
        if key:
            found.append(_Keyword(kind, code, tuple(key.split()), prefix))
    return found


def _country_names() -> Iterable[Tuple[str, str]]:
    """(code, name) pairs: Dutch and English names of every country but Belgium; aliases override."""
    names: Dict[str, Tuple[str, str]] = {}
    for country in pycountry.countries:
        code = country.alpha_2
        if code in NOT_PARTNERS:
            continue
        for name in (
            country_name(code, "nl"),
            country_name(code, "en"),
            country.name,
            getattr(country, "common_name", ""),
        ):
            name = name.split(",")[0]  # "Korea, Republic of" -> "Korea"
            names.setdefault(name_key(name), (code, name))
    for alias, code in COUNTRY_ALIASES.items():
        names[name_key(alias)] = (code, alias)
    return names.values()


@lru_cache(maxsize=1)
def keywords() -> Tuple[_Keyword, ...]:
    """Every keyword, longest first (so "dr congo" wins over "congo", "lokale groep" over nothing)."""
    themes = [(code, label) for code, labels in THEMES.items() for label in labels]
    themes += [(code, alias) for code, aliases in THEME_ALIASES.items() for alias in aliases]
    types = [(code, label) for code, labels in INITIATIVE_TYPES.items() for label in labels]
    types += [(code, alias) for code, aliases in TYPE_ALIASES.items() for alias in aliases]
    found = (
        _keywords("theme", themes, prefix=True)
        + _keywords("type", types, prefix=True)
        + _keywords("country", _country_names(), prefix=False)
    )
    return tuple(sorted(set(found), key=lambda k: (-len(k.words), -len(k.words[-1]), k.kind, k.code)))


def _matches(keyword: _Keyword, words: Sequence[str], start: int) -> bool:
    size = len(keyword.words)
    if start + size > len(words):
        return False
    if tuple(words[start : start + size - 1]) != keyword.words[:-1]:
        return False
    last, wanted = words[start + size - 1], keyword.words[-1]
    return last.startswith(wanted) if keyword.prefix and len(wanted) >= 4 else last == wanted


def _outside(token: Token, skip: Sequence[Span]) -> bool:
    return all(token.end <= start or token.start >= end for start, end in skip)


def find_terms(text: str, skip: Sequence[Span] = ()) -> SearchTerms:
    """The theme, partner country and initiative type a message names, as codes (in its first 500 characters,
    as for places: the matcher runs on the event loop and must stay cheap on any input)."""
    tokens = [token for token in tokenize((text or "")[:MAX_TEXT]) if _outside(token, skip)]
    words = [token.text for token in tokens]
    found: Dict[str, str] = {}
    start = 0
    while start < len(words):
        hit = next((k for k in keywords() if _matches(k, words, start)), None)
        if hit is None:
            start += 1
            continue
        found.setdefault(hit.kind, hit.code)
        start += len(hit.words)
    return SearchTerms(found.get("theme"), found.get("country"), found.get("type"))
