"""Tracker events in, facts without personal data out: incremental, idempotent, one transaction per run.

Why it is built like this:

* **Any source of events.** :func:`ingest` reads an :class:`EventSource`: an iterable of
  :class:`EventRecord` (a sequence number, the sender id, the event as Rasa serialises it) plus the
  checkpoint that says where it stopped. ``TrackerStoreSource`` (horizon/insights/tracker_source.py) reads
  the SQL tracker store's ``events`` table (the embedded default); ``QueueSource``
  (horizon/insights/queue_source.py) reads the RabbitMQ queue of cluster mode, where the replicas publish
  the same event dictionaries, masked.
* **Never counted twice.** The facts and the checkpoint (the high-water mark: the highest event id read)
  are written in the same transaction, so a run either counts its events once or not at all, and the next
  run starts after them. Of two runs at once (``make report`` while someone opens ``/insights/``) the one
  that finds the checkpoint moved when it comes to write writes nothing (see :func:`ingest`).
* **Proportional to new events.** A run reads only events after the mark, by primary key, plus a fixed
  window of the latest ids already read (see horizon/insights/tracker_source.py); conversations are looked up by
  pseudonym for the events read, nothing else.
* **No personal data.** See :mod:`horizon.insights.models`. Texts are kept only for unanswered questions,
  masked (:mod:`horizon.insights.masking`) with the form answers of the same conversation, which are held in
  memory during the run and never written. A message that answers a form question is never kept.
* **"Vergeet mij".** The tracker store erases a forgotten conversation and writes a new session that holds
  the ``forget_requested`` marker (bot/tracker_store.py). When a run reads the marker it deletes every fact
  of that conversation (found by its pseudonym) and adds one to the day's count of forgotten conversations.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import hmac
import json
import operator
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    NamedTuple,
    Optional,
    Protocol,
    Sequence,
    Set,
    Tuple,
    Union,
)
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import ujson
from sqlalchemy.engine import Connection, Engine

from horizon.insights.masking import is_question_text, mask
from horizon.insights.models import InsightsConversation, InsightsForgotten, InsightsState, InsightsTurn
from horizon.insights.places import searched_place
from horizon.privacy.erasure import FORGET_SLOT
from horizon.strategy.text import passages

ZONE = ZoneInfo("Europe/Brussels")
#: Responses that mean "I have no good answer to that".
NO_ANSWER = frozenset(
    {
        "utter_source_unknown",
        "utter_facts_unknown",
        "utter_out_of_scope",
        "utter_default",
        "utter_no_topic_yet",
        "utter_handoff_offer",
    }
)
SIGNED_UP = frozenset({"utter_volunteer_signed_up", "utter_volunteer_updated"})
FORM = "volunteer_form"
#: Slots whose values are what a person typed about themself: used for masking in memory, never stored.
PERSONAL_SLOTS = frozenset(
    {
        "volunteer_name",
        "volunteer_email",
        "volunteer_place",
        "volunteer_postcode",
        "volunteer_pending_place",
        "forget_address",
        "forget_code",
    }
)
RANKING_SIZE = 3
FLUSH_EVERY = 200_000  # events between writes of finished turns, to bound memory
KEY_STATE = "pseudonym_key"
UNLINKED_STATE = "unlinked_before"  # conversations idle before this day have no pseudonym any more
CONV, TURN, FORGOTTEN, STATE = (
    InsightsConversation.__table__,
    InsightsTurn.__table__,
    InsightsForgotten.__table__,
    InsightsState.__table__,
)


class EventRecord(NamedTuple):
    """One tracker event: ``data`` is the event dictionary or its JSON (parsed only when needed; None for
    events the ingestion does not read, which a source may leave out)."""

    id: int
    sender_id: str
    type_name: str
    data: Union[str, Dict[str, Any], None]
    action_name: Optional[str] = None  # the tracker store's column: saves parsing action events
    timestamp: Optional[float] = None


class EventSource(Protocol):
    """Where events come from: the tracker store, or the event queue of cluster mode."""

    name: str

    def events(self, checkpoint: Dict[str, Any]) -> Iterable[Sequence[Any]]:
        """Events after ``checkpoint`` (what :meth:`checkpoint` returned last time; ``{}`` the first time)."""

    def checkpoint(self) -> Dict[str, Any]:
        """Where the events just read end: stored with the facts, in the same transaction."""


@dataclass(frozen=True)
class IngestResult:
    events: int
    conversations: int  # conversations with new facts
    turns: int
    forgotten: int
    seconds: float
    skipped: bool = False  # another run was ingesting the same events at the same time


# --- conversation state during a run ---------------------------------------------------------------------------


@dataclass
class Turn:
    row: Dict[str, Any]
    text: Optional[str]  # what the person typed, in memory only until the turn is written (masked or not at all)
    ranking: List[Dict[str, Any]]  # the model's intent ranking, kept for unanswered questions only


@dataclass
class Conversation:
    id: Optional[int]  # None until it has a message
    stored: bool  # a row exists in the database (from an earlier run)
    pseudonym: str
    first_day: Optional[date] = None
    last_day: Optional[date] = None
    channel: str = "unknown"
    language: str = "nl"
    messages: int = 0
    signup: Optional[str] = None
    requested_slot: Optional[str] = None
    topic: Optional[str] = None
    personal: Set[str] = field(default_factory=set)  # form answers, memory only
    personal_added: bool = False
    open: Optional[Turn] = None
    closed: List[Turn] = field(default_factory=list)
    changed: bool = False
    sender_id: str = ""  # memory only: to replace this object when the conversation is forgotten
    earlier: bool = False  # began in an earlier run: its form answers may be in events this run does not read

    @classmethod
    def from_row(cls, row: Any) -> Conversation:
        return cls(
            id=row.id,
            stored=True,
            pseudonym=row.pseudonym,
            first_day=row.first_day,
            last_day=row.last_day,
            channel=row.channel,
            language=row.language,
            messages=row.messages,
            signup=row.signup,
            requested_slot=row.requested_slot,
            topic=row.topic,
            earlier=True,
        )

    def close_turn(self) -> None:
        if self.open is not None:
            self.closed.append(self.open)
            self.open = None


def model_ranking(ranking: List[Dict[str, Any]]) -> List[List[Any]]:
    """The model's own top intents with their confidence, without the fallback classifier's verdict."""
    return [
        [r.get("name"), round(float(r.get("confidence") or 0.0), 3)] for r in ranking if r.get("name") != "nlu_fallback"
    ][:RANKING_SIZE]


@functools.lru_cache(maxsize=1)
def passage_keys() -> Dict[str, str]:
    """Passage text (both languages) -> "section:index": how a quoted passage is recognised in a response."""
    return {p.text: f"{p.section}:{p.index}" for language in ("nl", "en") for p in passages(language)}


def passage_of(quote: Any) -> Optional[str]:
    """The passage a response quoted (its ``quote``/``passage`` parameter, maybe with a lead-in "… ")."""
    if not isinstance(quote, str):
        return None
    keys = passage_keys()
    return keys.get(quote) or keys.get(quote.rsplit(" … ", 1)[-1])


_UTTER_ACTION = re.compile(r'"utter_action":\s*"([^"]+)"')
QUOTING = frozenset({"utter_source_passage", "utter_more_quote", "utter_more_quote_last"})


def _bot_event(raw: str) -> Dict[str, Any]:
    """A bot event's response name without parsing its (long) JSON, unless it quotes a passage."""
    match = _UTTER_ACTION.search(raw)
    if match is None:
        return {}
    if match.group(1) in QUOTING:
        return ujson.loads(raw)
    return {"metadata": {"utter_action": match.group(1)}}


