"""Import, export and seed the initiatives table from the organisation's CSV export.

The CSV format is documented in ``data/reference/README-initiatives.md``. An import validates every row first
and reports *all* errors with their line numbers; only a clean file is written, in one transaction (all or
nothing), upserting by ``id`` so that importing the same file twice changes nothing. Export writes the same
format back, so export -> import is a round trip.

Command line (from the repository root)::

    python -m horizon.cli validate FILE
    python -m horizon.cli import FILE [--source "11.11.11 export 2026-11"]
    python -m horizon.cli export FILE
    python -m horizon.cli seed            # upgrade the schema; load the sample file if empty
    python -m horizon.cli remove-source sample

Error messages never repeat e-mail addresses or names (no personal data in logs or terminals).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, TypeVar
from urllib.parse import urlparse

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from horizon.db import Base, session_scope
from horizon.initiatives.models import MULTI_VALUED, Initiative, InitiativeData
from horizon.initiatives.repository import SAMPLE_SOURCE, municipality_coords
from horizon.initiatives.vocabulary import INITIATIVE_TYPES, THEMES, is_country_code, province_of
from horizon.paths import REFERENCE_DIR
from horizon.schema import ensure_schema

T = TypeVar("T")
SAMPLE_CSV = REFERENCE_DIR / "sample_initiatives.csv"

#: Columns in export order. The first four are required in every row.
COLUMNS = (
    "id",
    "name",
    "type",
    "refnis",
    "postcodes",
    "themes",
    "countries",
    "description",
    "email",
    "website",
    "may_show_contact",
    "active",
    "source",
    "last_verified",
)
REQUIRED = ("id", "name", "type", "refnis")
#: Columns stored as they are on the initiative row (the id is its key; lists go to association tables).
SINGLE_VALUED = tuple(c for c in COLUMNS if c not in ("id", *MULTI_VALUED))
LIST_SEPARATOR = ";"

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_POSTCODE_RE = re.compile(r"^[1-9][0-9]{3}$")
_TRUE = {"1", "true", "yes", "y", "ja", "j", "waar", "x"}
_FALSE = {"0", "false", "no", "n", "nee", "onwaar"}
_MAX_LENGTH = {"name": 200, "description": 4000, "email": 254, "website": 500, "source": 100}

#: Accepted spellings of a type: the code, its Dutch and English label, and common variants.
_TYPE_ALIASES: Dict[str, str] = {
    **{code: code for code in INITIATIVE_TYPES},
    **{labels[0].lower(): code for code, labels in INITIATIVE_TYPES.items()},
    **{labels[1].lower(): code for code, labels in INITIATIVE_TYPES.items()},
    "11.11.11-comité": "local_group",
    "lokale groep": "local_group",
    "local group": "local_group",
    "4de pijler": "fourth_pillar",
    "vierde pijler": "fourth_pillar",
    "fourth pillar": "fourth_pillar",
    "member organization": "member_organisation",
}
#: Accepted spellings of a theme: the code and its Dutch and English label.
_THEME_ALIASES: Dict[str, str] = {
    **{code: code for code in THEMES},
    **{labels[0].lower(): code for code, labels in THEMES.items()},
    **{labels[1].lower(): code for code, labels in THEMES.items()},
}


@dataclass(frozen=True)
class Record(InitiativeData):
    """One validated, normalised initiative, exactly as stored (lists sorted, codes canonical).

    Field order is the CSV column order (:data:`COLUMNS`).
    """

    may_show_contact: bool = False
    active: bool = True
    source: str = ""
    last_verified: Optional[dt.date] = None


@dataclass(frozen=True)
class RowError:
    """A problem in one cell (or the whole row when ``column`` is empty), with its line in the file."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportRejected(ValueError):
    """The file has errors; nothing was written. ``errors`` lists them all, in file order."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} error(s); nothing imported")


@dataclass
class ImportReport:
    """What an import changed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: List[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged"


# --- reading and validating ----------------------------------------------------------------------------------


def _split(value: str, *, on_spaces: bool) -> List[str]:
    pattern = r"[;,|\s]+" if on_spaces else r"[;,|]"
    return [part.strip() for part in re.split(pattern, value) if part.strip()]


def _parse_bool(value: str, default: bool) -> bool:
    lowered = value.strip().lower()
    if not lowered:
        return default
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("must be ja/nee, yes/no, true/false or 1/0")


def _parse_date(value: str, today: dt.date) -> Optional[dt.date]:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            parsed = dt.datetime.strptime(value, fmt).date()
            break
        except ValueError:
            continue
    else:
        raise ValueError("must be a date like 2026-11-05 (or 05/11/2026)")
    if parsed > today + dt.timedelta(days=1):
        raise ValueError("lies in the future")
    return parsed


def _check_email(value: str) -> Optional[str]:
    value = value.strip()
    if not value:
        return None
    if len(value) > _MAX_LENGTH["email"] or not _EMAIL_RE.match(value):
        raise ValueError("is not a valid e-mail address")  # never echo the address itself
    return value


def _check_website(value: str) -> Optional[str]:
    value = value.strip()
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or "." not in parsed.netloc or " " in value:
        raise ValueError("must be a full web address starting with https:// or http://")
    return value


class _RowValidator:
    """Collects every problem of one row instead of stopping at the first."""

    def __init__(self, line: int, raw: Dict[str, str]) -> None:
        self.line = line
        self.raw = raw
        self.errors: List[RowError] = []

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))

    def text(self, column: str, required: bool = False) -> str:
        value = self.raw.get(column, "").strip()
        if required and not value:
            self.error(column, "is required")
        if column in _MAX_LENGTH and len(value) > _MAX_LENGTH[column]:
            self.error(column, f"is longer than {_MAX_LENGTH[column]} characters")
        return value

    def parse(self, column: str, parser: Callable[[str], T]) -> Optional[T]:
        try:
            return parser(self.raw.get(column, ""))
        except ValueError as exc:
            self.error(column, str(exc))
            return None

    def codes(
        self, column: str, aliases: Callable[[str], Optional[str]], what: str, on_spaces: bool
    ) -> Tuple[str, ...]:
        found = []
        for part in _split(self.raw.get(column, ""), on_spaces=on_spaces):
            code = aliases(part)
            if code is None:
                self.error(column, f"unknown {what} {part!r}")
            elif code not in found:
                found.append(code)
        return tuple(sorted(found))


