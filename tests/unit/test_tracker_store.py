"""bot.tracker_store: the cached SQL tracker store answers exactly as Rasa's SQLTrackerStore does.

Each test runs on a real SQLite file and a real PostgreSQL database, and compares against Rasa's own
store over the same kind of database: same trackers back, same rows written.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot.paths import DOMAIN, ROOT
from bot.tracker_store import CachedSQLTrackerStore
from tests.postgres import PG_URL, require_postgres


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Dict[str, Any]]:
    """Keyword arguments for a store on an empty database of either kind."""
    if request.param == "sqlite":
        yield {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
        return
    require_postgres()
    name = f"horizon_tracker_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        yield {"dialect": "postgresql", "host": "127.0.0.1", "port": 5432, "username": "postgres", "db": name}
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def stores(database: Dict[str, Any], domain: Domain) -> Iterator[List[TrackerStore]]:
    """Ours and Rasa's, over the same database."""
    ours = CachedSQLTrackerStore(domain=domain, **database)
    theirs = SQLTrackerStore(domain=domain, **database)
    yield [ours, theirs]
    ours.engine.dispose()
    theirs.engine.dispose()


# --- helpers ---------------------------------------------------------------------------------------------

_clock = [0.0]


def stamp() -> float:
    """Strictly increasing timestamps, never behind the clock that Rasa stamps its own events with."""
    _clock[0] = max(_clock[0] + 0.001, time.time())
    return _clock[0]


def turn(text: str, intent: str, answer: str) -> List[Event]:
    return [
        UserUttered(text, intent={"name": intent, "confidence": 0.97}, timestamp=stamp()),
        SlotSet("language", "nl", timestamp=stamp()),
        ActionExecuted(f"utter_{intent}", timestamp=stamp()),
        BotUttered(answer, timestamp=stamp()),
        ActionExecuted("action_listen", timestamp=stamp()),
    ]


def new_session() -> List[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=stamp()),
        SessionStarted(timestamp=stamp()),
        ActionExecuted("action_listen", timestamp=stamp()),
    ]


def dump(tracker: Optional[DialogueStateTracker]) -> Optional[List[Dict[str, Any]]]:
    return None if tracker is None else [event.as_dict() for event in tracker.events]


def rows(store: SQLTrackerStore, sender_id: str) -> List[Dict[str, Any]]:
    table = store.SQLEvent.__table__
    with store.engine.connect() as connection:
        query = sa.select(table).where(table.c.sender_id == sender_id).order_by(table.c.id)
        return [{k: v for k, v in row._mapping.items() if k != "id"} for row in connection.execute(query)]


def untimed(records: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Rows without their timestamps (each store creates its tracker's first action_listen itself)."""
    out = []
    for record in records:
        data = json.loads(record["data"])
        data.pop("timestamp", None)
        out.append({**record, "timestamp": None, "data": data})
    return out


async def converse(store: TrackerStore, sender_id: str, events: List[Event]) -> DialogueStateTracker:
    """What Rasa does per message: fetch (or create), add the message's events, save."""
    tracker = await store.get_or_create_tracker(sender_id)
    for event in events:
        tracker.update(event)
    await store.save(tracker)
    return tracker


# --- same answers as Rasa's store --------------------------------------------------------------------------


async def test_an_unknown_conversation_is_none_in_both(stores) -> None:
    ours, theirs = stores
    assert await ours.retrieve("nobody") is None
    assert await theirs.retrieve("nobody") is None
    assert await ours.keys() == []


async def test_a_conversation_reads_back_as_rasa_reads_it(stores, domain) -> None:
    ours, theirs = stores
    await converse(ours, "anna", turn("hallo", "greet", "Dag!"))
    tracker = await converse(ours, "anna", turn("wat is jullie visie?", "ask_vision", "Onze visie..."))

    assert dump(await ours.retrieve("anna")) == dump(await theirs.retrieve("anna")) == dump(tracker)
    assert (await ours.retrieve("anna")).get_slot("language") == "nl"
    assert await ours.keys() == ["anna"]


async def test_it_writes_the_same_rows_as_rasas_store(tmp_path, domain) -> None:
    """Two databases, one conversation each way: the rows are identical."""
    ours = CachedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "ours.db"))
    theirs = SQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    script = [turn("hallo", "greet", "Dag!"), new_session(), turn("bedankt", "thank", "Graag gedaan!")]
    for events in script:
        for store in (ours, theirs):
            await converse(store, "bert", events)
    assert untimed(rows(ours, "bert")) == untimed(rows(theirs, "bert"))
    assert len(rows(ours, "bert")) == 1 + 5 + 3 + 5  # creating the tracker saves an action_listen


