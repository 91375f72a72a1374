"""Where a person is: Belgian places from ``data/reference`` and what a typed text means among them.

:func:`default_resolver` gives the shared :class:`PlaceResolver`; its ``resolve(text)`` answers with one typed
result (:mod:`horizon.places.model`). The modules, by concern: ``model`` (places and results), ``loading`` (the
reference tables), ``words`` (everyday words and cue words), ``matching`` (which spans count), ``fuzzy`` (near
misses), ``resolver`` (the index and ``resolve``), ``finder`` (the spaCy phrase matcher the NLU uses) and
``label`` (how a place is named in answers).
"""

from horizon.places.label import municipality_label, place_label
from horizon.places.model import (
    AmbiguousPostcode,
    Area,
    AreaMatch,
    Mention,
    Municipality,
    MunicipalityMatch,
    Place,
    Resolution,
    Suggestion,
)
from horizon.places.resolver import PlaceResolver, default_resolver
from horizon.places.words import MAX_TEXT

__all__ = [
    "AmbiguousPostcode",
    "Area",
    "AreaMatch",
    "MAX_TEXT",
    "Mention",
    "Municipality",
    "MunicipalityMatch",
    "Place",
    "PlaceResolver",
    "Resolution",
    "Suggestion",
    "default_resolver",
    "municipality_label",
    "place_label",
]
