"""The load table of `make bench` (issue 12): latency, throughput and CPU per message at 1, 10, 50 and 200
conversations at once, for Horizon embedded (`make run`), one and two replicas of the cluster mode (`make
cluster`, through nginx) and the stock `rasa init` bot, all started in the same run; memory per process.

Two mixes of REST conversations: *short* (new conversations of one message: people arriving from the
campaign page) and *long* (conversations of five messages). A fixed number of conversations per cell,
`level` of them running at every moment, so the run is bounded in messages and time. A cell is split into
blocks (up to 4) and the targets take turns block by block in a rotating order, so that drift in the shared
machine's speed, or another process's burst, does not favour one.
CPU is read from /proc for every server process of a target (Rasa, actions, nginx; not PostgreSQL, Redis
or the load client, which share the same cores).
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from bench.cluster_load import SHORT
from bench.load import LoadResult, percentile, run_conversations, run_load
from bench.servers import cpu_s, peak_rss_mb, rss_mb
from bot.paths import ROOT

LEVELS = (1, 10, 50, 200)
MIXES = ("short", "long")
RESULTS = ROOT / "results"
HORIZON_LONG = [
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
STOCK_LONG = [
    ["hello", "I am sad", "yes", "great", "bye"],
    ["hi", "are you a bot?", "I am happy", "no", "goodbye"],
]
STOCK_SHORT = [["hello"], ["hi"], ["I am sad"], ["are you a bot?"], ["good morning"]]
HORIZON_SCRIPTS = {"short": SHORT, "long": HORIZON_LONG}
STOCK_SCRIPTS = {"short": STOCK_SHORT, "long": STOCK_LONG}
MAX_BLOCKS = 4
HORIZON_TARGETS = ("embedded", "1 replica", "2 replicas")
STOCK = "stock rasa init"


@dataclass
class Target:
    """One system under load: where its REST webhook is, its processes, and what its users say."""

    name: str
    url: str
    pids: Callable[[], Dict[str, int]]
    scripts: Dict[str, List[List[str]]]


def conversations(mix: str, level: int, quick: bool) -> int:
    """How many conversations a cell plays: enough for `level` at once and a steady middle, bounded."""
    if mix == "short":
        return max(25, level) if quick else max(100, 2 * level)
    return max(5, level) if quick else max(20, level)


def warm_up(target: Target) -> None:
    """The first messages load lazy parts of the model: not measured."""
    asyncio.run(run_load(target.url, target.scripts["short"] + target.scripts["long"], 4, 2))


def blocks(mix: str, level: int, quick: bool) -> int:
    """Into how many blocks a cell is split: up to MAX_BLOCKS, each still `level` conversations at once."""
    return max(1, min(MAX_BLOCKS, conversations(mix, level, quick) // level))


def run_block(target: Target, mix: str, level: int, count: int) -> Tuple[LoadResult, float]:
    """`count` conversations, `level` at once; the CPU seconds the target's processes spent meanwhile."""
    pids = target.pids()
    before = {name: cpu_s(pid) or 0.0 for name, pid in pids.items()}
    result = asyncio.run(run_conversations(target.url, target.scripts[mix], level, count))
    return result, sum((cpu_s(pid) or 0.0) - before[name] for name, pid in pids.items())


def summarise(
    target: str, mix: str, level: int, runs: Sequence[Tuple[LoadResult, float]], load: float
) -> Dict[str, Any]:
    """One cell from its blocks: percentiles over all messages, throughput over the blocks' time."""
    latencies = sorted(latency for result, _ in runs for latency in result.latencies)
    elapsed = sum(result.elapsed for result, _ in runs)
    cpu = sum(seconds for _, seconds in runs)
    messages = len(latencies)
    return {
        "target": target,
        "mix": mix,
        "concurrency": level,
        "messages": messages,
        "errors": sum(result.errors for result, _ in runs),
        "p50_ms": round(1000 * percentile(latencies, 0.5), 1) if latencies else None,
        "p95_ms": round(1000 * percentile(latencies, 0.95), 1) if latencies else None,
        "p99_ms": round(1000 * percentile(latencies, 0.99), 1) if latencies else None,
        "throughput": round(messages / elapsed, 1) if elapsed else 0.0,
        "cpu_ms_per_message": round(1000 * cpu / max(1, messages), 1),
        "load_average": round(load, 2),
    }


