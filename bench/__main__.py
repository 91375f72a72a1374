"""`make bench`: Horizon against the stock `rasa init` bot, measured on this machine in the same run.

Both bots are trained (training time) and started (start-up time, until the REST webhook answers); one and
two replicas of the cluster mode are started as `make cluster` starts them (bench/cluster_load.py), on a
scratch PostgreSQL database and the machine's Redis. Then the load table (bench/load_table.py): p50/p95/p99,
throughput and CPU per message at 1, 10, 50 and 200 conversations at once, short and long conversations,
for all four in turns; memory (RSS) per process; issue 12's targets met or not. The table goes to
results/load.md and results/load.json, the latency plot to docs/performance-latency.svg.
Then the in-process benchmarks of the place resolver, the initiative database (when present), the
strategy retrieval (its recall figures on the labelled questions and its latency), the insights (100,000
generated conversations ingested and reported; a day's new events ingested after them), and the
language detector's accuracy on its held-out set.
Everything is printed and written to bench/results/latest.json. `--quick` (about half the time): fewer
conversations per cell, and both of `--no-train` (serve the model in models/ instead of training Horizon
again) and `--no-in-process`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List

from bench import db_bench, insights_bench, language_bench, load_table, places_bench, retrieval_bench
from bench.cluster_load import running_cluster
from bench.load import LoadResult, run_load
from bench.load_table import HORIZON_SCRIPTS, STOCK, STOCK_SCRIPTS, Target
from bench.plot import plot_latency
from bench.servers import BaselineBot, HorizonBot
from bot.paths import MODEL, ROOT

RESULTS = Path(__file__).parent / "results"
PLOT = ROOT / "docs" / "performance-latency.svg"
LOCATION_SCRIPTS = [
    ["is er een 11-groep in Kruibeke?"],
    ["lokale groep in 9090"],
    ["any local group near Kortrijk?"],
    ["welke 4de Pijlerinitiatieven werken rond onderwijs in Congo?"],
    ["initiatieven in Limburg"],
    ["is there a group in Ghent?"],
]
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
#: Redis databases (locks, channels' memories) of the two clusters: apart from the tests' (13-15) and
#: `make cluster`'s (1, 2).
REDIS_DBS = {1: (11, 12), 2: (9, 10)}


def summary(result: LoadResult) -> Dict[str, Any]:
    return {k: v for k, v in asdict(result).items() if k not in ("latencies", "elapsed")}


def measure(args: argparse.Namespace, work: Path) -> Dict[str, Any]:
    """Trains and starts everything, runs the load table with all targets up, then stops them."""
    baseline, horizon = BaselineBot(work / "baseline"), HorizonBot(work / "horizon")
    results: Dict[str, Any] = {"baseline": {"name": baseline.name}, "horizon": {"name": horizon.name}}
    results["baseline"]["training_s"] = baseline.train()
    if args.quick or args.no_train:
        horizon.work.mkdir(parents=True)
        shutil.copy(MODEL, horizon.servers.model)
    else:
        results["horizon"]["training_s"] = horizon.train()
    with ExitStack() as stack:
        targets: List[Target] = []
        for key, bot, scripts, name in (
            ("baseline", baseline, STOCK_SCRIPTS, STOCK),
            ("horizon", horizon, HORIZON_SCRIPTS, "embedded"),
        ):
            stack.callback(bot.stop)
            results[key]["startup_s"] = bot.start()
            targets.append(Target(name, bot.url, bot.pids, scripts))
        for replicas in (1, 2):
            print(f"Starting {replicas} replica(s) behind nginx...", flush=True)
            cluster, _, start_s = stack.enter_context(
                running_cluster(replicas, work / f"cluster-{replicas}", REDIS_DBS[replicas], horizon.servers.model)
            )
            name = f"{replicas} replica" + ("s" if replicas > 1 else "")
            results[f"cluster_{replicas}"] = {"startup_s": round(start_s, 1)}
            targets.append(Target(name, cluster.url, cluster.pids, HORIZON_SCRIPTS))
        targets = [t for t in targets if t.name in args.targets]
        for target in targets:
            load_table.warm_up(target)
        print("Load table:", flush=True)
        cells = load_table.run_table(targets, args.levels, args.quick)
        results["load_table"] = {"quick": args.quick, "cells": cells, "memory": load_table.memory(targets)}
        results["horizon"]["location_question"] = summary(asyncio.run(run_load(horizon.url, LOCATION_SCRIPTS, 1, 12)))
    return results


def in_process_benchmarks() -> Dict[str, Any]:
    """The place resolver, the initiatives database (10,000 generated records), retrieval and the insights."""
    return {
        "insights": insights_bench.run(),
        "places": places_bench.run(),
        "retrieval": retrieval_bench.run(),
        "initiatives_db_sqlite_p95_ms": db_bench.run(records=10_000, queries=300, url=None),
        "initiatives_db_postgresql_p95_ms": db_bench.run(
            records=10_000, queries=300, url=os.environ.get("BENCH_POSTGRES_URL", POSTGRES_URL)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer messages, no retraining, no in-process benches")
    parser.add_argument("--no-train", action="store_true", help="serve the trained model in models/ (no training time)")
    parser.add_argument("--no-in-process", action="store_true", help="only the servers: no in-process benchmarks")
    parser.add_argument("--levels", type=int, nargs="+", default=list(load_table.LEVELS), help="conversations at once")
    parser.add_argument(
        "--targets",
        nargs="+",
        default=[*load_table.HORIZON_TARGETS, STOCK],
        choices=[*load_table.HORIZON_TARGETS, STOCK],
        help="which systems the load table measures",
    )
    parser.add_argument("--no-plot", action="store_true", help=f"do not rewrite {PLOT.relative_to(ROOT)}")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="horizon-bench-"))
    try:
        results = measure(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_table.write(results["load_table"])
    if not args.no_plot:
        loads = [c["load_average"] for c in results["load_table"]["cells"]]
        title = (
            f"make bench{' --quick' if args.quick else ''} on {os.cpu_count()} shared cores, "
            f"load average {min(loads):.1f}-{max(loads):.1f} (REST, loopback)"
        )
        plot_latency(results["load_table"]["cells"], PLOT, title=title)
    if not (args.quick or args.no_in_process):
        results["in_process"] = in_process_benchmarks()
        results["language_detection"] = language_bench.run()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    print(report(results))


def report(results: Dict[str, Any]) -> str:
    base, ours = results["baseline"], results["horizon"]
    lines = ["", f"{'':28}{'baseline (rasa init)':>22}{'horizon':>14}"]
    for label, key in (("training time (s)", "training_s"), ("start-up time (s)", "startup_s")):
        b, o = base.get(key), ours.get(key)
        lines.append(f"{label:28}{(f'{b:.1f}' if b else '-'):>22}{(f'{o:.1f}' if o else '-'):>14}")
    if ours.get("training_s"):
        met = "met" if ours["training_s"] < 180 else "NOT met"
        lines.append(f"training: {ours['training_s']:.0f} s (target < 180 s): {met}")
    for replicas in (1, 2):
        cluster = results.get(f"cluster_{replicas}")
        if cluster:
            lines.append(f"cluster of {replicas} up (replicas, nginx, models loaded) in {cluster['startup_s']} s")
    lines += ["", load_table.report(results["load_table"]), ""]
    location = ours.get("location_question")
    if location:
        lines.append(
            f"location question through REST (1 conversation): p50 {location['p50_ms']:.0f} ms, "
            f"p95 {location['p95_ms']:.0f} ms"
        )
    in_process = results.get("in_process", {})
    for name in ("resolve", "extractor"):
        r = in_process.get("places", {}).get(name)
        if r:
            lines.append(f"place {name} in process: p50 {r['p50_ms']:.3f} ms, p95 {r['p95_ms']:.3f} ms")
    for name in ("initiatives_db_sqlite_p95_ms", "initiatives_db_postgresql_p95_ms"):
        if name in in_process:
            lines.append(
                f"{name.replace('_p95_ms', '')} lookup over 10,000 records: p95 {in_process[name]:.2f} ms "
                f"(target < 5 ms)"
            )
    if "retrieval" in in_process:
        lines.append(retrieval_bench.report(in_process["retrieval"]))
    if "insights" in in_process:
        lines.append(insights_bench.describe(in_process["insights"]))
    language = results.get("language_detection")
    if language:
        lines.append(language_bench.line(language))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
