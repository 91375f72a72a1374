"""Message latency and throughput through a Rasa server's REST webhook, with real concurrent HTTP."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import List, Sequence

import aiohttp

REQUEST_TIMEOUT_S = 60


@dataclass
class LoadResult:
    concurrency: int
    messages: int
    p50_ms: float
    p95_ms: float
    throughput: float  # messages per second
    errors: int
    latencies: List[float] = field(default_factory=list, repr=False)  # seconds
    elapsed: float = 0.0
    p99_ms: float = float("nan")


def _result(concurrency: int, latencies: List[float], elapsed: float, errors: int) -> LoadResult:
    return LoadResult(
        concurrency=concurrency,
        messages=len(latencies),
        p50_ms=1000 * statistics.median(latencies) if latencies else float("nan"),
        p95_ms=1000 * percentile(latencies, 0.95) if latencies else float("nan"),
        p99_ms=1000 * percentile(latencies, 0.99) if latencies else float("nan"),
        throughput=len(latencies) / elapsed if elapsed else float("nan"),
        errors=errors,
        latencies=latencies,
        elapsed=elapsed,
    )


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def _conversation(
    session: aiohttp.ClientSession, url: str, script: Sequence[str], latencies: List[float], errors: List[str]
) -> None:
    sender = f"bench-{uuid.uuid4().hex[:10]}"
    for text in script:
        start = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": text}) as response:
                await response.read()
                if response.status != 200:
                    errors.append(str(response.status))
                    continue
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            errors.append(type(exc).__name__)
            continue
        latencies.append(time.perf_counter() - start)


def _session(concurrency: int) -> aiohttp.ClientSession:
    """One connection per conversation at once: aiohttp's default pool (100) would cap 200 conversations."""
    connector = aiohttp.TCPConnector(limit=max(100, concurrency))
    return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S), connector=connector)


async def run_load(base_url: str, scripts: Sequence[Sequence[str]], concurrency: int, rounds: int) -> LoadResult:
    """`concurrency` conversations at once, each playing a script, `rounds` times over."""
    url = f"{base_url}/webhooks/rest/webhook"
    latencies: List[float] = []
    errors: List[str] = []
    async with _session(concurrency) as session:
        start = time.perf_counter()
        for r in range(rounds):
            await asyncio.gather(
                *(
                    _conversation(session, url, scripts[(r * concurrency + i) % len(scripts)], latencies, errors)
                    for i in range(concurrency)
                )
            )
        elapsed = time.perf_counter() - start
    return _result(concurrency, latencies, elapsed, len(errors))


async def run_conversations(
    base_url: str, scripts: Sequence[Sequence[str]], concurrency: int, conversations: int
) -> LoadResult:
    """`conversations` conversations (script i mod len(scripts)), `concurrency` of them running at every
    moment: a new one starts as soon as one ends (no barrier between rounds, unlike :func:`run_load`)."""
    url = f"{base_url}/webhooks/rest/webhook"
    latencies: List[float] = []
    errors: List[str] = []
    queue = iter(range(conversations))

    async def worker(session: aiohttp.ClientSession) -> None:
        for i in queue:  # one shared iterator: each conversation is taken by exactly one worker
            await _conversation(session, url, scripts[i % len(scripts)], latencies, errors)

    async with _session(concurrency) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(min(concurrency, conversations))))
        elapsed = time.perf_counter() - start
    return _result(concurrency, latencies, elapsed, len(errors))
