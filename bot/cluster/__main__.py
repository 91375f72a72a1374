"""`make cluster`: N replicas (CLUSTER_REPLICAS, default 2) of Horizon behind nginx on port 5005.

The machine's PostgreSQL, Redis and RabbitMQ serve them, unless the cluster variables name others
(bot/cluster/settings.py, docs/deploy.md); the database `horizon` is created if missing. The URLs are
those of `make run`. Ctrl-C (or SIGTERM) stops nginx and every replica; a replica that dies is started
again (or only its action server, when that alone crashed). `make run` stays the embedded single-process default.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from bot.cluster.cluster import LOCAL_DEFAULTS, REPLICAS, Cluster, ensure_database
from bot.cluster.settings import TRACKER_STORE_URL
from bot.launcher import api_token, how_to_talk, seed_database
from bot.paths import VAR
from bot.training import train


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Horizon as several replicas behind nginx.")
    parser.add_argument("--replicas", type=int, default=int(os.environ.get(REPLICAS, 2)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--no-train", action="store_true", help="use the trained model as it is")
    parser.add_argument("--runtime", type=Path, default=VAR / "cluster", help="folder for the replicas and nginx")
    args = parser.parse_args()
    if args.replicas < 1:
        sys.exit("CLUSTER_REPLICAS must be at least 1")
    for name, value in LOCAL_DEFAULTS.items():
        os.environ.setdefault(name, value)
    for url in {os.environ[TRACKER_STORE_URL], os.environ["DATABASE_URL"]}:
        if ensure_database(url):
            print(f"Created the database of {TRACKER_STORE_URL}/DATABASE_URL.", flush=True)
    if not args.no_train:
        train()
    seed_database()
    token, token_file = api_token(args.runtime)
    cluster = Cluster(runtime=args.runtime, env=dict(os.environ), replicas=args.replicas, port=args.port, token=token)
    stopping = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        stopping.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    code = None
    try:
        print(f"Starting {args.replicas} replicas (each loads the model: a minute or two)...", flush=True)
        cluster.start()
        stops = f"nginx and the {args.replicas} replicas" if args.replicas > 1 else "nginx and the replica"
        print(how_to_talk(args.port, token, cluster.servers[0].origins, token_file, stops=stops), flush=True)
        for index, servers in enumerate(cluster.servers, start=1):
            print(f"  Replica {index}: Rasa {servers.url}, actions {servers.actions_url}, logs {servers.logs}")
        print(f"  nginx: {cluster.runtime / 'nginx.conf'}", flush=True)
        code = cluster.supervise(stopping)
        if code is not None:
            print(f"nginx exited (code {code}); stopping the replicas.", flush=True)
    except KeyboardInterrupt:
        print("\nStopping the cluster...", flush=True)
    finally:
        cluster.stop()
    sys.exit(0 if stopping.is_set() or code in (0, None) else 1)


if __name__ == "__main__":
    main()
