"""The operations commands: ``python -m horizon.cli COMMAND`` (the Makefile's ``import``, ``deliver``, ``purge``).

    validate FILE            check an initiatives CSV without touching the database
    import FILE [--source S] validate and upsert an initiatives CSV (all or nothing)
    export FILE              write every initiative to a CSV file in the same format
    migrate                  upgrade the database schema to the newest migration (``make run`` does it too)
    seed [--file FILE]       upgrade the schema; load the sample initiatives when there are none
    remove-source SOURCE     delete every initiative of one source (``sample`` after loading the real list)
    deliver [--limit N]      send the volunteer notifications and left messages that are due, retrying failed ones
    purge [--days N] [--conversation-days N] [--endpoints FILE]
                             delete sign-ups, conversations (the tracker store's events) and finished
                             "forget me" code requests older than their retention periods
    ingest [--endpoints FILE]
                             add the tracker store's new events to the analytics tables (no personal data)
    report [--from DAY] [--to DAY] [--out FILE] [--endpoints FILE]
                             ingest, then write the insights report (one HTML file) and proposed training examples

Exit codes: 0 done, 1 the file has errors (all listed), 2 the database is unavailable. Errors never repeat
e-mail addresses or names.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

from sqlalchemy.exc import SQLAlchemyError

from horizon.db import DatabaseUnavailable, is_unavailable_error
from horizon.handoff.delivery import deliver_due_messages
from horizon.handoff.live import purge_chats
from horizon.handoff.messages import purge_messages
from horizon.initiatives.importer import (
    SAMPLE_CSV,
    ImportRejected,
    export_file,
    import_file,
    read_records,
    remove_source,
    seed,
)
from horizon.insights.commands import add_insights_commands, ingest_command, report_command
from horizon.privacy.retention import UnsupportedTrackerStore, conversation_retention_days, purge_conversations
from horizon.privacy.verification import purge_expired
from horizon.redaction import install_log_redaction
from horizon.schema import head_revision, upgrade_schema
from horizon.volunteers.notify import deliver_due
from horizon.volunteers.signups import purge, retention_days


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m horizon.cli", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (
        ("validate", "check a CSV file without touching the database"),
        ("import", "validate and upsert a CSV file (all or nothing)"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("file", type=Path)
        cmd.add_argument("--source", help="source for rows whose source column is empty")
    sub.add_parser("export", help="write all initiatives to a CSV file").add_argument("file", type=Path)
    sub.add_parser("migrate", help="upgrade the database schema to the newest migration")
    sub.add_parser("seed", help="upgrade the schema; load the sample file when empty").add_argument(
        "--file", type=Path, help="CSV to load instead of the sample file"
    )
    sub.add_parser("remove-source", help="delete all initiatives of one source").add_argument("source")
    deliver_cmd = sub.add_parser("deliver", help="send the notifications that are due, retrying failures")
    deliver_cmd.add_argument("--limit", type=int, default=100)
    purge_cmd = sub.add_parser("purge", help="delete sign-ups and conversations older than their retention")
    purge_cmd.add_argument("--days", type=int, help="sign-up retention in days (default: SIGNUP_RETENTION_DAYS or 365)")
    purge_cmd.add_argument(
        "--conversation-days",
        type=int,
        help="conversation retention in days (default: CONVERSATION_RETENTION_DAYS or 30)",
    )
    purge_cmd.add_argument(
        "--endpoints", type=Path, help="the Rasa server's endpoints (default: var/endpoints.yml, else endpoints.yml)"
    )
    purge_cmd.add_argument("--dry-run", action="store_true", help="count, do not delete")
    add_insights_commands(sub)
    return parser


def _validate(args: argparse.Namespace) -> str:
    records, errors = read_records(args.file, default_source=args.source or "")
    if errors:
        raise ImportRejected(errors)
    return f"{len(records)} valid initiatives"


def _migrate(args: argparse.Namespace) -> str:
    revision = upgrade_schema()
    return f"database schema at revision {revision}" + (" (newest)" if revision == head_revision() else "")


def _seed(args: argparse.Namespace) -> str:
    report = seed(args.file)
    if report is None:
        return "the database already holds initiatives; nothing loaded"
    return f"seeded from {args.file or SAMPLE_CSV}: {report}"


def _deliver(args: argparse.Namespace) -> str:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    lines = []
    for what, deliver in (("notifications", deliver_due), ("left messages", deliver_due_messages)):
        report = asyncio.run(deliver(limit=args.limit))
        lines.append(
            f"{what}: delivered {report.delivered}, retrying later {report.retrying}, "
            f"failed for good {report.failed}, busy elsewhere {report.busy}"
        )
    return "\n".join(lines)


def _purge(args: argparse.Namespace) -> str:
    days = args.days if args.days is not None else retention_days()
    removed = purge(days, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    lines = [f"{verb} {removed} sign-up(s) not updated for {days} days"]
    lines.append(
        f"{verb} {purge_messages(days, dry_run=args.dry_run)} message(s) left for the team over {days} days ago"
    )
    lines.append(
        f"{verb} {purge_chats(days, dry_run=args.dry_run)} unresolved hand-off(s) to the desk over {days} days old"
    )
    conversation_days = args.conversation_days if args.conversation_days is not None else conversation_retention_days()
    conversations = purge_conversations(conversation_days, endpoints=args.endpoints, dry_run=args.dry_run)
    if conversations is None:
        lines.append("no SQL tracker store (or no conversations yet): no conversations to delete")
    else:
        lines.append(
            f"{verb} {conversations.events} event(s) of {conversations.conversations} conversation(s) "
            f"older than {conversation_days} days"
        )
    if not args.dry_run:
        lines.append(f"deleted {purge_expired()} finished forget-me code request(s)")
    return "\n".join(lines)


COMMANDS: Dict[str, Callable[[argparse.Namespace], str]] = {
    "validate": _validate,
    "import": lambda args: f"imported {args.file}: {import_file(args.file, default_source=args.source)}",
    "export": lambda args: f"exported {export_file(args.file)} initiatives to {args.file}",
    "migrate": _migrate,
    "seed": _seed,
    "remove-source": lambda args: f"removed {remove_source(args.source)} initiatives with source {args.source!r}",
    "deliver": _deliver,
    "purge": _purge,
    "ingest": ingest_command,
    "report": report_command,
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Exit codes: 0 done, 1 the file has errors (all listed), 2 the database is unavailable."""
    install_log_redaction()
    args = _parser().parse_args(argv)
    try:
        print(COMMANDS[args.command](args))
        return 0
    except ImportRejected as exc:
        for error in exc.errors:
            print(error, file=sys.stderr)
        print(f"{len(exc.errors)} error(s); nothing was imported.", file=sys.stderr)
        return 1
    except UnsupportedTrackerStore as exc:
        print(f"{exc}: delete old conversations with that store's own expiry", file=sys.stderr)
        return 1
    except (DatabaseUnavailable, SQLAlchemyError) as exc:
        if isinstance(exc, SQLAlchemyError) and not is_unavailable_error(exc):
            raise
        print(f"database unavailable ({type(exc).__name__}); check DATABASE_URL", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
