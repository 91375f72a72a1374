"""Cluster mode's event stream, end to end below the HTTP layer, on the machine's real RabbitMQ and databases.

Two tracker-store instances share one database, each with its own event broker (what two Rasa replicas
are); they take turns in the same conversations. Checked here:

- every stored event reaches the one durable queue exactly once, in the order it was stored, also when a
  replica's cache is current (no fresh read decides what is new) and through a "vergeet mij";
- planted personal data (name, e-mail address, phone number, street address, a phone-number sender id)
  is in no published message;
- ingesting the queue gives the same insights as ingesting the tracker store, and re-running, a
  redelivered message or a failed run never counts anything twice;
- RabbitMQ unreachable (a loopback proxy that is cut): saves go on at once, the events wait and arrive
  once it is back; what waits when the process stops is lost to the queue (not to the tracker store).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence, Tuple

import pytest
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.utils.endpoints import EndpointConfig
from sqlalchemy.engine import Engine

from bot.event_broker import MaskingPikaEventBroker
from bot.paths import DOMAIN
from bot.servers import event_broker_endpoint, isolated_env, write_endpoints
from bot.tracker_store import CachedSQLTrackerStore
from horizon import db
from horizon.insights.ingest import ingest
from horizon.insights.queue_source import BrokerSettings, QueueSource, ingest_queue
from horizon.insights.tracker_source import TrackerStoreSource
from horizon.privacy.erasure import FORGET_SLOT
from horizon.schema import upgrade_schema
from tests.rabbitmq import Proxy, fresh_queue, peek_queue, publish_raw, read_queue
from tests.unit import test_tracker_store as plain
from tests.unit.test_insights import (
    Planted,
    answered,
    listen,
    said,
    search,
    sign_up_with_personal_data,
    slot,
    start,
    unanswered,
    vision_with_more,
)

database = plain.database  # an empty SQLite file or PostgreSQL database
KEY = "test-pseudonym-key-0123456789abcdef"
SENDER_PHONE = "+32475123987"


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN))


@pytest.fixture
def queue() -> Iterator[BrokerSettings]:
    with fresh_queue() as settings:
        yield settings


@pytest.fixture
def analytics(tmp_path: Path) -> Iterator[List[Engine]]:
    """Two empty analytics databases: one fed from the tracker store, one from the queue."""
    engines = [db.make_engine(f"sqlite:///{tmp_path / f'horizon-{n}.db'}") for n in (1, 2)]
    for engine in engines:
        upgrade_schema(engine)
    yield engines
    for engine in engines:
        engine.dispose()


def broker_section(settings: BrokerSettings, url: str = "") -> Dict[str, Any]:
    env = {
        "EVENT_BROKER_URL": url or settings.url,
        "EVENT_BROKER_QUEUE": settings.queue,
        "EVENT_BROKER_EXCHANGE": settings.exchange,
        "EVENT_BROKER_PSEUDONYM_KEY": KEY,
    }
    section = event_broker_endpoint(env, Path("/nonexistent"))
    assert section is not None
    return section


async def replica(domain: Domain, database: Dict[str, Any], settings: BrokerSettings, url: str = "") -> Any:
    """A tracker store with its own broker, made by Rasa's own factory from the endpoint section."""
    broker = await EventBroker.create(EndpointConfig.from_dict(broker_section(settings, url)))
    assert isinstance(broker, MaskingPikaEventBroker)
    return CachedSQLTrackerStore(domain=domain, event_broker=broker, **database)


