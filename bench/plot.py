"""The load table as a picture: p95 (solid) and p50 (dashed) latency against conversations at once, one
panel per mix, log-log. matplotlib comes with Rasa; the SVG is written without a date so that a rerun with
the same figures gives the same file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Sequence

import matplotlib

matplotlib.use("Agg")  # no display: write files only
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

from bench.load_table import HORIZON_TARGETS, MIXES, STOCK  # noqa: E402

COLOURS = {"embedded": "#1b7837", "1 replica": "#2166ac", "2 replicas": "#b2182b", STOCK: "#636363"}


def plot_latency(cells: Sequence[Dict[str, Any]], path: Path, title: str = "") -> Path:
    plt.rcParams["svg.hashsalt"] = "horizon-bench"
    figure, axes = plt.subplots(1, len(MIXES), figsize=(11, 4.4), sharey=True)
    for ax, mix in zip(axes, MIXES, strict=True):
        for target in (*HORIZON_TARGETS, STOCK):
            points = sorted(
                (c for c in cells if c["mix"] == mix and c["target"] == target), key=lambda c: c["concurrency"]
            )
            if not points:
                continue
            x = [c["concurrency"] for c in points]
            colour = COLOURS.get(target, "black")
            ax.plot(x, [c["p95_ms"] for c in points], "o-", color=colour, label=f"{target} p95")
            ax.plot(x, [c["p50_ms"] for c in points], "--", color=colour, alpha=0.6, label=f"{target} p50")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks([1, 10, 50, 200], labels=["1", "10", "50", "200"])
        ax.set_xlabel("conversations at once")
        ax.set_title(f"{mix} conversations" + (" (1 message)" if mix == "short" else " (5 messages)"))
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel("latency per message (ms)")
    axes[-1].legend(fontsize=7, loc="upper left")
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, metadata={"Date": None} if path.suffix == ".svg" else None)
    plt.close(figure)
    return path
