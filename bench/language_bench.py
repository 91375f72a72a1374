"""The language detector's figures on its held-out set (tests/language), recorded beside the timings.

The figures come from `python -m tests.language_eval --json`, run as a separate process: the bench never
imports the tests, and this way it records exactly what `make test` gates.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any, Dict

from horizon.paths import ROOT

FIGURES = ("messages", "accuracy", "wrong_flip_rate", "abstention_rate", "per_label")


def run(timeout_s: float = 300) -> Dict[str, Any]:
    """Accuracy, wrong-flip and abstention rates of the detector (or the error, if it could not run)."""
    command = [sys.executable, "-m", "tests.language_eval", "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout_s, check=False)
    try:
        figures = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"error": (done.stderr or done.stdout)[-500:]}
    return {key: figures[key] for key in FIGURES}


def line(figures: Dict[str, Any]) -> str:
    """One line for the bench report."""
    if "error" in figures:
        return f"language detection: could not run ({figures['error'][-120:]!r})"
    return (
        f"language detection on {figures['messages']} held-out messages: accuracy {figures['accuracy']:.3f}, "
        f"wrong flips {figures['wrong_flip_rate']:.3f}, abstained {figures['abstention_rate']:.3f}"
    )
