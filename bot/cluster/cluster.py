"""Several Horizons on one machine behind nginx: what `make cluster`, the cluster tests and the load script run.

Each replica is a `bot.servers.Servers` (an action server and a Rasa server, as `make run` starts them) in
its own runtime folder, on loopback ports; nginx listens on the public port with the same URLs as
`make run`. The replicas share the conversations (PostgreSQL), their locks and the widget's rooms (Redis)
through the cluster mode's variables (bot/cluster/settings.py): the environment decides, no code differs.
A replica's server that dies is started again with backoff (`supervise`), on the same port, while nginx
sends its requests to the other replicas.
"""

from __future__ import annotations

import re
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Mapping, Optional

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bot.cluster import nginx
from bot.cluster.settings import LOCK_STORE_URL, REDIS_URL, TRACKER_STORE_URL
from bot.paths import MODEL
from bot.servers import ALLOWED_ORIGINS, Restarts, Servers, allowed_origins, free_port, runtime_secret, wait_until_up

#: `make cluster` on this machine: its PostgreSQL (trust on loopback), Redis and RabbitMQ.
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/horizon"
LOCAL_DEFAULTS = {
    TRACKER_STORE_URL: LOCAL_POSTGRES,
    "DATABASE_URL": LOCAL_POSTGRES,
    LOCK_STORE_URL: "redis://127.0.0.1:6379/1",
    REDIS_URL: "redis://127.0.0.1:6379/2",
    "EVENT_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/",  # RabbitMQ: the event broker (bot/event_broker.py)
}
#: The event broker's pseudonyms must agree between replicas: one key for all, kept in the cluster's folder.
PSEUDONYM_KEY = "EVENT_BROKER_PSEUDONYM_KEY"
REPLICAS = "CLUSTER_REPLICAS"
DATABASE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def ensure_database(url: str) -> bool:
    """Creates the PostgreSQL database `url` names if it is missing; True when it created it."""
    parsed = make_url(url)
    name = parsed.database or ""
    if parsed.get_backend_name() != "postgresql":
        return False
    if not DATABASE_NAME.match(name):
        raise ValueError("the database name must be letters, digits and underscores")
    admin = create_engine(
        parsed.set(database="postgres"), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as connection:
            found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if found.scalar():
                return False
            connection.execute(text(f'CREATE DATABASE "{name}"'))
            return True
    finally:
        admin.dispose()


def replica_env(env: Mapping[str, str], public_port: int) -> Dict[str, str]:
    """What every replica runs with: browsers allowed from the public origin (not the replica's port), and
    Sanic trusting nginx's X-Forwarded-For, so that the per-address rate limit sees the real client."""
    replica = dict(env)
    replica[ALLOWED_ORIGINS] = ",".join(allowed_origins(public_port, env))
    replica.setdefault("SANIC_PROXIES_COUNT", "1")
    return replica


@dataclass
class Cluster:
    """N replicas and nginx. `listen` is nginx's address (default: the port on every interface, as
    `make run`); the replicas listen on loopback only."""

    runtime: Path
    env: Dict[str, str]
    replicas: int = 2
    port: int = 5005
    token: Optional[str] = None
    model: Path = MODEL
    listen: Optional[str] = None
    log: Callable[[str], None] = print
    servers: List[Servers] = field(default_factory=list)
    proxy: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _replica(self, index: int, port: int, actions_port: int) -> Servers:
        folder = self.runtime / f"replica-{index}"
        return Servers(
            runtime=folder,
            port=port,
            actions_port=actions_port,
            model=self.model,
            env=replica_env(self.env, self.port),
            logs=folder / "logs",
            token=self.token,
            interface="127.0.0.1",
        )

    def start(self) -> None:
        """Starts the replicas (all at once: each loads its own model), then nginx; returns when nginx
        answers. On failure stops what it started and raises with the logs' ends."""
        binary = nginx.nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed: `make system-deps` installs Debian's package")
        self.runtime.mkdir(parents=True, exist_ok=True)
        self.runtime.chmod(0o700)
        if self.env.get("EVENT_BROKER_URL") and not self.env.get(PSEUDONYM_KEY):
            self.env[PSEUDONYM_KEY] = runtime_secret(self.runtime / "event-broker-key")
        self.servers = [self._replica(index + 1, free_port(), free_port()) for index in range(self.replicas)]
        try:
            with ThreadPoolExecutor(max_workers=self.replicas) as pool:
                for started in [pool.submit(servers.start) for servers in self.servers]:
                    started.result()
            config = nginx.write_config([s.port for s in self.servers], self.listen or str(self.port), self.runtime)
            self.proxy = nginx.start(binary, config, self.runtime)
            wait_until_up(f"{self.url}/", self.proxy, timeout=30)
        except BaseException:  # Ctrl-C included: nothing is left running
            self.stop()
            raise

    def pids(self) -> Dict[str, int]:
        """Every process by name: nginx, rasa-1, actions-1, ..."""
        found = {"nginx": self.proxy.pid} if self.proxy is not None else {}
        for index, servers in enumerate(self.servers, start=1):
            found.update({f"{name}-{index}": pid for name, pid in servers.pids().items()})
        return found

    def dead_replicas(self) -> List[int]:
        """Indexes (from 0) of the replicas one of whose processes has exited."""
        return [
            index
            for index, servers in enumerate(self.servers)
            if any(process.poll() is not None for process in servers.processes.values())
        ]

    def restart(self, index: int) -> None:
        """Replica `index` (from 0) stopped and started again on the same ports: nginx's configuration holds."""
        old = self.servers[index]
        old.stop()
        fresh = self._replica(index + 1, old.port, old.actions_port)
        self.servers[index] = fresh
        fresh.start()

    def supervise(self, stopping: threading.Event, poll_s: float = 1.0) -> Optional[int]:
        """Until `stopping` is set: starts again each server of a replica that dies (only that server: a
        crashed action server comes back in seconds, the Rasa server keeps its model), waiting 1, 2, 4 ...
        60 s between failed attempts (`bot.servers.Restarts`). Returns nginx's exit code if nginx itself
        exits (then nothing is served)."""
        restarts: Dict[int, Restarts] = {}
        while not stopping.wait(poll_s):
            if self.proxy is not None and self.proxy.poll() is not None:
                return self.proxy.returncode
            for index in self.dead_replicas():
                found = restarts.setdefault(index, Restarts(log=self.log, label=f"Replica {index + 1}: "))
                found.revive(self.servers[index], stopping)
                if stopping.is_set():
                    return None
        return None

    def stop(self) -> None:
        """nginx first (no new requests), then every replica."""
        if self.proxy is not None:
            nginx.stop(self.proxy)
        for servers in self.servers:
            servers.stop()
