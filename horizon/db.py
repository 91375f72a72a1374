"""Database engine, sessions and the async bridge for actions.

Why this module exists: actions run on the rasa-sdk event loop, SQLAlchemy 1.4 is blocking, and a database
that is down must give the person a polite message quickly instead of hanging the action server. So:

* ``DATABASE_URL`` picks the database (default: a SQLite file ``var/horizon.db`` under the repository,
  created on first use; ``postgresql://...`` for PostgreSQL).
* PostgreSQL connections have a short connect timeout, a statement timeout and a bounded pool, so a dead or
  slow server fails within seconds.
* :func:`run_db` runs blocking work in a thread with a timeout and turns time-outs and connection failures
  into :class:`DatabaseUnavailable`, which actions catch to answer politely.
"""

from __future__ import annotations

import asyncio
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, Optional, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, declarative_base, sessionmaker
from sqlalchemy.pool import QueuePool

from horizon.paths import VAR

DEFAULT_SQLITE_PATH = VAR / "horizon.db"

#: Seconds a PostgreSQL connection attempt may take before it counts as unreachable.
PG_CONNECT_TIMEOUT_S = 3
#: Milliseconds one PostgreSQL statement may run; look-ups take well under 50 ms.
PG_STATEMENT_TIMEOUT_MS = 5000
#: Seconds :func:`run_db` waits by default; a person should not wait longer for "no answer".
DEFAULT_DB_TIMEOUT_S = 5.0

T = TypeVar("T")

#: The one declarative base of the project's own tables (initiatives, sign-ups, outbox).
Base = declarative_base()


class DatabaseUnavailable(RuntimeError):
    """The database could not be reached or did not answer in time.

    Actions catch this one exception to give a polite "try again later" message; the original cause is kept
    as ``__cause__`` for the logs.
    """


def database_url() -> str:
    """The configured URL: ``DATABASE_URL`` or the default SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgres://"):  # the Heroku-style spelling SQLAlchemy 1.4 rejects
        url = "postgresql://" + url[len("postgres://") :]
    return url


def make_engine(url: Optional[str] = None, *, schema: Optional[str] = None) -> Engine:
    """Create an engine with settings that fail fast.

    ``schema`` (PostgreSQL only) sets the ``search_path`` so that tests can work in a schema of their own.
    """
    url = url or database_url()
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, parsed.database)
    if backend == "postgresql":
        return _postgres_engine(url, schema)
    return create_engine(url, future=True, pool_pre_ping=True)


def _sqlite_engine(url: str, path: Optional[str]) -> Engine:
    """SQLite: create the folder, allow use from worker threads, wait briefly on a locked file."""
    pool: Dict[str, Any] = {}
    file = Path(path) if path and path != ":memory:" else None
    on_disk = file is not None
    if file is not None:
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # personal data: owner only
        # SQLAlchemy 1.4 opens a new SQLite connection per checkout (NullPool), and each new connection
        # re-reads the schema: a pool makes a look-up several times cheaper.
        pool = {"poolclass": QueuePool, "pool_size": 5, "max_overflow": 5, "pool_timeout": 5}
    engine = create_engine(url, future=True, connect_args={"check_same_thread": False, "timeout": 5}, **pool)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Deleted rows (a forgotten sign-up) are overwritten with zeros, not left in free pages of the file.
        cursor.execute("PRAGMA secure_delete=ON")
        if on_disk:  # readers (the action server) are not blocked while an import commits
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


def _postgres_engine(url: str, schema: Optional[str]) -> Engine:
    """PostgreSQL: short connect and statement timeouts, a small bounded pool, stale connections checked."""
    options = f"-c statement_timeout={PG_STATEMENT_TIMEOUT_MS}"
    if schema:
        if not schema.replace("_", "").isalnum():
            raise ValueError(f"schema name must be alphanumeric: {schema!r}")
        options += f" -c search_path={schema}"
    return create_engine(
        url,
        future=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=PG_CONNECT_TIMEOUT_S,
        pool_recycle=1800,
        pool_pre_ping=True,
        connect_args={"connect_timeout": PG_CONNECT_TIMEOUT_S, "options": options},
    )


_lock = threading.Lock()
_engine: Optional[Engine] = None
_sessionmaker: Optional[sessionmaker] = None


def get_engine() -> Engine:
    """The process-wide engine, created on first use from ``DATABASE_URL``."""
    global _engine, _sessionmaker
    with _lock:
        if _engine is None:
            _engine = make_engine()
            _sessionmaker = sessionmaker(bind=_engine, future=True, expire_on_commit=False)
        return _engine


def set_engine(engine: Optional[Engine]) -> None:
    """Replace (or with ``None`` drop) the process-wide engine; for tests and tools."""
    global _engine, _sessionmaker
    with _lock:
        if _engine is not None and _engine is not engine:
            _engine.dispose()
        _engine = engine
        _sessionmaker = sessionmaker(bind=engine, future=True, expire_on_commit=False) if engine else None


@contextmanager
def session_scope(engine: Optional[Engine] = None) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error."""
    if engine is None:
        get_engine()
        factory = _sessionmaker
    else:
        factory = sessionmaker(bind=engine, future=True, expire_on_commit=False)
    assert factory is not None
    session: Session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_unavailable_error(exc: BaseException) -> bool:
    """True for errors that mean "database unreachable or overloaded", not for bugs in a query."""
    if isinstance(exc, (OperationalError, InterfaceError, PoolTimeoutError)):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


async def run_db(fn: Callable[..., T], *args: Any, timeout: float = DEFAULT_DB_TIMEOUT_S, **kwargs: Any) -> T:
    """Run blocking database work in a worker thread, so the event loop stays free.

    Raises :class:`DatabaseUnavailable` when the work takes longer than ``timeout`` seconds or the database
    cannot be reached. The thread itself cannot be killed; PostgreSQL's statement timeout and the connect
    timeout bound how long it lingers.
    """
    try:
        return await asyncio.wait_for(asyncio.to_thread(fn, *args, **kwargs), timeout=timeout)
    except asyncio.TimeoutError as exc:
        raise DatabaseUnavailable(f"database did not answer within {timeout:g} s") from exc
    except Exception as exc:
        if is_unavailable_error(exc):
            raise DatabaseUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        raise
