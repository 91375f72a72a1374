"""Where a person is: Belgian places from ``data/reference`` and what a typed text means among them.

:class:`PlaceResolver` is loaded once from the generated CSVs (no network, no spaCy) and answers
``resolve(text)`` with one typed result:

- :class:`MunicipalityMatch`: by name (Dutch, French, German), exonym ("Antwerp", "Lüttich"), a name
  merged away on 1 January 2025 ("Kruibeke" -> Beveren-Kruibeke-Zwijndrecht, ``merged_from`` says so)
  a postcode that serves one municipality, or a locality within one ("Gentbrugge", "Wilrijk",
  "Neerpelt": the place name Statbel gives for each postcode; ``locality`` says so);
- :class:`AreaMatch`: a province ("Oost-Vlaanderen", "East Flanders", "Flandre orientale") or a region
  ("Vlaanderen", and "Brussel"/"Brussels"/"Bruxelles", which mean the Brussels-Capital Region);
- :class:`AmbiguousPostcode`: a postcode that serves several municipalities (1040, 1050, 1804): ask;
- :class:`Suggestion`: a near miss ("Kotrijk"), to confirm before use ("Bedoel je Kortrijk?");
- ``None``: nothing that looks like a Belgian place.

Names match case- and accent-insensitively, whole or inside a sentence; postcodes win over names. A few
names are also everyday words ("As", "Geel", "Boom", "Landen", "Voeren", "Spa"): they count only with a
place cue (after "in", "bij", "near"..., capitalised inside a sentence, or as the whole message). Numbers
between 1900 and 2100 count as postcodes only as the whole message, after "postcode", or beside a place
name, so "in 2030" stays a year.

Every result has a canonical ``value`` ("municipality:44021", "merger:Kruibeke", "postcode:1040",
"province:VOV", "region:BRU", "locality:Gentbrugge") that ``resolve`` maps back to the same result: the NLU component
(``bot/nlu/places.py``) puts it in the ``location`` entity and the actions resolve the slot with it.
"""
from __future__ import annotations

import csv
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

from rapidfuzz import process
from rapidfuzz.distance import OSA

REFERENCE_DIR = Path(__file__).resolve().parents[2] / "data" / "reference"
EARTH_RADIUS_KM = 6371.0088
MAX_TEXT = 500  # longer messages are cut: nobody names a place after 500 characters

# Where a name is both a municipality and an area, the area is meant unless listed otherwise: people
# asking about "Brussel" mean the region, "Limburg" the Flemish province (not Limbourg near Verviers).
AREA_FIRST = frozenset({"brussel", "bruxelles", "brussels", "limburg"})

# Municipality names that are also common words in Dutch, English or French: matched only with a cue.
# (Keys are folded: lower case, no accents, words separated by one space.)
COMMON_WORD_NAMES = frozenset(
    "as geel boom mol peer lint lier halen menen balen malle kapellen lessen bergen graven vorst "
    "forest silly spa lens dour ham hal ans manage celles bouillon clavier heron wellen heers alken "
    "bever hove essen pelt duffel landen voeren verlaine".split()
) | {"de haan", "de panne"}
# Locality names (deelgemeenten) that are also everyday words or better-known cities abroad, and all short
# ones ("Doel", "Meer", "Berg", "Duisburg"): they count only right after a cue word ("in Doel").
LOCALITY_COMMON_WORDS = frozenset(
    "appels herten wortel muizen linden burcht recht haren naast bende bevel middelburg duisburg".split()
)
LOCALITY_MIN_FREE_LENGTH = 6
CUE_WORDS = frozenset(
    "in te bij nabij rond rondom omgeving buurt regio gemeente stad dorp uit naar woon near around "
    "nearby at from city town village area municipality dans pres vers".split()
)
POSTCODE_WORDS = frozenset("postcode postnummer zip zipcode postal code postale".split())
# A number followed by one of these is a quantity, not a postcode ("1000 vrijwilligers").
UNIT_WORDS = frozenset(
    "euro eur dollar mensen personen people persons vrijwilligers volunteers leden members "
    "initiatieven initiatives groepen groups organisaties organisations organizations projecten "
    "projects km kilometer kilometers keer times jaar years deelnemers participants stuks procent "
    "percent handtekeningen signatures".split()
)
QUANTITY_WORDS = frozenset("dan than ongeveer circa bijna almost nearly approximately meer more".split())
# Never offered as typo candidates: greetings and words of the questions around a place.
NOT_PLACES = frozenset(
    "hallo hello hoi dag goedemorgen goedendag bedankt dankjewel dankuwel thanks thank "
    "groep groepen group groups lokale local gemeente gemeentes stad steden city cities buurt "
    "initiatief initiatieven initiative initiatives pijler vrijwilliger vrijwilligers volunteer "
    "mensen people welke which where waar wanneer graag zoeken search looking zoek vinden find "
    "kunnen please alstublieft misschien maybe meedoen helpen helps contact adres address nemen".split()
)

