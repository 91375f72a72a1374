"""The initiatives database: import/export, queries and failure behaviour, on SQLite and PostgreSQL.

Every database test runs twice: against a SQLite file in a temporary folder and against PostgreSQL
(127.0.0.1:5432, database ``test``) in a schema of its own that is dropped afterwards. PostgreSQL is skipped
only when it is unreachable and ``CI`` is not set; in CI an unreachable PostgreSQL fails the run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import socket
import time
from pathlib import Path
from typing import Dict, List

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine

from horizon import cli, db
from horizon.geo import haversine_km
from horizon.initiatives import importer
from horizon.initiatives import repository as repo
from horizon.initiatives.models import InitiativeTheme
from horizon.initiatives.vocabulary import INITIATIVE_TYPES, THEMES, country_name, province_of
from horizon.paths import REFERENCE_DIR
from horizon.reference import read_rows
from tests.support.initiatives import CITIES, all_pages, row, write_csv

COUNTRIES = ["CD", "RW", "BI", "PE", "EC", "BO", "PH", "ID", "SN"]


# --- fixtures ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def coords() -> Dict[str, repo.Coordinate]:
    return repo.municipality_coords()


def random_rows(count: int, seed: int = 7) -> List[Dict[str, str]]:
    """A seeded mixed dataset for comparing queries with a plain-Python filter."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        city = rng.choice(sorted(v for k, v in CITIES.items() if k != "bkz"))  # bkz stays empty
        rows.append(
            row(
                f"r{n:03d}",
                name=f"Initiatief {rng.randrange(1000):03d}",
                type=rng.choice(sorted(INITIATIVE_TYPES)),
                refnis=city,
                postcodes=";".join(rng.sample(["9000", "2000", "3000", "1000", "8000"], 2)),
                themes=";".join(rng.sample(sorted(THEMES), rng.randint(1, 3))),
                countries=" ".join(rng.sample(COUNTRIES, rng.randint(0, 2))),
                active=rng.choice(["ja", "ja", "ja", "nee"]),
                may_show_contact=rng.choice(["ja", "nee"]),
            )
        )
    return rows


def count_rows(model: type) -> int:
    with db.session_scope() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


# --- import --------------------------------------------------------------------------------------------------


def test_import_good_file_stores_normalised_records(engine: Engine, tmp_path: Path) -> None:
    rows = [
        row("a1"),
        row(
            "a2",
            type="4de Pijlerinitiatief",
            refnis=CITIES["leuven"],
            themes="Onderwijs; klimaat",
            countries="rw, cd",
            postcodes="3000 3010",
            last_verified="05/11/2025",
        ),
    ]
    report = importer.import_file(write_csv(tmp_path / "in.csv", rows, delimiter=";"))
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    a2 = repo.find(municipality=CITIES["leuven"]).items[0]
    assert a2.type == "fourth_pillar" and a2.province == "VBR"
    assert a2.themes == ("climate", "education") and a2.countries == ("CD", "RW")
    assert a2.postcodes == ("3000", "3010") and a2.last_verified == dt.date(2025, 11, 5)


def test_bad_rows_are_all_reported_with_line_numbers(engine: Engine, tmp_path: Path) -> None:
    rows = [
        row("ok1"),
        row("b1", type="club"),  # line 3
        row("b2", themes="education;cooking", countries="CD;XX"),  # line 4: two errors
        row("b3", refnis="99999", email="jan.peeters@@example"),  # line 5: two errors
        row("b4", last_verified="2026-02-30", active="misschien"),  # line 6
        row("b5", name="", website="example.org"),  # line 7
        row("ok1"),  # line 8: duplicate id
        row("b6", last_verified="2099-01-01", postcodes="900"),  # line 9
    ]
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(importer.ImportRejected) as caught:
        importer.import_file(path)
    found = {(e.line, e.column) for e in caught.value.errors}
    assert found == {
        (3, "type"),
        (4, "themes"),
        (4, "countries"),
        (5, "refnis"),
        (5, "email"),
        (6, "last_verified"),
        (6, "active"),
        (7, "name"),
        (7, "website"),
        (8, "id"),
        (9, "last_verified"),
        (9, "postcodes"),
    }
    assert "jan.peeters" not in " ".join(str(e) for e in caught.value.errors)  # no personal data echoed
    assert importer.count_initiatives() == 0


