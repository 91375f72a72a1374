"""Initiative rows and files for tests: a valid CSV row with overrides, a CSV writer, every page of a search."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Dict, List

from horizon.initiatives import importer
from horizon.initiatives import repository as repo

CITIES = {
    "gent": "44021",
    "antwerpen": "11002",
    "leuven": "24062",
    "brussel": "21004",
    "hasselt": "71072",
    "brugge": "31005",
    "kortrijk": "34022",
    "bkz": "46030",
}


def row(ident: str, **values: str) -> Dict[str, str]:
    """A valid CSV row; keyword arguments override single cells."""
    base = {
        "id": ident,
        "name": f"Groep {ident}",
        "type": "local_group",
        "refnis": CITIES["gent"],
        "postcodes": "9000",
        "themes": "education",
        "countries": "CD",
        "description": "Een test.",
        "email": f"{ident}@example.org",
        "website": f"https://example.org/{ident}",
        "may_show_contact": "ja",
        "active": "ja",
        "source": "test",
        "last_verified": "2026-01-15",
    }
    base.update(values)
    return base


def write_csv(path: Path, rows: List[Dict[str, str]], delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(importer.COLUMNS), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def all_pages(**filters: str) -> List[repo.InitiativeView]:
    """Every match of find(), read page by page (also exercises paging)."""
    found: List[repo.InitiativeView] = []
    while True:
        page = repo.find(**filters, limit=7, offset=len(found))
        found.extend(page.items)
        if not page.has_more:
            assert len(found) == page.total
            return found
