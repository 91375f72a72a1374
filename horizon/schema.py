"""The database schema: Alembic migrations (``horizon/migrations``), run by the application itself.

Why it is built like this:

* ``make run`` (through :func:`horizon.initiatives.importer.seed`) and ``make migrate`` upgrade the schema to
  the newest revision, so nobody has to remember a separate step; the servers' first database use does the
  same (:func:`ensure_schema`, once per engine, so hot paths never touch Alembic again).
* Alembic is configured in code: no ``alembic.ini`` is needed at run time, and the URL is the one
  :mod:`horizon.db` uses.
* Every upgrade runs in one transaction that holds a lock, so that two processes starting at once (the
  launcher and an action server, or two replicas) do not both create the tables: a transaction-level
  advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` (the database's write lock) on SQLite. The second
  process waits, then finds the schema current and does nothing.
* A database made before migrations existed (``create_all``: tables, but no ``alembic_version``) is adopted:
  revision 0001 creates only the baseline tables it lacks (the launcher made the initiatives tables, the
  first sign-up the others), keeps the existing ones with their rows, and records 0001; later revisions then
  upgrade it like any other database.
"""

from __future__ import annotations

import logging
import threading
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from horizon.db import DatabaseUnavailable, get_engine

logger = logging.getLogger(__name__)
# Alembic announces each of its plugins at INFO on every upgrade: noise in the start-up lines of `make run`.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: The revision that describes the tables as ``create_all`` made them before migrations existed.
BASELINE = "0001"
#: The tables of :data:`BASELINE`: any of them without ``alembic_version`` means "made before migrations".
BASELINE_TABLES = (
    "initiatives",
    "initiative_postcodes",
    "initiative_themes",
    "initiative_countries",
    "volunteer_signups",
    "signup_notifications",
)
#: Key of the PostgreSQL advisory lock that serialises upgrades (any constant; "Horizon" in ASCII).
ADVISORY_LOCK_KEY = 0x486F72697A6F6E
#: Milliseconds one statement may take during an upgrade (the engine's everyday limit is much shorter);
#: it also bounds how long a process waits for another one's upgrade.
MIGRATION_STATEMENT_TIMEOUT_MS = 120_000


def alembic_config(connection: Optional[Connection] = None) -> Config:
    """Alembic's configuration, in code; ``connection`` is the one ``env.py`` migrates through."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision in ``horizon/migrations/versions``."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migration revisions found"
    return head


def current_revision(engine: Optional[Engine] = None) -> Optional[str]:
    """The revision the database is at (None: not under migrations yet, or empty)."""
    with (engine or get_engine()).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def lock_for_migration(connection: Connection) -> None:
    """On PostgreSQL, wait for (then hold, until the transaction ends) the lock that serialises upgrades."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SET LOCAL statement_timeout = {MIGRATION_STATEMENT_TIMEOUT_MS}"))
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})


# Alembic's ``context`` and ``op`` are process-wide proxies: one migration at a time in a process.
_alembic_lock = threading.Lock()


@contextmanager
def _locked_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction for the whole upgrade, holding the migration lock of its database."""
    with _alembic_lock, engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            # Take SQLite's write lock first: pysqlite would only begin at the first INSERT, and run the
            # CREATE TABLEs outside any transaction. A second process waits (the engine's busy timeout).
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        lock_for_migration(connection)
        yield connection


def made_before_migrations(connection: Connection) -> bool:
    """Tables of the project but no ``alembic_version``: a database made by ``create_all``."""
    tables = set(inspect(connection).get_table_names())
    return "alembic_version" not in tables and bool(tables.intersection(BASELINE_TABLES))


def upgrade_schema(engine: Optional[Engine] = None, revision: str = "head") -> str:
    """Upgrade the database to ``revision`` (default: the newest); returns the revision it is at now."""
    engine = engine or get_engine()
    with _locked_transaction(engine) as connection:
        config = alembic_config(connection)
        if made_before_migrations(connection):
            logger.info("schema: tables made before migrations; adopting them as revision %s", BASELINE)
            command.upgrade(config, BASELINE)  # creates only the missing baseline tables, then stamps 0001
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(config, revision)
        after = MigrationContext.configure(connection).get_current_revision()
    if after != before:
        logger.info("schema: upgraded from %s to %s", before or "an empty database", after)
    assert after is not None
    return after


def downgrade_schema(revision: str, engine: Optional[Engine] = None) -> Optional[str]:
    """Downgrade to ``revision`` (``base``: drop everything); for tests and for undoing a bad release."""
    engine = engine or get_engine()
    with _locked_transaction(engine) as connection:
        command.downgrade(alembic_config(connection), revision)
        return MigrationContext.configure(connection).get_current_revision()


# Engines whose schema is current. A WeakSet, not a set of id()s: a new engine can get the id of a disposed one.
_ready: weakref.WeakSet[Engine] = weakref.WeakSet()
_ready_lock = threading.Lock()


def ensure_schema(engine: Optional[Engine] = None) -> Engine:
    """Upgrade the schema once per engine (per process); later calls cost a set look-up."""
    engine = engine or get_engine()
    with _ready_lock:
        if engine not in _ready:
            try:
                upgrade_schema(engine)
            except CommandError as exc:  # e.g. the database is at a revision of a newer release
                logger.error("schema: cannot upgrade the database: %s", exc)
                raise DatabaseUnavailable("the database schema does not match this release") from exc
            _ready.add(engine)
    return engine
