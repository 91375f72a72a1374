"""Conversation retention: ``python -m horizon.cli purge`` deletes the tracker store's events older than
``CONVERSATION_RETENTION_DAYS``, on SQLite (nothing left in the file) and on PostgreSQL, reading the store's
location from the endpoints file as the Rasa server does."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import CachedSQLTrackerStore
from horizon import cli
from horizon.privacy import retention
from tests.unit import test_tracker_store as plain
from tests.unit.test_tracker_store import rows

domain, database = plain.domain, plain.database  # the same fixtures: SQLite and PostgreSQL
DAY = 86400.0


def conversation(text: str, days_ago: float) -> List[Event]:
    at = time.time() - days_ago * DAY
    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
        UserUttered(text, intent={"name": "greet", "confidence": 1.0}, timestamp=at + 1),
        BotUttered("Dag!", timestamp=at + 2),
        ActionExecuted("action_listen", timestamp=at + 3),
    ]


async def converse(store: CachedSQLTrackerStore, sender_id: str, events: List[Event]) -> None:
    """A conversation stored as it happened (its events at their own times)."""
    await store.save(DialogueStateTracker.from_events(sender_id, events, store.domain.slots))


def endpoints_for(tmp_path: Path, database: Dict[str, Any]) -> Path:  # noqa: F811 (the fixture's value)
    store: Dict[str, Any] = {"type": "bot.tracker_store.CachedSQLTrackerStore", **database}
    if "host" in store:  # Rasa passes a custom store's `url` as its host
        store["url"] = store.pop("host")
    path = tmp_path / "endpoints.yml"
    path.write_text(yaml.safe_dump({"tracker_store": store}))
    return path


async def test_old_conversations_are_deleted_and_recent_ones_kept(
    tmp_path: Path,
    database: Dict[str, Any],  # noqa: F811
    domain,  # noqa: F811
) -> None:
    store = CachedSQLTrackerStore(domain=domain, **database)
    try:
        await converse(store, "old", conversation("hallo, ik ben Oud Gesprek", days_ago=45))
        await converse(store, "both", conversation("een oude sessie van Beide", days_ago=31) + conversation("nu", 0))
        await converse(store, "new", conversation("hallo", days_ago=2))
        before = {sender: len(rows(store, sender)) for sender in ("old", "both", "new")}
        endpoints = endpoints_for(tmp_path, database)

        dry = retention.purge_conversations(30, endpoints=endpoints, dry_run=True)
        assert dry == retention.ConversationPurge(events=before["old"] + 6, conversations=2)
        done = retention.purge_conversations(30, endpoints=endpoints)
        assert done == dry

        assert rows(store, "old") == []
        assert [r["type_name"] for r in rows(store, "both")] == [e.type_name for e in conversation("nu", 0)]
        assert len(rows(store, "new")) == before["new"]
        assert await store.retrieve("old") is None  # the server's cache sees it too
        assert retention.purge_conversations(30, endpoints=endpoints) == retention.ConversationPurge(0, 0)
    finally:
        store.engine.dispose()
    if database["dialect"] == "sqlite":
        data = Path(database["db"]).read_bytes()
        assert b"Oud Gesprek" not in data and b"Beide" not in data


async def test_the_purge_command_reads_the_endpoints_and_the_retention(
    tmp_path: Path,
    domain,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database = {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}  # noqa: F811
    store = CachedSQLTrackerStore(domain=domain, **database)
    try:
        await converse(store, "old", conversation("hallo", days_ago=10))
    finally:
        store.engine.dispose()
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'horizon.db'}")
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", "7")
    from horizon import db

    db.set_engine(None)
    try:
        assert cli.main(["purge", "--endpoints", str(endpoints_for(tmp_path, database))]) == 0
    finally:
        db.set_engine(None)
    out = capsys.readouterr().out
    assert "deleted 6 event(s) of 1 conversation(s) older than 7 days" in out
    assert "finished forget-me code request(s)" in out


def test_the_embedded_endpoints_point_at_var(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text((Path(retention.ROOT) / "endpoints.yml").read_text())
    (tmp_path / "var").mkdir()
    url = retention.tracker_store_url(endpoints)
    assert url is None or url.database == str(retention.ROOT / "var" / "tracker.db")


@pytest.mark.parametrize("raw, expected", [("", 30), ("90", 90), ("0", ValueError)])
def test_retention_from_the_environment(raw: str, expected: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONVERSATION_RETENTION_DAYS", raw)
    if expected is ValueError:
        with pytest.raises(ValueError):
            retention.conversation_retention_days()
    else:
        assert retention.conversation_retention_days() == expected


def test_a_store_that_is_not_sql_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "endpoints.yml"
    path.write_text(yaml.safe_dump({"tracker_store": {"type": "redis", "url": "localhost"}}))
    with pytest.raises(retention.UnsupportedTrackerStore):
        retention.tracker_store_url(path)
