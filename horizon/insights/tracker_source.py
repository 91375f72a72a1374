"""The SQL tracker store's ``events`` table as a source of events for :func:`horizon.insights.ingest.ingest`.

The embedded default (Rasa's ``SQLTrackerStore`` and bot/tracker_store.py, SQLite or PostgreSQL). Read
through the database driver's own cursor: the ORM's row objects cost more than the rest of the reading.
"""

from __future__ import annotations

import hashlib
from typing import Any, Dict, Iterator, List, Optional

import sqlalchemy as sa
import ujson
from sqlalchemy.engine import Engine

from horizon.insights.ingest import PERSONAL_SLOTS, READ_DATA, ROW_KINDS, IngestResult, ingest

#: Ids below the mark re-checked on every run (see :class:`TrackerStoreSource`).
TAIL_WINDOW = 1000


def _fingerprint(type_name: str, timestamp: Optional[float]) -> str:
    """Tells one event from another at the same id; nothing personal goes in."""
    return hashlib.blake2b(f"{type_name}|{timestamp!r}".encode(), digest_size=6).hexdigest()


class TrackerStoreSource:
    """The SQL tracker store's ``events`` table (Rasa's ``SQLTrackerStore`` and bot/tracker_store.py).

    Events are read by id after the mark, up to the highest id at the start of the run, through the
    database driver's own cursor (the ORM's row objects cost more than the rest of the reading). On SQLite
    an id is not an ever-growing sequence: when forgetting deletes a conversation whose events were the
    newest, the rows written in their place get the same ids again. So the ids of the latest
    :data:`TAIL_WINDOW` ids already read are remembered with a fingerprint (type and timestamp of the event,
    nothing personal) and re-checked: an id whose event changed is read again as a new event.
    """

    name = "tracker"

    def __init__(self, engine: Engine, chunk: int = 20_000) -> None:
        self.engine = engine
        self.chunk = chunk
        self._after = 0
        self._tail: Dict[int, str] = {}
        self._window_low = 0

    def _query(self, where: str) -> str:
        """Rows as :class:`EventRecord` fields; the JSON only for the kinds of event the ingestion reads."""
        kinds = ", ".join(f"'{kind}'" for kind in sorted(READ_DATA))
        return (
            f"SELECT id, sender_id, type_name, CASE WHEN type_name IN ({kinds}) THEN data END, action_name, "
            f"timestamp FROM events WHERE {where} AND type_name IN ({kinds}, {ROW_KINDS}) "
            "AND (action_name IS NULL OR action_name <> 'action_listen') ORDER BY id"
        )

    def events(self, checkpoint: Dict[str, Any]) -> Iterator[Any]:
        after = int(checkpoint.get("after", 0))
        tail = {int(k): v for k, v in (checkpoint.get("tail") or {}).items()}
        self._after, self._tail = after, dict(tail)
        if not sa.inspect(self.engine).has_table("events"):
            return
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT max(id) FROM events")
            top = cursor.fetchone()[0]
            if top is None:
                return
            top = int(top)
            self._window_low = top - TAIL_WINDOW
            if tail:
                cursor.execute(self._query(f"id >= {mark} AND id <= {mark}"), (min(tail), after))
                for row in cursor.fetchall():
                    if tail.get(row[0]) != _fingerprint(row[2], row[5]):
                        yield self._record(row)
            last = after
            while last < top:
                cursor.execute(self._query(f"id > {mark} AND id <= {mark}") + f" LIMIT {int(self.chunk)}", (last, top))
                rows = cursor.fetchall()
                if not rows:
                    break
                window = self._window_low
                for row in rows:
                    yield self._record(row) if row[0] > window else row  # a plain tuple: see Ingestor.feed
                last = rows[-1][0]
            self._after = max(after, top)
            cursor.close()
        finally:
            connection.close()

    def personal_values(self, sender_id: str) -> List[str]:
        """What the person answered in the forms of this conversation (for masking, in memory only): read
        when an unanswered question of a conversation that began in an earlier run is about to be kept."""
        mark = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(f"SELECT data FROM events WHERE sender_id = {mark} AND type_name = 'slot'", (sender_id,))
            slots = [ujson.loads(data) for (data,) in cursor.fetchall() if data]
            cursor.close()
        finally:
            connection.close()
        return [s["value"] for s in slots if s.get("name") in PERSONAL_SLOTS and isinstance(s.get("value"), str)]

    def _record(self, row: Any) -> Any:
        self._tail[row[0]] = _fingerprint(row[2], row[5])
        return row

    def checkpoint(self) -> Dict[str, Any]:
        ids = sorted(i for i in self._tail if self._window_low < i <= self._after)
        return {"after": self._after, "tail": {str(i): self._tail[i] for i in ids}}


def tracker_engine(url: Any) -> Engine:
    """A read-only use engine on the tracker store's database."""
    return sa.create_engine(url, future=True, connect_args={"timeout": 10} if str(url).startswith("sqlite") else {})


def ingest_tracker_store(engine: Engine, url: Any) -> IngestResult:
    """:func:`ingest` from the SQL tracker store at ``url``."""
    events_engine = tracker_engine(url)
    try:
        return ingest(engine, TrackerStoreSource(events_engine))
    finally:
        events_engine.dispose()
