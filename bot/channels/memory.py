"""The channels' small memories: rate-limit buckets, WhatsApp's numbered buttons, Slack's seen event ids.

One process keeps them in its own memory (`LocalMemory`, the embedded default). With several Rasa servers
a person's next message may land on another one, which must know the buttons it offered, the events it
already answered and how fast that person writes: with `HORIZON_REDIS_URL` set they live in Redis
(`RedisMemory`), shared by every server. Same interface, chosen by :func:`channel_memory`.

In Redis: keys are `horizon:<space>:<sha256 of the key>` (no phone number or address in a key name), each
with an expiry; every call has a timeout. When Redis does not answer, a channel keeps serving: the rate
limit lets the message through, a numbered answer is taken as text, a Slack event counts as new (a rare
double answer rather than a lost one); each failure is logged without the key.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Text, Tuple

from bot.channels.webhook_guard import BoundedMemory

logger = logging.getLogger(__name__)

REDIS_URL = "HORIZON_REDIS_URL"  # bot/cluster/settings.py lists the cluster mode's variables
REDIS_TIMEOUT_S = 1.0
KEY_PREFIX = "horizon:"


@dataclass(frozen=True)
class Rate:
    """A token bucket: `burst` messages at once, refilled at `per_minute` messages a minute."""

    burst: int
    per_minute: float

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


class RateLimiter:
    """Token buckets per key, in process memory, forgetting the least recently seen keys beyond `max_keys`.

    A forgotten key starts again with a full bucket: the memory stays bounded under a flood of new keys,
    at the price of letting a client that was pushed out start afresh.
    """

    def __init__(self, rate: Rate, max_keys: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[Text, Tuple[float, float]] = OrderedDict()  # key -> (tokens, when)

    def take(self, key: Text) -> float:
        """Takes one token for `key`: 0.0 when allowed, else the seconds until the next token."""
        now = self.clock()
        tokens, then = self._buckets.pop(key, (float(self.rate.burst), now))
        tokens = min(float(self.rate.burst), tokens + (now - then) * self.rate.per_second)
        wait = 0.0
        if tokens >= 1.0:
            tokens -= 1.0
        else:
            wait = (1.0 - tokens) / self.rate.per_second
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return wait


class ChannelMemory(ABC):
    """What the channels remember between two messages. `space` separates the uses (e.g. "sender")."""

    @abstractmethod
    async def take(self, space: Text, key: Text, rate: Rate) -> float:
        """One token from `key`'s bucket: 0.0 when allowed, else the seconds until the next token."""

    @abstractmethod
    async def put(self, space: Text, key: Text, values: List[Text], ttl_s: float) -> None:
        """Remember `values` under `key` for `ttl_s` seconds (at most)."""

    @abstractmethod
    async def pop(self, space: Text, key: Text) -> Optional[List[Text]]:
        """What was remembered under `key`, forgotten by this call; None if nothing."""

    @abstractmethod
    async def add_if_new(self, space: Text, key: Text, ttl_s: float) -> bool:
        """Remember `key` and return True, or False when it was remembered already."""


class LocalMemory(ChannelMemory):
    """In this process, bounded: the embedded default (one Rasa server)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_entries: int = 10_000) -> None:
        self.clock = clock
        self.max_entries = max_entries
        self._limiters: Dict[Text, RateLimiter] = {}
        self._memories: Dict[Text, BoundedMemory[Text, Tuple[float, Any]]] = {}

    def _memory(self, space: Text) -> BoundedMemory[Text, Tuple[float, Any]]:
        return self._memories.setdefault(space, BoundedMemory(self.max_entries))

    async def take(self, space: Text, key: Text, rate: Rate) -> float:
        limiter = self._limiters.get(space)
        if limiter is None or limiter.rate != rate:
            limiter = self._limiters[space] = RateLimiter(rate, clock=self.clock)
        return limiter.take(key)

    async def put(self, space: Text, key: Text, values: List[Text], ttl_s: float) -> None:
        self._memory(space).put(key, (self.clock() + ttl_s, list(values)))

    async def pop(self, space: Text, key: Text) -> Optional[List[Text]]:
        found = self._memory(space).pop(key)
        return found[1] if found is not None and found[0] >= self.clock() else None

    async def add_if_new(self, space: Text, key: Text, ttl_s: float) -> bool:
        memory = self._memory(space)
        found = memory.pop(key)
        now = self.clock()
        memory.put(key, (now + ttl_s, True) if found is None or found[0] < now else found)
        return found is None or found[0] < now


# KEYS[1] the bucket; ARGV: burst, tokens per second. Redis's clock, so that every server agrees.
# Returns the seconds to wait as a string (Lua numbers become integers on the way out).
TOKEN_BUCKET = """
local burst, per_second = tonumber(ARGV[1]), tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'when')
local tokens, when = tonumber(state[1]) or burst, tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - when) * per_second)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / per_second end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'when', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / per_second * 1000) + 1000)
return tostring(wait)
"""


class RedisMemory(ChannelMemory):
    """In Redis, shared by every server of the cluster (redis-py's asyncio client, with timeouts)."""

    def __init__(self, url: Text, timeout_s: float = REDIS_TIMEOUT_S) -> None:
        import redis.asyncio

        self.timeout_s = timeout_s
        self.client = redis.asyncio.Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
        self._bucket = self.client.register_script(TOKEN_BUCKET)

    @staticmethod
    def key(space: Text, key: Text) -> Text:
        return f"{KEY_PREFIX}{space}:{hashlib.sha256(key.encode('utf-8')).hexdigest()[:40]}"

    async def _call(self, what: Text, call: Any, failed: Any) -> Any:
        import redis

        try:
            return await asyncio.wait_for(call, self.timeout_s)
        except (redis.RedisError, OSError, asyncio.TimeoutError) as error:
            logger.warning("Redis did not answer (%s, %s): going on without it.", what, type(error).__name__)
            return failed

    async def take(self, space: Text, key: Text, rate: Rate) -> float:
        call = self._bucket(keys=[self.key(space, key)], args=[rate.burst, rate.per_second])
        return float(await self._call("rate limit", call, 0.0))

    async def put(self, space: Text, key: Text, values: List[Text], ttl_s: float) -> None:
        call = self.client.set(self.key(space, key), json.dumps(list(values)), px=max(1, int(ttl_s * 1000)))
        await self._call(space, call, None)

    async def pop(self, space: Text, key: Text) -> Optional[List[Text]]:
        found = await self._call(space, self.client.getdel(self.key(space, key)), None)
        return json.loads(found) if found else None

    async def add_if_new(self, space: Text, key: Text, ttl_s: float) -> bool:
        call = self.client.set(self.key(space, key), "1", nx=True, px=max(1, int(ttl_s * 1000)))
        return bool(await self._call(space, call, True))


_shared: Dict[Text, RedisMemory] = {}


def channel_memory(clock: Callable[[], float] = time.monotonic) -> ChannelMemory:
    """Redis (one client per process) when HORIZON_REDIS_URL is set, else a new in-process memory."""
    url = (os.environ.get(REDIS_URL) or "").strip()
    if not url:
        return LocalMemory(clock)
    if url not in _shared:
        _shared[url] = RedisMemory(url)
    return _shared[url]