def run_table(
    targets: Sequence[Target], levels: Sequence[int] = LEVELS, quick: bool = False, log: Callable[[str], None] = print
) -> List[Dict[str, Any]]:
    """Every (mix, level) cell for every target. A cell is played in blocks, the targets taking turns block
    by block in an order that rotates, so that a burst of other work on the machine is shared out."""
    cells: List[Dict[str, Any]] = []
    turn = 0
    for mix in MIXES:
        for level in levels:
            count = blocks(mix, level, quick)
            per_block = conversations(mix, level, quick) // count
            runs: Dict[str, List[Tuple[LoadResult, float]]] = {target.name: [] for target in targets}
            loads: List[float] = []
            for _ in range(count):
                order = list(targets[turn % len(targets) :]) + list(targets[: turn % len(targets)])
                turn += 1
                for target in order:
                    runs[target.name].append(run_block(target, mix, level, per_block))
                    loads.append(os.getloadavg()[0])
            for target in targets:
                cells.append(summarise(target.name, mix, level, runs[target.name], sum(loads) / len(loads)))
                c = cells[-1]
                log(
                    f"  {mix:5} {level:>3} at once  {target.name:16} {c['messages']:>5} msgs  p95 {c['p95_ms']:>7} ms"
                    f"  {c['throughput']:>6} msg/s  CPU {c['cpu_ms_per_message']:>5} ms/msg  errors {c['errors']}"
                )
    return cells


def memory(targets: Sequence[Target]) -> Dict[str, Dict[str, Dict[str, Optional[float]]]]:
    """Resident memory of every process, now and at its peak (VmHWM)."""
    return {
        target.name: {
            name: {"rss_mb": _round(rss_mb(pid)), "peak_mb": _round(peak_rss_mb(pid))}
            for name, pid in target.pids().items()
        }
        for target in targets
    }


def _round(value: Optional[float]) -> Optional[float]:
    return None if value is None else round(value)


def cell(cells: Sequence[Dict[str, Any]], target: str, mix: str, level: int) -> Optional[Dict[str, Any]]:
    return next((c for c in cells if (c["target"], c["mix"], c["concurrency"]) == (target, mix, level)), None)


def verdicts(cells: Sequence[Dict[str, Any]], mem: Dict[str, Any]) -> List[Tuple[str, Optional[bool], str]]:
    """Issue 12's targets: (name, met — None when not measured in this run, the figures)."""
    found: List[Tuple[str, Optional[bool], str]] = []
    at_200 = [c for c in cells if c["concurrency"] == 200 and c["target"] in HORIZON_TARGETS]
    if at_200:
        errors = sum(c["errors"] for c in at_200)
        detail = ", ".join(f"{c['target']} {c['mix']} {c['errors']}" for c in at_200)
        found.append(("no errors at 200 conversations", errors == 0, detail))
    ratios = []
    for mix in MIXES:
        for level in (50, 200):
            one, two = cell(cells, "1 replica", mix, level), cell(cells, "2 replicas", mix, level)
            if one and two and one["throughput"]:
                ratios.append((mix, level, two["throughput"] / one["throughput"], one, two))
    if ratios:
        detail = "; ".join(
            f"{mix} @{level}: {ratio:.2f}x ({two['throughput']} vs {one['throughput']} msg/s, CPU "
            f"{two['cpu_ms_per_message']} vs {one['cpu_ms_per_message']} ms/msg)"
            for mix, level, ratio, one, two in ratios
        )
        at_200_ratios = [ratio for _, level, ratio, _, _ in ratios if level == 200]
        found.append(("two replicas >= 1.3x one replica's msg/s (at 200)", min(at_200_ratios or [0]) >= 1.3, detail))
    for mix in ("long", "short"):
        ours, stock = cell(cells, "embedded", mix, 10), cell(cells, STOCK, mix, 10)
        if ours and stock and ours["p95_ms"] and stock["p95_ms"]:
            ratio = ours["p95_ms"] / stock["p95_ms"]
            found.append(
                (
                    f"p95 at 10 conversations <= 0.4x the stock bot's ({mix} mix)",
                    ratio <= 0.4,
                    f"{ratio:.2f}x ({ours['p95_ms']:.0f} vs {stock['p95_ms']:.0f} ms)",
                )
            )
    embedded, stock_mem = mem.get("embedded"), mem.get(STOCK)
    if embedded and stock_mem:
        ours_mb = sum(p["rss_mb"] or 0 for p in embedded.values())
        stock_mb = sum(p["rss_mb"] or 0 for p in stock_mem.values())
        parts = " + ".join(f"{name} {p['rss_mb']:.0f}" for name, p in embedded.items())
        found.append(
            (
                "RSS of both servers <= the stock bot's process",
                ours_mb <= stock_mb,
                f"{parts} = {ours_mb:.0f} MB vs {stock_mb:.0f} MB ({ours_mb / stock_mb:.2f}x)",
            )
        )
    return found


