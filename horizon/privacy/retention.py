"""How long conversations are kept: ``CONVERSATION_RETENTION_DAYS`` (default 30), enforced on the tracker store.

Why here, in ``horizon/`` and without Rasa: ``python -m horizon.cli purge`` is the one command operators run
daily for retention (sign-ups, codes, conversations), and it should run where Rasa is not installed, e.g. a
cron container with only the project's own package. The tracker store is Rasa's SQL table ``events``
(``sender_id``, ``type_name``, ``timestamp``, ``data``, ...): a plain table that SQLAlchemy Core can delete
from by ``timestamp``; its location is read from the same endpoints file the Rasa server uses.

What is deleted: every event older than the cutoff. A conversation that was idle longer than that is gone
entirely; one that is still going keeps its recent events (a Rasa session ends after 60 idle minutes, so in
practice only old sessions lose events). The Rasa server's cache sees the deletion (it checks the row count
on every read) and reloads.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import URL

from horizon.paths import ROOT, VAR
from horizon.privacy.erasure import checkpoint, secure_delete_on

DEFAULT_CONVERSATION_RETENTION_DAYS = 30
#: SQL tracker store types the purge understands: Rasa's own, and ours (bot/tracker_store.py) on its tables.
SQL_STORE_TYPES = {"sql", "bot.tracker_store.CachedSQLTrackerStore"}


class UnsupportedTrackerStore(RuntimeError):
    """The endpoints name a tracker store that is not an SQL database (Redis, MongoDB, DynamoDB, ...)."""


def conversation_retention_days() -> int:
    """``CONVERSATION_RETENTION_DAYS`` (a positive whole number), default 30."""
    raw = os.environ.get("CONVERSATION_RETENTION_DAYS", "").strip()
    days = int(raw) if raw else DEFAULT_CONVERSATION_RETENTION_DAYS
    if days < 1:
        raise ValueError("CONVERSATION_RETENTION_DAYS must be at least 1")
    return days


def default_endpoints() -> Path:
    """The endpoints the running server uses: ``var/endpoints.yml`` (written by ``make run``), else the template."""
    written = VAR / "endpoints.yml"
    return written if written.exists() else ROOT / "endpoints.yml"


def tracker_store_url(endpoints: Path) -> Optional[URL]:
    """The tracker store's database as an SQLAlchemy URL, built as Rasa's ``SQLTrackerStore.get_db_url`` does;
    None when the endpoints configure no tracker store (Rasa then keeps conversations in memory only)."""
    config: Dict[str, Any] = (yaml.safe_load(endpoints.read_text()) or {}).get("tracker_store") or {}
    if not config:
        return None
    if str(config.get("type", "sql")) not in SQL_STORE_TYPES:
        raise UnsupportedTrackerStore(f"tracker store type {config.get('type')!r} is not an SQL database")
    value = {k: os.path.expandvars(v) if isinstance(v, str) else v for k, v in config.items()}
    dialect = value.get("dialect", "sqlite")
    database = value.get("db", "rasa.db")
    if dialect == "sqlite":
        path = Path(database) if Path(database).is_absolute() else ROOT / database
        return URL.create("sqlite", database=str(path)) if path.exists() else None  # no file: nothing stored yet
    host, port = value.get("url") or value.get("host"), value.get("port")
    if host and "://" in host:
        return sa.engine.make_url(host)
    if host and ":" in host:
        host, _, port = host.partition(":")
    return URL.create(
        dialect,
        username=value.get("username"),
        password=value.get("password"),
        host=host,
        port=int(port) if port else None,
        database=database,
        query=value.get("query") or {},
    )


@dataclass(frozen=True)
class ConversationPurge:
    events: int
    conversations: int  # conversations that had events deleted


def purge_conversations(
    days: Optional[int] = None,
    *,
    endpoints: Optional[Path] = None,
    url: Optional[Any] = None,
    now: Optional[float] = None,
    dry_run: bool = False,
) -> Optional[ConversationPurge]:
    """Delete tracker store events older than ``days`` days; None when there is no SQL tracker store (or its
    table does not exist yet)."""
    days = conversation_retention_days() if days is None else days
    if days < 1:
        raise ValueError("retention must be at least 1 day")
    url = url or tracker_store_url(endpoints or default_endpoints())
    if url is None:
        return None
    cutoff = (now if now is not None else time.time()) - days * 86400
    engine = _engine(url)
    try:
        if not sa.inspect(engine).has_table("events"):
            return None
        events = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))
        old = events.c.timestamp < cutoff
        with engine.begin() as connection:
            conversations = connection.execute(sa.select(sa.func.count(sa.distinct(events.c.sender_id))).where(old))
            touched = int(conversations.scalar_one())
            if dry_run:
                count = connection.execute(sa.select(sa.func.count()).select_from(events).where(old)).scalar_one()
                return ConversationPurge(int(count), touched)
            deleted = connection.execute(events.delete().where(old)).rowcount
        if deleted:
            checkpoint(engine)
        return ConversationPurge(int(deleted or 0), touched)
    finally:
        engine.dispose()


def _engine(url: Any) -> Engine:
    """An engine on the tracker store's database; on SQLite with ``secure_delete``, like the server's, and on
    PostgreSQL in Rasa's ``POSTGRESQL_SCHEMA`` when that is set."""
    url = sa.engine.make_url(url)
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, future=True, connect_args={"timeout": 10})
        sa.event.listen(engine, "connect", lambda connection, _record: secure_delete_on(connection))
        return engine
    schema = os.environ.get("POSTGRESQL_SCHEMA")
    options = {"options": f"-c search_path={schema}"} if schema and url.get_backend_name() == "postgresql" else {}
    return sa.create_engine(url, future=True, connect_args=options)
