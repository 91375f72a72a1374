"""Inline SVG charts for the report: drawn on the server, so the page needs no script library and no network.

Every data mark has the class ``mark`` and a ``data-value`` (the browser test checks that each chart drew
its marks); labels carry ``data-nl``/``data-en`` for the page's language toggle.
"""

from __future__ import annotations

import math
from datetime import date
from html import escape
from typing import Callable, Dict, List, Optional, Sequence, Tuple

PALETTE = ("#1b6ca8", "#e4572e", "#29a373", "#f3a712", "#7b4b94", "#5c7080", "#c2185b", "#00838f")
WIDTH = 640
Label = Tuple[str, str]  # (Dutch, English)


def bi(label: Label, tag: str = "span", attrs: str = "") -> str:
    """An element whose text follows the page language."""
    nl, en = (escape(part, quote=True) for part in label)
    return f'<{tag}{attrs} data-nl="{nl}" data-en="{en}">{nl}</{tag}>'


def _empty() -> str:
    return "<p class='empty'>" + bi(("Geen gegevens in deze periode.", "No data in this period.")) + "</p>"


def _svg(height: int, body: str, name: str) -> str:
    return (
        f'<svg class="chart" data-chart="{escape(name)}" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def bars(items: Sequence[Tuple[Label, float]], name: str, unit: str = "") -> str:
    """Horizontal bars, largest first as given."""
    if not items or not any(v for _l, v in items):
        return _empty()
    row, left, right = 24, 210, 60
    top = max(v for _l, v in items) or 1
    parts = []
    for i, (label, value) in enumerate(items):
        y = i * row + 4
        width = max(1.0, (WIDTH - left - right) * value / top) if value else 0.0
        parts.append(bi(label, "text", f' x="{left - 8}" y="{y + 14}" text-anchor="end" class="lbl"'))
        parts.append(
            f'<rect class="mark" data-value="{_fmt(value)}" x="{left}" y="{y}" width="{width:.1f}" height="{row - 8}" '
            f'fill="{PALETTE[0]}"><title>{escape(label[0])}: {_fmt(value)}{unit}</title></rect>'
        )
        parts.append(f'<text x="{left + width + 6:.1f}" y="{y + 14}" class="val">{_fmt(value)}{unit}</text>')
    return _svg(len(items) * row + 8, "".join(parts), name)


def _legend(labels: Sequence[Label], y: int) -> str:
    parts, x = [], 40
    for i, label in enumerate(labels):
        parts.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{PALETTE[i % len(PALETTE)]}"/>')
        parts.append(bi(label, "text", f' x="{x + 16}" y="{y}" class="lbl"'))
        x += 20 + 8 * max(len(label[0]), len(label[1])) + 14
    return "".join(parts)


def _day_axis(days: Sequence[date], x_of: Callable[[int], float], height: int) -> str:
    step = max(1, math.ceil(len(days) / 8))
    return "".join(
        f'<text x="{x_of(i):.1f}" y="{height - 4}" text-anchor="middle" class="axis">{d.strftime("%d/%m")}</text>'
        for i, d in enumerate(days)
        if i % step == 0
    )


class DayFrame:
    """The frame of a chart over days: one slot per day, the peak on the axis, a base line and the legend."""

    height, top_pad, bottom, left = 220, 30, 20, 40

    def __init__(self, days: Sequence[date]) -> None:
        self.plot = self.height - self.top_pad - self.bottom
        self.slot = (WIDTH - self.left - 10) / len(days)

    def x_of(self, i: int) -> float:
        return self.left + self.slot * i + self.slot / 2

    def start(self, peak_label: str, labels: List[Label]) -> List[str]:
        base = self.top_pad + self.plot
        return [
            f'<text x="{self.left - 6}" y="{self.top_pad + 4}" text-anchor="end" class="axis">{peak_label}</text>',
            f'<line x1="{self.left}" y1="{base}" x2="{WIDTH - 10}" y2="{base}" class="grid"/>',
            _legend(labels, 14),
        ]


def stacked_columns(days: Sequence[date], series: Dict[Label, List[int]], name: str) -> str:
    """Columns per day, stacked by series (channel, language)."""
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    if not days or not any(totals):
        return _empty()
    peak = max(totals)
    frame = DayFrame(days)
    slot, x_of, plot, top_pad, height = frame.slot, frame.x_of, frame.plot, frame.top_pad, frame.height
    parts = frame.start(str(peak), list(series))
    for i in range(len(days)):
        base = float(top_pad + plot)
        for s, values in enumerate(series.values()):
            value = values[i]
            if not value:
                continue
            h = plot * value / peak
            base -= h
            parts.append(
                f'<rect class="mark" data-value="{value}" x="{x_of(i) - slot * 0.4:.1f}" y="{base:.1f}" '
                f'width="{max(1.0, slot * 0.8):.1f}" height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{days[i].isoformat()}: {value}</title></rect>"
            )
    parts.append(_day_axis(days, x_of, height))
    return _svg(height, "".join(parts), name)


def lines(days: Sequence[date], series: Dict[Label, List[Optional[float]]], name: str, unit: str = "%") -> str:
    """One line per series over the days (None: no messages that day, no point)."""
    values = [v for vs in series.values() for v in vs if v is not None]
    if not days or not values:
        return _empty()
    peak = max(max(values), 1.0)
    frame = DayFrame(days)
    x_of, plot, top_pad, height = frame.x_of, frame.plot, frame.top_pad, frame.height
    parts = frame.start(f"{_fmt(peak)}{unit}", list(series))
    for s, vs in enumerate(series.values()):
        color = PALETTE[s % len(PALETTE)]
        points = [(x_of(i), top_pad + plot - plot * v / peak, v) for i, v in enumerate(vs) if v is not None]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _v in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        parts += [
            f'<circle class="mark" data-value="{v:.1f}" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}">'
            f"<title>{_fmt(v)}{unit}</title></circle>"
            for x, y, v in points
        ]
    parts.append(_day_axis(days, x_of, height))
    return _svg(height, "".join(parts), name)


def dot_map(
    background: Sequence[Tuple[float, float]], points: Sequence[Tuple[float, float, int, str]], name: str
) -> str:
    """Belgium drawn by its municipalities' centres (grey), searched ones as circles sized by their count."""
    if not points:
        return _empty()
    west, east, south, north = 2.5, 6.45, 49.45, 51.55
    scale_x = math.cos(math.radians(50.5))
    map_width = (east - west) * scale_x
    height = int(WIDTH * (north - south) / map_width)

    def xy(lat: float, lon: float) -> Tuple[float, float]:
        return (lon - west) * scale_x / map_width * WIDTH, (north - lat) / (north - south) * height

    parts = [
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" class="land"/>' for x, y in (xy(lat, lon) for lat, lon in background)
    ]
    peak = max(count for *_rest, count, _n in points)
    for lat, lon, count, label in sorted(points, key=lambda p: -p[2]):
        x, y = xy(lat, lon)
        r = 4 + 14 * math.sqrt(count / peak)
        parts.append(
            f'<circle class="mark" data-value="{count}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{PALETTE[1]}" '
            f'fill-opacity="0.7"><title>{escape(label)}: {count}</title></circle>'
        )
    return _svg(height, "".join(parts), name)