def brussels_today(now: Optional[float] = None) -> date:
    """Today in Brussels: the day the analytics store files a fact under (the machine's clock may run in UTC)."""
    return datetime.fromtimestamp(time.time() if now is None else now, ZONE).date()


@functools.lru_cache(maxsize=4096)
def _day_of_hour(hour: int) -> date:
    return datetime.fromtimestamp(hour * 3600, ZONE).date()


def day_of(timestamp: Optional[float]) -> date:
    """The day in Belgium (whole-hour offsets: cached per hour)."""
    return _day_of_hour(int((timestamp if timestamp is not None else time.time()) // 3600))


class Ingestor:
    """Turns a stream of events into rows; :meth:`flush` writes them on the run's connection."""

    def __init__(
        self,
        connection: Connection,
        key: bytes,
        claim: Callable[[], None] = lambda: None,
        personal_values: Optional[Callable[[str], Iterable[str]]] = None,
    ) -> None:
        self.connection = connection
        self.key = key
        self.personal_values = personal_values  # the source's look-up of a conversation's earlier form answers
        self.claim: Optional[Callable[[], None]] = claim  # called before the first write, then dropped
        self.conversations: Dict[str, Conversation] = {}
        self.deleted: Set[int] = set()  # stored conversations forgotten in this run
        self.forgotten: Dict[date, int] = {}
        self.next_conversation = self._next_id(CONV)
        self.next_turn = self._next_id(TURN)
        self.turns_written = 0
        self.touched: Set[str] = set()

    def _next_id(self, table: sa.Table) -> int:
        return int(self.connection.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()) + 1

    def pseudonym(self, sender_id: str) -> str:
        return hmac.new(self.key, sender_id.encode(), hashlib.sha256).hexdigest()

    # --- reading ---------------------------------------------------------------------------------------------

    def prefetch(self, records: List[Sequence[Any]]) -> None:
        """Loads the stored state of the conversations of ``records`` that this run has not seen yet."""
        wanted = {}
        for record in records:
            sender_id = record[1]
            if sender_id not in self.conversations and sender_id not in wanted:
                wanted[sender_id] = self.pseudonym(sender_id)
        pseudonyms = list(wanted.values())
        found = {}
        for start in range(0, len(pseudonyms), 500):
            part = pseudonyms[start : start + 500]
            for row in self.connection.execute(sa.select(CONV).where(CONV.c.pseudonym.in_(part))):
                found[row.pseudonym] = Conversation.from_row(row)
        for sender_id, pseudonym in wanted.items():
            conversation = found.get(pseudonym) or Conversation(None, False, pseudonym)
            conversation.sender_id = sender_id
            self.conversations[sender_id] = conversation

    def feed(self, record: Sequence[Any]) -> None:
        """One event: an :class:`EventRecord` or a plain tuple in its order (what the tracker source reads)."""
        _id, sender_id, type_name, raw, action_name = record[:5]
        handler = HANDLERS.get(type_name)
        if handler is None:
            return
        if type_name == "action" and action_name is not None:
            data: Dict[str, Any] = {"name": action_name}
        elif type_name == "bot" and isinstance(raw, str):
            data = _bot_event(raw)
        elif isinstance(raw, str) and type_name in READ_DATA:
            data = ujson.loads(raw)
        else:
            data = raw if isinstance(raw, dict) else {}
        handler(self, self.conversations[sender_id], data)
        self.touched.add(sender_id)

    # --- event handlers --------------------------------------------------------------------------------------

    def on_user(self, c: Conversation, data: Dict[str, Any]) -> None:
        c.close_turn()
        parse = data.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        confidence = (parse.get("intent") or {}).get("confidence")
        day = day_of(data.get("timestamp"))
        language = next(
            (e.get("value") for e in parse.get("entities") or [] if e.get("entity") == "language"), c.language
        )
        if language not in ("nl", "en"):
            language = c.language
        if c.id is None:
            c.id, self.next_conversation = self.next_conversation, self.next_conversation + 1
            c.first_day, c.channel = day, str(data.get("input_channel") or "unknown")[:32]
        c.language, c.last_day, c.messages, c.changed = language, day, c.messages + 1, True
        in_form = c.requested_slot is not None
        tell_more = intent == "tell_more"
        row = {
            "id": self.next_turn,
            "conversation_id": c.id,
            "day": day.isoformat(),  # as stored: see _insert
            "channel": c.channel,
            "language": language,
            "intent": intent,
            "confidence": round(float(confidence), 4) if confidence is not None else None,
            "action": None,
            "response": None,
            "in_form": in_form,
            "fallback": intent == "nlu_fallback" and not in_form,
            "out_of_scope": intent == "out_of_scope" and not in_form,
            "unanswered": False,
            "tell_more": tell_more,
            "topic": c.topic if tell_more else None,
            "passage": None,
            "municipality": None,
            "province": None,
            "question": None,
            "ranking": None,
        }
        self.next_turn += 1
        text = data.get("text")
        c.open = Turn(row, text if not in_form and is_question_text(text) else None, parse.get("intent_ranking") or [])

    def on_action(self, c: Conversation, data: Dict[str, Any]) -> None:
        name = data.get("name")
        turn = c.open
        if turn is not None and turn.row["action"] is None and name != "action_listen":
            turn.row["action"] = str(name)[:64]
        if name == "action_cancel_volunteer" and c.signup == "started":
            c.signup, c.changed = "cancelled", True

    def on_bot(self, c: Conversation, data: Dict[str, Any]) -> None:
        metadata = data.get("metadata") or {}
        response = metadata.get("utter_action")
        turn = c.open
        if response in SIGNED_UP:
            c.signup, c.changed = "completed", True
        if turn is None or not response:
            return
        row = turn.row
        if row["response"] is None:
            row["response"] = str(response)[:64]
        if response in NO_ANSWER and not row["in_form"]:
            row["unanswered"] = True
        passage = passage_of(metadata.get("quote") or metadata.get("passage"))
        if passage is not None and row["passage"] is None:
            row["passage"] = passage

    def on_slot(self, c: Conversation, data: Dict[str, Any]) -> None:
        name, value = data.get("name"), data.get("value")
        if name in PERSONAL_SLOTS:
            if isinstance(value, str) and value.strip():
                c.personal.add(value)
                c.personal_added = True
        elif name == "requested_slot":
            c.requested_slot, c.changed = (str(value)[:64] if value else None), True
        elif name == "topic":
            c.topic, c.changed = (str(value)[:64] if value else None), True
            if c.open is not None and not c.open.row["tell_more"] and value:
                c.open.row["topic"] = c.topic
        elif name == "language" and value in ("nl", "en"):
            c.language = value
        elif name in ("location", "initiative_search") and c.open is not None:
            refnis, province = searched_place(value)
            row = c.open.row
            if (refnis or province) and row["municipality"] is None and row["province"] is None:
                row["municipality"], row["province"] = refnis, province
        elif name == FORGET_SLOT and value is not None:
            self.forget(c, data.get("timestamp"))

    def on_active_loop(self, c: Conversation, data: Dict[str, Any]) -> None:
        if data.get("name") == FORM:
            c.signup, c.changed = "started", True

    def on_session_started(self, c: Conversation, data: Dict[str, Any]) -> None:
        c.close_turn()
        c.requested_slot, c.topic, c.changed = None, None, True

    def forget(self, c: Conversation, timestamp: Optional[float]) -> None:
        """Every fact of the conversation goes; a later message starts a new one."""
        if c.stored and c.id is not None:
            self.deleted.add(c.id)
        day = day_of(timestamp)
        self.forgotten[day] = self.forgotten.get(day, 0) + 1
        self.conversations[c.sender_id] = Conversation(None, False, c.pseudonym, sender_id=c.sender_id)

    # --- writing ---------------------------------------------------------------------------------------------

    def flush(self, final: bool) -> None:
        """Writes finished turns (all turns when ``final``) and the conversations' state."""
        if self.claim is not None:
            self.claim()
            self.claim = None
        if self.deleted:
            ids = sorted(self.deleted)
            for start in range(0, len(ids), 500):
                part = ids[start : start + 500]
                self.connection.execute(TURN.delete().where(TURN.c.conversation_id.in_(part)))
                self.connection.execute(CONV.delete().where(CONV.c.id.in_(part)))
            self.deleted.clear()
        new: List[Dict[str, Any]] = []
        updated: List[Dict[str, Any]] = []
        turns: List[Dict[str, Any]] = []
        for c in self.conversations.values():
            if final:
                c.close_turn()
            if c.id is None:
                continue
            was_stored = c.stored
            if c.changed:
                values = {
                    "id": c.id,
                    "pseudonym": c.pseudonym,
                    "first_day": c.first_day,
                    "last_day": c.last_day,
                    "channel": c.channel,
                    "language": c.language,
                    "messages": c.messages,
                    "signup": c.signup,
                    "requested_slot": c.requested_slot,
                    "topic": c.topic,
                }
                (updated if c.stored else new).append(values)
                c.stored, c.changed = True, False
            if c.earlier and self.personal_values and any(t.row["unanswered"] and t.text for t in c.closed):
                c.personal.update(self.personal_values(c.sender_id))  # memory only, like the rest
                c.earlier = False  # looked up once per run
            for turn in c.closed:
                row = turn.row
                if row["unanswered"] and turn.text:
                    row["question"] = mask(turn.text, c.personal)[:500]
                    row["ranking"] = json.dumps(model_ranking(turn.ranking))
                turns.append(row)
            c.closed = []
            if c.personal_added and was_stored:
                self._remask(c)
            c.personal_added = False
        if new:
            self._insert(CONV, new)
        if updated:
            self.connection.execute(
                CONV.update().where(CONV.c.id == sa.bindparam("cid")),
                [{**{k: v for k, v in u.items() if k != "id"}, "cid": u["id"]} for u in updated],
            )
        if turns:
            self._insert(TURN, turns)
            self.turns_written += len(turns)

    def _insert(self, table: sa.Table, rows: List[Dict[str, Any]]) -> None:
        """A bulk insert through the driver (booleans, numbers and text need no conversion there; turns carry
        their day as ISO text already): SQLAlchemy's per-value processing cost more than the rest of a run."""
        columns = [column.name for column in table.columns]
        mark = "?" if self.connection.dialect.paramstyle == "qmark" else "%s"
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(mark for _ in columns)})"
        rows_of = map(operator.itemgetter(*columns), rows)
        values = [tuple(map(_plain, row)) for row in rows_of] if table is CONV else list(rows_of)
        self.connection.exec_driver_sql(sql, values)

    def _remask(self, c: Conversation) -> None:
        """Questions stored by an earlier run, masked again now that the form's answers are known."""
        rows = self.connection.execute(
            sa.select(TURN.c.id, TURN.c.question).where(TURN.c.conversation_id == c.id, TURN.c.question.isnot(None))
        ).all()
        for turn_id, question in rows:
            masked = mask(question, c.personal)
            if masked != question:
                self.connection.execute(TURN.update().where(TURN.c.id == turn_id).values(question=masked))

    def write_forgotten(self) -> None:
        for day, count in self.forgotten.items():
            done = self.connection.execute(
                FORGOTTEN.update().where(FORGOTTEN.c.day == day).values(conversations=FORGOTTEN.c.conversations + count)
            ).rowcount
            if not done:
                self.connection.execute(FORGOTTEN.insert().values(day=day, conversations=count))


