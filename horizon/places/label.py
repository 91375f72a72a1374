"""How a place is named in an answer, a summary or a notification: one label for all of them."""

from __future__ import annotations

from typing import Optional

from horizon.places.model import AreaMatch, Municipality, MunicipalityMatch, Resolution, Suggestion


def municipality_label(
    municipality: Municipality, language: str = "nl", postcode: Optional[str] = None, named: Optional[str] = None
) -> str:
    """ "Gent", "Gent (9000)", or, when the person named a part or an old name of it, "Gentbrugge (Gent)"."""
    name = municipality.name(language)
    if named:
        return f"{named} ({name})"
    return f"{name} ({postcode})" if postcode else name


def place_label(place: Resolution, language: str = "nl") -> str:
    """The label of what a text was resolved to: a municipality (as above), an area, a suggested name or a
    postcode shared by several municipalities."""
    if isinstance(place, AreaMatch):
        return place.area.name(language)
    if isinstance(place, MunicipalityMatch):
        return municipality_label(place.municipality, language, place.postcode, place.merged_from or place.locality)
    if isinstance(place, Suggestion):
        return place.suggested_name
    return place.postcode
