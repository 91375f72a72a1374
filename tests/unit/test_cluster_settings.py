"""Cluster mode is configuration only (bot/cluster/settings.py): the runtime files bot/servers.py writes."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.cluster.settings import CLUSTER_SOCKETIO_CHANNEL, LOCK_STORE_TYPE, SOCKETIO_CHANNEL, TRACKER_STORE_TYPE
from bot.servers import isolated_env, write_endpoints, write_runtime_credentials
from horizon.privacy.retention import tracker_store_url

PG = "postgresql://postgres@127.0.0.1:5432/horizon"


def test_without_the_variables_the_embedded_default_is_kept(tmp_path: Path) -> None:
    endpoints = yaml.safe_load(write_endpoints(5055, tmp_path, env={}).read_text())
    assert endpoints["tracker_store"]["dialect"] == "sqlite"
    assert "lock_store" not in endpoints
    credentials = yaml.safe_load(write_runtime_credentials({}, tmp_path).read_text())
    assert SOCKETIO_CHANNEL in credentials and CLUSTER_SOCKETIO_CHANNEL not in credentials


def test_the_variables_select_postgresql_redis_and_the_shared_socketio_rooms(tmp_path: Path) -> None:
    env = {"TRACKER_STORE_URL": PG, "LOCK_STORE_URL": "redis://127.0.0.1:6379/1", "HORIZON_REDIS_URL": "redis://x"}
    endpoints = yaml.safe_load(write_endpoints(5055, tmp_path, env=env).read_text())
    store = endpoints["tracker_store"]
    assert (store["type"], store["dialect"], store["url"], store["db"]) == (
        TRACKER_STORE_TYPE,
        "postgresql",
        PG,
        "horizon",
    )
    assert store["cache_size"] == 1000  # the template's own settings are kept
    assert endpoints["lock_store"] == {"type": LOCK_STORE_TYPE, "url": "redis://127.0.0.1:6379/1"}
    assert str(tracker_store_url(tmp_path / "endpoints.yml")) == PG  # the retention purge finds the same database
    credentials = yaml.safe_load(write_runtime_credentials(env, tmp_path).read_text())
    assert CLUSTER_SOCKETIO_CHANNEL in credentials and SOCKETIO_CHANNEL not in credentials
    assert credentials[CLUSTER_SOCKETIO_CHANNEL]["session_persistence"] is True  # same settings


def test_an_isolated_run_never_inherits_the_cluster_stores(tmp_path: Path) -> None:
    base = {"TRACKER_STORE_URL": PG, "LOCK_STORE_URL": "redis://h", "HORIZON_REDIS_URL": "redis://h", "PATH": "/bin"}
    env = isolated_env(tmp_path, base)
    assert not {"TRACKER_STORE_URL", "LOCK_STORE_URL", "HORIZON_REDIS_URL"} & set(env)