#: Event types whose JSON the ingestion reads (actions come from the ``action_name`` column; a session start
#: or restart needs no more than its type).
READ_DATA = frozenset({"user", "bot", "slot", "active_loop"})
ROW_KINDS = "'action', 'session_started', 'restart'"  # also read, without their JSON


def _plain(value: Any) -> Any:
    """Dates as ISO text (how SQLAlchemy stores them in SQLite; PostgreSQL casts the text itself)."""
    return value.isoformat() if type(value) is date else value


HANDLERS = {
    "user": Ingestor.on_user,
    "action": Ingestor.on_action,
    "bot": Ingestor.on_bot,
    "slot": Ingestor.on_slot,
    "active_loop": Ingestor.on_active_loop,
    "session_started": Ingestor.on_session_started,
    "restart": Ingestor.on_session_started,
}


# --- runs ---------------------------------------------------------------------------------------------------------


def _state(connection: Connection, name: str) -> Optional[str]:
    return connection.execute(sa.select(STATE.c.value).where(STATE.c.name == name)).scalar()


def _set_state(connection: Connection, name: str, value: str) -> None:
    if not connection.execute(STATE.update().where(STATE.c.name == name).values(value=value)).rowcount:
        connection.execute(STATE.insert().values(name=name, value=value))


def pseudonym_key(connection: Connection) -> bytes:
    """The random key of the pseudonyms, made on first use; it never leaves the analytics database."""
    value = _state(connection, KEY_STATE)
    if value is None:
        value = secrets.token_hex(32)
        _set_state(connection, KEY_STATE, value)
    return bytes.fromhex(value)