Place = Union["Municipality", "Area"]


# --- text -----------------------------------------------------------------------------------------------------

def fold(text: str) -> str:
    """Lower-case without accents, one character for one (so offsets stay those of ``text``)."""
    out = []
    for char in text:
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        base = base.lower()
        out.append(base if len(base) == 1 else char.lower()[:1] or char)
    return "".join(out)


@dataclass(frozen=True)
class Token:
    """A word of a message: its folded text and where it is in the original."""

    text: str
    start: int
    end: int


_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> List[Token]:
    """Words of ``text``, folded; punctuation, hyphens and apostrophes separate words."""
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(fold(text))]


def name_key(name: str) -> str:
    """How a name is looked up: "Sint-Genesius-Rode" and "sint genesius rode" give the same key."""
    return " ".join(token.text for token in tokenize(name))


def _abbreviations(key: str) -> Iterator[str]:
    """"st niklaas" for "sint niklaas", "st ghislain" for "saint ghislain", "ste ode" for "sainte ode"."""
    short = {"sint": "st", "saint": "st", "sainte": "ste"}
    words = key.split()
    if any(word in short for word in words):
        yield " ".join(short.get(word, word) for word in words)


# --- places ---------------------------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class _Entry:
    """What one lookup key means."""

    place: Place
    via: str
    label: str  # the name as written in the table, for suggestions
    merged_from: Optional[str] = None
    alternatives: Tuple[Place, ...] = field(default=())

    @property
    def locality(self) -> Optional[str]:
        return self.label if self.via == "locality" else None


# --- geography ------------------------------------------------------------------------------------------------

def distance_km(a: Municipality, b: Municipality) -> float:
    """Great-circle (haversine) distance between two municipalities' coordinates, in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def nearest(
    origin: Municipality, candidates: Iterable[Municipality], limit: Optional[int] = None
) -> List[Tuple[Municipality, float]]:
    """Candidates with their distance to ``origin``, nearest first (ties by REFNIS, for stable answers)."""
    ranked = sorted(
        ((candidate, distance_km(origin, candidate)) for candidate in set(candidates)),
        key=lambda pair: (pair[1], pair[0].refnis),
    )
    return ranked if limit is None else ranked[:limit]


# --- loading --------------------------------------------------------------------------------------------------

def read_rows(path: Path) -> List[Dict[str, str]]:
    """Rows of a reference CSV; its leading ``#`` attribution line is skipped."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def _load_municipalities(directory: Path) -> Dict[str, Municipality]:
    english = {row["refnis"]: row["name"] for row in read_rows(directory / "exonyms.csv")
               if row["language"] == "en" and not row["name"].lower().startswith("city of")}
    return {
        row["refnis"]: Municipality(
            refnis=row["refnis"], name_nl=row["name_nl"], name_fr=row["name_fr"],
            name_de=row["name_de"], province=row["province"], region=row["region"],
            postcodes=tuple(row["postcodes"].split()), latitude=float(row["latitude"]),
            longitude=float(row["longitude"]), name_en=english.get(row["refnis"], ""),
        )
        for row in read_rows(directory / "places.csv")
    }


def _load_areas(
    directory: Path, municipalities: Dict[str, Municipality]
) -> Tuple[Dict[str, Area], List[Tuple[Area, str]]]:
    """Areas by code, and every (area, name) pair that names one."""
    areas, names = {}, []
    for row in read_rows(directory / "areas.csv"):
        column = "province" if row["kind"] == "province" else "region"
        members = tuple(sorted(m.refnis for m in municipalities.values() if getattr(m, column) == row["code"]))
        area = Area(code=row["code"], kind=row["kind"], refnis=row["refnis"], name_nl=row["name_nl"],
                    name_fr=row["name_fr"], name_de=row["name_de"], name_en=row["name_en"],
                    region=row["region"], municipalities=members)
        areas[area.code] = area
        extra = [alias for alias in row["aliases"].split("|") if alias]
        names += [(area, name) for name in (area.name_nl, area.name_fr, area.name_de, area.name_en, *extra)]
    return areas, names


