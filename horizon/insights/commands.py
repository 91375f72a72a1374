"""The ``ingest`` and ``report`` subcommands of ``python -m horizon.cli`` (``make report``)."""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Optional, Union

from horizon.db import get_engine
from horizon.insights.ingest import IngestResult, brussels_today
from horizon.insights.queue_source import QueueResult, broker_settings, ingest_queue
from horizon.insights.report import write_report
from horizon.insights.tracker_source import ingest_tracker_store
from horizon.paths import VAR
from horizon.privacy.retention import default_endpoints, tracker_store_url
from horizon.schema import ensure_schema

DEFAULT_DAYS = 30
DEFAULT_OUT = VAR / "insights" / "report.html"


def add_insights_commands(sub: Any) -> None:
    """Adds ``ingest`` and ``report`` to the CLI's subparsers."""
    ingest_cmd = sub.add_parser("ingest", help="add the tracker store's new events to the analytics tables")
    report_cmd = sub.add_parser("report", help="ingest, then write the insights report for a date range")
    for cmd in (ingest_cmd, report_cmd):
        cmd.add_argument(
            "--endpoints",
            type=Path,
            help="the Rasa server's endpoints (default: var/endpoints.yml, else endpoints.yml)",
        )
        cmd.add_argument(
            "--source",
            choices=("auto", "tracker", "queue"),
            default="auto",
            help="where new events come from: the tracker store, or the event queue of cluster mode "
            "(EVENT_BROKER_URL); auto: the queue when EVENT_BROKER_URL is set",
        )
    report_cmd.add_argument("--from", dest="start", type=date.fromisoformat, help="first day (default: 30 days ago)")
    report_cmd.add_argument("--to", dest="end", type=date.fromisoformat, help="last day (default: today)")
    report_cmd.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"HTML file (default: {DEFAULT_OUT})")
    report_cmd.add_argument("--no-ingest", action="store_true", help="report on what is ingested already")


def _ingest(endpoints: Optional[Path], source: str = "auto") -> Union[IngestResult, QueueResult, None]:
    engine = get_engine()
    ensure_schema(engine)
    settings = broker_settings()
    if source == "queue" and settings is None:
        raise SystemExit("--source queue needs EVENT_BROKER_URL")
    if settings is not None and source != "tracker":
        return ingest_queue(engine, settings)
    url = tracker_store_url(endpoints or default_endpoints())
    return ingest_tracker_store(engine, url) if url is not None else None


def _describe(result: Union[IngestResult, QueueResult, None]) -> str:
    if result is None:
        return "no SQL tracker store (or no conversations yet): nothing to ingest"
    if isinstance(result, QueueResult):
        turns, forgotten = sum(r.turns for r in result.runs), sum(r.forgotten for r in result.runs)
        return (
            f"ingested {result.events} event(s) from the event queue in {len(result.runs)} run(s) "
            f"({result.messages} message(s), {result.duplicates} duplicate(s) skipped): {turns} turn(s), "
            f"{forgotten} forgotten"
        )
    rate = result.events / result.seconds if result.seconds else 0.0
    return (
        f"ingested {result.events} event(s) of {result.conversations} conversation(s) in {result.seconds:.2f} s "
        f"({rate:,.0f} events/s): {result.turns} turn(s), {result.forgotten} forgotten"
    )


def ingest_command(args: argparse.Namespace) -> str:
    return _describe(_ingest(args.endpoints, args.source))


def report_command(args: argparse.Namespace) -> str:
    end = args.end or brussels_today()
    start = args.start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise SystemExit("--from must not be after --to")
    lines = [] if args.no_ingest else [_describe(_ingest(args.endpoints, args.source))]
    engine = get_engine()
    ensure_schema(engine)
    data = write_report(engine, start, end, args.out)
    lines.append(
        f"report for {start} – {end} ({data.totals['conversations']:.0f} conversations) written to {args.out}; "
        f"proposed training examples in {args.out.with_name(args.out.stem + '-training-proposals.yml')}"
    )
    return "\n".join(lines)