def test_line_numbers_count_multiline_fields_and_header_problems(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "multi.csv", [row("m1", description="regel 1\nregel 2\nregel 3"), row("m2", type="?")])
    _records, errors = importer.read_records(path)
    assert [(e.line, e.column) for e in errors] == [(5, "type")]
    bad_header = tmp_path / "header.csv"
    bad_header.write_text("id,naam,type\nx,y,local_group\n", encoding="utf-8")
    _records, errors = importer.read_records(bad_header)
    assert {(e.line, e.column) for e in errors} == {(1, "name"), (1, "refnis"), (1, "naam")}


def test_one_bad_row_imports_nothing_and_keeps_existing_data(engine: Engine, tmp_path: Path) -> None:
    importer.import_file(write_csv(tmp_path / "first.csv", [row("keep", name="Oude naam")]))
    rows = [row("keep", name="Nieuwe naam"), row("new1"), row("new2", countries="ZZ")]
    with pytest.raises(importer.ImportRejected):
        importer.import_file(write_csv(tmp_path / "second.csv", rows))
    assert importer.count_initiatives() == 1
    assert repo.find().items[0].name == "Oude naam"


def test_failure_while_writing_rolls_back_the_whole_import(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    importer.import_file(write_csv(tmp_path / "first.csv", [row("keep", name="Oude naam")]))
    real_assign, calls = importer._assign, []

    def failing_assign(obj: object, record: importer.Record) -> None:
        calls.append(record.id)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        real_assign(obj, record)

    monkeypatch.setattr(importer, "_assign", failing_assign)
    rows = [row("keep", name="Nieuwe naam"), row("n1"), row("n2"), row("n3")]
    with pytest.raises(RuntimeError):
        importer.import_file(write_csv(tmp_path / "second.csv", rows))
    assert importer.count_initiatives() == 1
    assert repo.find().items[0].name == "Oude naam"


def test_second_import_does_not_duplicate_and_applies_updates(engine: Engine, tmp_path: Path) -> None:
    rows = random_rows(30)
    rows[0] = {**rows[0], "themes": "education;climate", "countries": "CD RW"}
    path = write_csv(tmp_path / "in.csv", rows)
    importer.import_file(path)
    theme_rows = count_rows(InitiativeTheme)
    again = importer.import_file(path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 30)
    assert importer.count_initiatives() == 30 and count_rows(InitiativeTheme) == theme_rows

    # One theme and one country stay, one of each goes, one of each comes.
    rows[0] = {**rows[0], "name": "Hernoemd", "themes": "climate;water", "countries": "RW;PE", "active": "ja"}
    rows.append(row("extra"))
    changed = importer.import_file(write_csv(tmp_path / "in2.csv", rows))
    assert (changed.created, changed.updated, changed.unchanged) == (1, 1, 29)
    assert importer.count_initiatives() == 31
    renamed = [i for i in all_pages() if i.id == rows[0]["id"]][0]
    assert renamed.name == "Hernoemd" and renamed.themes == ("climate", "water")
    assert renamed.countries == ("PE", "RW")


def test_export_round_trip(engine: Engine, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", random_rows(25))
    importer.import_file(source)
    out = tmp_path / "out.csv"
    assert importer.export_file(out) == 25
    original, errors_in = importer.read_records(source)
    exported, errors_out = importer.read_records(out)
    assert not errors_in and not errors_out
    assert sorted(original, key=lambda r: r.id) == exported
    report = importer.import_file(out)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 25)


# --- queries -------------------------------------------------------------------------------------------------

FILTER_CASES = [
    {"municipality": CITIES["gent"]},
    {"postcode": "3000"},
    {"province": "VOV"},
    {"province": "BRU"},
    {"theme": "education"},
    {"country": "cd"},
    {"type": "fourth_pillar"},
    {"theme": "climate", "country": "RW"},
    {"province": "VAN", "type": "local_group", "theme": "health"},
    {"municipality": CITIES["brussel"], "postcode": "1000", "country": "BI"},
]


@pytest.mark.parametrize("filters", FILTER_CASES, ids=lambda f: "+".join(f))
def test_find_matches_a_plain_python_filter(engine: Engine, tmp_path: Path, filters: Dict[str, str]) -> None:
    rows = random_rows(120)
    importer.import_file(write_csv(tmp_path / "in.csv", rows))
    records, _ = importer.read_records(tmp_path / "in.csv")

    def matches(r: importer.Record) -> bool:
        return r.active and all(
            (
                filters.get("municipality") in (None, r.refnis),
                filters.get("postcode") in (None, *r.postcodes),
                filters.get("province") in (None, province_of(r.refnis)),
                filters.get("theme") in (None, *r.themes),
                filters.get("country", "").upper() in ("", *r.countries),
                filters.get("type") in (None, r.type),
            )
        )

    expected = {r.id for r in records if matches(r)}
    found = all_pages(**filters)
    assert {i.id for i in found} == expected
    assert len(found) == len(expected)  # no duplicates across pages
    assert [(i.name, i.id) for i in found] == sorted((i.name, i.id) for i in found)


def test_find_pages_and_rejects_unknown_codes(engine: Engine, tmp_path: Path) -> None:
    importer.import_file(write_csv(tmp_path / "in.csv", [row(f"p{n}") for n in range(12)]))
    first = repo.find(municipality=CITIES["gent"])
    assert len(first.items) == 5 and first.total == 12 and first.has_more
    last = repo.find(municipality=CITIES["gent"], offset=10)
    assert len(last.items) == 2 and not last.has_more
    assert repo.find(municipality=CITIES["gent"], offset=20).items == ()
    with pytest.raises(ValueError):
        repo.find(theme="cooking")
    with pytest.raises(ValueError):
        repo.find(type="club")


def test_contact_is_hidden_unless_the_record_allows_it(engine: Engine, tmp_path: Path) -> None:
    importer.import_file(
        write_csv(tmp_path / "in.csv", [row("open", may_show_contact="ja"), row("closed", may_show_contact="nee")])
    )
    shown = {i.id: i for i in repo.find().items}
    assert shown["open"].email == "open@example.org" and shown["open"].website == "https://example.org/open"
    assert shown["closed"].email is None and shown["closed"].website is None
    exported = tmp_path / "out.csv"
    importer.export_file(exported)
    assert "closed@example.org" in exported.read_text(encoding="utf-8")  # the export keeps the real data


def test_inactive_records_are_excluded(engine: Engine, tmp_path: Path, coords: Dict[str, repo.Coordinate]) -> None:
    importer.import_file(write_csv(tmp_path / "in.csv", [row("live"), row("gone", active="nee")]))
    assert [i.id for i in repo.find().items] == ["live"]
    assert repo.find(municipality=CITIES["gent"]).total == 1
    assert [i.id for i in repo.nearest(*coords[CITIES["gent"]]).items] == ["live"]


def test_nearest_orders_by_distance_with_km(engine: Engine, tmp_path: Path, coords: Dict[str, repo.Coordinate]) -> None:
    rows = random_rows(80)
    importer.import_file(write_csv(tmp_path / "in.csv", rows))
    origin = coords[CITIES["bkz"]]  # no record in Beveren-Kruibeke-Zwijndrecht
    result = repo.nearest(*origin, limit=50)
    active = [r for r in rows if r["active"] == "ja"]
    assert result.total == len(active) and len(result.items) == min(50, len(active))
    kms = [i.distance_km for i in result.items]
    assert kms == sorted(kms)
    for item in result.items:
        assert item.distance_km == pytest.approx(float(haversine_km(*origin, *coords[item.refnis])), abs=0.06)
    # Antwerp is the closest city of the set to Beveren-Kruibeke-Zwijndrecht, Ghent about 40-50 km away.
    assert result.items[0].refnis == CITIES["antwerpen"] and result.items[0].distance_km < 20
    gent = next(i for i in result.items if i.refnis == CITIES["gent"])
    assert 25 < gent.distance_km < 55


def test_nearest_filters_excludes_pages_and_limits_distance(
    engine: Engine, tmp_path: Path, coords: Dict[str, repo.Coordinate]
) -> None:
    home = row("home", refnis=CITIES["gent"], type="local_group", themes="education;water")
    importer.import_file(write_csv(tmp_path / "in.csv", random_rows(80) + [home]))
    here = coords[CITIES["gent"]]
    at_home = repo.nearest(*here, type="local_group", theme="education")
    assert all(i.type == "local_group" and "education" in i.themes for i in at_home.items)
    assert at_home.items and at_home.items[0].refnis == CITIES["gent"] and at_home.items[0].distance_km == 0.0
    elsewhere = repo.nearest(*here, exclude_municipality=CITIES["gent"], limit=50)
    assert elsewhere.items and all(i.refnis != CITIES["gent"] for i in elsewhere.items)
    pages = [repo.nearest(*here, limit=4, offset=o).items for o in (0, 4, 8)]
    flat = [i.id for page in pages for i in page]
    assert flat == [i.id for i in repo.nearest(*here, limit=12).items]
    near = repo.nearest(*here, max_km=30, limit=50)
    assert near.total == len(near.items) and all(i.distance_km <= 30 for i in near.items)


# --- availability --------------------------------------------------------------------------------------------


def seconds_until_unavailable(fn, *args, timeout: float, **kwargs) -> float:
    """Seconds until run_db raised DatabaseUnavailable, measured inside the loop.

    (asyncio.run then still waits for the abandoned worker thread; a running action server does not.)
    """

    async def measure() -> float:
        started = time.monotonic()
        with pytest.raises(db.DatabaseUnavailable):
            await db.run_db(fn, *args, timeout=timeout, **kwargs)
        return time.monotonic() - started

    return asyncio.run(measure())


def test_run_db_returns_results_and_times_out(engine: Engine, tmp_path: Path) -> None:
    importer.import_file(write_csv(tmp_path / "in.csv", [row("x")]))
    result = asyncio.run(db.run_db(repo.find, municipality=CITIES["gent"]))
    assert result.total == 1
    assert seconds_until_unavailable(time.sleep, 1, timeout=0.2) < 0.8
    with pytest.raises(ValueError):  # a bug stays a bug, not "database unavailable"
        asyncio.run(db.run_db(repo.find, theme="cooking"))


def test_slow_query_becomes_database_unavailable(engine: Engine) -> None:
    def slow() -> None:
        with db.session_scope() as session:
            if engine.dialect.name == "sqlite":  # SQLite has no sleep(); give this connection one
                session.connection().connection.create_function("pg_sleep", 1, time.sleep)
            session.execute(text("SELECT pg_sleep(1.5)"))

    assert seconds_until_unavailable(slow, timeout=0.3) < 0.8


def test_unreachable_postgres_fails_fast() -> None:
    closed_port = _free_port()  # nothing listens there: connection refused
    db.set_engine(db.make_engine(f"postgresql://postgres@127.0.0.1:{closed_port}/test"))
    try:
        assert seconds_until_unavailable(repo.find, municipality=CITIES["gent"], timeout=10) < 2
    finally:
        db.set_engine(None)


def test_silent_postgres_fails_within_the_connect_timeout() -> None:
    """A server that accepts TCP but never answers (a hung host) must not hang the caller."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    db.set_engine(db.make_engine(f"postgresql://postgres@127.0.0.1:{listener.getsockname()[1]}/test"))
    try:
        # run_db's own timeout is long here: the connect timeout must be what fires.
        assert seconds_until_unavailable(repo.find, timeout=30) < db.PG_CONNECT_TIMEOUT_S + 2
    finally:
        db.set_engine(None)
        listener.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- command line, seed and sample data ----------------------------------------------------------------------


def test_cli_reports_errors_imports_and_exports(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write_csv(tmp_path / "bad.csv", [row("c1"), row("c2", type="club")])
    assert cli.main(["import", str(bad)]) == 1
    assert "line 3, column type" in capsys.readouterr().err
    good = write_csv(tmp_path / "good.csv", [row("c1"), row("c2")])
    assert cli.main(["validate", str(good)]) == 0
    assert cli.main(["import", str(good)]) == 0
    assert "2 created" in capsys.readouterr().out
    assert cli.main(["export", str(tmp_path / "out.csv")]) == 0
    assert importer.read_records(tmp_path / "out.csv")[0] == importer.read_records(good)[0]


def test_cli_says_database_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{_free_port()}/test")
    db.set_engine(None)
    try:
        assert cli.main(["export", str(tmp_path / "out.csv")]) == 2
        assert "database unavailable" in capsys.readouterr().err
    finally:
        db.set_engine(None)


def test_seed_loads_sample_only_into_an_empty_database(engine: Engine) -> None:
    report = importer.seed()
    assert report is not None and report.created >= 300
    assert importer.seed() is None  # second start: nothing loaded again
    assert importer.count_initiatives() == report.created
    page = repo.find(province="VWV")
    assert page.total > 0 and all(i.is_sample for i in page.items) and page.any_sample


def test_sample_file_is_marked_and_covers_flanders_and_brussels() -> None:
    records, errors = importer.read_records(importer.SAMPLE_CSV)
    assert not errors and len(records) >= 300
    assert all(r.source == "sample" for r in records)
    assert all(r.name.startswith("Voorbeeld:") and r.description.startswith("[Voorbeeld]") for r in records)
    assert all(r.email.endswith("@example.org") and r.website.startswith("https://example.org/") for r in records)
    provinces = {province_of(r.refnis) for r in records}
    assert {"VAN", "VBR", "VWV", "VOV", "VLI", "BRU"} <= provinces
    assert {"CD", "RW", "BI", "PE", "EC", "BO", "PH", "ID"} <= {c for r in records for c in r.countries}
    assert set(INITIATIVE_TYPES) == {r.type for r in records}


def test_country_names_in_dutch_and_english_offline() -> None:
    assert country_name("PH", "nl") == "Filipijnen" and country_name("PH", "en") == "Philippines"
    assert country_name("ID", "nl") == "Indonesië" and country_name("CD", "en") == "DR Congo"
    assert country_name("BO", "en") == "Bolivia" and country_name("BE", "nl") == "België"


def test_province_codes_agree_with_the_places_table() -> None:
    rows = read_rows(REFERENCE_DIR / "places.csv")
    assert len(rows) == 565
    assert all(province_of(r["refnis"]) == r["province"] for r in rows)


def test_the_readme_example_is_a_valid_file(tmp_path: Path) -> None:
    readme = (importer.SAMPLE_CSV.parent / "README-initiatives.md").read_text(encoding="utf-8")
    example = readme.split("```csv\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "example.csv"
    path.write_text(example, encoding="utf-8")
    records, errors = importer.read_records(path)
    assert not errors and len(records) == 1 and records[0].may_show_contact


def test_connections_carry_the_fail_fast_settings(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            assert conn.execute(text("SHOW statement_timeout")).scalar_one() == "5s"
            assert conn.execute(text("SELECT current_schema()")).scalar_one().startswith("horizon_test_")
        else:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
