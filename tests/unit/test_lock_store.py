"""The ticket lock across processes, on the machine's Redis: Rasa's `RedisLockStore` against ours.

Each worker process plays a replica: it handles messages of ONE conversation, each under the lock, and in
the critical section does what Rasa does with the tracker: read the conversation's state, work, write it
back (here a counter in Redis, read, a few milliseconds of work, written + 1). If the lock works, the
critical sections never overlap, the counter ends at the number of messages, and no message fails.
With Rasa's store (non-atomic GET/SET of the lock, RasaHQ/rasa#9213) at least one of those breaks.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any, Dict, List, Tuple, Type

import pytest
import redis
from rasa.core.lock_store import LockError, RedisLockStore

from bot.cluster.lock_store import AtomicRedisLockStore, redis_settings

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WORKERS = 3
MESSAGES = 24  # per worker, in pairs
MESSAGE_TIMEOUT_S = 5.0
WORK_S = 0.003


def require_redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is unreachable, and CI must test it")
        pytest.skip("Redis unreachable (outside CI)")
    return client


@dataclass
class Outcome:
    intervals: List[Tuple[float, float]]  # (enter, leave) of every critical section, all workers
    errors: List[str]
    counter: int

    @property
    def overlaps(self) -> int:
        ordered = sorted(self.intervals)
        return sum(1 for before, after in zip(ordered, ordered[1:], strict=False) if after[0] < before[1])


def replica(store_class: str, prefix: str, conversation: str, start: float, results: Any) -> None:
    """One process: MESSAGES messages of `conversation`, each under the lock, starting at `start`.

    Puts (intervals, failures) per pair of messages on `results`, then None when it ends.
    """
    stores: Dict[str, Type[RedisLockStore]] = {"rasa": RedisLockStore, "atomic": AtomicRedisLockStore}
    store = stores[store_class](**redis_settings(REDIS_URL), key_prefix=prefix)
    client = redis.Redis.from_url(REDIS_URL)
    state = f"{prefix}:state:{conversation}"

    async def message() -> Tuple[float, float]:
        async with store.lock(conversation, lock_lifetime=30, wait_time_in_seconds=0.01):
            enter = time.monotonic()
            value = int(client.get(state) or 0)  # retrieve the tracker
            await asyncio.sleep(WORK_S)  # predict, run actions
            client.set(state, value + 1)  # save the tracker
            return enter, time.monotonic()

    async def conversation_messages() -> None:
        while time.time() < start:
            await asyncio.sleep(0.001)
        # Two messages at once from this process as well (a person who double-clicks). A worker stops at
        # its first failure: a message waiting for a ticket nobody will serve would wait for ever.
        for _ in range(MESSAGES // 2):
            pair = [asyncio.wait_for(message(), MESSAGE_TIMEOUT_S) for _ in range(2)]
            outcomes = await asyncio.gather(*pair, return_exceptions=True)
            failures = [type(o).__name__ for o in outcomes if isinstance(o, BaseException)]
            results.put(([o for o in outcomes if not isinstance(o, BaseException)], failures))
            if failures:
                return

    try:
        asyncio.run(conversation_messages())
    finally:
        results.put(None)


def run_replicas(store_class: str) -> Outcome:
    client = require_redis()
    prefix = uuid.uuid4().hex[:12]
    conversation = "conversation-1"
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    start = time.time() + 1.0
    processes = [
        context.Process(target=replica, args=(store_class, prefix, conversation, start, results))
        for _ in range(WORKERS)
    ]
    for process in processes:
        process.start()
    intervals: List[Tuple[float, float]] = []
    errors: List[str] = []
    ended = 0
    while ended < WORKERS:
        item = results.get(timeout=120)
        if item is None:
            ended += 1
            continue
        intervals += item[0]
        errors += item[1]
    for process in processes:
        process.join(30)
    counter = int(client.get(f"{prefix}:state:{conversation}") or 0)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)
    return Outcome(intervals, errors, counter)


def test_rasa_redis_lock_store_lets_messages_of_one_conversation_overlap_across_processes() -> None:
    """What breaks (RasaHQ/rasa#9213): turns that overlap, tracker updates lost, and messages that wait for
    ever (a lock saved back without their ticket: it is never served). Measured here, 3 processes x 24
    messages: 3 to 21 handled before a message hung, 1 to 6 overlaps; ours: 72 of 72, none.

    A race needs the processes to interleave, which is likely but not certain in one round: up to five.
    """
    seen: List[Outcome] = []
    for _ in range(5):
        outcome = run_replicas("rasa")
        seen.append(outcome)
        if outcome.overlaps or outcome.errors or outcome.counter != len(outcome.intervals):
            break
    broken = seen[-1]
    assert broken.overlaps or broken.errors or broken.counter != len(broken.intervals), (
        f"Rasa's lock store held in {len(seen)} rounds: the race was not reproduced"
    )


def test_atomic_lock_store_serves_one_message_of_a_conversation_at_a_time_across_processes() -> None:
    outcome = run_replicas("atomic")
    assert outcome.errors == []
    assert len(outcome.intervals) == WORKERS * MESSAGES
    assert outcome.overlaps == 0
    assert outcome.counter == WORKERS * MESSAGES  # no tracker update lost


def test_ticket_numbers_are_never_reused_while_a_ticket_may_live() -> None:
    """Rasa's store numbers from the last ticket in the lock: after an expiry it hands out 0 again, to a
    second message, while the first may still be running and would then remove the second's ticket."""
    client = require_redis()
    prefix = uuid.uuid4().hex[:12]
    store = AtomicRedisLockStore(url=REDIS_URL, key_prefix=prefix)
    first = store.issue_ticket("c", lock_lifetime=0.05)
    time.sleep(0.1)  # the first ticket expired: its message is slow, not finished
    second = store.issue_ticket("c", lock_lifetime=30)
    assert second != first
    store.cleanup("c", first)  # the slow message finishes: must not release the second's ticket
    lock = store.get_lock("c")
    assert lock is not None and [ticket.number for ticket in lock.tickets] == [second]
    store.cleanup("c", second)
    assert store.get_lock("c") is None  # the last ticket served: the lock is gone
    assert client.pttl(store.key_prefix + "c" + ":counter") > 0  # the counter expires on its own
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_the_lock_is_rasa_s_json_and_expires_with_its_tickets() -> None:
    client = require_redis()
    prefix = uuid.uuid4().hex[:12]
    store = AtomicRedisLockStore(url=REDIS_URL, key_prefix=prefix)
    ticket = store.issue_ticket("c", lock_lifetime=5)
    lock = store.get_lock("c")  # Rasa's own parsing
    assert lock is not None and lock.conversation_id == "c" and not lock.is_locked(ticket)
    assert 0 < client.pttl(store.key_prefix + "c") <= 6000  # a replica killed mid-message leaves no lock
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_an_unreachable_redis_is_a_lock_error_quickly() -> None:
    store = AtomicRedisLockStore(url="redis://127.0.0.1:1/0", socket_timeout=1)
    start = time.monotonic()
    with pytest.raises(LockError):
        store.issue_ticket("c")
    assert time.monotonic() - start < 3


def test_rasa_builds_it_from_endpoints() -> None:
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig.from_dict(
        {"type": "bot.cluster.lock_store.AtomicRedisLockStore", "url": "redis://:secret@10.1.2.3:6380/4"}
    )
    store = LockStore.create(config)
    assert isinstance(store, AtomicRedisLockStore)
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"], kwargs["password"]) == ("10.1.2.3", 6380, 4, "secret")
