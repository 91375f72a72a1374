"""Read-only queries over initiatives: filter (:func:`find`) and proximity (:func:`nearest`).

Both return a :class:`FindResult` of frozen :class:`InitiativeView` records, so actions never touch ORM objects
(which would need an open session) and never see a contact the record does not allow to show. Only active
records are returned. Functions are synchronous; actions call them through :func:`horizon.db.run_db`.

Speed: each call is three indexed queries on Core rows (the count, one page, and the page's postcodes, themes
and countries in one UNION). Coordinates of municipalities are read once from ``data/reference/places.csv``
(joined by REFNIS code only); distances are computed per municipality (565, one numpy step), not per
initiative.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from sqlalchemy import and_, bindparam, func, literal_column, select, true, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause, Select

from horizon.db import session_scope
from horizon.geo import haversine_km
from horizon.initiatives.models import MULTI_VALUED, Initiative, InitiativeData
from horizon.initiatives.vocabulary import INITIATIVE_TYPES, PROVINCES, THEMES
from horizon.places import default_resolver

SAMPLE_SOURCE = "sample"
MAX_LIMIT = 50

Coordinate = Tuple[float, float]


@dataclass(frozen=True)
class InitiativeView(InitiativeData):
    """What an answer may show about one initiative; contact fields are None unless the record allows them."""

    province: str = ""
    source: str = ""
    last_verified: Optional[date] = None
    distance_km: Optional[float] = None

    @property
    def is_sample(self) -> bool:
        """Sample records must be announced as such in every answer."""
        return self.source == SAMPLE_SOURCE


@dataclass(frozen=True)
class FindResult:
    """One page of results and the total number of matches (for "toon meer")."""

    items: Tuple[InitiativeView, ...]
    total: int
    offset: int = 0
    limit: int = 5

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.items) < self.total

    @property
    def any_sample(self) -> bool:
        return any(item.is_sample for item in self.items)


# --- place coordinates ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def municipality_coords() -> Dict[str, Coordinate]:
    """REFNIS code -> (latitude, longitude), from the place resolver's table (read once per process)."""
    return {refnis: (m.latitude, m.longitude) for refnis, m in default_resolver().municipalities.items()}


class _PlaceGrid:
    """Municipality coordinates as arrays, so that the distances to all 565 take one vectorised step."""

    def __init__(self, coords: Dict[str, Coordinate]) -> None:
        self.coords = coords
        self.refnis = list(coords)
        points = np.array([coords[r] for r in self.refnis], dtype=float).reshape(-1, 2)
        self.lat, self.lon = points[:, 0], points[:, 1]

    def distances_from(self, origin: Coordinate) -> np.ndarray:
        return np.asarray(haversine_km(origin[0], origin[1], self.lat, self.lon))


_grids: Dict[int, _PlaceGrid] = {}


def _grid(coords: Dict[str, Coordinate]) -> _PlaceGrid:
    """The grid of a coordinates table, built once per table (the default table is itself cached)."""
    grid = _grids.get(id(coords))
    if grid is None or grid.coords is not coords:
        grid = _grids[id(coords)] = _PlaceGrid(coords)
    return grid


# --- filters -------------------------------------------------------------------------------------------------


def _check_code(value: Optional[str], vocabulary: Mapping[str, object], what: str) -> Optional[str]:
    if value is None:
        return None
    if value not in vocabulary:
        raise ValueError(f"unknown {what}: {value!r}")
    return value


@dataclass(frozen=True)
class Filters:
    """What to look for; None means "any". Codes as in :mod:`horizon.initiatives.vocabulary`."""

    municipality: Optional[str] = None
    postcode: Optional[str] = None
    province: Optional[str] = None
    theme: Optional[str] = None
    country: Optional[str] = None
    type: Optional[str] = None

    def params(self) -> Dict[str, str]:
        """The set filters as bind parameters; unknown codes raise ``ValueError`` (a caller bug)."""
        _check_code(self.province, PROVINCES, "province")
        _check_code(self.type, INITIATIVE_TYPES, "initiative type")
        _check_code(self.theme, THEMES, "theme")
        values = {**self.__dict__, "country": self.country.upper() if self.country else None}
        return {name: value for name, value in values.items() if value is not None}


