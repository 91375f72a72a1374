"""The reference tables under ``data/reference`` (places, postcodes, areas, mergers, exonyms)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Dict, List


def read_rows(path: Path) -> List[Dict[str, str]]:
    """Rows of a reference CSV; its leading ``#`` attribution line is skipped."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))
