"""The schema's migrations on real SQLite and PostgreSQL: they make exactly what the models describe, adopt a
database made by ``create_all`` before migrations existed, go down and up again, and two processes upgrading
one PostgreSQL database at once both succeed.

The ``engine`` fixture (tests/unit/conftest.py) builds its schema with the migrations; ``empty_engine`` is the
same database without it.
"""

from __future__ import annotations

import ast
import os
import re
import sqlite3
import subprocess
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, Table, create_engine, inspect, select, text
from sqlalchemy.engine import Engine

from bot.paths import ROOT
from horizon import cli, db, schema
from horizon.db import Base
from horizon.initiatives import importer
from horizon.volunteers.models import Notification
from horizon.volunteers.signups import SignupData, save_signup
from tests.postgres import PG_URL, require_postgres

HEAD = "0007"  # the newest revision


def differences(engine: Engine) -> List[Any]:
    """What Alembic's autogenerate would change to make the database match the models (nothing, we hope)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        return list(compare_metadata(context, Base.metadata))


@pytest.fixture
def empty(empty_engine: Engine) -> Engine:
    """A database without any table (from tests/unit/conftest.py)."""
    return empty_engine


def signup(email: str = "jan.peeters@telenet.be") -> SignupData:
    return SignupData(
        name="Jan Peeters", email=email, refnis="44021", activity="campaign", language="nl", conversation_id="c-1"
    )


# --- a new database ----------------------------------------------------------------------------------------------


def test_an_empty_database_is_upgraded_to_the_newest_revision_and_matches_the_models(empty: Engine) -> None:
    assert schema.current_revision(empty) is None
    assert schema.upgrade_schema(empty) == schema.head_revision() == HEAD
    assert schema.current_revision(empty) == HEAD
    assert differences(empty) == []
    assert schema.upgrade_schema(empty) == HEAD  # a second upgrade changes nothing


def test_the_engine_fixture_is_made_by_the_migrations(engine: Engine) -> None:
    assert schema.current_revision(engine) == schema.head_revision()
    assert differences(engine) == []


def _sqlite_schema(path: Path) -> Dict[str, str]:
    """Every table's and index's SQL (whitespace normalised), as SQLite stores it."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name, sql FROM sqlite_master WHERE name NOT LIKE '%alembic%'").fetchall()
    return {name: re.sub(r"\s+", " ", sql or "").replace("( ", "(").replace(" )", ")") for name, sql in rows}


def test_on_sqlite_the_migrations_make_the_same_tables_as_create_all(tmp_path: Path) -> None:
    """Beyond what autogenerate compares: WITHOUT ROWID, column order, defaults, constraints, the SQL itself."""
    migrated, created = tmp_path / "migrated.db", tmp_path / "created.db"
    schema.upgrade_schema(db.make_engine(f"sqlite:///{migrated}"))
    Base.metadata.create_all(db.make_engine(f"sqlite:///{created}"))
    assert _sqlite_schema(migrated) == _sqlite_schema(created)
    assert "WITHOUT ROWID" in _sqlite_schema(migrated)["initiative_postcodes"]


def test_a_failed_upgrade_leaves_the_database_as_it_was(empty: Engine) -> None:
    """One transaction for the whole upgrade, on SQLite too: never half a schema. The failure here is real: an
    index name that 0001 needs is taken (index names are per schema on both databases)."""
    with empty.begin() as conn:
        conn.execute(text("CREATE TABLE other (x INTEGER)"))
        conn.execute(text("CREATE INDEX ix_initiatives_source ON other (x)"))
    with pytest.raises(Exception, match="ix_initiatives_source"):
        schema.upgrade_schema(empty)
    assert inspect(empty).get_table_names() == ["other"]


# --- a database made before migrations ----------------------------------------------------------------------------


def create_all_metadata() -> MetaData:
    """The tables as ``create_all`` made them before revision 0002: today's models without the outbox's kind (and
    without the later tables and columns)."""
    metadata = MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(metadata)
    notifications: Table = metadata.tables["signup_notifications"]
    notifications._columns.remove(notifications.c.kind)  # test-only surgery on a private copy
    signups: Table = metadata.tables["volunteer_signups"]
    signups._columns.remove(signups.c.activity_note)  # revision 0004's column
    metadata.remove(metadata.tables["forget_verifications"])  # revision 0003's table
    for name in ("insights_turns", "insights_conversations", "insights_state", "insights_forgotten"):
        metadata.remove(metadata.tables[name])  # revision 0005's tables
    metadata.remove(metadata.tables["handoff_messages"])  # revision 0006's table
    metadata.remove(metadata.tables["handoff_live_chats"])  # revision 0007's table
    return metadata