async def test_a_new_session_hides_the_old_one_but_keeps_it(stores) -> None:
    ours, theirs = stores
    await converse(ours, "cleo", turn("hallo", "greet", "Dag!"))
    await converse(ours, "cleo", new_session() + turn("wat is de 4de pijler?", "ask_fourth_pillar", "..."))

    latest = await ours.retrieve("cleo")
    assert dump(latest) == dump(await theirs.retrieve("cleo"))
    assert latest.events[0].type_name == SessionStarted.type_name
    assert "hallo" not in [e.text for e in latest.events if isinstance(e, UserUttered)]
    everything = await ours.retrieve_full_tracker("cleo")
    assert dump(everything) == dump(await theirs.retrieve_full_tracker("cleo"))
    assert "hallo" in [e.text for e in everything.events if isinstance(e, UserUttered)]


# --- several writers on one database ---------------------------------------------------------------------


async def test_events_written_by_another_process_are_seen_and_not_duplicated(stores) -> None:
    ours, theirs = stores
    await converse(ours, "dirk", turn("hallo", "greet", "Dag!"))
    await ours.retrieve("dirk")  # cached now
    await converse(theirs, "dirk", turn("hoe kan ik doneren?", "donate", "Zo..."))  # another replica

    seen = await ours.retrieve("dirk")
    assert "hoe kan ik doneren?" in [e.text for e in seen.events if isinstance(e, UserUttered)]
    for event in turn("bedankt", "thank", "Graag gedaan!"):
        seen.update(event)
    await ours.save(seen)
    assert dump(await theirs.retrieve("dirk")) == dump(seen)
    assert len(rows(ours, "dirk")) == len(seen.events)


# --- what the cache saves, and what happens when the database fails ----------------------------------


async def test_a_cached_retrieve_reads_no_rows(stores) -> None:
    """The point of the cache: one `count, max(id)` query instead of loading and parsing the session."""
    ours, _ = stores
    await converse(ours, "fien", turn("hallo", "greet", "Dag!"))
    statements: List[str] = []
    sa.event.listen(
        ours.engine, "before_cursor_execute", lambda conn, cursor, statement, *args: statements.append(statement)
    )
    tracker = await ours.retrieve("fien")
    assert tracker is not None and len(statements) == 1
    assert "count" in statements[0].lower() and "max" in statements[0].lower()


async def test_a_small_cache_evicts_but_forgets_nothing(database, domain) -> None:
    store = CachedSQLTrackerStore(domain=domain, cache_size=1, **database)
    trackers = {
        name: await converse(store, name, turn(f"hallo {name}", "greet", "Dag!")) for name in ("gust", "hanne", "ilse")
    }
    assert len(store._cache) == 1
    for name, tracker in trackers.items():
        assert dump(await store.retrieve(name)) == dump(tracker)
    store.engine.dispose()


async def test_a_failed_save_raises_and_the_next_one_stores_everything_once(tmp_path, domain) -> None:
    """SQLite locked by another program: the save fails within its timeout, nothing half-written remains."""
    path = tmp_path / "tracker.db"
    store = CachedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path), query={"timeout": "0.2"})
    tracker = await converse(store, "jan", turn("hallo", "greet", "Dag!"))
    for event in turn("wat is jullie missie?", "ask_mission", "Onze missie..."):
        tracker.update(event)

    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    with pytest.raises(sa.exc.OperationalError):
        await store.save(tracker)
    blocker.execute("ROLLBACK")
    blocker.close()

    assert len((await store.retrieve("jan")).events) == 1 + 5  # what was stored before the failure
    await store.save(tracker)
    assert len(rows(store, "jan")) == len(tracker.events)
    assert dump(await store.retrieve("jan")) == dump(tracker)
    store.engine.dispose()


async def test_a_database_slower_than_the_timeout_fails_the_call(tmp_path, domain) -> None:
    store = CachedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "t.db"), db_timeout_s=0.2)
    sa.event.listen(store.engine, "before_cursor_execute", lambda *args: time.sleep(0.5))
    with pytest.raises(asyncio.TimeoutError):
        await store.retrieve("kim")
    store.engine.dispose()


# --- configuration ------------------------------------------------------------------------------------------


def test_the_embedded_default_endpoints_use_this_store(tmp_path, domain) -> None:
    """Rasa silently falls back to an in-memory store when a custom class does not load: check it does."""
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    config.kwargs["db"] = str(tmp_path / "tracker.db")
    store = TrackerStore.create(config, domain)
    assert isinstance(store, CachedSQLTrackerStore)
    assert store.engine.dialect.name == "sqlite" and store._cache_size > 0
