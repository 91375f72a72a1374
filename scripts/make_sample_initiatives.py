"""Generate data/reference/sample_initiatives.csv: fictitious initiatives, clearly marked as sample.

No public list of 11-groepen or 4de Pijlerinitiatieven exists (see data/source/facts.md), so the assistant
ships invented records to show how it works: every name starts with "Voorbeeld:", every description with
"[Voorbeeld]", the source is "sample", and e-mail addresses and websites are on example.org only. The output
is deterministic (seeded) so regenerating does not churn the repository.

Usage (from the repository root): ``python scripts/make_sample_initiatives.py [--places CSV] [--out CSV]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from horizon.initiatives.importer import SAMPLE_CSV, Record, write_records
from horizon.initiatives.repository import SAMPLE_SOURCE
from horizon.initiatives.vocabulary import THEMES
from horizon.paths import REFERENCE_DIR
from horizon.reference import read_rows

PLACES_CSV = REFERENCE_DIR / "places.csv"

SEED = 1111
#: Flemish provinces and the Brussels-Capital Region (codes as in places.csv).
REGIONS_COVERED = {"VAN", "VBR", "VWV", "VOV", "VLI", "BRU"}
#: Partner countries named in facts.md, plus a few countries where 4de Pijlers commonly work.
PARTNER_COUNTRIES = ["CD", "RW", "BI", "PE", "EC", "BO", "PH", "ID"]
OTHER_COUNTRIES = ["SN", "BF", "GT", "NI", "TZ", "NP", "HT", "ET"]
#: A few places per country for names like "Vrienden van Kivu".
PLACES_ABROAD: Dict[str, Sequence[str]] = {
    "CD": ("Kivu", "Bukavu", "Kasaï", "Kisangani"),
    "RW": ("Huye", "Musanze", "Kigali"),
    "BI": ("Gitega", "Ngozi"),
    "PE": ("Cusco", "Ayacucho", "Cajamarca"),
    "EC": ("Cuenca", "Riobamba"),
    "BO": ("Cochabamba", "Sucre", "El Alto"),
    "PH": ("Mindanao", "Leyte", "Negros"),
    "ID": ("Sulawesi", "Flores", "Java"),
    "SN": ("Thiès", "Ziguinchor"),
    "BF": ("Koudougou",),
    "GT": ("Quetzaltenango",),
    "NI": ("León", "Estelí"),
    "TZ": ("Arusha",),
    "NP": ("Pokhara",),
    "HT": ("Jacmel",),
    "ET": ("Mekele",),
}
LOCAL_ACTIVITIES = (
    "organiseert elk jaar een ontbijt tijdens de 11.11.11-campagne",
    "houdt een quiz en een huis-aan-huisverkoop in november",
    "verkoopt wenskaarten en fairtrade chocolade aan de supermarkt",
    "zoekt vrijwilligers voor de campagneweek van 1 tot 11 november",
    "brengt lokale verenigingen samen rond internationale solidariteit",
)
FOURTH_PILLAR_FORMS = (
    "Vrienden van {place}",
    "Scholenband {town}-{place}",
    "{town} helpt {place}",
    "Werkgroep {place}",
    "Solidariteitsfonds {place}",
)
MEMBER_ORG_FORMS = ("Wereldhuis {town}", "Noord-Zuidplatform {town}", "Solidariteitscentrum {town}")
#: Cities that get a (fictitious) member organisation: REFNIS codes of the provincial capitals and Brussels.
MEMBER_ORG_CITIES = ("11002", "44021", "31005", "24062", "71072", "21004", "12025", "34022", "21001", "41002")
#: Municipalities that always get a local group, so that the examples in issue 3 find something.
ALWAYS_LOCAL_GROUP = ("46030", "44088", "11002", "44021", "24062")


@dataclass(frozen=True)
class Municipality:
    refnis: str
    name: str
    postcodes: Tuple[str, ...]


def read_places(path: Path) -> List[Municipality]:
    """Flemish and Brussels municipalities from the places table."""
    return [
        Municipality(row["refnis"], row["name_nl"], tuple(sorted(row["postcodes"].split())))
        for row in sorted(read_rows(path), key=lambda r: r["refnis"])
        if row["province"] in REGIONS_COVERED
    ]


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


class SampleMaker:
    """Builds the records; one seeded random generator makes the output reproducible."""

    def __init__(self, places: List[Municipality], seed: int = SEED) -> None:
        self.places = places
        self.by_refnis = {m.refnis: m for m in places}
        self.rng = random.Random(seed)

    def _themes(self, k_max: int) -> Tuple[str, ...]:
        return tuple(sorted(self.rng.sample(sorted(THEMES), self.rng.randint(1, k_max))))

    def _verified(self) -> dt.date:
        return dt.date(2025, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 640))

    def _record(
        self,
        ident: str,
        name: str,
        kind: str,
        town: Municipality,
        description: str,
        themes: Tuple[str, ...],
        countries: Tuple[str, ...],
    ) -> Record:
        handle = slug(name.replace("Voorbeeld:", ""))
        return Record(
            id=ident,
            name=f"Voorbeeld: {name}",
            type=kind,
            refnis=town.refnis,
            postcodes=town.postcodes,
            themes=themes,
            countries=tuple(sorted(set(countries))),
            description=f"[Voorbeeld] {description}",
            email=f"{handle}@example.org",
            website=f"https://example.org/{handle}",
            may_show_contact=self.rng.random() < 0.8,
            active=self.rng.random() < 0.95,
            source=SAMPLE_SOURCE,
            last_verified=self._verified(),
        )

    def local_groups(self) -> List[Record]:
        records = []
        for town in self.places:
            if town.refnis not in ALWAYS_LOCAL_GROUP and self.rng.random() >= 0.72:
                continue
            activity = self.rng.choice(LOCAL_ACTIVITIES)
            countries = tuple(self.rng.sample(PARTNER_COUNTRIES, self.rng.randint(0, 2)))
            records.append(
                self._record(
                    f"sample-lg-{town.refnis}",
                    f"11-groep {town.name}",
                    "local_group",
                    town,
                    f"Fictieve 11-groep in {town.name}; {activity}.",
                    self._themes(3),
                    countries,
                )
            )
        return records

    def fourth_pillars(self, count: int) -> List[Record]:
        records = []
        weights = [len(m.postcodes) for m in self.places]  # bigger towns get more initiatives
        for number in range(1, count + 1):
            town = self.rng.choices(self.places, weights=weights)[0]
            pool = PARTNER_COUNTRIES if self.rng.random() < 0.75 else OTHER_COUNTRIES
            country = self.rng.choice(pool)
            place = self.rng.choice(PLACES_ABROAD[country])
            name = self.rng.choice(FOURTH_PILLAR_FORMS).format(place=place, town=town.name)
            themes = self._themes(2)
            records.append(
                self._record(
                    f"sample-4p-{number:03d}",
                    f"{name} ({town.name})",
                    "fourth_pillar",
                    town,
                    f"Fictief 4de Pijlerinitiatief uit {town.name} dat werkt rond "
                    f"{', '.join(THEMES[t][0] for t in themes)} in {place}.",
                    themes,
                    (country,),
                )
            )
        return records

    def member_organisations(self) -> List[Record]:
        records = []
        for number, refnis in enumerate(MEMBER_ORG_CITIES, start=1):
            town = self.by_refnis[refnis]  # a KeyError here means the list above is out of date
            name = self.rng.choice(MEMBER_ORG_FORMS).format(town=town.name)
            countries = tuple(self.rng.sample(PARTNER_COUNTRIES + OTHER_COUNTRIES, 3))
            records.append(
                self._record(
                    f"sample-mo-{number:02d}",
                    name,
                    "member_organisation",
                    town,
                    f"Fictieve lidorganisatie met een werking in {town.name}.",
                    self._themes(4),
                    countries,
                )
            )
        return records

    def all(self, fourth_pillar_count: int = 110) -> List[Record]:
        return self.local_groups() + self.fourth_pillars(fourth_pillar_count) + self.member_organisations()


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--places", type=Path, default=PLACES_CSV)
    parser.add_argument("--out", type=Path, default=SAMPLE_CSV)
    args = parser.parse_args(list(argv))
    records = SampleMaker(read_places(args.places)).all()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8", newline="") as handle:
        write_records(handle, records)
    print(f"wrote {len(records)} sample initiatives to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
