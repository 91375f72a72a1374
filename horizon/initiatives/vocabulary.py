"""Vocabularies of initiatives: types, themes, provinces and partner countries, with Dutch and English labels.

Defined once here; country names come from ``pycountry`` and its gettext catalogues (offline).
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from typing import Dict, Optional, Tuple

import pycountry

Labels = Tuple[str, str]  # (Dutch, English)

#: Initiative types: code -> (Dutch label, English label).
INITIATIVE_TYPES: Dict[str, Labels] = {
    "local_group": ("11-groep", "local 11.11.11 group"),
    "fourth_pillar": ("4de Pijlerinitiatief", "Fourth Pillar initiative"),
    "member_organisation": ("lidorganisatie", "member organisation"),
}

#: Themes, a fixed list: code -> (Dutch label, English label).
THEMES: Dict[str, Labels] = {
    "education": ("onderwijs", "education"),
    "health": ("gezondheid", "health"),
    "climate": ("klimaat", "climate"),
    "agriculture_food": ("landbouw en voeding", "agriculture and food"),
    "human_rights": ("mensenrechten", "human rights"),
    "migration": ("migratie", "migration"),
    "gender": ("gender", "gender"),
    "fair_trade": ("eerlijke handel", "fair trade"),
    "water": ("water en sanitatie", "water and sanitation"),
    "economic_justice": ("economische rechtvaardigheid", "economic justice"),
    "peace": ("vrede", "peace"),
}

#: Provinces by ISO 3166-2:BE code (as in data/reference/places.csv), plus the Brussels-Capital Region (BRU),
#: which has no province and stands in for one: code -> (Dutch label, English label).
PROVINCES: Dict[str, Labels] = {
    "VAN": ("Antwerpen", "Antwerp"),
    "VBR": ("Vlaams-Brabant", "Flemish Brabant"),
    "VWV": ("West-Vlaanderen", "West Flanders"),
    "VOV": ("Oost-Vlaanderen", "East Flanders"),
    "VLI": ("Limburg", "Limburg"),
    "BRU": ("Brussels Hoofdstedelijk Gewest", "Brussels-Capital Region"),
    "WBR": ("Waals-Brabant", "Walloon Brabant"),
    "WHT": ("Henegouwen", "Hainaut"),
    "WLG": ("Luik", "Liège"),
    "WLX": ("Luxemburg", "Luxembourg"),
    "WNA": ("Namen", "Namur"),
}

#: Province of a municipality by the first digits of its REFNIS code (Statbel numbers municipalities by
#: province, then arrondissement; Brabant's first digit 2 is split into Brussels, Flemish and Walloon Brabant).
_PROVINCE_BY_PREFIX = {
    "1": "VAN",
    "21": "BRU",
    "23": "VBR",
    "24": "VBR",
    "25": "WBR",
    "3": "VWV",
    "4": "VOV",
    "5": "WHT",
    "6": "WLG",
    "7": "VLI",
    "8": "WLX",
    "9": "WNA",
}

#: Short display names where the ISO name reads like a catalogue entry ("Congo, The Democratic Republic of").
_COUNTRY_NAME_OVERRIDES: Dict[str, Labels] = {
    "CD": ("DR Congo", "DR Congo"),
    "BO": ("Bolivia", "Bolivia"),
    "TZ": ("Tanzania", "Tanzania"),
    "PS": ("Palestina", "Palestine"),
    "VE": ("Venezuela", "Venezuela"),
}


def province_of(refnis: str) -> Optional[str]:
    """The province code (:data:`PROVINCES`) of a municipality REFNIS code, or None when the code is not one."""
    if len(refnis) != 5 or not refnis.isdigit():
        return None
    return _PROVINCE_BY_PREFIX.get(refnis[:2]) or _PROVINCE_BY_PREFIX.get(refnis[0])


def label(vocabulary: Dict[str, Labels], code: str, language: str = "nl") -> str:
    """The Dutch or English label of a code in one of the vocabularies above (the code itself if unknown)."""
    labels = vocabulary.get(code)
    if labels is None:
        return code
    return labels[1] if language == "en" else labels[0]


@lru_cache(maxsize=1)
def _dutch_countries() -> gettext.NullTranslations:
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["nl"], fallback=True)


def is_country_code(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code (upper case)."""
    return len(code) == 2 and code.isupper() and pycountry.countries.get(alpha_2=code) is not None


def country_name(code: str, language: str = "nl") -> str:
    """Dutch or English name of an ISO 3166-1 alpha-2 code, via pycountry (works offline)."""
    override = _COUNTRY_NAME_OVERRIDES.get(code)
    if override:
        return override[1] if language == "en" else override[0]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    if language == "en":
        return getattr(country, "common_name", None) or country.name
    return _dutch_countries().gettext(country.name)