def _old_rows(engine: Engine, metadata: MetaData) -> None:
    """An initiative, a sign-up and its (team) notification, written as the old code wrote them."""
    now = datetime(2026, 11, 1, 12, 0)
    tables = metadata.tables
    with engine.begin() as conn:
        conn.execute(
            tables["initiatives"].insert(),
            dict(
                id="lg-gent",
                name="11-groep Gent",
                type="local_group",
                refnis="44021",
                province="VOV",
                description="",
                may_show_contact=False,
                active=True,
                source="11.11.11 export",
                updated_at=now,
            ),
        )
        conn.execute(tables["initiative_postcodes"].insert(), dict(initiative_id="lg-gent", value="9000"))
        if "volunteer_signups" in tables:
            signup_id = conn.execute(
                tables["volunteer_signups"].insert(),
                dict(
                    email_key="an@telenet.be",
                    email="an@telenet.be",
                    name="An",
                    refnis="44021",
                    activity="campaign",
                    language="nl",
                    conversation_hash="h",
                    consent_at=now,
                    created_at=now,
                    updated_at=now,
                ),
            ).inserted_primary_key[0]
            conn.execute(
                tables["signup_notifications"].insert(),
                dict(
                    signup_id=signup_id,
                    status="delivered",
                    attempts=1,
                    next_attempt_at=now,
                    created_at=now,
                    recipient_kind="central",
                    delivered_at=now,
                ),
            )


@pytest.mark.parametrize("tables", ["all", "initiatives only"])
def test_a_database_made_by_create_all_is_adopted_and_upgraded_without_data_loss(empty: Engine, tables: str) -> None:
    """Before migrations, the launcher made the initiatives tables and the first sign-up the other two: a
    developer's var/horizon.db may hold either."""
    old = create_all_metadata()
    if tables == "initiatives only":
        for name in ("signup_notifications", "volunteer_signups"):
            old.remove(old.tables[name])
    old.create_all(empty)
    _old_rows(empty, old)
    assert "alembic_version" not in inspect(empty).get_table_names()

    assert schema.upgrade_schema(empty) == HEAD

    assert differences(empty) == []
    with empty.connect() as conn:
        assert conn.execute(text("SELECT id, name FROM initiatives")).all() == [("lg-gent", "11-groep Gent")]
        assert conn.execute(text("SELECT value FROM initiative_postcodes")).scalars().all() == ["9000"]
        if tables == "all":
            assert conn.execute(text("SELECT email FROM volunteer_signups")).scalars().all() == ["an@telenet.be"]
            assert conn.execute(text("SELECT kind, status FROM signup_notifications")).all() == [("team", "delivered")]
    save_signup(signup(), engine=empty)  # and the adopted database works as a new one does
    with db.session_scope(empty) as session:
        kinds = session.execute(select(Notification.kind).order_by(Notification.id)).scalars().all()
    assert kinds == (["team", "team", "confirmation"] if tables == "all" else ["team", "confirmation"])


def test_seed_adopts_an_old_database_at_start(tmp_path: Path) -> None:
    """``make run`` calls seed(): a var/horizon.db from before migrations keeps working (and keeps its data)."""
    engine = db.make_engine(f"sqlite:///{tmp_path / 'horizon.db'}")
    old = create_all_metadata()
    old.create_all(engine)
    _old_rows(engine, old)
    assert importer.seed(engine=engine) is None  # it holds initiatives: nothing loaded
    assert schema.current_revision(engine) == HEAD
    assert importer.count_initiatives(engine) == 1


def test_seed_upgrades_a_new_database_first(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'horizon.db'}")
    report = importer.seed(engine=engine)
    assert report is not None and report.created > 0
    assert schema.current_revision(engine) == HEAD


# --- down and up ---------------------------------------------------------------------------------------------------