def markdown(cells: Sequence[Dict[str, Any]]) -> str:
    lines = [
        "| mix | at once | target | messages | errors | p50 ms | p95 ms | p99 ms | msg/s | CPU ms/msg | load avg |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    order = {name: i for i, name in enumerate((*HORIZON_TARGETS, STOCK))}
    for c in sorted(cells, key=lambda c: (MIXES.index(c["mix"]), c["concurrency"], order.get(c["target"], 9))):
        lines.append(
            f"| {c['mix']} | {c['concurrency']} | {c['target']} | {c['messages']} | {c['errors']} | "
            f"{_ms(c['p50_ms'])} | {_ms(c['p95_ms'])} | {_ms(c['p99_ms'])} | {c['throughput']:.1f} | "
            f"{c['cpu_ms_per_message']:.1f} | {c['load_average']:.1f} |"
        )
    return "\n".join(lines)


def _ms(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.0f}"


def memory_markdown(mem: Dict[str, Dict[str, Dict[str, Optional[float]]]]) -> str:
    lines = ["| target | process | RSS MB after the load | peak RSS MB |", "|---|---|---:|---:|"]
    for target, processes in mem.items():
        for name, figures in processes.items():
            lines.append(f"| {target} | {name} | {figures['rss_mb']} | {figures['peak_mb']} |")
        total = sum(f["rss_mb"] or 0 for f in processes.values())
        lines.append(f"| {target} | **all** | **{total:.0f}** | |")
    return "\n".join(lines)


def verdict_lines(found: Sequence[Tuple[str, Optional[bool], str]]) -> str:
    mark = {True: "met", False: "NOT met", None: "not measured"}
    return "\n".join(f"- {name}: **{mark[met]}** — {detail}" for name, met, detail in found)


def report(table: Dict[str, Any]) -> str:
    """The table, memory and targets as Markdown: printed and written to results/load.md."""
    loads = [c["load_average"] for c in table["cells"]]
    return "\n\n".join(
        [
            f"Load table ({'quick' if table['quick'] else 'full'} run; machine load average "
            f"{min(loads):.1f}-{max(loads):.1f} during the cells, {os.cpu_count()} cores)",
            markdown(table["cells"]),
            memory_markdown(table["memory"]),
            verdict_lines(verdicts(table["cells"], table["memory"])),
        ]
    )


def write(table: Dict[str, Any], results: Path = RESULTS) -> None:
    results.mkdir(exist_ok=True)
    (results / "load.json").write_text(json.dumps(table, indent=2) + "\n")
    (results / "load.md").write_text(report(table) + "\n")