class PlaceResolver:
    """Every Belgian municipality, province and region, and what a typed text refers to among them."""

    def __init__(self, directory: Path = REFERENCE_DIR) -> None:
        self.municipalities = _load_municipalities(directory)
        self.areas, area_names = _load_areas(directory, self.municipalities)
        self.by_postcode: Dict[str, Tuple[Municipality, ...]] = {}
        for row in read_rows(directory / "postcodes.csv"):
            self.by_postcode[row["postcode"]] = self.by_postcode.get(row["postcode"], ()) + (
                self.municipalities[row["refnis"]],)
        self.mergers = {row["old_name"]: self.municipalities[row["refnis"]]
                        for row in read_rows(directory / "mergers_2025.csv")}
        self.localities: Dict[str, Municipality] = {}  # by the name as written ("Gentbrugge")
        self._index: Dict[str, _Entry] = {}
        self._build_index(directory, area_names)
        self._max_words = max(len(key.split()) for key in self._index)
        # Typos are matched against municipality and area names only: with 800 localities more, a typo
        # would too often be one edit away from some village nobody meant.
        self._fuzzy_keys = [key for key, entry in self._index.items()
                            if len(key) >= 5 and key not in COMMON_WORD_NAMES and entry.via != "locality"]

    def _build_index(self, directory: Path, area_names: List[Tuple[Area, str]]) -> None:
        for m in self.municipalities.values():
            for name in (m.name_nl, m.name_fr, m.name_de):
                self._add(name, _Entry(m, "name", name))
        for row in read_rows(directory / "exonyms.csv"):
            self._add(row["name"], _Entry(self.municipalities[row["refnis"]], "exonym", row["name"]))
        for old, m in self.mergers.items():
            self._add(old, _Entry(m, "merger", old, merged_from=old))
        for area, name in area_names:
            self._add_area(name, area)
        self._add_localities(read_rows(directory / "postcodes.csv"))
        for key in list(self._index):  # "St-Niklaas": only where the short form names nothing else
            for short in _abbreviations(key):
                self._index.setdefault(short, self._index[key])

    def _add(self, name: str, entry: _Entry) -> None:
        """Official names first, then exonyms, then merged names: the first entry of a place stays."""
        key = name_key(name)
        if not key:
            return
        known = self._index.setdefault(key, entry)
        if known.place != entry.place:
            raise ValueError(f"place name {name!r} means both {known.place.value} and {entry.place.value}")

    def _add_localities(self, rows: List[Dict[str, str]]) -> None:
        """Each postcode's locality that is not already a name: a name two municipalities share is left
        out (it would need a question), and every other name keeps its meaning."""
        found: Dict[str, Set[str]] = {}
        names: Dict[str, str] = {}
        for row in rows:
            key = name_key(row["locality"])
            if key and key not in self._index:
                found.setdefault(key, set()).add(row["refnis"])
                names.setdefault(key, row["locality"])
        for key, refnis_codes in found.items():
            if len(refnis_codes) == 1:
                municipality = self.municipalities[next(iter(refnis_codes))]
                self._index[key] = _Entry(municipality, "locality", names[key])
                self.localities[names[key]] = municipality

    def _add_area(self, name: str, area: Area) -> None:
        """An area name that is also a municipality's: the municipality wins, unless in AREA_FIRST."""
        key = name_key(name)
        known = self._index.get(key)
        if known is None:
            self._index[key] = _Entry(area, "name", name)
        elif known.place != area and area not in known.alternatives:
            if key in AREA_FIRST:
                self._index[key] = _Entry(area, "name", name, alternatives=(known.place,))
            else:
                self._index[key] = _Entry(known.place, known.via, known.label, known.merged_from,
                                          alternatives=known.alternatives + (area,))

    # --- public lookups --------------------------------------------------------------------------------------

    def phrases(self) -> List[str]:
        """Every key that names a place, and every postcode: what the NLU matcher looks for."""
        return list(self._index) + list(self.by_postcode)

    def municipality(self, refnis: str) -> Optional[Municipality]:
        return self.municipalities.get(refnis)

    def nearest(self, origin: Municipality, refnis_codes: Iterable[str],
                limit: Optional[int] = None) -> List[Tuple[Municipality, float]]:
        """:func:`nearest` over REFNIS codes (unknown codes are skipped)."""
        known = (self.municipalities[code] for code in refnis_codes if code in self.municipalities)
        return nearest(origin, known, limit)

    def resolve(self, text: Optional[str]) -> Optional[Resolution]:
        """What ``text`` (a slot value, an answer or a whole sentence) refers to; see the module docstring."""
        if not text or not text.strip():
            return None
        text = text[:MAX_TEXT]
        canonical = self._from_value(text.strip())
        if canonical is not None:
            return canonical
        tokens = tokenize(text)
        found = self.mentions(text, tokens)
        if found:
            return self._choose(found)
        return self.suggest(text, tokens)

    def mentions(self, text: str, tokens: Optional[List[Token]] = None,
                 spans: Optional[Iterable[Tuple[int, int]]] = None) -> List[Mention]:
        """Places named in ``text``, in order. ``spans`` (token index ranges) come from a matcher that
        already found candidate keys; without them the resolver finds them itself."""
        tokens = tokenize(text) if tokens is None else tokens
        words = [token.text for token in tokens]
        candidates = self._spans(words) if spans is None else spans
        chosen = _non_overlapping(span for span in candidates if _one_phrase(text, tokens, *span)
                                  and not _inside_compound(text, tokens, *span))
        places = set(chosen)
        found = []
        for start, end in chosen:
            key = " ".join(words[start:end])
            if key in self.by_postcode and end - start == 1:
                if self._postcode_ok(text, tokens, start, places):
                    found.append(self._mention(text, tokens, start, end, self._postcode(key, text)))
            elif key in self._index and self._name_ok(text, tokens, start, end, key, places,
                                                      self._index[key].via == "locality"):
                found.append(self._mention(text, tokens, start, end, self._match(key, text, tokens, start, end)))
        return found

    def suggest(self, text: str, tokens: Optional[List[Token]] = None) -> Optional[Suggestion]:
        """The closest known name to a word group of ``text`` within 1 edit (2 for long names)."""
        tokens = tokenize(text) if tokens is None else tokens
        best: Optional[Tuple[int, int, str, str]] = None
        for query in self._fuzzy_queries(tokens):
            limit = 1 if len(query) <= 8 else 2
            hit = process.extractOne(query, self._fuzzy_keys, scorer=OSA.distance, score_cutoff=limit)
            if hit is not None and (best is None or (hit[1], -len(query)) < (best[0], best[1])):
                best = (hit[1], -len(query), hit[0], query)
        if best is None:
            return None
        entry = self._index[best[2]]
        return Suggestion(entry.place, entry.label, best[3], best[0], entry.merged_from)

    # --- internals -------------------------------------------------------------------------------------------

    def _from_value(self, text: str) -> Optional[Resolution]:
        kind, _, code = text.partition(":")
        if kind == "municipality" and code in self.municipalities:
            return MunicipalityMatch(self.municipalities[code], text, "code")
        if kind in ("province", "region") and code in self.areas and self.areas[code].kind == kind:
            return AreaMatch(self.areas[code], text)
        if kind == "postcode" and code in self.by_postcode:
            return self._postcode(code, text)
        if kind == "merger" and code in self.mergers:
            return MunicipalityMatch(self.mergers[code], text, "merger", merged_from=code)
        if kind == "locality" and code in self.localities:
            return MunicipalityMatch(self.localities[code], text, "locality", locality=code)
        return None

    def _choose(self, found: List[Mention]) -> Resolution:
        """Postcodes first; an ambiguous postcode next to one of its municipalities' names is settled."""
        postcodes = [m.result for m in found if getattr(m.result, "postcode", None)]
        named = [m.result for m in found if isinstance(m.result, MunicipalityMatch) and not m.result.postcode]
        for result in postcodes:
            if isinstance(result, AmbiguousPostcode):
                for match in named:
                    if match.municipality in result.candidates:
                        return MunicipalityMatch(match.municipality, match.text, "postcode", result.postcode)
            return result
        return found[0].result

    def _spans(self, words: Sequence[str]) -> Iterator[Tuple[int, int]]:
        """Every token range that is a key (overlaps included, as a phrase matcher gives them)."""
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + self._max_words) + 1):
                key = " ".join(words[start:end])
                if key in self._index or (end - start == 1 and key in self.by_postcode):
                    yield start, end

    def _postcode(self, code: str, text: str) -> Resolution:
        candidates = self.by_postcode[code]
        if len(candidates) == 1:
            return MunicipalityMatch(candidates[0], text, "postcode", postcode=code)
        return AmbiguousPostcode(code, candidates, text)

    def _match(self, key: str, text: str, tokens: List[Token], start: int, end: int) -> Resolution:
        entry = self._index[key]
        surface = text[tokens[start].start:tokens[end - 1].end]
        if isinstance(entry.place, Area):
            return AreaMatch(entry.place, surface, entry.alternatives)
        return MunicipalityMatch(entry.place, surface, entry.via, merged_from=entry.merged_from,
                                 alternatives=entry.alternatives, locality=entry.locality)

    @staticmethod
    def _mention(text: str, tokens: List[Token], start: int, end: int, result: Resolution) -> Mention:
        begin, finish = tokens[start].start, tokens[end - 1].end
        if tokens[start].text == "s" and begin and text[begin - 1] in "'’":  # ’s Gravenbrakel
            begin -= 1
        return Mention(begin, finish, text[begin:finish], result)

    @staticmethod
    def _name_ok(text: str, tokens: List[Token], start: int, end: int, key: str,
                 places: Set[Tuple[int, int]], locality: bool = False) -> bool:
        """Everyday words ("as", "geel") count only capitalised inside a sentence or with a cue; short or
        everyday locality names ("doel", "meer") only right after a cue word."""
        if locality and (len(key) < LOCALITY_MIN_FREE_LENGTH or key in LOCALITY_COMMON_WORDS):
            return start > 0 and tokens[start - 1].text in CUE_WORDS
        if key not in COMMON_WORD_NAMES:
            return True
        surface = text[tokens[start].start]
        before = text[:tokens[start].start].rstrip()
        capitalised = surface.isupper() and bool(before) and before[-1] not in ".!?:"
        return capitalised or _has_cue(tokens, start, end, places, CUE_WORDS)

    @staticmethod
    def _postcode_ok(text: str, tokens: List[Token], index: int, places: Set[Tuple[int, int]]) -> bool:
        """Not a quantity ("1000 vrijwilligers", "€ 1500"); a year-like number needs a postcode cue."""
        after = tokens[index + 1].text if index + 1 < len(tokens) else ""
        before = tokens[index - 1].text if index else ""
        currency = "€" in text[max(0, tokens[index].start - 2):tokens[index].start]
        if after in UNIT_WORDS or before in QUANTITY_WORDS or currency:
            return False
        if 1900 <= int(tokens[index].text) <= 2100:
            return _has_cue(tokens, index, index + 1, places, POSTCODE_WORDS)
        return True

    def _fuzzy_queries(self, tokens: List[Token]) -> Iterator[str]:
        """Word groups that may be a misspelt place: a message of at most three words as a whole, and
        one to three words right after a cue word ("groep in Kotrijk")."""
        words = [t.text for t in tokens]
        groups = [words] if len(words) <= 3 else []
        for i, word in enumerate(words[:-1]):
            if word in CUE_WORDS:
                groups += [words[i + 1:i + 1 + size] for size in (1, 2, 3) if i + size < len(words)]
        for group in groups:
            query = " ".join(group)
            if (len(query) >= 5 and not set(group) & NOT_PLACES and query not in self._index
                    and not any(w.isdigit() for w in group)):
                yield query


