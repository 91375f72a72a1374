"""Fails the build when intent accuracy on the held-out set drops below the bar.

`rasa test nlu` writes a per-intent report (results/nlu/intent_report.json) but never fails; this reads
it, prints the intents that fall short, and exits non-zero below the minimum.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("report", type=Path)
    parser.add_argument("--min-accuracy", type=float, default=0.95)
    args = parser.parse_args()
    report = json.loads(args.report.read_text())
    accuracy = report["accuracy"]
    weak = {
        name: scores
        for name, scores in report.items()
        if isinstance(scores, dict)
        and "f1-score" in scores
        and name not in ("macro avg", "weighted avg", "micro avg")
        and scores["f1-score"] < args.min_accuracy
    }
    for name, scores in sorted(weak.items(), key=lambda kv: kv[1]["f1-score"]):
        print(
            f"  {name:22} f1 {scores['f1-score']:.3f}  (n={scores['support']}, "
            f"confused with: {scores.get('confused_with', {})})"
        )
    verdict = "OK" if accuracy >= args.min_accuracy else "FAIL"
    macro_f1 = report.get("macro avg", {}).get("f1-score", float("nan"))
    print(
        f"NLU intent accuracy on the held-out set: {accuracy:.4f} (minimum {args.min_accuracy}) {verdict}; "
        f"macro F1 {macro_f1:.4f} over {report.get('macro avg', {}).get('support', '?')} examples"
    )
    print(f"Per-intent report: {args.report}")
    return 0 if accuracy >= args.min_accuracy else 1


if __name__ == "__main__":
    sys.exit(main())
