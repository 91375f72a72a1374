"""The language detector on a held-out set of short chat messages (tests/language/*.yml).

Each message is labelled `nl`, `en`, `fr` or `none` (no language: the conversation keeps its current one);
tests/language/README.md says how. Three outcomes per message:

- right: the verdict is the label (`None` for `none`);
- abstained: no verdict on a message that has a language. Harmless mid-conversation (the language stays),
  a miss only when the message had to set or change it;
- wrong flip: a verdict other than the label, including any verdict on a `none` message. This is the
  costly error: the next answers come in a language the person did not write in.

The gate (used by `make test`) fails when accuracy drops below MIN_ACCURACY or wrong flips rise above
MAX_WRONG_FLIPS. Why these figures: a wrong flip costs the person every answer until they switch back, so
at most one message in fifty may cause one (2 %); an abstention costs at most one answer in the current
language, so overall accuracy may be lower, but the detector must still get nine in ten right (0.90).

    python -m tests.language_eval [--min-accuracy 0.90] [--max-wrong-flips 0.02] [--quiet] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import yaml

from horizon.paths import ROOT

LANGUAGE_SET = ROOT / "tests" / "language"
LABELS = ("nl", "en", "fr", "none")
MIN_ACCURACY = 0.90
MAX_WRONG_FLIPS = 0.02


@dataclass(frozen=True)
class Labelled:
    text: str
    label: str  # one of LABELS
    source: str


def load(folder: Path = LANGUAGE_SET) -> List[Labelled]:
    """Every labelled message of every file in `folder`."""
    found = []
    for path in sorted(folder.glob("*.yml")):
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in content.get("messages") or []:
            label = str(item["language"]).lower()
            if label not in LABELS:
                raise ValueError(f"{path.name}: {item['text']!r} has label {label!r}, not one of {LABELS}")
            found.append(Labelled(str(item["text"]), label, path.name))
    return found


@dataclass(frozen=True)
class Result:
    message: Labelled
    verdict: Optional[str]

    @property
    def outcome(self) -> str:
        wanted = None if self.message.label == "none" else self.message.label
        if self.verdict == wanted:
            return "right"
        return "abstained" if self.verdict is None else "wrong flip"


def evaluate(detect: Optional[Callable[[str], Optional[str]]] = None, folder: Path = LANGUAGE_SET) -> Dict:
    """The figures: accuracy overall and per label, wrong-flip and abstention rates, and each miss."""
    if detect is None:
        from horizon.language.detection import detect_language as detect
    results = [Result(m, detect(m.text)) for m in load(folder)]
    total = len(results) or 1
    outcomes = Counter(r.outcome for r in results)
    per_label = {}
    for label in LABELS:
        mine = [r for r in results if r.message.label == label]
        if mine:
            per_label[label] = {
                "n": len(mine),
                "accuracy": round(sum(r.outcome == "right" for r in mine) / len(mine), 3),
                "wrong_flips": sum(r.outcome == "wrong flip" for r in mine),
            }
    return {
        "messages": len(results),
        "accuracy": round(outcomes["right"] / total, 3),
        "wrong_flip_rate": round(outcomes["wrong flip"] / total, 3),
        "abstention_rate": round(outcomes["abstained"] / total, 3),
        "per_label": per_label,
        "misses": [
            {"text": r.message.text, "label": r.message.label, "verdict": r.verdict, "outcome": r.outcome}
            for r in results
            if r.outcome != "right"
        ],
    }


def report(figures: Dict, quiet: bool = False) -> str:
    lines = []
    if not quiet:
        for miss in sorted(figures["misses"], key=lambda m: (m["outcome"], m["label"])):
            lines.append(f"{miss['outcome']:10} [{miss['label']:4} -> {miss['verdict']}] {miss['text']!r}")
    for label, row in figures["per_label"].items():
        lines.append(f"{label:5} n={row['n']:3}  accuracy {row['accuracy']:.3f}  wrong flips {row['wrong_flips']}")
    lines.append(
        f"language detection on {figures['messages']} held-out messages: accuracy {figures['accuracy']:.3f}, "
        f"wrong flips {figures['wrong_flip_rate']:.3f}, abstained {figures['abstention_rate']:.3f}"
    )
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-accuracy", type=float, default=MIN_ACCURACY)
    parser.add_argument("--max-wrong-flips", type=float, default=MAX_WRONG_FLIPS)
    parser.add_argument("--quiet", action="store_true", help="figures only, not each miss")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (make bench records them)")
    args = parser.parse_args(argv)
    figures = evaluate()
    if args.json:
        print(json.dumps(figures))
        return 0
    print(report(figures, args.quiet))
    failed = []
    if figures["accuracy"] < args.min_accuracy:
        failed.append(f"accuracy {figures['accuracy']:.3f} < {args.min_accuracy}")
    if figures["wrong_flip_rate"] > args.max_wrong_flips:
        failed.append(f"wrong flips {figures['wrong_flip_rate']:.3f} > {args.max_wrong_flips}")
    if failed:
        print("FAIL: " + "; ".join(failed))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
