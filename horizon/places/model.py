"""Belgian places and what a typed text was found to mean among them (the resolver's typed results)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple, Union

Place = Union["Municipality", "Area"]


@dataclass(frozen=True)
class Municipality:
    """One of the 565 municipalities of 2025."""

    refnis: str
    name_nl: str
    name_fr: str
    name_de: str
    province: str  # ISO 3166-2:BE code; "BRU" for the 19 of Brussels
    region: str  # VLG, WAL, BRU
    postcodes: Tuple[str, ...]
    latitude: float
    longitude: float
    name_en: str = ""

    def name(self, language: str = "nl") -> str:
        """The name to show in ``language``; English uses the exonym where one exists."""
        if language == "en" and self.name_en:
            return self.name_en
        if language == "de" and self.name_de:
            return self.name_de
        if language == "fr" or (language != "nl" and self.region == "WAL"):
            return self.name_fr
        return self.name_nl

    @property
    def value(self) -> str:
        return f"municipality:{self.refnis}"


@dataclass(frozen=True)
class Area:
    """A province or region, with the municipalities in it (to filter by REFNIS)."""

    code: str
    kind: str  # "province" or "region"
    refnis: str
    name_nl: str
    name_fr: str
    name_de: str
    name_en: str
    region: str
    municipalities: Tuple[str, ...]

    def name(self, language: str = "nl") -> str:
        return {"en": self.name_en, "fr": self.name_fr, "de": self.name_de}.get(language, self.name_nl)

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.code}"


# --- results --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MunicipalityMatch:
    """A municipality was meant. ``via``: name, exonym, merger, locality, postcode or code."""

    municipality: Municipality
    text: str
    via: str
    postcode: Optional[str] = None
    merged_from: Optional[str] = None  # the old name, when it was merged on 1 January 2025
    alternatives: Tuple[Place, ...] = ()  # an area of the same name ("Antwerpen": the province)
    locality: Optional[str] = None  # the part of the municipality that was named ("Gentbrugge")
    kind = "municipality"

    @property
    def value(self) -> str:
        if self.merged_from:
            return f"merger:{self.merged_from}"
        if self.locality:
            return f"locality:{self.locality}"
        if self.postcode:
            return f"postcode:{self.postcode}"
        return self.municipality.value


@dataclass(frozen=True)
class AreaMatch:
    """A province or region was meant; ``alternatives`` holds a municipality of the same name."""

    area: Area
    text: str
    alternatives: Tuple[Place, ...] = ()
    kind = "area"

    @property
    def value(self) -> str:
        return self.area.value


@dataclass(frozen=True)
class AmbiguousPostcode:
    """A postcode shared by several municipalities: the person must choose."""

    postcode: str
    candidates: Tuple[Municipality, ...]
    text: str
    kind = "ambiguous_postcode"

    @property
    def value(self) -> str:
        return f"postcode:{self.postcode}"


@dataclass(frozen=True)
class Suggestion:
    """A near miss of a known name: confirm it ("Bedoel je Kortrijk?") before using ``place``."""

    place: Place
    suggested_name: str  # the name the person probably meant ("Kortrijk", or an old name: "Kruibeke")
    text: str
    distance: int
    merged_from: Optional[str] = None
    kind = "suggestion"

    @property
    def value(self) -> str:
        return self.place.value


Resolution = Union[MunicipalityMatch, AreaMatch, AmbiguousPostcode, Suggestion]


@dataclass(frozen=True)
class Mention:
    """A place found in a message: character offsets in the original text and what it means."""

    start: int
    end: int
    text: str
    result: Resolution

    @property
    def value(self) -> str:
        return self.result.value