@dataclass(frozen=True)
class _Statements:
    """Prepared statements for one combination of filters (values are bind parameters).

    Built once per combination and cached: constructing SQLAlchemy statements costs more than SQLite takes to
    run them. Filters on postcodes, themes and countries are inner joins on the association tables (one row
    per initiative and value, so no duplicates): unlike ``id IN (subquery)``, a join lets the planner start
    from the most selective filter.
    """

    count: Select
    page: Select
    refnis: Select
    near: Select


_COLUMN_FILTERS = {"municipality": "refnis", "province": "province", "type": "type"}
_JOIN_FILTERS = {"postcode": "postcodes", "theme": "themes", "country": "countries"}


@lru_cache(maxsize=64)
def _statements(present: FrozenSet[str]) -> _Statements:
    table = Initiative.__table__
    conds: List[ColumnElement] = [table.c.active == true()]
    conds += [table.c[column] == bindparam(name) for name, column in _COLUMN_FILTERS.items() if name in present]
    source: FromClause = table
    for name, kind in _JOIN_FILTERS.items():
        if name in present:
            assoc = MULTI_VALUED[kind].__table__
            source = source.join(assoc, and_(assoc.c.initiative_id == table.c.id, assoc.c.value == bindparam(name)))
    ordered = (table.c.name, table.c.id)
    return _Statements(
        count=select(func.count()).select_from(source).where(*conds),
        # ORDER BY ... LIMIT keeps only the top rows: no full sort of all matches.
        page=select(table)
        .select_from(source)
        .where(*conds)
        .order_by(*ordered)
        .limit(bindparam("limit"))
        .offset(bindparam("offset")),
        refnis=select(table.c.refnis).select_from(source).where(*conds),
        near=select(table).select_from(source).where(*conds, table.c.refnis.in_(bindparam("near", expanding=True))),
    )


#: Per-municipality counts without filters: GROUP BY over the (refnis, active) index.
_COUNT_PER_MUNICIPALITY = (
    select(Initiative.__table__.c.refnis, func.count())
    .where(Initiative.__table__.c.active == true())
    .group_by(Initiative.__table__.c.refnis)
)

#: Postcodes, themes and countries of a page of initiatives, in one query.
_VALUES_BY_ID = union_all(
    *[
        select(assoc.initiative_id, literal_column(f"'{kind}'").label("kind"), assoc.value).where(
            assoc.initiative_id.in_(bindparam("ids", expanding=True))
        )
        for kind, assoc in MULTI_VALUED.items()
    ]
)


def _bounded(limit: int, offset: int) -> Tuple[int, int]:
    if limit < 1 or offset < 0:
        raise ValueError("limit must be >= 1 and offset >= 0")
    return min(limit, MAX_LIMIT), offset


# --- rows -> views -------------------------------------------------------------------------------------------


def _values_by_id(session: Session, ids: List[str]) -> Dict[str, Dict[str, List[str]]]:
    """Postcodes, themes and countries of the given initiatives, sorted."""
    values: Dict[str, Dict[str, List[str]]] = defaultdict(lambda: defaultdict(list))
    if not ids:
        return values
    for initiative_id, kind, value in session.execute(_VALUES_BY_ID, {"ids": ids}).all():
        values[initiative_id][kind].append(value)
    for per_kind in values.values():
        for items in per_kind.values():
            items.sort()
    return values


def _views(session: Session, rows: Sequence, distances: Optional[Dict[str, float]] = None) -> List[InitiativeView]:
    """Build views for Core rows of the initiatives table, with their multi-valued attributes."""
    values = _values_by_id(session, [row.id for row in rows])
    views = []
    for row in rows:
        show = bool(row.may_show_contact)
        multi = values[row.id]
        views.append(
            InitiativeView(
                id=row.id,
                name=row.name,
                type=row.type,
                refnis=row.refnis,
                province=row.province,
                postcodes=tuple(multi["postcodes"]),
                themes=tuple(multi["themes"]),
                countries=tuple(multi["countries"]),
                description=row.description or "",
                email=row.email if show else None,
                website=row.website if show else None,
                source=row.source,
                last_verified=row.last_verified,
                distance_km=None if distances is None else round(distances[row.refnis], 1),
            )
        )
    return views


# --- queries -------------------------------------------------------------------------------------------------


def _with_session(session: Optional[Session], work: Callable[[Session], FindResult]) -> FindResult:
    """Run in the caller's session, or in a short one of our own (the usual case for actions)."""
    if session is not None:
        return work(session)
    with session_scope() as own:
        return work(own)


