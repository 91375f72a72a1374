"""Municipalities and areas from the generated reference tables (no network, no spaCy)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Tuple

from horizon.places.model import Area, Municipality
from horizon.reference import read_rows


def load_municipalities(directory: Path) -> Dict[str, Municipality]:
    """Municipalities by REFNIS code, with their English exonym where one exists."""
    english = {
        row["refnis"]: row["name"]
        for row in read_rows(directory / "exonyms.csv")
        if row["language"] == "en" and not row["name"].lower().startswith("city of")
    }
    return {
        row["refnis"]: Municipality(
            refnis=row["refnis"],
            name_nl=row["name_nl"],
            name_fr=row["name_fr"],
            name_de=row["name_de"],
            province=row["province"],
            region=row["region"],
            postcodes=tuple(row["postcodes"].split()),
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
            name_en=english.get(row["refnis"], ""),
        )
        for row in read_rows(directory / "places.csv")
    }


def load_areas(
    directory: Path, municipalities: Dict[str, Municipality]
) -> Tuple[Dict[str, Area], List[Tuple[Area, str]]]:
    """Areas by code, and every (area, name) pair that names one."""
    areas, names = {}, []
    for row in read_rows(directory / "areas.csv"):
        column = "province" if row["kind"] == "province" else "region"
        members = tuple(sorted(m.refnis for m in municipalities.values() if getattr(m, column) == row["code"]))
        area = Area(
            code=row["code"],
            kind=row["kind"],
            refnis=row["refnis"],
            name_nl=row["name_nl"],
            name_fr=row["name_fr"],
            name_de=row["name_de"],
            name_en=row["name_en"],
            region=row["region"],
            municipalities=members,
        )
        areas[area.code] = area
        extra = [alias for alias in row["aliases"].split("|") if alias]
        names += [(area, name) for name in (area.name_nl, area.name_fr, area.name_de, area.name_en, *extra)]
    return areas, names