def validate_row(
    raw: Dict[str, str], line: int, known_refnis: Set[str], default_source: str, today: dt.date
) -> Tuple[Optional[Record], List[RowError]]:
    """Validate and normalise one CSV row; returns the record (None if invalid) and all its errors."""
    v = _RowValidator(line, raw)
    ident = v.text("id", required=True)
    if ident and not _ID_RE.match(ident):
        v.error("id", "may hold only letters, digits and . _ : - (at most 64)")
    name = v.text("name", required=True)
    type_text = v.text("type", required=True)
    type_code = _TYPE_ALIASES.get(type_text.lower())
    if type_text and type_code is None:
        v.error("type", f"unknown type {type_text!r}; use one of {', '.join(INITIATIVE_TYPES)}")
    refnis = v.text("refnis", required=True)
    if refnis and refnis not in known_refnis:
        v.error("refnis", f"{refnis!r} is not the REFNIS code of a Belgian municipality")
    postcodes = v.codes("postcodes", lambda p: p if _POSTCODE_RE.match(p) else None, "postcode", True)
    themes = v.codes("themes", lambda t: _THEME_ALIASES.get(t.lower()), "theme", False)
    countries = v.codes(
        "countries", lambda c: c.upper() if is_country_code(c.upper()) else None, "ISO country code", True
    )
    description = v.text("description")
    email = v.parse("email", _check_email)
    website = v.parse("website", _check_website)
    may_show = v.parse("may_show_contact", lambda s: _parse_bool(s, False))
    active = v.parse("active", lambda s: _parse_bool(s, True))
    source = v.text("source") or default_source
    last_verified = v.parse("last_verified", lambda s: _parse_date(s, today))
    if v.errors:
        return None, v.errors
    record = Record(
        id=ident,
        name=name,
        type=type_code or "",
        refnis=refnis,
        postcodes=postcodes,
        themes=themes,
        countries=countries,
        description=description,
        email=email,
        website=website,
        may_show_contact=bool(may_show),
        active=bool(active),
        source=source,
        last_verified=last_verified,
    )
    return record, []


def _open_text(path: Path) -> str:
    """The file's text; UTF-8 with or without BOM (Excel writes one)."""
    return path.read_bytes().decode("utf-8-sig")


