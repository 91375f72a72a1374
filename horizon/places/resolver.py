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
(``bot/nlu/places.py``, through :mod:`horizon.places.finder`) puts it in the ``location`` entity and the
actions resolve the slot with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple

from horizon.paths import REFERENCE_DIR
from horizon.places.fuzzy import closest_key
from horizon.places.loading import load_areas, load_municipalities
from horizon.places.matching import inside_compound, name_ok, non_overlapping, one_phrase, postcode_ok
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
from horizon.places.words import AREA_FIRST, COMMON_WORD_NAMES, MAX_TEXT
from horizon.reference import read_rows
from horizon.text import Token, name_key, tokenize


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


def _abbreviations(key: str) -> Iterator[str]:
    """ "st niklaas" for "sint niklaas", "st ghislain" for "saint ghislain", "ste ode" for "sainte ode"."""
    short = {"sint": "st", "saint": "st", "sainte": "ste"}
    words = key.split()
    if any(word in short for word in words):
        yield " ".join(short.get(word, word) for word in words)


class PlaceResolver:
    """Every Belgian municipality, province and region, and what a typed text refers to among them."""

    def __init__(self, directory: Path = REFERENCE_DIR) -> None:
        self.municipalities = load_municipalities(directory)
        self.areas, area_names = load_areas(directory, self.municipalities)
        self.by_postcode: Dict[str, Tuple[Municipality, ...]] = {}
        for row in read_rows(directory / "postcodes.csv"):
            self.by_postcode[row["postcode"]] = self.by_postcode.get(row["postcode"], ()) + (
                self.municipalities[row["refnis"]],
            )
        self.mergers = {
            row["old_name"]: self.municipalities[row["refnis"]] for row in read_rows(directory / "mergers_2025.csv")
        }
        self.localities: Dict[str, Municipality] = {}  # by the name as written ("Gentbrugge")
        self._index: Dict[str, _Entry] = {}
        self._build_index(directory, area_names)
        self._max_words = max(len(key.split()) for key in self._index)
        # Typos are matched against municipality and area names only: with 800 localities more, a typo
        # would too often be one edit away from some village nobody meant.
        self._fuzzy_keys = [
            key
            for key, entry in self._index.items()
            if len(key) >= 5 and key not in COMMON_WORD_NAMES and entry.via != "locality"
        ]

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
                self._index[key] = _Entry(
                    known.place, known.via, known.label, known.merged_from, alternatives=known.alternatives + (area,)
                )

    # --- public lookups --------------------------------------------------------------------------------------

    def phrases(self) -> List[str]:
        """Every key that names a place, and every postcode: what the NLU matcher looks for."""
        return list(self._index) + list(self.by_postcode)

    def municipality(self, refnis: str) -> Optional[Municipality]:
        return self.municipalities.get(refnis)

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

    def mentions(
        self, text: str, tokens: Optional[List[Token]] = None, spans: Optional[Iterable[Tuple[int, int]]] = None
    ) -> List[Mention]:
        """Places named in ``text``, in order. ``spans`` (token index ranges) come from a matcher that
        already found candidate keys; without them the resolver finds them itself."""
        tokens = tokenize(text) if tokens is None else tokens
        words = [token.text for token in tokens]
        candidates = self._spans(words) if spans is None else spans
        chosen = non_overlapping(
            span for span in candidates if one_phrase(text, tokens, *span) and not inside_compound(text, tokens, *span)
        )
        places = set(chosen)
        found = []
        for start, end in chosen:
            key = " ".join(words[start:end])
            if key in self.by_postcode and end - start == 1:
                if postcode_ok(text, tokens, start, places):
                    found.append(self._mention(text, tokens, start, end, self._postcode(key, text)))
            elif key in self._index and name_ok(
                text, tokens, start, end, key, places, self._index[key].via == "locality"
            ):
                found.append(self._mention(text, tokens, start, end, self._match(key, text, tokens, start, end)))
        return found

    def suggest(self, text: str, tokens: Optional[List[Token]] = None) -> Optional[Suggestion]:
        """The closest known name to a word group of ``text`` within 1 edit (2 for long names)."""
        tokens = tokenize(text) if tokens is None else tokens
        found = closest_key(tokens, self._fuzzy_keys, self._index)
        if found is None:
            return None
        key, query, distance = found
        entry = self._index[key]
        return Suggestion(entry.place, entry.label, query, distance, entry.merged_from)

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
        surface = text[tokens[start].start : tokens[end - 1].end]
        if isinstance(entry.place, Area):
            return AreaMatch(entry.place, surface, entry.alternatives)
        return MunicipalityMatch(
            entry.place,
            surface,
            entry.via,
            merged_from=entry.merged_from,
            alternatives=entry.alternatives,
            locality=entry.locality,
        )

    @staticmethod
    def _mention(text: str, tokens: List[Token], start: int, end: int, result: Resolution) -> Mention:
        begin, finish = tokens[start].start, tokens[end - 1].end
        if tokens[start].text == "s" and begin and text[begin - 1] in "'’":  # ’s Gravenbrakel
            begin -= 1
        return Mention(begin, finish, text[begin:finish], result)


@cache
def default_resolver(directory: Path = REFERENCE_DIR) -> PlaceResolver:
    """The shared resolver (built once per process: about 0.1 s)."""
    return PlaceResolver(directory)
