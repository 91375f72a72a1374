"""Retrieval over the strategy text, in process: its figures on the labelled questions and what it costs.

The figures (recall@1, recall@3, MRR and the refusal rate, per split and language) are those of
horizon.strategy.evaluation on tests/retrieval; the costs are the time to build both indexes (paid once per
action server process, at its first search) and the latency of one search and of one "more specific
passage" check (paid per strategy message), each over every labelled question.

Usage: ``python -m bench.retrieval_bench``; ``make bench`` calls ``run()``.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Dict, List

from horizon.paths import ROOT
from horizon.strategy import retrieval
from horizon.strategy.evaluation import by_group, evaluate, load_questions

LABELLED = ROOT / "tests" / "retrieval"  # read as data: the bench never imports the tests


def _percentiles(timings: List[float]) -> Dict[str, float]:
    ordered = sorted(timings)
    return {
        "p50_ms": round(1000 * statistics.median(ordered), 3),
        "p95_ms": round(1000 * ordered[int(0.95 * (len(ordered) - 1))], 3),
    }


def _timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def run(rounds: int = 3) -> Dict[str, Any]:
    """Figures per split and language, index build time, and search latency percentiles."""
    retrieval.index.cache_clear()
    build_s = sum(_timed(lambda language=language: retrieval.index(language)) for language in ("nl", "en"))
    questions = load_questions(LABELLED)
    figures = {f"{split}/{language}": vars(f) for (split, language), f in by_group(map(evaluate, questions)).items()}
    search, specific = [], []
    for _ in range(rounds):
        for q in questions:
            search.append(_timed(lambda q=q: retrieval.index(q.language).search(q.text)))
            specific.append(_timed(lambda q=q: retrieval.more_specific(q.language, q.text, "vision")))
    return {
        "figures": figures,
        "index_build_ms": round(1000 * build_s, 1),
        "search": _percentiles(search),
        "more_specific": _percentiles(specific),
    }


def report(result: Dict[str, Any]) -> str:
    lines = [f"retrieval: index build {result['index_build_ms']:.0f} ms (nl+en, once per process, at the first search)"]
    for name in ("search", "more_specific"):
        r = result[name]
        lines.append(f"retrieval {name} in process: p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms")
    for group, f in result["figures"].items():
        if not group.endswith("/all"):
            lines.append(
                f"retrieval {group}: recall@1 {f['recall1']:.3f}, recall@3 {f['recall3']:.3f}, "
                f"MRR {f['mrr']:.3f}, refused {f['refused']:.3f} (n={f['count']})"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(run()))
