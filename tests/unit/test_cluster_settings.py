"""Cluster mode is configuration only (bot/cluster/settings.py): the runtime files bot/servers.py writes."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from bot.cluster import nginx
from bot.cluster.cluster import ensure_database
from bot.cluster.settings import CLUSTER_SOCKETIO_CHANNEL, LOCK_STORE_TYPE, SOCKETIO_CHANNEL, TRACKER_STORE_TYPE
from bot.servers import isolated_env, write_endpoints, write_runtime_credentials
from horizon.privacy.retention import tracker_store_url
from tests.postgres import PG_URL, require_postgres

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


def test_the_nginx_configuration_is_valid_sticky_for_socketio_and_spread_otherwise(tmp_path: Path) -> None:
    binary = nginx.nginx_binary()
    if binary is None:
        pytest.skip("nginx is not installed: `make system-deps`")
    config = nginx.write_config([5101, 5102], "127.0.0.1:5999", tmp_path)
    nginx.check(binary, config, tmp_path)  # nginx -t: raises with nginx's message
    rendered = config.read_text()
    sticky = rendered[rendered.index("upstream rasa_socketio") :]
    assert "ip_hash;" in sticky[: sticky.index("}")]
    spread = rendered[rendered.index("upstream rasa {") :]
    assert "least_conn;" in spread[: spread.index("}")]
    assert rendered.count("server 127.0.0.1:5101") == 2 and rendered.count("server 127.0.0.1:5102") == 2
    socketio_location = rendered[rendered.index("location /socket.io/") :]
    assert "proxy_set_header Upgrade $http_upgrade;" in socketio_location[: socketio_location.index("}")]
    assert str(tmp_path / "nginx.pid") in rendered and "access_log off;" in rendered


def test_the_cluster_creates_its_database_once() -> None:
    require_postgres()
    url = PG_URL.rsplit("/", 1)[0] + f"/horizon_created_{uuid.uuid4().hex[:8]}"
    try:
        assert ensure_database(url) is True
        assert ensure_database(url) is False
    finally:
        admin = create_engine(PG_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}"'))
        admin.dispose()
    with pytest.raises(ValueError):
        ensure_database(PG_URL.rsplit("/", 1)[0] + "/bad-name; drop")
