"""`make bench`: Horizon against the stock `rasa init` bot, measured on this machine in the same run.

For each bot: training time, start-up time (until the REST webhook answers), server memory (RSS), and
message latency p50/p95 and throughput through the REST webhook with 1 and 10 concurrent conversations.
Both bots run side by side and are loaded in alternating blocks (never at the same time), so that drift in
the machine's speed during the run does not favour either.
Then the in-process benchmarks of the place resolver, the initiative database (when present), the
strategy retrieval (its recall figures on the labelled questions and its latency), the insights (100,000
generated conversations ingested and reported; a day's new events ingested after them), and the
language detector's accuracy on its held-out set.
Results are printed and written to bench/results/latest.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, Dict, List

from bench import db_bench, insights_bench, language_bench, places_bench, retrieval_bench
from bench.load import LoadResult, pooled, run_load
from bench.servers import BaselineBot, HorizonBot, cpu_s, rss_mb

RESULTS = Path(__file__).parent / "results"

HORIZON_SCRIPTS = [
    ["hallo", "wat is jullie visie?", "vertel me meer", "wat bedoelen jullie met evenwaardigheid?", "bedankt"],
    ["hi there", "what is your mission?", "tell me more", "how can I volunteer?", "thanks"],
    [
        "wat zegt jullie strategie over toekomstige generaties?",
        "hoe kan ik doneren?",
        "ben je een robot?",
        "wat is de 4de pijler",
        "tot ziens",
    ],
    [
        "what are your values?",
        "what is international solidarity?",
        "can I donate online?",
        "what happens in November?",
        "bye",
    ],
]
LOCATION_SCRIPTS = [
    ["is er een 11-groep in Kruibeke?"],
    ["lokale groep in 9090"],
    ["any local group near Kortrijk?"],
    ["welke 4de Pijlerinitiatieven werken rond onderwijs in Congo?"],
    ["initiatieven in Limburg"],
    ["is there a group in Ghent?"],
]
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
BASELINE_SCRIPTS = [
    ["hello", "I am sad", "yes", "great", "bye"],
    ["hi", "are you a bot?", "I am happy", "no", "goodbye"],
]


def summary(result: LoadResult) -> Dict[str, Any]:
    return {k: v for k, v in asdict(result).items() if k not in ("latencies", "elapsed")}


def measure(
    bots: Dict[str, Any], scripts: Dict[str, List[List[str]]], rounds: Dict[int, int], blocks: int
) -> Dict[str, Dict[str, Any]]:
    """Trains and starts both bots, then loads them in alternating blocks, so that a machine that gets
    faster or slower during the run (shared hosts do) affects both alike."""
    results: Dict[str, Dict[str, Any]] = {key: {"name": bot.name} for key, bot in bots.items()}
    for key, bot in bots.items():
        results[key]["training_s"] = bot.train()
    try:
        for key, bot in bots.items():
            results[key]["startup_s"] = bot.start()
        load = lambda bot, c, n: asyncio.run(run_load(bot.url, scripts[bot.name], c, n))
        for bot in bots.values():
            load(bot, 1, 1)  # warm-up: first messages load lazily
        for key in bots:
            results[key]["load"] = []
        for concurrency, total_rounds in sorted(rounds.items()):
            measured: Dict[str, List[LoadResult]] = {key: [] for key in bots}
            cpu: Dict[str, Dict[str, float]] = {key: {} for key in bots}
            for block in range(blocks):
                order = list(bots.items()) if block % 2 == 0 else list(reversed(bots.items()))
                for key, bot in order:
                    before = {name: cpu_s(pid) or 0.0 for name, pid in bot.pids().items()}
                    measured[key].append(load(bot, concurrency, max(1, total_rounds // blocks)))
                    for name, pid in bot.pids().items():
                        cpu[key][name] = cpu[key].get(name, 0.0) + (cpu_s(pid) or 0.0) - before[name]
            for key in bots:
                result = summary(pooled(measured[key]))
                result["cpu_ms_per_message"] = {
                    name: round(1000 * seconds / result["messages"], 2) for name, seconds in cpu[key].items()
                }
                results[key]["load"].append(result)
        horizon = bots["horizon"]
        results["horizon"]["location_question"] = summary(asyncio.run(run_load(horizon.url, LOCATION_SCRIPTS, 1, 12)))
        for key, bot in bots.items():
            results[key]["rss_mb"] = {name: rss_mb(pid) for name, pid in bot.pids().items()}
    finally:
        for bot in bots.values():
            bot.stop()
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
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds-1", type=int, default=8, help="rounds of one conversation")
    parser.add_argument("--rounds-10", type=int, default=16, help="rounds of ten conversations at once")
    parser.add_argument("--blocks", type=int, default=4, help="alternating blocks the rounds are split into")
    args = parser.parse_args()
    rounds = {1: args.rounds_1, 10: args.rounds_10}
    work = Path(tempfile.mkdtemp(prefix="horizon-bench-"))
    try:
        baseline, horizon = BaselineBot(work / "baseline"), HorizonBot(work / "horizon")
        results = measure(
            {"baseline": baseline, "horizon": horizon},
            {baseline.name: BASELINE_SCRIPTS, horizon.name: HORIZON_SCRIPTS},
            rounds,
            args.blocks,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["in_process"] = in_process_benchmarks()
    results["language_detection"] = language_bench.run()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2, default=str))
    print(report(results))


def report(results: Dict[str, Any]) -> str:
    lines = ["", f"{'':28}{'baseline (rasa init)':>22}{'horizon':>14}"]
    base, ours = results["baseline"], results["horizon"]
    lines.append(f"{'training time (s)':28}{base['training_s']:>22.1f}{ours['training_s']:>14.1f}")
    lines.append(f"{'start-up time (s)':28}{base['startup_s']:>22.1f}{ours['startup_s']:>14.1f}")
    for name in ("rasa", "actions"):
        b, o = base["rss_mb"].get(name), ours["rss_mb"].get(name)
        lines.append(f"{f'memory RSS {name} (MB)':28}{(f'{b:.0f}' if b else '-'):>22}{(f'{o:.0f}' if o else '-'):>14}")
    for b, o in zip(base["load"], ours["load"], strict=True):
        c = b["concurrency"]
        lines.append(f"{f'p50 @ {c} conversations (ms)':28}{b['p50_ms']:>22.0f}{o['p50_ms']:>14.0f}")
        lines.append(f"{f'p95 @ {c} conversations (ms)':28}{b['p95_ms']:>22.0f}{o['p95_ms']:>14.0f}")
        lines.append(f"{f'throughput @ {c} (msg/s)':28}{b['throughput']:>22.1f}{o['throughput']:>14.1f}")
        for name in ("rasa", "actions"):
            bc, oc = b["cpu_ms_per_message"].get(name), o["cpu_ms_per_message"].get(name)
            lines.append(
                f"{f'cpu {name} @ {c} (ms/msg)':28}{(f'{bc:.1f}' if bc else '-'):>22}{(f'{oc:.1f}' if oc else '-'):>14}"
            )
        lines.append(f"{f'errors @ {c}':28}{b['errors']:>22}{o['errors']:>14}")
    b10 = next(r for r in base["load"] if r["concurrency"] == 10)
    o10 = next(r for r in ours["load"] if r["concurrency"] == 10)
    ratio = o10["p95_ms"] / b10["p95_ms"]
    lines.append(
        f"\np95 at 10 conversations: {ratio:.2f} x baseline (target <= 0.50): {'met' if ratio <= 0.5 else 'NOT met'}"
    )
    lines.append(
        f"training: {ours['training_s']:.0f} s (target < 180 s): {'met' if ours['training_s'] < 180 else 'NOT met'}"
    )
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
