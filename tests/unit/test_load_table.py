"""`make bench`'s load table: the load client holds the level it is asked for, the cells add up, the
targets are judged on the figures, and the plot is written. Against a loopback HTTP server, no Rasa."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List

import pytest
from aiohttp import web

from bench import load_table
from bench.load import run_conversations
from bench.plot import plot_latency


async def _serve(delay_s: float, seen: Dict[str, Any]) -> web.AppRunner:
    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        seen["in_flight"] += 1
        seen["peak"] = max(seen["peak"], seen["in_flight"])
        seen["senders"].setdefault(body["sender"], []).append(body["message"])
        await asyncio.sleep(delay_s)
        seen["in_flight"] -= 1
        if body["message"] == "fail":
            return web.json_response({"error": "no"}, status=500)
        return web.json_response([{"text": "ok"}])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, backlog=1024).start()  # the default 128 would hold some back
    return runner


@pytest.mark.parametrize("level", [1, 7, 150])
def test_the_load_client_holds_the_level_and_plays_every_conversation(level: int) -> None:
    """150 at once is over aiohttp's default pool of 100: the client must not cap it."""
    seen: Dict[str, Any] = {"in_flight": 0, "peak": 0, "senders": {}}
    scripts = [["a", "b"], ["c", "d", "e"]]
    delay = 0.4 if level > 100 else 0.05  # long enough for all connections to open

    async def go() -> Any:
        runner = await _serve(delay, seen)
        port = runner.addresses[0][1]
        try:
            return await run_conversations(f"http://127.0.0.1:{port}", scripts, level, level + 3)
        finally:
            await runner.cleanup()

    result = asyncio.run(go())
    assert seen["peak"] == level
    assert len(seen["senders"]) == level + 3  # each conversation once, with its own sender id
    assert sorted(map(tuple, seen["senders"].values())) == sorted(
        tuple(scripts[i % 2]) for i in range(level + 3)
    )  # every message of every script, in order
    assert result.messages == sum(len(scripts[i % 2]) for i in range(level + 3)) and result.errors == 0
    assert 1000 * delay <= result.p50_ms <= result.p95_ms <= result.p99_ms


def test_failed_messages_are_errors_not_latencies() -> None:
    seen: Dict[str, Any] = {"in_flight": 0, "peak": 0, "senders": {}}

    async def go() -> Any:
        runner = await _serve(0.0, seen)
        try:
            return await run_conversations(f"http://127.0.0.1:{runner.addresses[0][1]}", [["hi", "fail"]], 2, 4)
        finally:
            await runner.cleanup()

    result = asyncio.run(go())
    assert (result.messages, result.errors) == (4, 4)


def test_cells_are_bounded_and_split_without_lowering_the_level() -> None:
    for quick in (False, True):
        for mix in load_table.MIXES:
            for level in load_table.LEVELS:
                count = load_table.conversations(mix, level, quick)
                blocks = load_table.blocks(mix, level, quick)
                assert count >= level and count // blocks >= level and 1 <= blocks <= load_table.MAX_BLOCKS
    full = sum(
        load_table.conversations(mix, level, False) * (1 if mix == "short" else 5)
        for mix in load_table.MIXES
        for level in load_table.LEVELS
    )
    assert full <= 2500  # messages per target


def _cell(target: str, mix: str, level: int, **figures: float) -> Dict[str, Any]:
    base = {"messages": 100, "errors": 0, "p50_ms": 10.0, "p95_ms": 20.0, "p99_ms": 30.0, "throughput": 50.0}
    base.update({"cpu_ms_per_message": 15.0, "load_average": 1.0, **figures})
    return {"target": target, "mix": mix, "concurrency": level, **base}


def _cells(two_replicas_msgs: float, embedded_p95: float, errors: int) -> List[Dict[str, Any]]:
    cells = []
    for mix in load_table.MIXES:
        cells += [
            _cell("1 replica", mix, 200, throughput=50.0),
            _cell("2 replicas", mix, 200, throughput=two_replicas_msgs, errors=errors),
            _cell("embedded", mix, 200),
            _cell("embedded", mix, 10, p95_ms=embedded_p95),
            _cell(load_table.STOCK, mix, 10, p95_ms=100.0),
        ]
    return cells


def _memory(ours: float, stock: float) -> Dict[str, Any]:
    return {
        "embedded": {"rasa": {"rss_mb": ours - 100, "peak_mb": None}, "actions": {"rss_mb": 100, "peak_mb": None}},
        load_table.STOCK: {"rasa": {"rss_mb": stock, "peak_mb": None}},
    }


def test_the_targets_are_judged_on_the_figures() -> None:
    met = {name: ok for name, ok, _ in load_table.verdicts(_cells(70.0, 40.0, 0), _memory(900, 1000))}
    assert all(met.values()) and len(met) == 5
    missed = {name: ok for name, ok, _ in load_table.verdicts(_cells(60.0, 45.0, 1), _memory(1100, 1000))}
    assert not any(missed.values()) and len(missed) == 5  # 1.2x, 0.45x, one error, more memory


def test_report_and_plot_are_written(tmp_path: Path) -> None:
    table = {"quick": True, "cells": _cells(70.0, 40.0, 0), "memory": _memory(900, 1000)}
    load_table.write(table, tmp_path)
    report = (tmp_path / "load.md").read_text()
    assert "| long | 10 | embedded |" in report and "**met**" in report and "NOT met" not in report
    svg = plot_latency(table["cells"], tmp_path / "plot.svg", title="test")
    text = svg.read_text()
    assert text.startswith("<?xml") and "conversations at once" in text
    assert plot_latency(table["cells"], tmp_path / "again.svg", title="test").read_text() == text  # reproducible
