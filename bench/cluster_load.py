"""`make load`: the cluster mode's capacity on this machine, through nginx, for the table in docs/deploy.md.

For 1 and then 2 replicas (CLUSTER_LOAD_REPLICAS, e.g. "1,2"), each started as `make cluster` starts them
(bot/cluster/cluster.py) on a scratch PostgreSQL database and the machine's Redis: REST messages through
nginx in two shapes,

- short: 100 new conversations of one message (a first question from the campaign page),
- long: 20 conversations of 10 messages (a person who keeps asking),

at CLUSTER_LOAD_CONCURRENCY conversations at once (default 10). Reports messages/s, p50/p95 latency, the
CPU seconds all servers (Rasa, actions, nginx) spent per message, memory per replica (Rasa + actions
RSS) and PostgreSQL rows written per message. Printed, and written to bench/results/cluster.json.
Each replica is warmed up first (its first messages load lazy parts). Bounded: 2 to 3 minutes per replica
count on 2 cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from sqlalchemy import create_engine, text

from bench.load import LoadResult, run_load
from bench.servers import cpu_s, rss_mb
from bot.cluster.cluster import Cluster, ensure_database
from bot.paths import MODEL
from bot.servers import free_port, isolated_env, seed_sample_data

RESULTS = Path(__file__).parent / "results"
POSTGRES = os.environ.get("CLUSTER_LOAD_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
REDIS = os.environ.get("CLUSTER_LOAD_REDIS", "redis://127.0.0.1:6379")
SHORT = [["hallo"], ["what is your mission?"], ["hoe kan ik doneren?"], ["wat is jullie visie?"], ["hi there"]]
LONG = [
    [
        "hallo",
        "wat is jullie visie?",
        "vertel me meer",
        "wat bedoelen jullie met evenwaardigheid?",
        "hoe kan ik doneren?",
        "ben je een robot?",
        "wat is de 4de pijler",
        "wat zegt jullie strategie over toekomstige generaties?",
        "bedankt",
        "tot ziens",
    ],
    [
        "hi there",
        "what is your mission?",
        "tell me more",
        "what are your values?",
        "what is international solidarity?",
        "can I donate online?",
        "how can I volunteer?",
        "what happens in November?",
        "thanks",
        "bye",
    ],
]


def events_written(database: str) -> int:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM events")).scalar() or 0)
    finally:
        engine.dispose()


def measure(cluster: Cluster, database: str, shape: str, concurrency: int) -> Dict[str, Any]:
    """One load shape through nginx; CPU of every process of the cluster, per message."""
    scripts, rounds = (SHORT, 10) if shape == "short" else (LONG, 2)
    pids = cluster.pids()
    cpu_before = sum(cpu_s(pid) or 0.0 for pid in pids.values())
    rows_before = events_written(database)
    result: LoadResult = asyncio.run(run_load(cluster.url, scripts, concurrency, rounds))
    cpu = sum(cpu_s(pid) or 0.0 for pid in pids.values()) - cpu_before
    rows = events_written(database) - rows_before
    return {
        "shape": shape,
        "concurrency": concurrency,
        "messages": result.messages,
        "errors": result.errors,
        "throughput": round(result.throughput, 2),
        "p50_ms": round(result.p50_ms),
        "p95_ms": round(result.p95_ms),
        "cpu_ms_per_message": round(1000 * cpu / max(1, result.messages), 1),
        "rows_per_message": round(rows / max(1, result.messages), 1),
    }


def memory(cluster: Cluster) -> List[Dict[str, float]]:
    return [
        {name: round(rss_mb(pid) or 0.0) for name, pid in servers.pids().items()}  # rasa, actions
        for servers in cluster.servers
    ]


@contextmanager
def running_cluster(
    replicas: int, work: Path, redis_dbs: Tuple[int, int] = (11, 12), model: Path = MODEL
) -> Iterator[Tuple[Cluster, str, float]]:
    """`replicas` replicas and nginx as `make cluster` starts them, on a scratch PostgreSQL database (dropped
    afterwards) and two Redis databases (locks, channels' memories); yields the cluster, its database and
    the seconds it took to start. Each replica is warmed up (its first messages load lazy parts)."""
    database = f"{POSTGRES}/horizon_load_{uuid.uuid4().hex[:8]}"
    ensure_database(database)
    locks, memories = redis_dbs
    env = isolated_env(
        work,
        TRACKER_STORE_URL=database,
        DATABASE_URL=database,
        LOCK_STORE_URL=f"{REDIS}/{locks}",
        HORIZON_REDIS_URL=f"{REDIS}/{memories}",
    )
    try:
        seed_sample_data(env)
        port = free_port()
        cluster = Cluster(
            runtime=work / f"cluster-{replicas}", env=env, replicas=replicas, port=port, token="load", model=model
        )
        cluster.listen = f"127.0.0.1:{port}"
        started = time.perf_counter()
        cluster.start()
        try:
            start_s = time.perf_counter() - started
            for servers in cluster.servers:
                asyncio.run(run_load(servers.url, SHORT + LONG, 4, 2))
            yield cluster, database, start_s
        finally:
            cluster.stop()
    finally:
        admin = create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database.rsplit("/", 1)[1]}" WITH (FORCE)'))
        admin.dispose()


def run(replicas: int, concurrency: int, work: Path) -> Dict[str, Any]:
    with running_cluster(replicas, work) as (cluster, database, start_s):
        shapes = [measure(cluster, database, shape, concurrency) for shape in ("short", "long")]
        return {"replicas": replicas, "start_s": round(start_s), "memory_mb": memory(cluster), "loads": shapes}


def table(results: List[Dict[str, Any]]) -> str:
    lines = [
        "| replicas | conversations | messages | errors | msg/s | p50 ms | p95 ms | CPU ms/msg | rows/msg |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for load in result["loads"]:
            lines.append(
                f"| {result['replicas']} | {load['concurrency']} at once, {load['shape']} | {load['messages']} | "
                f"{load['errors']} | {load['throughput']} | {load['p50_ms']} | {load['p95_ms']} | "
                f"{load['cpu_ms_per_message']} | {load['rows_per_message']} |"
            )
    lines.append("")
    for result in results:
        per_replica = ", ".join(f"Rasa {m['rasa']} MB + actions {m['actions']} MB" for m in result["memory_mb"])
        lines.append(f"- {result['replicas']} replica(s), started in {result['start_s']} s: {per_replica}")
    return "\n".join(lines)


def main() -> None:
    replica_counts = [int(n) for n in os.environ.get("CLUSTER_LOAD_REPLICAS", "1,2").split(",")]
    concurrency = int(os.environ.get("CLUSTER_LOAD_CONCURRENCY", 10))
    results = []
    with tempfile.TemporaryDirectory(prefix="horizon-load-") as scratch:
        for replicas in replica_counts:
            print(f"{replicas} replica(s): starting...", flush=True)
            results.append(run(replicas, concurrency, Path(scratch)))
            print(table(results[-1:]), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cluster.json").write_text(json.dumps(results, indent=2) + "\n")
    print("\n" + table(results))


if __name__ == "__main__":
    main()
