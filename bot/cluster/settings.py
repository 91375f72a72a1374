"""Cluster mode is configuration only: these environment variables turn the embedded default into it.

- `TRACKER_STORE_URL` (e.g. postgresql://postgres@127.0.0.1:5432/horizon): the conversations in that
  database, with the project's cached SQL store (bot/tracker_store.py), instead of var/tracker.db.
- `LOCK_STORE_URL` (e.g. redis://127.0.0.1:6379/1): the ticket lock of each conversation in Redis
  (bot/cluster/lock_store.py), so that several Rasa processes handle one conversation's messages in turn.
- `HORIZON_REDIS_URL` (e.g. redis://127.0.0.1:6379/2): socket.io rooms shared between the servers
  (bot/channels/socketio_cluster.py) and the channels' small memories (rate limits, WhatsApp buttons,
  Slack redeliveries: bot/channels/memory.py) in Redis instead of each process's memory.

Unset, each falls back to the embedded default of `make run`. bot/servers.py applies them when it writes
a server's runtime endpoints.yml and credentials.yml; docs/deploy.md lists them.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional

from sqlalchemy.engine import make_url

TRACKER_STORE_URL = "TRACKER_STORE_URL"
LOCK_STORE_URL = "LOCK_STORE_URL"
REDIS_URL = "HORIZON_REDIS_URL"
TRACKER_STORE_TYPE = "bot.tracker_store.CachedSQLTrackerStore"
LOCK_STORE_TYPE = "bot.cluster.lock_store.AtomicRedisLockStore"
SOCKETIO_CHANNEL = "bot.channels.socketio.SocketIOInput"
CLUSTER_SOCKETIO_CHANNEL = "bot.channels.socketio_cluster.ClusterSocketIOInput"


def configured(env: Mapping[str, str], name: str) -> Optional[str]:
    value = (env.get(name) or "").strip()
    return value or None


def tracker_store(url: str, template: Mapping[str, Any]) -> Dict[str, Any]:
    """The tracker store section for the database at `url`; the template's own settings (cache size,
    timeouts) are kept. Rasa reads a whole URL in `url`; `db` names the database for the retention purge."""
    parsed = make_url(url)
    store = {key: value for key, value in template.items() if key not in ("dialect", "db", "url", "host")}
    store.setdefault("type", TRACKER_STORE_TYPE)
    store.update(dialect=parsed.get_backend_name(), url=url, db=parsed.database)
    return store


def cluster_endpoints(endpoints: Dict[str, Any], env: Mapping[str, str]) -> Dict[str, Any]:
    """`endpoints` (as read from endpoints.yml) with the stores the environment names."""
    tracker_url = configured(env, TRACKER_STORE_URL)
    if tracker_url:
        endpoints["tracker_store"] = tracker_store(tracker_url, endpoints.get("tracker_store") or {})
    lock_url = configured(env, LOCK_STORE_URL)
    if lock_url:
        if not lock_url.startswith(("redis://", "rediss://")):
            raise ValueError(f"{LOCK_STORE_URL} must be a redis:// or rediss:// URL")
        endpoints["lock_store"] = {"type": LOCK_STORE_TYPE, "url": lock_url}
    return endpoints


def cluster_credentials(credentials: Dict[str, Any], env: Mapping[str, str]) -> Dict[str, Any]:
    """`credentials` with the socket.io channel that shares its rooms through Redis, when Redis is set.

    Same settings and the same URL (/socket.io): only the class changes."""
    if configured(env, REDIS_URL) and SOCKETIO_CHANNEL in credentials:
        return {
            (CLUSTER_SOCKETIO_CHANNEL if name == SOCKETIO_CHANNEL else name): settings
            for name, settings in credentials.items()
        }
    return credentials
