"""Rasa's SQL tracker store, with each conversation's current session also held in memory.

Why: with Rasa's `SQLTrackerStore` every message costs an ORM query that loads the session and, on save, a
count query plus one ORM insert per event, all on the Rasa server's single event loop (about 5 ms of its
CPU per message, a third of its work: see DEVELOPERS.md, "Performance"). This store gives the same answers
from the same tables, and:

- keeps the serialised events of each conversation's latest session in an LRU cache, so a retrieve is one
  indexed `count, max(id)` query that proves the cache current, instead of loading and parsing rows;
- saves with one bulk insert of the new events, and never re-counts what it just wrote;
- does all database work in a worker thread with a timeout, so the event loop serves other people meanwhile.

It is write-through: a save returns only after its transaction committed, so nothing is lost when the
process stops. The cache is checked against the database on every retrieve and save, so several Rasa
processes may share the database (another process's events invalidate the entry and it is reloaded).
The session rule is Rasa's: the events since the latest `session_started` by timestamp, in insertion order.

Forgetting ("vergeet mij"): the action server cannot reach this store, so `action_forget_me` returns a marker,
a `SlotSet` of the slot `forget_requested` (a timestamp). When a save brings a new marker, this store deletes
every stored event of the conversation, all sessions, and writes in their place only what the person's
forgetting left: a new session that starts with the request (its intent, without the text, entities or
metadata) and the forgetting action's own events onwards (its answer, the reset slots). The tracker object
Rasa is about to reuse is rewritten in place to the same events, and so is the cache, so nothing erased is
ever written back. On SQLite the deletion runs with `secure_delete` and is followed by a WAL checkpoint, so
the erased rows are not left in the files (horizon.privacy.erasure).

Event broker (cluster mode, bot/event_broker.py): after each commit the store streams exactly the rows that
transaction wrote, with their positions in the conversation's stored events, so every event of every
replica is published once, after it is stored: not before the write as Rasa's `SQLTrackerStore.save` does
(an event whose write fails is never published), and not by comparing against a fresh read (two replicas,
or a cache that just proved itself current, never publish an event twice). A forgotten conversation
publishes what replaced it, as stored: the forget marker that the insights act on, no erased event again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Text, Tuple, TypeVar

import sqlalchemy as sa
import sqlalchemy.orm
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.conversation import Dialogue
from rasa.shared.core.events import ActionExecuted, Event, Restarted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import event as sa_event

from horizon.privacy.erasure import FORGET_SLOT, checkpoint, secure_delete_on

logger = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_CACHE_SIZE = 1000
DEFAULT_DB_TIMEOUT_S = 10.0
SESSION_STARTED = SessionStarted.type_name


@dataclass(frozen=True)
class CachedSession:
    """What the database holds for one conversation: its latest session's events, and a fingerprint."""

    events: Tuple[str, ...]  # JSON of each event of the latest session, in insertion order
    session_start: Optional[float]  # timestamp of the latest session_started, None if there is none
    rows: int  # rows of this conversation in the table, all sessions
    max_id: Optional[int]  # and their highest id: with `rows`, proof that nobody else wrote meanwhile


def forget_marker(events: List[Event]) -> Optional[int]:
    """Index of the latest `SlotSet(forget_requested, <timestamp>)` in `events`, None when there is none."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, SlotSet) and event.key == FORGET_SLOT and event.value is not None:
            return index
    return None


def after_forgetting(events: List[Event], marker: int) -> List[Event]:
    """What remains of a conversation whose events up to `marker` are forgotten.

    A new session (session start, listen), the request as a bare intent (no text, entities or metadata), then
    the events from the action that set the marker onwards: its answer, the reset slots, what followed.
    """
    start = marker
    while start > 0 and not isinstance(events[start], ActionExecuted):
        start -= 1
    tail = events[start:]
    request = next((e for e in reversed(events[:start]) if isinstance(e, UserUttered)), None)
    when = request.timestamp if request is not None else tail[0].timestamp
    kept: List[Event] = [
        ActionExecuted("action_session_start", timestamp=when),
        SessionStarted(timestamp=when),
        ActionExecuted("action_listen", timestamp=when),
    ]
    if request is not None:
        intent = {"name": request.intent_name, "confidence": 1.0} if request.intent_name else {}
        kept.append(UserUttered(None, intent, timestamp=when, input_channel=request.input_channel))
    return kept + tail


@dataclass(frozen=True)
class Written:
    """What one save stored: the new events (as dictionaries), where the first of them stands among the
    conversation's stored events, and the conversation's events before them."""

    events: List[Dict[Text, Any]]
    first: int
    earlier: List[Event]


NOTHING_WRITTEN = Written([], 0, [])
#: Events that decide how later ones are masked before publishing (form answers, the form's question).
MASKING_CONTEXT = (SlotSet, SessionStarted, Restarted)


def _in_session(timestamp: Optional[float], session_start: Optional[float]) -> bool:
    """SQL's `timestamp >= session_start`, where NULL compares false; no session start means all events."""
    return session_start is None or (timestamp is not None and timestamp >= session_start)


class CachedSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` with an in-memory copy of each current session; configured in endpoints.yml.

    Extra endpoint keys: `cache_size` (conversations kept in memory, default 1000) and `db_timeout_s`
    (seconds a database call may take before the message fails, default 10).
    """

    def __init__(
        self, cache_size: int = DEFAULT_CACHE_SIZE, db_timeout_s: float = DEFAULT_DB_TIMEOUT_S, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._cache: OrderedDict[Text, CachedSession] = OrderedDict()
        self._cache_size = max(0, int(cache_size))
        self._timeout_s = float(db_timeout_s)
        self._table: sa.Table = self.SQLEvent.__table__
        # SQLite has one writer at a time: one thread avoids "database is locked" between our own writes.
        workers = 1 if self.engine.dialect.name == "sqlite" else 4
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tracker-store")
        if self.engine.dialect.name != "sqlite":
            # A restarted PostgreSQL (or a connection it dropped) leaves dead connections in the pool: each is
            # tested before use and replaced, so the conversation goes on instead of failing one message.
            url = self.engine.url
            self.engine.dispose()
            self.engine: sa.engine.Engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        if self.engine.dialect.name == "sqlite":
            # Deleted events are overwritten with zeros in the file (forgetting, retention purge).
            sa_event.listen(self.engine, "connect", lambda connection, _record: secure_delete_on(connection))
            self.engine.dispose()  # connections opened before the listener existed

    # --- Rasa's interface -------------------------------------------------------------------------------

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker of the latest session, or None for a conversation the database does not know."""
        session = await self._in_thread(self._current, sender_id, self._cache.get(sender_id))
        self._remember(sender_id, session)
        return self._tracker(sender_id, session.events)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        """All sessions (the HTTP API's `/tracker?all_sessions`): rare, so straight from the database."""
        events = await self._in_thread(self._all_events, conversation_id)
        return self._tracker(conversation_id, events)

    async def keys(self) -> Iterable[Text]:
        return await self._in_thread(self._keys)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Appends the events the database does not hold yet, as `SQLTrackerStore.save` does, then streams
        them to the event broker."""
        sender_id = tracker.sender_id
        known = self._cache.pop(sender_id, None)  # if the write fails we no longer know what is stored
        events = list(tracker.events)
        marker = forget_marker(events)
        session, kept, written = await self._in_thread(self._append, sender_id, known, events, marker)
        if kept is not None:  # forgotten: Rasa's tracker object must not hold (and later re-save) the old events
            tracker.events.clear()
            tracker.recreate_from_dialogue(Dialogue(sender_id, kept))
            logger.info("Forgot the events of a conversation on request")
        self._remember(sender_id, session)
        logger.debug(f"Tracker with sender_id '{sender_id}' stored to database")
        await self.stream_events(tracker, written)

    async def stream_events(self, tracker: DialogueStateTracker, written: Optional[Written] = None) -> None:
        """Publishes the events one save stored (`written`), once, after their commit.

        Without `written` (a caller outside `save`), Rasa's way: the tracker's events that the store does
        not hold. A broker that masks whole conversations (bot.event_broker) receives the events together,
        with their positions and the conversation's earlier form answers; any other broker one by one, as
        Rasa's stores publish them. Publishing never fails the message: the events are stored already.
        """
        broker = self.event_broker
        if broker is None:
            return
        if written is None:
            await super().stream_events(tracker)
            return
        if not written.events:
            return
        try:
            publish_conversation = getattr(broker, "publish_conversation", None)
            if publish_conversation is not None:
                earlier = [e.as_dict() for e in written.earlier if isinstance(e, MASKING_CONTEXT)]
                publish_conversation(tracker.sender_id, written.events, written.first, earlier)
            else:
                for data in written.events:
                    broker.publish({"sender_id": tracker.sender_id, **data})
        except Exception as error:  # the conversation goes on; the events are in the database
            logger.error(f"Events of a conversation not handed to the event broker ({type(error).__name__})")

    # --- the cache ----------------------------------------------------------------------------------------

    def _remember(self, sender_id: Text, session: CachedSession) -> None:
        if not self._cache_size or not session.rows:
            return
        self._cache[sender_id] = session
        self._cache.move_to_end(sender_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _tracker(self, sender_id: Text, events: Iterable[str]) -> Optional[DialogueStateTracker]:
        dicts = [json.loads(data) for data in events]
        if not dicts or not self.domain:
            return None
        return DialogueStateTracker.from_dict(sender_id, dicts, self.domain.slots)

    async def _in_thread(self, function: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(loop.run_in_executor(self._executor, function, *args), self._timeout_s)

    # --- database work, in the worker thread ------------------------------------------------------------

    def _fingerprint(self, connection: sa.engine.Connection, sender_id: Text) -> Tuple[int, Optional[int]]:
        t = self._table
        query = sa.select(sa.func.count(t.c.id), sa.func.max(t.c.id)).where(t.c.sender_id == sender_id)
        rows, max_id = connection.execute(query).one()
        return rows, max_id

    def _load(
        self, connection: sa.engine.Connection, sender_id: Text, rows: int, max_id: Optional[int]
    ) -> CachedSession:
        """The latest session as `SQLTrackerStore._event_query` defines it."""
        t = self._table
        start = connection.execute(
            sa.select(sa.func.max(t.c.timestamp)).where(t.c.sender_id == sender_id, t.c.type_name == SESSION_STARTED)
        ).scalar()
        query = sa.select(t.c.data).where(t.c.sender_id == sender_id)
        if start is not None:
            query = query.where(t.c.timestamp >= start)
        events = tuple(data for (data,) in connection.execute(query.order_by(t.c.id)))
        return CachedSession(events, start, rows, max_id)

    def _current(self, sender_id: Text, known: Optional[CachedSession]) -> CachedSession:
        with self.engine.connect() as connection:
            rows, max_id = self._fingerprint(connection, sender_id)
            if known is not None and (known.rows, known.max_id) == (rows, max_id):
                return known
            return self._load(connection, sender_id, rows, max_id)

    def _append(
        self, sender_id: Text, known: Optional[CachedSession], events: List[Any], marker: Optional[int] = None
    ) -> Tuple[CachedSession, Optional[List[Event]], Written]:
        """Writes the new events; when they hold a new forget marker, erases the conversation first. Returns
        what is stored, the events that remain when the conversation was forgotten (else None), and what
        this transaction wrote (for the event broker)."""
        with self.engine.begin() as connection:
            rows, max_id = self._fingerprint(connection, sender_id)
            if known is None or (known.rows, known.max_id) != (rows, max_id):
                known = self._load(connection, sender_id, rows, max_id)
            if marker is not None and marker >= len(known.events):
                kept = after_forgetting(events, marker)
                session, dicts = self._replace(connection, sender_id, kept)
            else:
                session, dicts = self._insert(connection, sender_id, known, events)
                return session, None, Written(dicts, rows, events[: len(known.events)]) if dicts else NOTHING_WRITTEN
        checkpoint(self.engine)
        return session, kept, Written(dicts, 0, [])

    def _replace(
        self, connection: sa.engine.Connection, sender_id: Text, kept: List[Event]
    ) -> Tuple[CachedSession, List[Dict[Text, Any]]]:
        """Every stored event of the conversation deleted, `kept` written instead."""
        connection.execute(self._table.delete().where(self._table.c.sender_id == sender_id))
        dicts = [event.as_dict() for event in kept]
        connection.execute(
            self._table.insert(), [self._record(sender_id, e, d) for e, d in zip(kept, dicts, strict=True)]
        )
        rows, max_id = self._fingerprint(connection, sender_id)
        return self._load(connection, sender_id, rows, max_id), dicts

    def _insert(
        self, connection: sa.engine.Connection, sender_id: Text, known: CachedSession, events: List[Any]
    ) -> Tuple[CachedSession, List[Dict[Text, Any]]]:
        """The events after those the database holds, appended."""
        new = events[len(known.events) :]
        if not new:
            return known, []
        dicts = [event.as_dict() for event in new]
        records = [self._record(sender_id, event, data) for event, data in zip(new, dicts, strict=True)]
        connection.execute(self._table.insert(), records)
        rows, max_id = self._fingerprint(connection, sender_id)
        if any(record["type_name"] == SESSION_STARTED for record in records):
            return self._load(connection, sender_id, rows, max_id), dicts
        start = known.session_start
        kept = tuple(r["data"] for r in records if _in_session(r["timestamp"], start))
        return CachedSession(known.events + kept, start, rows, max_id), dicts

    @staticmethod
    def _record(sender_id: Text, event: Any, data: Optional[Dict[Text, Any]] = None) -> Dict[Text, Any]:
        """One row, exactly as `SQLTrackerStore.save` writes it."""
        data = event.as_dict() if data is None else data
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _all_events(self, sender_id: Text) -> List[str]:
        t = self._table
        with self.engine.connect() as connection:
            query = sa.select(t.c.data).where(t.c.sender_id == sender_id).order_by(t.c.id)
            return [data for (data,) in connection.execute(query)]

    def _keys(self) -> List[Text]:
        with self.engine.connect() as connection:
            return [sender for (sender,) in connection.execute(sa.select(self._table.c.sender_id).distinct())]
