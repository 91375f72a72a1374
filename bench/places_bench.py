"""Latency of place look-ups in process: `PlaceResolver.resolve` and the `PlaceEntityExtractor` NLU component.

Inputs are built from the reference tables, so they cover every municipality: names in Dutch and
French inside questions, bare postcodes, shared postcodes, merged names, provinces, typos (one letter
dropped) and messages without a place. Each input is timed once per round; p50/p95/max are printed in
milliseconds with the target (p95 under 5 ms, the issue's figure for look-ups in process).

Usage: ``python bench/places_bench.py [--inputs 4000] [--rounds 2] [--seed 11] [--strict]``; from Python:
``run(inputs=4000)`` returns the figures (``make bench`` calls it).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Sequence

from horizon.paths import REFERENCE_DIR
from horizon.places import PlaceResolver
from horizon.reference import read_rows

TARGET_P95_MS = 5.0
QUESTIONS = [
    "Is er een 11-groep in {}?",
    "lokale groep in {}",
    "any local group near {}?",
    "{}",
    "Welke 4de Pijlerinitiatieven zijn er in {} rond onderwijs?",
    "ik woon in {} en wil meedoen",
]
NO_PLACE = [
    "hallo",
    "wat is jullie strategie?",
    "ik wil vrijwilliger worden",
    "in welke landen werken jullie?",
    "hoe kan ik doneren?",
    "what is 11.11.11 about?",
    "tell me about climate justice",
    "dank je wel",
    "1000 vrijwilligers in 2030",
    "as soon as possible please",
]


def generate(count: int, rng: random.Random) -> List[str]:
    """A seeded mix of real place questions over the whole table, typos and messages without a place."""
    places = read_rows(REFERENCE_DIR / "places.csv")
    names = [row[column] for row in places for column in ("name_nl", "name_fr")]
    names += [row["old_name"] for row in read_rows(REFERENCE_DIR / "mergers_2025.csv")]
    names += [row["name_en"] for row in read_rows(REFERENCE_DIR / "areas.csv")]
    postcodes = sorted({row["postcode"] for row in read_rows(REFERENCE_DIR / "postcodes.csv")})
    inputs = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.55:
            inputs.append(rng.choice(QUESTIONS).format(rng.choice(names)))
        elif kind < 0.75:
            inputs.append(rng.choice(QUESTIONS).format(rng.choice(postcodes)))
        elif kind < 0.9:
            name = rng.choice([n for n in names if len(n) >= 7])
            cut = rng.randrange(2, len(name) - 1)
            inputs.append(rng.choice(QUESTIONS).format(name[:cut] + name[cut + 1 :]))
        else:
            inputs.append(rng.choice(NO_PLACE))
    return inputs


def _timed(call: Callable[[str], object], inputs: Sequence[str], rounds: int) -> List[float]:
    samples = []
    for _ in range(rounds):
        for text in inputs:
            started = time.perf_counter()
            call(text)
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def _summary(samples: List[float]) -> Dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": statistics.median(ordered),
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
        "max_ms": ordered[-1],
    }


def _extractor_call() -> Callable[[str], object]:
    """The component built as Rasa builds it, called on one real `Message` per input."""
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.message import Message

    from bot.nlu.places import PlaceEntityExtractor

    storage = LocalModelStorage(Path(tempfile.mkdtemp(prefix="places-bench-")))
    component = PlaceEntityExtractor.create(
        PlaceEntityExtractor.get_default_config(),
        storage,
        Resource("places"),
        ExecutionContext(GraphSchema({}), "bench"),
    )
    return lambda text: component.process([Message(data={"text": text})])


def run(inputs: int = 4000, rounds: int = 2, seed: int = 11, out=sys.stdout) -> Dict[str, Dict[str, float]]:
    """Time both and print one line each; returns {"load": ..., "resolve": ..., "extractor": ...}."""
    texts = generate(inputs, random.Random(seed))
    started = time.perf_counter()
    resolver = PlaceResolver(REFERENCE_DIR)
    load_ms = (time.perf_counter() - started) * 1000
    results = {
        "load": {"ms": load_ms},
        "resolve": _summary(_timed(resolver.resolve, texts, rounds)),
        "extractor": _summary(_timed(_extractor_call(), texts, rounds)),
    }
    print(f"places: resolver loaded in {load_ms:.0f} ms from {REFERENCE_DIR}", file=out)
    for name in ("resolve", "extractor"):
        r = results[name]
        verdict = "ok" if r["p95_ms"] < TARGET_P95_MS else "OVER TARGET"
        print(
            f"places {name:9s}: n={r['n']} p50={r['p50_ms']:.3f} ms p95={r['p95_ms']:.3f} ms "
            f"max={r['max_ms']:.2f} ms (target p95 < {TARGET_P95_MS} ms: {verdict})",
            file=out,
        )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Latency of place look-ups in process.")
    parser.add_argument("--inputs", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a p95 misses the target")
    args = parser.parse_args(argv)
    results = run(args.inputs, args.rounds, args.seed)
    missed = any(results[name]["p95_ms"] >= TARGET_P95_MS for name in ("resolve", "extractor"))
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
