"""Questions left for the team (issue 14): saving one, what a delivery needs, forgetting and retention.

A message is saved only after the person saw what will be passed on and agreed (the form asks consent with
the text shown). Forgetting and retention follow the sign-ups' rules and run with them
(:func:`horizon.volunteers.signups.forget` calls :func:`delete_linked`; ``python -m horizon.cli purge`` calls
:func:`purge_messages`): the same conversation hash, the same own addresses and the same
``SIGNUP_RETENTION_DAYS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Optional

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from horizon.db import session_scope
from horizon.handoff.models import HandoffMessage
from horizon.privacy.rows import delete_rows, purge_rows
from horizon.schema import ensure_schema
from horizon.volunteers import outbox
from horizon.volunteers.email import email_key
from horizon.volunteers.models import PENDING, utcnow

MAX_QUESTION_LENGTH = 1000


@dataclass(frozen=True)
class LeftMessage:
    """What the person agreed to pass on."""

    question: str
    email: str
    language: str
    conversation_hash: str


@dataclass(frozen=True)
class MessageJob:
    """A claimed message: what its delivery needs."""

    message_id: int
    attempts: int
    question: str
    email: str
    language: str
    created_at: datetime


def save_message(message: LeftMessage, *, engine: Optional[Engine] = None, now: Optional[datetime] = None) -> int:
    """Store the message, due for delivery at once; returns its id (blocking)."""
    engine = ensure_schema(engine)
    now = now or utcnow()
    with session_scope(engine) as session:
        row = HandoffMessage(
            email_key=email_key(message.email),
            email=message.email,
            question=message.question[:MAX_QUESTION_LENGTH],
            language=message.language,
            conversation_hash=message.conversation_hash,
            consent_at=now,
            created_at=now,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
        )
        session.add(row)
        session.flush()
        return int(row.id)


def claim_message(
    message_id: int, lease_s: float, *, engine: Optional[Engine] = None, now: Optional[datetime] = None
) -> Optional[MessageJob]:
    """Claim a due message (the outbox's lease); None when it is not ours to send or is gone."""
    engine = ensure_schema(engine)
    if not outbox.claim_row(HandoffMessage, message_id, lease_s, engine=engine, now=now):
        return None
    with session_scope(engine) as session:
        row = session.get(HandoffMessage, message_id)
        if row is None:
            return None
        return MessageJob(row.id, row.attempts, row.question, row.email, row.language, row.created_at)


def delete_linked(session: Session, conversation_hash: str, own_keys: Iterable[str]) -> int:
    """Delete the messages of a conversation and of the person's own addresses (inside the caller's
    transaction); returns how many."""
    keys = set(own_keys) or {""}
    condition = (HandoffMessage.conversation_hash == conversation_hash) | HandoffMessage.email_key.in_(keys)
    return delete_rows(session, HandoffMessage, condition)


def purge_messages(
    days: int, *, engine: Optional[Engine] = None, now: Optional[datetime] = None, dry_run: bool = False
) -> int:
    """Retention: delete messages left more than ``days`` days ago; returns how many (blocking)."""
    return purge_rows(HandoffMessage, HandoffMessage.created_at, days, engine=engine, now=now, dry_run=dry_run)