def _has_cue(tokens: List[Token], start: int, end: int, places: Set[Tuple[int, int]],
             cue_words: FrozenSet[str]) -> bool:
    """The whole message, after a cue word, or right beside another place or postcode."""
    if start == 0 and end == len(tokens):
        return True
    if start > 0 and tokens[start - 1].text in cue_words:
        return True
    return any(s == end or e == start for s, e in places)


_JOINER = re.compile(r"[\s\-'’‘.]*")


def _one_phrase(text: str, tokens: List[Token], start: int, end: int) -> bool:
    """Words joined only by spaces, hyphens, apostrophes or dots: "Bilzen, Hoeselt" are two places."""
    return all(_JOINER.fullmatch(text[tokens[k].end:tokens[k + 1].start]) for k in range(start, end - 1))


def _inside_compound(text: str, tokens: List[Token], start: int, end: int) -> bool:
    """Part of a longer hyphenated name ("Waver" in "Sint-Katelijne-Waver"): not that place."""
    begin, finish = tokens[start].start, tokens[end - 1].end
    glued_before = begin >= 2 and text[begin - 1] == "-" and text[begin - 2].isalnum()
    glued_after = finish + 1 < len(text) and text[finish] == "-" and text[finish + 1].isalnum()
    return glued_before or glued_after


def _non_overlapping(spans: Iterable[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """Longest first, then leftmost; what spaCy's ``filter_spans`` does, on index pairs."""
    chosen: List[Tuple[int, int]] = []
    taken: Set[int] = set()
    for start, end in sorted(set(spans), key=lambda s: (s[0] - s[1], s[0])):
        if not taken.intersection(range(start, end)):
            chosen.append((start, end))
            taken.update(range(start, end))
    return sorted(chosen)


@lru_cache(maxsize=None)
def default_resolver(directory: Path = REFERENCE_DIR) -> PlaceResolver:
    """The shared resolver (built once per process: about 0.1 s)."""
    return PlaceResolver(directory)
