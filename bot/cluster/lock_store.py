"""Rasa's Redis lock store with every change of a lock made in one atomic step (RasaHQ/rasa#9213).

Rasa serialises the messages of one conversation with a ticket lock: a message takes the next ticket and
waits until its number is served. Rasa 3.6's `RedisLockStore` keeps the lock as JSON under one key and
changes it by GET, change in Python, SET: issuing a ticket, removing a served one and dropping expired
ones. Between two processes (two replicas, or Sanic workers) those steps interleave, and then:

- two messages get the same ticket and are handled at the same time (both retrieve the same tracker, the
  second save loses or duplicates turns);
- a waiter's pruning or a finished message's save writes back an older lock, so a ticket issued meanwhile
  disappears: its message is handled beside the one being served, or waits for ever for a ticket nobody
  serves (the person's request hangs), or finds the lock deleted under it and fails with `LockError`.

tests/unit/test_lock_store.py shows each with Rasa's store, across processes. Here each change is one Lua
script that Redis runs atomically, on the same JSON, so Rasa's reading code (`get_lock`, `is_locked`) is
kept as it is. Ticket numbers come from a counter key (`INCR`) that outlives every live ticket, so a number
is never issued twice while a message may still hold it (Rasa's counts from the last ticket in the lock,
which starts again at 0 after an expiry). The lock key expires with its last ticket, so a replica killed
mid-message leaves nothing behind for longer than `TICKET_LOCK_LIFETIME`.

Waiting polls every `POLL_S` (Rasa: one second), so a conversation's second message waits only as long
as the first takes.

endpoints.yml (bot/cluster/settings.py writes it from LOCK_STORE_URL):

    lock_store:
      type: bot.cluster.lock_store.AtomicRedisLockStore
      url: redis://127.0.0.1:6379/1
"""

from __future__ import annotations

import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Dict, Optional, Text
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

POLL_S = 0.05
CONNECT_TIMEOUT_S = 2.0
COUNTER_SUFFIX = ":counter"

# KEYS[1] the lock, KEYS[2] its ticket counter; ARGV: now, lifetime (s), conversation id.
# Keeps the unexpired tickets, appends a new one numbered by INCR, and lets both keys expire after the
# last ticket could.
ISSUE = """
local now, lifetime = tonumber(ARGV[1]), tonumber(ARGV[2])
local kept = {}
local raw = redis.call('GET', KEYS[1])
if raw then
  for _, text in ipairs(cjson.decode(raw)['tickets'] or {}) do
    if cjson.decode(text)['expires'] >= now then table.insert(kept, text) end
  end
end
local number = redis.call('INCR', KEYS[2])
local ttl = math.ceil(lifetime * 1000) + 1000
redis.call('PEXPIRE', KEYS[2], 2 * ttl)
table.insert(kept, cjson.encode({number = number, expires = now + lifetime}))
redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[3], tickets = kept}), 'PX', ttl)
return number
"""

# KEYS[1] the lock; ARGV: now, ticket number to remove (-1: none, only drop expired ones).
# Deletes the lock when no ticket is left (Rasa's cleanup), else writes it back keeping its expiry.
RELEASE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local now, served = tonumber(ARGV[1]), tonumber(ARGV[2])
local lock = cjson.decode(raw)
local kept = {}
for _, text in ipairs(lock['tickets'] or {}) do
  local ticket = cjson.decode(text)
  if ticket['expires'] >= now and ticket['number'] ~= served then table.insert(kept, text) end
end
if #kept == 0 then
  redis.call('DEL', KEYS[1])
  return 0
end
lock['tickets'] = kept
redis.call('SET', KEYS[1], cjson.encode(lock), 'KEEPTTL')
return #kept
"""


def redis_settings(url: Text) -> Dict[Text, Any]:
    """`RedisLockStore`'s arguments from a URL: redis[s]://[user:password@]host[:port][/db]."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError("a Redis URL starts with redis:// or rediss://")
    settings: Dict[Text, Any] = {"host": parts.hostname or "localhost", "port": parts.port or 6379}
    path = parts.path.strip("/")
    if path:
        settings["db"] = int(path)
    if parts.username:
        settings["username"] = unquote(parts.username)
    if parts.password:
        settings["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        settings["use_ssl"] = True
    return settings


class AtomicRedisLockStore(RedisLockStore):
    """`RedisLockStore` whose ticket issue, release and pruning are atomic Redis scripts."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        """Rasa builds a lock store of a custom type as `cls(endpoint_config=...)`; tests pass the keyword
        arguments of `RedisLockStore` (or `url`) directly."""
        if endpoint_config is not None:
            kwargs = {"url": endpoint_config.url, **endpoint_config.kwargs}
        url = kwargs.pop("url", None) or "localhost"
        if "://" in url:
            kwargs = {**redis_settings(url), **kwargs}
        else:
            kwargs.setdefault("host", url)
        super().__init__(**kwargs)
        # Rasa sets a read timeout only: an unreachable Redis must fail a message quickly, not hang it.
        self.red.connection_pool.connection_kwargs["socket_connect_timeout"] = CONNECT_TIMEOUT_S
        self._issue = self.red.register_script(ISSUE)
        self._release = self.red.register_script(RELEASE)

    def _key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """The next ticket, issued and stored in one step."""
        key = self._key(conversation_id)
        try:
            arguments = [time.time(), lock_lifetime, conversation_id]
            return int(self._issue(keys=[key, key + COUNTER_SUFFIX], args=arguments))
        except Exception as error:  # noqa: BLE001 - Rasa's contract: any failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{type(error).__name__}") from error

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Removes the served ticket (and expired ones); deletes the lock when none is left."""
        self._release(keys=[self._key(conversation_id)], args=[time.time(), ticket_number])

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Rasa's cleanup is finish_serving, then delete if nobody waits: here the script does both at once."""
        self.finish_serving(conversation_id, ticket_number)

    def update_lock(self, conversation_id: Text) -> None:
        """Drops expired tickets without writing back anything else."""
        self._release(keys=[self._key(conversation_id)], args=[time.time(), -1])

    def save_lock(self, lock: TicketLock) -> None:
        """Whole-lock writes are what races; every change above is a script instead."""
        raise NotImplementedError("AtomicRedisLockStore changes locks only through its scripts")

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = POLL_S
    ) -> AsyncGenerator[TicketLock, None]:
        """Rasa's `lock`, polling every POLL_S instead of every second."""
        async with super().lock(conversation_id, lock_lifetime, min(wait_time_in_seconds, POLL_S)) as lock:
            yield lock