async def settled(stores: Sequence[Any], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while any(store.event_broker.waiting for store in stores):
        assert time.monotonic() < deadline, [store.event_broker.waiting for store in stores]
        await asyncio.sleep(0.05)


async def close(stores: Sequence[Any]) -> None:
    for store in stores:
        await store.event_broker.close()
        store.engine.dispose()


async def converse(stores: Sequence[Any], scripts: Dict[str, List[List[Event]]]) -> None:
    """All conversations at once; each message handled by one replica, as Rasa does (fetch, add, save).
    Every third conversation stays on the first replica (its cache is always current); the others
    alternate between replicas (each save finds the other's events first)."""

    async def one(index: int, sender_id: str, messages: List[List[Event]]) -> None:
        for number, events in enumerate(messages):
            store = stores[0] if index % 3 == 0 else stores[(index + number) % len(stores)]
            tracker = await store.get_or_create_tracker(sender_id)
            for event in events:
                tracker.update(event)
            await store.save(tracker)

    await asyncio.gather(*(one(i, sender, messages) for i, (sender, messages) in enumerate(scripts.items())))


def forget_turn() -> List[Event]:
    return (
        [said("vergeet mij", "forget_me", 0.99)]
        + answered("action_forget_me", "utter_forget_me")
        + [slot(FORGET_SLOT, time.time()), slot(FORGET_SLOT, None), listen()]
    )


def stored(store: CachedSQLTrackerStore) -> Dict[str, List[Tuple[str, Any]]]:
    """Each conversation's stored events, (type, timestamp) in the order they were stored."""
    table = store.SQLEvent.__table__
    out: Dict[str, List[Tuple[str, Any]]] = {}
    with store.engine.connect() as connection:
        for sender, kind, timestamp in connection.execute(
            sa.select(table.c.sender_id, table.c.type_name, table.c.timestamp).order_by(table.c.id)
        ):
            out.setdefault(sender, []).append((kind, timestamp))
    return out


def published(bodies: List[bytes]) -> Dict[str, List[Tuple[str, Any]]]:
    """Each conversation's published events, (type, timestamp), in the order their replicas stored them:
    arrival order, stably sorted by ``stored_at`` (two replicas' events may arrive interleaved)."""
    out: Dict[str, List[Tuple[str, Any]]] = {}
    for body in sorted(map(json.loads, bodies), key=lambda body: body["stored_at"]):
        out.setdefault(body["sender_id"], []).append((body["event"], body["timestamp"]))
    return out


def pseudonymised(store: Any, events: Dict[str, List[Tuple[str, Any]]]) -> Dict[str, List[Tuple[str, Any]]]:
    return {store.event_broker.masker.pseudonym(sender): rows for sender, rows in events.items()}


def assert_no_personal_data(bodies: List[bytes], who: Sequence[Planted]) -> None:
    text = b"\n".join(bodies).decode()
    for person in who:
        for value in [*person.values(), person.first]:
            for form in {value, value.lower(), json.dumps(value)[1:-1]}:
                assert form not in text, value
    assert SENDER_PHONE not in text and SENDER_PHONE[1:] not in text


def scripts(who: Sequence[Planted]) -> Dict[str, List[List[Event]]]:
    return {
        f"whatsapp:{SENDER_PHONE}": sign_up_with_personal_data(who[0]),
        "c-vision": [*vision_with_more(), search("postcode:9000"), unanswered("wat vinden jullie van kernenergie?")],
        "c-second": sign_up_with_personal_data(who[1]) + [unanswered("en wat met de 4de pijler?")],
        "c-english": [*vision_with_more("en"), unanswered("what about nuclear energy?")],
        "c-forgotten": [*vision_with_more(), unanswered(f"ik ben {who[2].name}, kan ik helpen?"), forget_turn()],
        "c-after": [start() + unanswered("hoeveel kost lidmaatschap?"), search("municipality:44021")],
    }


# --- exactly once, masked ------------------------------------------------------------------------------------


async def test_every_event_of_two_replicas_reaches_the_queue_once_in_order_without_personal_data(
    database: Dict[str, Any], domain: Domain, queue: BrokerSettings
) -> None:
    stores = [await replica(domain, database, queue), await replica(domain, database, queue)]
    who = [Planted(), Planted(), Planted()]
    try:
        await converse(stores, scripts(who))
        await settled(stores)
    finally:
        await close(stores)
    bodies = read_queue(queue)
    rows = stored(stores[0])
    assert len(rows) == 6 and sum(map(len, rows.values())) > 100
    sent, expected = published(bodies), pseudonymised(stores[0], rows)
    # The forgotten conversation: its events as they were stored before, then what replaced them.
    forgotten = stores[0].event_broker.masker.pseudonym("c-forgotten")
    erased = sent[forgotten][: -len(expected[forgotten])]
    assert sent[forgotten][len(erased) :] == expected[forgotten] and len(erased) > 10
    assert sent == {**expected, forgotten: erased + expected[forgotten]}  # every stored event once, in order
    ids = [json.loads(raw)["event_id"] for raw in bodies]
    assert len(set(ids)) == len(ids) == sum(map(len, rows.values())) + len(erased)
    assert_no_personal_data(bodies, who)
    # The test looked where the data would be: the masks are there, and the tracker store has the originals.
    text = b"\n".join(bodies).decode()
    assert "[redacted]" in text and "[name]" in text and "[phone]" in text and "[address]" in text
    with stores[0].engine.connect() as connection:
        raw = "\n".join(data for (data,) in connection.execute(sa.text("SELECT data FROM events")))
    assert json.dumps(who[0].surname)[1:-1] in raw and f"whatsapp:{SENDER_PHONE}" in rows


# --- insights from the queue ---------------------------------------------------------------------------------


def facts(engine: Engine) -> Dict[str, Any]:
    """The analytics tables without their own numbering and pseudonyms: what a report is made of."""
    with engine.connect() as connection:
        conversations = connection.execute(
            sa.text(
                "SELECT first_day, last_day, channel, language, messages, signup, requested_slot, topic "
                "FROM insights_conversations"
            )
        ).all()
        turns = connection.execute(
            sa.text(
                "SELECT day, channel, language, intent, confidence, action, response, in_form, fallback, out_of_scope, "
                "unanswered, tell_more, topic, passage, municipality, province, question, ranking FROM insights_turns"
            )
        ).all()
        forgotten = connection.execute(sa.text("SELECT day, conversations FROM insights_forgotten")).all()
    return {
        "conversations": sorted(map(tuple, conversations), key=repr),
        "turns": sorted(map(tuple, turns), key=repr),
        "forgotten": sorted(map(tuple, forgotten)),
    }


def test_the_queue_gives_the_same_insights_as_the_tracker_store_and_never_counts_twice(
    tmp_path: Path, domain: Domain, queue: BrokerSettings, analytics: List[Engine]
) -> None:
    database = {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    who = [Planted(), Planted(), Planted()]

    async def replicas_converse() -> List[Any]:
        stores = [await replica(domain, database, queue), await replica(domain, database, queue)]
        try:
            await converse(stores, scripts(who))
            await settled(stores)
        finally:
            await close(stores)
        return stores

    stores = asyncio.run(replicas_converse())
    from_store, from_queue = analytics
    ingest(from_store, TrackerStoreSource(stores[0].engine))
    messages = [json.loads(raw) for raw in peek_queue(queue)]  # left in the queue

    # A run that fails before its commit counts nothing and leaves the messages for the next run.
    class Failing(QueueSource):
        def events(self, checkpoint: Dict[str, Any]) -> Iterator[Any]:
            for number, record in enumerate(super().events(checkpoint)):
                if number == 40:
                    raise ConnectionError("the analytics database went away")
                yield record

    with pytest.raises(ConnectionError), Failing(queue, batch=100) as failing:
        try:
            ingest(from_queue, failing)
        finally:
            failing.give_back()
    assert facts(from_queue)["turns"] == []

    first = ingest_queue(from_queue, queue)
    assert first.messages == len(messages) and first.duplicates == 0 and len(first.runs) == 1
    expected = facts(from_store)
    assert len(expected["turns"]) > 20 and len(expected["conversations"]) == 5 and expected["forgotten"]
    assert any(turn[-2] for turn in expected["turns"])  # masked questions are compared too
    assert facts(from_queue) == expected

    again = ingest_queue(from_queue, queue)
    assert (again.messages, again.events) == (0, 0)
    # Messages counted once come again (a run that committed but died before acknowledging; a publisher's
    # retry after a lost confirm): skipped by their event ids.
    publish_raw(queue, messages[-30:])
    redelivered = ingest_queue(from_queue, queue)
    assert (redelivered.messages, redelivered.duplicates, redelivered.events) == (30, 30, 0)
    assert facts(from_queue) == expected
    assert_no_personal_data([json.dumps(m).encode() for m in messages], who)


def test_small_runs_take_each_messages_events_whole(
    tmp_path: Path, domain: Domain, queue: BrokerSettings, analytics: List[Engine]
) -> None:
    """Runs of 7 messages end inside a message's events: they take the rest first, so no turn is split."""
    database = {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    who = [Planted(), Planted(), Planted()]

    async def one_replica() -> Any:
        stores = [await replica(domain, database, queue)]
        try:
            await converse(stores, scripts(who))
            await settled(stores)
        finally:
            await close(stores)
        return stores[0]

    store = asyncio.run(one_replica())
    from_store, from_queue = analytics
    ingest(from_store, TrackerStoreSource(store.engine))
    result = ingest_queue(from_queue, queue, batch=7)
    assert len(result.runs) > 10 and result.duplicates == 0
    assert facts(from_queue) == facts(from_store)


# --- RabbitMQ unreachable ------------------------------------------------------------------------------------


async def test_without_rabbitmq_the_conversation_goes_on_and_the_events_follow_once_it_is_back(
    tmp_path: Path, domain: Domain, queue: BrokerSettings
) -> None:
    database = {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    proxy = Proxy()  # not listening yet: RabbitMQ is unreachable when the server starts
    try:
        began = time.monotonic()
        stores = [await replica(domain, database, queue, proxy.url)]
        assert time.monotonic() - began < 2  # Rasa's own broker would wait 20 x 5 s, then stop the server
        began = time.monotonic()
        await converse(stores, {"c-1": vision_with_more()})
        assert time.monotonic() - began < 5
        waiting = stores[0].event_broker.waiting
        assert waiting == len(stored(stores[0])["c-1"]) and peek_queue(queue) == []

        proxy.restore()
        await settled(stores)
        assert len(peek_queue(queue)) == waiting

        proxy.cut()  # RabbitMQ goes away while the conversation goes on
        await asyncio.sleep(0.5)
        began = time.monotonic()
        await converse(stores, {"c-1": [unanswered("wat vinden jullie van kernenergie?")]})
        assert time.monotonic() - began < 5
        await asyncio.sleep(1.5)
        assert stores[0].event_broker.waiting > 0
        proxy.restore()
        await settled(stores)
        bodies = read_queue(queue)
        assert published(bodies) == pseudonymised(stores[0], stored(stores[0]))

        # What waits when the process stops is lost to the queue; the tracker store keeps it.
        proxy.cut()
        await asyncio.sleep(0.5)
        await converse(stores, {"c-1": [unanswered("nog een vraag")]})
        lost = stores[0].event_broker.waiting
        await close(stores)
        assert lost > 0 and stores[0].event_broker.waiting == lost
        proxy.restore()
        assert read_queue(queue) == []
        assert stored(stores[0])["c-1"][-lost:][0][0] == "user"
    finally:
        proxy.stop()


# --- configuration -------------------------------------------------------------------------------------------


def test_the_event_broker_is_configured_by_the_environment_only(tmp_path: Path) -> None:
    import yaml

    plain_run = yaml.safe_load(write_endpoints(5055, tmp_path, env={}).read_text())
    assert "event_broker" not in plain_run
    env = {"EVENT_BROKER_URL": "amqp://horizon:s3cr%40t@rabbit.internal:5673/campaign", "EVENT_BROKER_QUEUE": "q1"}
    section = yaml.safe_load(write_endpoints(5055, tmp_path, env=env).read_text())["event_broker"]
    assert section["type"] == "bot.event_broker.MaskingPikaEventBroker"
    assert section["url"] == "amqp://rabbit.internal:5673/campaign"
    assert (section["username"], section["password"], section["port"]) == ("horizon", "s3cr%40t", 5673)
    assert section["queues"] == ["q1"] and section["exchange_name"] == "horizon-events"
    # Without a configured key, one is made and kept in the runtime folder: replicas sharing it agree.
    assert len(section["pseudonym_key"]) >= 32
    again = yaml.safe_load(write_endpoints(5055, tmp_path, env=env).read_text())["event_broker"]
    assert again["pseudonym_key"] == section["pseudonym_key"]
    assert (tmp_path / "event-broker-key").stat().st_mode & 0o077 == 0
    with pytest.raises(ValueError):
        write_endpoints(5055, tmp_path, env={"EVENT_BROKER_URL": "http://127.0.0.1:5672/"})
    # An isolated run (tests, bench) does not inherit a developer's broker.
    assert "EVENT_BROKER_URL" not in isolated_env(tmp_path, base=env)
