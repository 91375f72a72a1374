"""bot.tracker_store: "vergeet mij" erases the conversation's stored events, in the database, in the cache, in
Rasa's tracker object and (SQLite) in the files, and the conversation goes on from what remains.

Real SQLite files and a real PostgreSQL database, as in test_tracker_store.py.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    AllSlotsReset,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from bot.tracker_store import CachedSQLTrackerStore, after_forgetting, forget_marker
from horizon.privacy.erasure import FORGET_SLOT
from tests.unit import test_tracker_store as plain
from tests.unit.test_tracker_store import converse, new_session, rows, stamp, turn

domain, database = plain.domain, plain.database  # the same fixtures: SQLite and PostgreSQL

NAME, EMAIL, PHONE = "Griet Vandermeulen", "griet.vdm@telenet.be", "0475 98 76 54"
PLANTED = (NAME, EMAIL, PHONE, "Vandermeulen", "griet.vdm")


def personal_turns() -> List[Event]:
    """A sign-up's worth of personal data: typed, in slots, echoed by the bot, in metadata."""
    return [
        UserUttered(
            f"ik ben {NAME}, mail {EMAIL} of bel {PHONE}",
            intent={"name": "nlu_fallback", "confidence": 0.5},
            entities=[{"entity": "name", "value": NAME, "start": 7, "end": 25}],
            metadata={"page": f"https://example.org/?email={EMAIL}"},
            timestamp=stamp(),
        ),
        SlotSet("volunteer_name", NAME, timestamp=stamp()),
        SlotSet("volunteer_email", EMAIL, timestamp=stamp()),
        ActionExecuted("volunteer_form", timestamp=stamp()),
        BotUttered(f"- Naam: {NAME}\n- E-mail: {EMAIL}", timestamp=stamp()),
        ActionExecuted("action_listen", timestamp=stamp()),
    ]


def forget_turn() -> List[Event]:
    """What Rasa logs for "vergeet mij": the message, the action, its answer and events (the marker set and
    cleared), then listen."""
    return [
        UserUttered(f"vergeet mij, ik ben {NAME}", intent={"name": "forget_me", "confidence": 0.99}, timestamp=stamp()),
        ActionExecuted("action_forget_me", timestamp=stamp()),
        BotUttered("Gedaan: ik heb je inschrijving verwijderd.", timestamp=stamp()),
        AllSlotsReset(timestamp=stamp()),
        SlotSet("language", "nl", timestamp=stamp()),
        SlotSet(FORGET_SLOT, time.time(), timestamp=stamp()),
        SlotSet(FORGET_SLOT, None, timestamp=stamp()),
        ActionExecuted("action_listen", timestamp=stamp()),
    ]


def text_of(events: Any) -> str:
    return json.dumps([e.as_dict() for e in events], ensure_ascii=False)


def assert_clean(text: str) -> None:
    for value in PLANTED:
        assert value not in text, value
        assert json.dumps(value)[1:-1] not in text, value


@pytest.fixture
def store(database: Dict[str, Any], domain) -> Any:
    ours = CachedSQLTrackerStore(domain=domain, **database)
    yield ours
    ours.engine.dispose()


def test_what_remains_is_a_new_session_that_starts_with_the_request() -> None:
    events = personal_turns() + forget_turn()
    marker = forget_marker(events)
    assert marker is not None and events[marker].value is not None
    kept = after_forgetting(events, marker)
    assert [e.type_name for e in kept[:4]] == ["action", SessionStarted.type_name, "action", "user"]
    assert kept[3].text is None and kept[3].intent_name == "forget_me" and kept[3].entities == []
    assert kept[4] == ActionExecuted("action_forget_me", timestamp=kept[4].timestamp)
    assert_clean(text_of(kept))
    assert forget_marker(personal_turns()) is None


async def test_forget_me_erases_every_session_in_the_database_the_cache_and_rasas_tracker(
    store: CachedSQLTrackerStore,
    database: Dict[str, Any],
    domain,
) -> None:
    await converse(store, "griet", personal_turns())
    await converse(store, "griet", new_session() + turn("wat is jullie visie?", "ask_vision", "Onze visie..."))
    await converse(store, "griet", personal_turns())
    assert NAME in json.dumps(rows(store, "griet"))

    tracker = await converse(store, "griet", forget_turn())

    assert_clean(json.dumps(rows(store, "griet"), ensure_ascii=False))
    assert_clean(text_of(tracker.events))  # Rasa's own object, which it could save again
    assert tracker.get_slot("volunteer_name") is None and tracker.latest_message.text is None
    cached = await store.retrieve("griet")
    full = await store.retrieve_full_tracker("griet")
    theirs = SQLTrackerStore(domain=domain, **database)
    try:
        from_rasa = await theirs.retrieve("griet")
    finally:
        theirs.engine.dispose()
    for seen in (cached, full, from_rasa):
        assert seen is not None
        assert_clean(text_of(seen.events))
        assert [e.as_dict() for e in seen.events] == [e.as_dict() for e in tracker.events]

    # The conversation goes on: the next turn is appended once, nothing erased comes back.
    after = await converse(store, "griet", turn("bedankt", "thank", "Graag gedaan!"))
    assert len(rows(store, "griet")) == len(after.events)
    assert_clean(json.dumps(rows(store, "griet"), ensure_ascii=False))
    assert [e.text for e in after.events if isinstance(e, UserUttered)] == [None, "bedankt"]


async def test_a_marker_already_stored_erases_nothing_again(store: CachedSQLTrackerStore) -> None:
    await converse(store, "hans", personal_turns() + forget_turn())
    await converse(store, "hans", turn("hallo", "greet", "Dag!"))
    before = rows(store, "hans")
    await converse(store, "hans", turn("bedankt", "thank", "Graag gedaan!"))
    assert rows(store, "hans")[: len(before)] == before


async def test_on_sqlite_no_byte_of_the_erased_events_is_left_in_the_files(tmp_path: Path, domain) -> None:
    """secure_delete zeroes the deleted rows and freed pages; a journal or WAL is truncated or gone."""
    store = CachedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    try:
        for _ in range(30):  # enough rows to fill and split several pages
            await converse(store, "ilse", personal_turns())
        assert EMAIL.encode() in (tmp_path / "tracker.db").read_bytes()
        await converse(store, "ilse", forget_turn())
    finally:
        store.engine.dispose()
    files = [path for path in tmp_path.iterdir() if path.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        for value in PLANTED:
            assert value.encode() not in data, (path.name, value)