def _batches(records: Iterable[Sequence[Any]], size: int = 5000) -> Iterator[List[Sequence[Any]]]:
    batch: List[Sequence[Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Superseded(RuntimeError):
    """Another run moved the checkpoint while this one was reading: it counted those events already."""


def ingest(engine: Engine, source: EventSource, *, unlink_after_days: Optional[int] = None) -> IngestResult:
    """Reads what ``source`` has after its stored checkpoint and adds the facts, in one transaction.

    The run reads and computes first and takes the write lock only to write: it claims its checkpoint
    with a conditional update, so a sign-up saved meanwhile by the action server is not kept waiting (one
    SQLite file), and of two runs at once the later one writes nothing (``skipped``).
    ``unlink_after_days``: conversations idle longer than that lose their pseudonym (default: the
    conversation retention, ``CONVERSATION_RETENTION_DAYS``, plus a day).
    """
    started = time.perf_counter()
    collecting = gc.isenabled()
    gc.disable()  # a run holds many small objects that live until its end: cyclic GC would only rescan them
    try:
        return _ingest(engine, source, unlink_after_days, started)
    except Superseded:
        return IngestResult(0, 0, 0, 0, time.perf_counter() - started, skipped=True)
    finally:
        if collecting:
            gc.enable()


def _prepare(engine: Engine, name: str) -> Tuple[bytes, str]:
    """The pseudonym key and the checkpoint row, made if missing in a short transaction of their own."""
    for _attempt in range(3):
        try:
            with engine.begin() as connection:
                key = pseudonym_key(connection)
                checkpoint = _state(connection, name)
                if checkpoint is None:
                    checkpoint = "{}"
                    connection.execute(STATE.insert().values(name=name, value=checkpoint))
                return key, checkpoint
        except sa.exc.IntegrityError:  # another run made them at the same moment: read them again
            continue
    raise Superseded(name)


def _ingest(engine: Engine, source: EventSource, unlink_after_days: Optional[int], started: float) -> IngestResult:
    name = f"checkpoint:{source.name}"
    key, checkpoint = _prepare(engine, name)
    with engine.begin() as connection:

        def claim() -> None:
            """The first write: the checkpoint must still be the one this run started from."""
            unchanged = STATE.update().where(STATE.c.name == name, STATE.c.value == checkpoint)
            if connection.execute(unchanged.values(value=STATE.c.value)).rowcount != 1:
                raise Superseded(name)

        ingestor = Ingestor(connection, key, claim, getattr(source, "personal_values", None))
        events = 0
        for batch in _batches(source.events(json.loads(checkpoint))):
            ingestor.prefetch(batch)
            for record in batch:
                ingestor.feed(record)
            events += len(batch)
            if events % FLUSH_EVERY < len(batch):
                ingestor.flush(final=False)
        ingestor.flush(final=True)
        ingestor.write_forgotten()
        _set_state(connection, name, json.dumps(source.checkpoint()))
        unlink(connection, unlink_after_days)
    return IngestResult(
        events=events,
        conversations=len(ingestor.touched),
        turns=ingestor.turns_written,
        forgotten=sum(ingestor.forgotten.values()),
        seconds=time.perf_counter() - started,
    )


def unlink(connection: Connection, days: Optional[int] = None, today: Optional[date] = None) -> int:
    """Pseudonyms of conversations idle for longer than the tracker store keeps them set to NULL.

    Only the days since the previous run's cutoff are looked at (kept in ``insights_state``), so that a run
    stays proportional to what is new, not to the years of history.
    """
    if days is None:
        from horizon.privacy.retention import conversation_retention_days

        days = conversation_retention_days() + 1
    cutoff = (today or brussels_today()) - timedelta(days=days)
    previous = _state(connection, UNLINKED_STATE)
    condition = CONV.c.last_day < cutoff
    if previous is not None:
        condition = sa.and_(condition, CONV.c.last_day >= date.fromisoformat(previous))
    changed = connection.execute(
        CONV.update().where(condition, CONV.c.pseudonym.isnot(None)).values(pseudonym=None)
    ).rowcount
    if previous is None or cutoff.isoformat() > previous:
        _set_state(connection, UNLINKED_STATE, cutoff.isoformat())
    return int(changed or 0)
