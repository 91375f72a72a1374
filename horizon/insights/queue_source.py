"""RabbitMQ's durable event queue as a source of events for :func:`horizon.insights.ingest.ingest` (cluster mode).

In cluster mode every Rasa replica publishes its events, masked (horizon/privacy/event_masking.py), through
its event broker (bot/event_broker.py) to one fanout exchange with one durable queue. This source takes the
queue's messages and hands them to the same :func:`ingest` as the tracker store's rows, so the facts are the
same (see docs/insights.md for what masking at the source changes).

Never counted twice:

* **Acknowledged after the commit.** A run takes up to ``batch`` messages without acknowledging them,
  ingests them in one transaction, and acknowledges them only after that transaction committed
  (:func:`ingest_queue`). If the run fails, or the process dies before the commit, RabbitMQ gives the
  messages to the next run again.
* **Deduplicated by event identity.** Each message carries ``event_id`` (the same for a retried publish of
  the same event). The ids of the latest :data:`SEEN_WINDOW` events ingested are kept in the checkpoint,
  written in the same transaction as the facts; a message whose id is among them is acknowledged and
  skipped. This covers a run that committed but died before its acknowledgement (its messages come back)
  and a publisher's retry after a lost confirm.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Mapping, Optional, Set, Tuple
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine

from horizon.insights.ingest import EventRecord, IngestResult, ingest

logger = logging.getLogger(__name__)

URL_SETTING = "EVENT_BROKER_URL"
QUEUE_SETTING = "EVENT_BROKER_QUEUE"
EXCHANGE_SETTING = "EVENT_BROKER_EXCHANGE"
DEFAULT_QUEUE = "horizon_events"
DEFAULT_EXCHANGE = "horizon-events"
#: Event ids remembered in the checkpoint; at least one run's messages (``batch``) so a repeated run is caught.
SEEN_WINDOW = 20_000
DEFAULT_BATCH = 10_000
EXTRA_MESSAGES = 1_000  # taken beyond a batch to complete the messages it ends in
INCOMPLETE_WAITS, INCOMPLETE_WAIT_S = 4, 0.5  # how long a run waits for the rest of a message's events
TIMEOUT_S = 10.0


@dataclass(frozen=True)
class BrokerSettings:
    """Where the events go in cluster mode: ``EVENT_BROKER_URL`` (amqp://user:password@host:port/vhost), the
    durable queue ``EVENT_BROKER_QUEUE`` and the fanout exchange ``EVENT_BROKER_EXCHANGE``."""

    url: str
    queue: str = DEFAULT_QUEUE
    exchange: str = DEFAULT_EXCHANGE

    @property
    def parts(self) -> Dict[str, Any]:
        """The URL split as Rasa's ``PikaEventBroker`` wants it: address without credentials, user, password
        (still percent-encoded: Rasa puts them back into the URL), port."""
        url = urlsplit(self.url)
        host = url.hostname or "127.0.0.1"
        port = url.port or (5671 if url.scheme == "amqps" else 5672)
        query = f"?{url.query}" if url.query else ""
        return {
            "url": f"{url.scheme}://{host}:{port}{url.path or '/'}{query}",
            "username": url.username or "guest",
            "password": url.password or "guest",
            "port": port,
        }


def broker_settings(env: Optional[Mapping[str, str]] = None) -> Optional[BrokerSettings]:
    """The broker settings of ``env`` (default: this process's environment), None when no broker is set."""
    env = os.environ if env is None else env
    url = (env.get(URL_SETTING) or "").strip()
    if not url:
        return None
    if urlsplit(url).scheme not in ("amqp", "amqps"):
        raise ValueError(f"{URL_SETTING} must be an amqp:// or amqps:// URL")
    return BrokerSettings(
        url,
        (env.get(QUEUE_SETTING) or "").strip() or DEFAULT_QUEUE,
        (env.get(EXCHANGE_SETTING) or "").strip() or DEFAULT_EXCHANGE,
    )


def _order(body: Dict[str, Any]) -> Tuple[float, int]:
    """Where an event stands: when its replica stored it, and its place among the events stored with it."""
    stored_at, part = body.get("stored_at"), body.get("part")
    index = part[0] if isinstance(part, list) and part and isinstance(part[0], int) else 0
    return (float(stored_at) if isinstance(stored_at, (int, float)) else 0.0, index)


def _save_of(body: Dict[str, Any]) -> Tuple[Any, Any]:
    """The events one replica stored at once share their conversation and ``stored_at``."""
    return body.get("sender_id"), body.get("stored_at")


def _incomplete(taken: List[Tuple[Any, Dict[str, Any]]]) -> Dict[Tuple[Any, Any], int]:
    """The saves of which ``taken`` lacks events, with how many it lacks (each event counted once, whatever
    its copies)."""
    have: Dict[Tuple[Any, Any], Set[Any]] = {}
    size: Dict[Tuple[Any, Any], int] = {}
    for _message, body in taken:
        part = body.get("part")
        if not (isinstance(part, list) and len(part) == 2 and isinstance(part[1], int)):
            continue
        key = _save_of(body)
        have.setdefault(key, set()).add(part[0])
        size[key] = part[1]
    return {key: size[key] - len(parts) for key, parts in have.items() if len(parts) < size[key]}


def message_id(body: Dict[str, Any]) -> str:
    """The message's ``event_id``; for a message published without one, a digest of its content."""
    given = body.get("event_id")
    if isinstance(given, str) and given:
        return given
    return hashlib.blake2b(json.dumps(body, sort_keys=True, default=str).encode(), digest_size=16).hexdigest()


class QueueSource:
    """Up to ``batch`` messages of the queue, unacknowledged until :meth:`acknowledge` (after the commit).

    One connection for the source's life: open it with :meth:`open`, close with :meth:`close` (which gives
    unacknowledged messages back to the queue).
    """

    name = "queue"

    def __init__(self, settings: BrokerSettings, batch: int = DEFAULT_BATCH) -> None:
        self.settings = settings
        self.batch = batch
        self._loop = asyncio.new_event_loop()
        self._connection: Any = None
        self._channel: Any = None
        self._queue: Any = None
        self._last: Any = None  # the latest message taken in this run: acknowledging it acknowledges all before
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.received = 0  # messages taken in the current run
        self.duplicates = 0
        self._number = 0

    # --- connection ---------------------------------------------------------------------------------------

    def open(self) -> QueueSource:
        self._loop.run_until_complete(asyncio.wait_for(self._open(), TIMEOUT_S))
        return self

    async def _open(self) -> None:
        import aio_pika

        self._connection = await aio_pika.connect(self.settings.url, timeout=TIMEOUT_S)
        self._channel = await self._connection.channel()
        exchange = await self._channel.declare_exchange(self.settings.exchange, type=aio_pika.ExchangeType.FANOUT)
        self._queue = await self._channel.declare_queue(self.settings.queue, durable=True)
        await self._queue.bind(exchange, "")

    def close(self) -> None:
        try:
            if self._connection is not None:
                self._loop.run_until_complete(asyncio.wait_for(self._connection.close(), TIMEOUT_S))
        finally:
            self._connection = None
            self._loop.close()

    def __enter__(self) -> QueueSource:
        return self.open()

    def __exit__(self, *_: Any) -> None:
        self.close()

    # --- EventSource ----------------------------------------------------------------------------------------

    def events(self, checkpoint: Dict[str, Any]) -> Iterator[EventRecord]:
        """The queue's messages (about ``batch``) as events, skipping those ingested already, in the order
        their replicas stored them (``stored_at``, then ``part``). A message's events are taken whole: a run
        that would end in the middle of one takes a few more messages, and gives back those still missing
        some (they come again at the head of the queue)."""
        self._seen = OrderedDict((i, None) for i in checkpoint.get("seen") or [])
        self._last, self.received, self.duplicates = None, 0, 0
        taken: List[Tuple[Any, Dict[str, Any]]] = []
        self._fetch(taken, self.batch)
        waited = 0
        while True:
            incomplete = _incomplete(taken)
            if not incomplete or len(taken) >= self.batch + EXTRA_MESSAGES:
                break
            if not self._fetch(taken, sum(incomplete.values())):  # the rest is on its way, or lost with a replica
                if waited >= INCOMPLETE_WAITS:
                    break
                waited += 1
                time.sleep(INCOMPLETE_WAIT_S)
        held = [message for message, body in taken if _save_of(body) in incomplete]
        if held:
            self._loop.run_until_complete(asyncio.wait_for(self._give_back_some(held), TIMEOUT_S))
        kept = [(message, body) for message, body in taken if _save_of(body) not in incomplete]
        for message, _body in kept:
            self._settle_with_run(message)
        bodies = []
        for _message, body in kept:
            identity = message_id(body)
            if identity in self._seen:
                continue
            self._seen[identity] = None
            if body["event"] is not None:
                bodies.append(body)
        bodies.sort(key=_order)
        first = int(checkpoint.get("number") or 0) + 1
        self._number = first - 1 + len(bodies)
        for number, body in enumerate(bodies, start=first):
            kind = str(body["event"])
            yield EventRecord(
                number,
                str(body.get("sender_id") or ""),
                kind,
                body,
                body.get("name") if kind == "action" else None,
                body.get("timestamp"),
            )

    def _fetch(self, taken: List[Tuple[Any, Dict[str, Any]]], count: int) -> int:
        """Up to ``count`` more messages into ``taken``, except copies of events ingested already (and
        messages that are not events): those are acknowledged with the run. Returns how many came."""
        came = 0
        while came < count:
            messages = self._loop.run_until_complete(self._take(min(500, count - came)))
            if not messages:
                break
            for message in messages:
                came += 1
                self.received += 1
                try:
                    body = json.loads(message.body)
                except ValueError:
                    body = None
                if not isinstance(body, dict) or "event" not in body:
                    logger.warning("insights: a message of the event queue is not an event; skipped")
                    self._settle_with_run(message)
                    continue
                if message_id(body) in self._seen:  # ingested already: a redelivery or a publisher's retry
                    self.duplicates += 1
                    self._settle_with_run(message)
                    continue
                taken.append((message, body))
        return came

    def _settle_with_run(self, message: Any) -> None:
        """``message`` is acknowledged with the run (the latest one acknowledges all before it)."""
        if self._last is None or message.delivery_tag > self._last.delivery_tag:
            self._last = message

    async def _give_back_some(self, messages: List[Any]) -> None:
        for message in messages:
            await message.nack(requeue=True)

    async def _take(self, count: int) -> List[Any]:
        """Up to ``count`` messages, not acknowledged."""
        taken = []
        for _ in range(count):
            message = await asyncio.wait_for(self._queue.get(no_ack=False, fail=False), TIMEOUT_S)
            if message is None:
                break
            taken.append(message)
        return taken

    def checkpoint(self) -> Dict[str, Any]:
        while len(self._seen) > SEEN_WINDOW:
            self._seen.popitem(last=False)
        return {"number": self._number, "seen": list(self._seen)}

    # --- after the run ------------------------------------------------------------------------------------

    def acknowledge(self) -> None:
        """The run's messages are counted (its transaction committed): RabbitMQ may forget them."""
        if self._last is not None:
            self._loop.run_until_complete(asyncio.wait_for(self._last.ack(multiple=True), TIMEOUT_S))
            self._last = None

    def give_back(self) -> None:
        """The run did not count its messages: back to the queue, for the next run."""
        if self._last is not None:
            self._loop.run_until_complete(asyncio.wait_for(self._last.nack(multiple=True, requeue=True), TIMEOUT_S))
            self._last = None


@dataclass
class QueueResult:
    """What :func:`ingest_queue` did, over all its runs."""

    runs: List[IngestResult]
    messages: int
    duplicates: int

    @property
    def events(self) -> int:
        return sum(r.events for r in self.runs)


def ingest_queue(
    engine: Engine, settings: BrokerSettings, batch: int = DEFAULT_BATCH, max_runs: int = 1000
) -> QueueResult:
    """:func:`ingest` from the event queue until it is empty: one transaction per ``batch`` messages,
    acknowledged after its commit."""
    runs: List[IngestResult] = []
    messages = duplicates = 0
    with QueueSource(settings, batch) as source:
        for _run in range(max_runs):
            try:
                result = ingest(engine, source)
            except BaseException:
                source.give_back()
                raise
            if result.skipped:  # another run holds the checkpoint: it will take these messages
                source.give_back()
                break
            source.acknowledge()
            runs.append(result)
            messages += source.received
            duplicates += source.duplicates
            if source.received < batch:
                break
    return QueueResult(runs, messages, duplicates)
