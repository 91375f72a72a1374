"""The channels' memories (bot/channels/memory.py): the same behaviour in process and in the machine's Redis,
and in Redis shared by two servers, which is what the cluster mode needs them for."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import AsyncIterator, List

import pytest
import redis

from bot.channels import memory as memory_module
from bot.channels.memory import ChannelMemory, LocalMemory, Rate, RedisMemory, channel_memory
from tests.unit.test_lock_store import REDIS_URL, require_redis

RATE = Rate(burst=3, per_minute=60)


@pytest.fixture
def space() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(params=["local", "redis"])
async def memories(request: pytest.FixtureRequest, space: str) -> AsyncIterator[List[ChannelMemory]]:
    """Two servers' memories: in process each has its own; in Redis both see the same."""
    if request.param == "local":
        yield [LocalMemory(), LocalMemory()]
        return
    client = require_redis()
    first, second = RedisMemory(REDIS_URL), RedisMemory(REDIS_URL)
    yield [first, second]
    for key in client.scan_iter(f"horizon:{space}*"):
        client.delete(key)
    for server in (first, second):
        await server.client.close()


async def test_remembered_values_are_given_once(memories: List[ChannelMemory], space: str) -> None:
    memory = memories[0]
    await memory.put(space, "+32470000000", ["/affirm", "/deny"], ttl_s=60)
    assert await memory.pop(space, "+32470000000") == ["/affirm", "/deny"]
    assert await memory.pop(space, "+32470000000") is None
    assert await memory.pop(space, "someone else") is None


async def test_remembered_values_expire(memories: List[ChannelMemory], space: str) -> None:
    memory = memories[0]
    await memory.put(space, "k", ["a"], ttl_s=0.05)
    await asyncio.sleep(0.15)
    assert await memory.pop(space, "k") is None


async def test_an_id_is_new_once(memories: List[ChannelMemory], space: str) -> None:
    memory = memories[0]
    assert await memory.add_if_new(space, "Ev01", ttl_s=60)
    assert not await memory.add_if_new(space, "Ev01", ttl_s=60)
    assert await memory.add_if_new(space, "Ev02", ttl_s=60)


async def test_a_bucket_allows_its_burst_then_says_how_long_to_wait(memories: List[ChannelMemory], space: str) -> None:
    memory = memories[0]
    assert [await memory.take(space, "a", RATE) for _ in range(RATE.burst)] == [0.0] * RATE.burst
    assert await memory.take(space, "a", RATE) == pytest.approx(1.0, abs=0.1)
    assert await memory.take(space, "b", RATE) == 0.0


async def test_in_redis_two_servers_share_what_they_remember(space: str) -> None:
    """A WhatsApp answer "2" to buttons sent by another server; a Slack redelivery reaching another server;
    a sender over their rate on one server is over it on the other."""
    require_redis()
    first, second = RedisMemory(REDIS_URL), RedisMemory(REDIS_URL)
    await first.put(space, "+32470000000", ["/volunteer"], ttl_s=60)
    assert await second.pop(space, "+32470000000") == ["/volunteer"]
    assert await first.add_if_new(space, "Ev01", ttl_s=60)
    assert not await second.add_if_new(space, "Ev01", ttl_s=60)
    for _ in range(RATE.burst):
        assert await first.take(space, "flood", RATE) == 0.0
    assert await second.take(space, "flood", RATE) > 0
    keys = [key.decode() for key in redis.Redis.from_url(REDIS_URL).scan_iter(f"horizon:{space}*")]
    assert keys and not any("+3247" in key or "Ev01" in key or "flood" in key for key in keys)  # hashed
    assert all(redis.Redis.from_url(REDIS_URL).pttl(key) > 0 for key in keys)  # everything expires


async def test_an_unreachable_redis_does_not_stop_a_channel(space: str) -> None:
    memory = RedisMemory("redis://127.0.0.1:1/0", timeout_s=0.5)
    start = time.monotonic()
    assert await memory.take(space, "a", RATE) == 0.0  # let through
    assert await memory.pop(space, "a") is None  # a number is taken as text
    assert await memory.add_if_new(space, "Ev01", ttl_s=60)  # handled rather than lost
    assert time.monotonic() - start < 3


def test_the_configuration_picks_the_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HORIZON_REDIS_URL", raising=False)
    assert isinstance(channel_memory(), LocalMemory)
    assert channel_memory() is not channel_memory()  # each channel its own, as before
    monkeypatch.setenv("HORIZON_REDIS_URL", REDIS_URL)
    monkeypatch.setattr(memory_module, "_shared", {})
    assert isinstance(channel_memory(), RedisMemory)
    assert channel_memory() is channel_memory()  # one client per process