def test_downgrade_to_0001_and_up_again(empty: Engine) -> None:
    schema.upgrade_schema(empty)
    result = save_signup(signup(), engine=empty)
    assert schema.downgrade_schema("0001", empty) == "0001"
    with empty.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("signup_notifications")}
        remaining = conn.execute(text("SELECT id FROM signup_notifications")).scalars().all()
        signups = conn.execute(text("SELECT email FROM volunteer_signups")).scalars().all()
    assert "kind" not in columns
    # The confirmation is gone (without its kind it would be sent to the team); the team's row stays.
    assert remaining == [result.notification_id]
    assert signups == ["jan.peeters@telenet.be"]
    assert schema.upgrade_schema(empty) == HEAD
    assert differences(empty) == []
    with empty.connect() as conn:
        assert conn.execute(text("SELECT id, kind FROM signup_notifications")).all() == [
            (result.notification_id, "team")
        ]


def test_a_database_of_a_newer_release_is_unavailable_not_a_crash(empty: Engine) -> None:
    """After a release is rolled back, the database may be at a revision this code does not know: the
    servers must treat it as an unavailable database (a polite answer), not fail with Alembic's error."""
    schema.upgrade_schema(empty)
    with empty.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(db.DatabaseUnavailable, match="does not match this release"):
        schema.ensure_schema(empty)


def test_downgrade_to_base_drops_every_table(empty: Engine) -> None:
    schema.upgrade_schema(empty)
    assert schema.downgrade_schema("base", empty) is None
    assert set(inspect(empty).get_table_names()) <= {"alembic_version"}


# --- two processes at once -----------------------------------------------------------------------------------------

UPGRADE = """
import sys
from horizon import db, schema
print(schema.upgrade_schema(db.make_engine(sys.argv[1], schema=sys.argv[2])))
"""


def _waiting_for_the_migration_lock(admin: Engine) -> int:
    key = schema.ADVISORY_LOCK_KEY
    with admin.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                "AND classid::bigint = :high AND objid::bigint = :low"
            ),
            {"high": key >> 32, "low": key & 0xFFFFFFFF},
        ).scalar_one()


def test_two_processes_upgrading_one_postgresql_database_at_once_both_succeed() -> None:
    """The test holds the migration lock while two processes start upgrading the same empty schema; when both
    wait for it, it lets go: one upgrades, the other then finds the schema current."""
    require_postgres()
    name = f"horizon_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, future=True)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    processes: List[subprocess.Popen[str]] = []
    try:
        with admin.connect() as holder:
            holder.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": schema.ADVISORY_LOCK_KEY})
            for _ in range(2):
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-c", UPGRADE, PG_URL, name],
                        cwd=ROOT,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                )
            deadline = time.monotonic() + 60
            while _waiting_for_the_migration_lock(admin) < 2:
                assert all(p.poll() is None for p in processes), "an upgrade ended while the lock was held"
                assert time.monotonic() < deadline, "the upgrades never waited for the lock"
                time.sleep(0.1)
            holder.rollback()  # let go: both go ahead, one after the other
        results: List[Tuple[int, str, str]] = []
        for process in processes:
            out, err = process.communicate(timeout=60)
            results.append((process.returncode, out.strip().splitlines()[-1] if out.strip() else "", err))
        assert [(code, out) for code, out, _ in results] == [(0, HEAD), (0, HEAD)], results
        engine = db.make_engine(PG_URL, schema=name)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [HEAD]
        assert differences(engine) == []
        engine.dispose()
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


# --- the command, and packaging --------------------------------------------------------------------------------------


def test_the_migrate_command(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'horizon.db'}"}
    run = [sys.executable, "-m", "horizon.cli", "migrate"]
    first = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"database schema at revision {HEAD} (newest)"
    assert schema.current_revision(db.make_engine(env["DATABASE_URL"])) == HEAD


def test_the_migrate_command_in_process(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out.strip() == f"database schema at revision {HEAD} (newest)"


def test_the_package_ships_every_migration_file() -> None:
    """``horizon/migrations`` is not a Python package: its files reach a wheel only through package-data."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    section = pyproject.split("[tool.setuptools.package-data]", 1)[1].split("\n[", 1)[0]
    patterns = ast.literal_eval(re.search(r"^horizon = (\[.*\])$", section, re.M).group(1))
    package = ROOT / "horizon"
    shipped = {path for pattern in patterns for path in package.glob(pattern)}
    files = {p for p in (package / "migrations").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert files and files <= shipped