def _dialect(first_line: str) -> str:
    """Comma or semicolon: Excel in a Belgian locale saves CSV with semicolons."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def read_records(
    path: Path,
    known_refnis: Optional[Set[str]] = None,
    default_source: str = "",
    today: Optional[dt.date] = None,
) -> Tuple[List[Record], List[RowError]]:
    """Parse and validate a whole file; returns the valid records and every error found."""
    known = set(municipality_coords()) if known_refnis is None else known_refnis
    today = today or dt.date.today()
    try:
        text = _open_text(path)
    except UnicodeDecodeError:
        return [], [RowError(1, "", "the file is not UTF-8 text; save it as 'CSV UTF-8'")]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text.split("\n", 1)[0]))
    header = [h.strip().lower() for h in next(reader, [])]
    errors = _header_errors(header)
    if errors:
        return [], errors
    records: List[Record] = []
    first_line: Dict[str, int] = {}
    end_of_previous = reader.line_num
    for cells in reader:
        line, end_of_previous = end_of_previous + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(header):
            errors.append(RowError(line, "", f"has {len(cells)} fields, the header has {len(header)}"))
            continue
        record, row_errors = validate_row(dict(zip(header, cells, strict=True)), line, known, default_source, today)
        errors.extend(row_errors)
        if record is None:
            continue
        if record.id in first_line:
            errors.append(RowError(line, "id", f"{record.id!r} already appears on line {first_line[record.id]}"))
            continue
        first_line[record.id] = line
        records.append(record)
    if not records and not errors:
        errors.append(RowError(1, "", "the file holds no initiatives"))
    return records, errors


def _header_errors(header: List[str]) -> List[RowError]:
    if not header or header == [""]:
        return [RowError(1, "", "the file is empty; expected a header line")]
    errors = [RowError(1, col, "required column is missing") for col in REQUIRED if col not in header]
    known = ", ".join(COLUMNS)
    errors += [RowError(1, col, f"unknown column (known: {known})") for col in header if col not in COLUMNS]
    errors += [RowError(1, col, "appears twice") for col in set(header) if header.count(col) > 1]
    return errors


# --- writing -------------------------------------------------------------------------------------------------


def record_of(obj: Initiative) -> Record:
    """The stored initiative as a :class:`Record` (for comparison and export)."""
    return Record(
        id=obj.id,
        name=obj.name,
        type=obj.type,
        refnis=obj.refnis,
        postcodes=tuple(obj.postcodes),
        themes=tuple(obj.themes),
        countries=tuple(obj.countries),
        description=obj.description or "",
        email=obj.email,
        website=obj.website,
        may_show_contact=bool(obj.may_show_contact),
        active=bool(obj.active),
        source=obj.source,
        last_verified=obj.last_verified,
    )


def _assign(obj: Initiative, record: Record) -> None:
    for name in SINGLE_VALUED:
        setattr(obj, name, getattr(record, name))
    obj.province = province_of(record.refnis)
    obj.set_values(list(record.postcodes), list(record.themes), list(record.countries))


def upsert(session: Session, records: Sequence[Record], chunk: int = 500) -> ImportReport:
    """Create or update records by id inside the caller's transaction."""
    report = ImportReport()
    ids = [r.id for r in records]
    existing: Dict[str, Initiative] = {}
    for start in range(0, len(ids), chunk):
        batch = ids[start : start + chunk]
        found = session.execute(select(Initiative).where(Initiative.id.in_(batch))).scalars()
        existing.update({obj.id: obj for obj in found})
    for record in records:
        obj = existing.get(record.id)
        if obj is None:
            obj = Initiative(id=record.id)
            session.add(obj)
            report.created += 1
        elif record_of(obj) == record:
            report.unchanged += 1
            continue
        else:
            report.updated += 1
        _assign(obj, record)
        report.ids.append(record.id)
    session.flush()
    return report


def create_schema(engine: Optional[Engine] = None) -> None:
    """Bring the schema to the newest migration, once per engine (:mod:`horizon.schema`)."""
    ensure_schema(engine)


def import_file(
    path: Path,
    *,
    engine: Optional[Engine] = None,
    default_source: Optional[str] = None,
    known_refnis: Optional[Set[str]] = None,
) -> ImportReport:
    """Validate the whole file, then upsert it in one transaction; raises :class:`ImportRejected` on any error."""
    source = default_source or f"11.11.11 export {dt.date.today():%Y-%m}"
    records, errors = read_records(Path(path), known_refnis, source)
    if errors:
        raise ImportRejected(errors)
    create_schema(engine)
    with session_scope(engine) as session:
        report = upsert(session, records)
        refresh_statistics(session)
        return report


def refresh_statistics(session: Session) -> None:
    """Update the planner's statistics so that it starts joins from the most selective filter."""
    for table in Base.metadata.sorted_tables:
        session.execute(text(f"ANALYZE {table.name}"))


def export_file(path: Path, *, engine: Optional[Engine] = None) -> int:
    """Write every initiative (active or not, contacts included) in the import format; returns the count."""
    with session_scope(engine) as session:
        records = [record_of(o) for o in session.execute(select(Initiative).order_by(Initiative.id)).scalars()]
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        write_records(handle, records)
    return len(records)


def write_records(handle: io.TextIOBase, records: Iterable[Record]) -> None:
    """Write records as CSV in :data:`COLUMNS` order (shared by export and the sample generator)."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in records:
        writer.writerow([_cell(value) for value in astuple(record)])


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return LIST_SEPARATOR.join(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def count_initiatives(engine: Optional[Engine] = None) -> int:
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(Initiative)).scalar_one()


def seed(path: Optional[Path] = None, *, engine: Optional[Engine] = None) -> Optional[ImportReport]:
    """Upgrade the schema, then load the sample file, but only into an empty database (for ``make run``)."""
    create_schema(engine)
    if count_initiatives(engine):
        return None
    return import_file(path or SAMPLE_CSV, engine=engine, default_source=SAMPLE_SOURCE)


def remove_source(source: str, *, engine: Optional[Engine] = None) -> int:
    """Delete every initiative from one source (e.g. the sample data once the real list is loaded)."""
    with session_scope(engine) as session:
        doomed = session.execute(select(Initiative).where(Initiative.source == source)).scalars().all()
        for obj in doomed:
            session.delete(obj)
        return len(doomed)