def find(
    municipality: Optional[str] = None,
    postcode: Optional[str] = None,
    province: Optional[str] = None,
    theme: Optional[str] = None,
    country: Optional[str] = None,
    type: Optional[str] = None,
    limit: int = 5,
    offset: int = 0,
    *,
    session: Optional[Session] = None,
) -> FindResult:
    """Active initiatives matching every given filter, ordered by name, one page at a time.

    ``municipality`` is a REFNIS code, ``province`` an ISO 3166-2:BE code of :data:`PROVINCES` (``BRU`` for
    Brussels), ``postcode`` matches the postcodes an initiative serves, ``theme``/``type`` are codes,
    ``country`` an ISO alpha-2 code.
    Unknown theme, type or province codes raise ``ValueError`` (a caller bug, not a user error).
    """
    limit, offset = _bounded(limit, offset)
    params = Filters(municipality, postcode, province, theme, country, type).params()
    return _with_session(session, lambda s: _find(s, params, limit, offset))


def _find(session: Session, params: Dict[str, str], limit: int, offset: int) -> FindResult:
    statements = _statements(frozenset(params))
    total = session.execute(statements.count, params).scalar_one()
    rows: Sequence = []
    if total > offset:
        rows = session.execute(statements.page, {**params, "limit": limit, "offset": offset}).all()
    return FindResult(items=tuple(_views(session, rows)), total=total, offset=offset, limit=limit)


def nearest(
    lat: float,
    lon: float,
    theme: Optional[str] = None,
    country: Optional[str] = None,
    type: Optional[str] = None,
    limit: int = 5,
    offset: int = 0,
    *,
    exclude_municipality: Optional[str] = None,
    max_km: Optional[float] = None,
    session: Optional[Session] = None,
    coords: Optional[Dict[str, Coordinate]] = None,
) -> FindResult:
    """Active initiatives nearest to a point, with ``distance_km`` from the point to their municipality.

    ``exclude_municipality`` (REFNIS) leaves out the person's own municipality, for "nothing here, but close
    by"; ``max_km`` drops everything further away. Ties are broken by name, so paging is stable.
    """
    limit, offset = _bounded(limit, offset)
    params = Filters(theme=theme, country=country, type=type).params()
    places = municipality_coords() if coords is None else coords
    return _with_session(
        session, lambda s: _nearest(s, params, (lat, lon), limit, offset, exclude_municipality, max_km, places)
    )


def _count_per_municipality(session: Session, params: Dict[str, str]) -> Dict[str, int]:
    """Matching initiatives per REFNIS code.

    Without filters, GROUP BY over the (refnis, active) index is fastest. With filters, SQLite would still walk
    that index to avoid sorting and fetch every row; selecting the filtered refnis codes and counting here
    lets it start from the selective filter instead.
    """
    if not params:
        return {refnis: count for refnis, count in session.execute(_COUNT_PER_MUNICIPALITY).all()}
    return dict(Counter(session.execute(_statements(frozenset(params)).refnis, params).scalars().all()))


def _nearest(
    session: Session,
    params: Dict[str, str],
    origin: Coordinate,
    limit: int,
    offset: int,
    exclude: Optional[str],
    max_km: Optional[float],
    coords: Dict[str, Coordinate],
) -> FindResult:
    counts = _count_per_municipality(session, params)
    grid = _grid(coords)
    distances = {
        refnis: km
        for refnis, km in zip(grid.refnis, grid.distances_from(origin).tolist(), strict=True)
        if refnis in counts and refnis != exclude and (max_km is None or km <= max_km)
    }
    per_place = counts
    ordered = sorted(distances, key=lambda r: (distances[r], r))
    total = sum(per_place[r] for r in ordered)
    # Only the closest municipalities that together hold offset+limit records need to be read.
    needed, wanted = [], offset + limit
    for refnis in ordered:
        if wanted <= 0:
            break
        needed.append(refnis)
        wanted -= per_place[refnis]
    rows = []
    if needed:
        rows = session.execute(_statements(frozenset(params)).near, {**params, "near": needed}).all()
        rows.sort(key=lambda row: (distances[row.refnis], row.name, row.id))
        rows = rows[offset : offset + limit]
    return FindResult(items=tuple(_views(session, rows, distances)), total=total, offset=offset, limit=limit)
