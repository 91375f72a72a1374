"""Places for insights: a searched place reduced to its municipality (never finer), and names for the report."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from horizon.paths import REFERENCE_DIR
from horizon.places.loading import load_areas, load_municipalities
from horizon.places.model import Area, Municipality


@dataclass(frozen=True)
class Places:
    municipalities: Dict[str, Municipality]  # by REFNIS
    by_postcode: Dict[str, str]  # postcode -> REFNIS
    provinces: Dict[str, Area]  # by code (VAN, WVL, ..., and BRU for Brussels)


@functools.lru_cache(maxsize=1)
def places() -> Places:
    municipalities = load_municipalities(REFERENCE_DIR)
    by_postcode: Dict[str, str] = {}
    for refnis, municipality in sorted(municipalities.items()):
        for postcode in municipality.postcodes:
            by_postcode.setdefault(postcode, refnis)
    areas, _names = load_areas(REFERENCE_DIR, municipalities)
    provinces = {area.code: area for area in areas.values() if area.kind == "province" or area.code == "BRU"}
    return Places(municipalities, by_postcode, provinces)


def searched_place(value: Any) -> Tuple[Optional[str], Optional[str]]:
    """(REFNIS, province code) of a `location` slot value or an `initiative_search` scope.

    "municipality:44021" and "postcode:9000" give the municipality and its province; "province:VAN" gives
    the province only; anything else (a region, all of Belgium, free text) gives nothing.
    """
    if isinstance(value, dict):
        value = value.get("scope")
    if not isinstance(value, str) or ":" not in value:
        return None, None
    kind, _, code = value.partition(":")
    known = places()
    refnis = code if kind == "municipality" else known.by_postcode.get(code) if kind == "postcode" else None
    if refnis is not None and refnis in known.municipalities:
        return refnis, known.municipalities[refnis].province
    if kind == "province" and code in known.provinces:
        return None, code
    return None, None
