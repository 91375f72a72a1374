"""The notification outbox: claiming due rows, and recording what a delivery attempt did.

Why claims: the immediate background try after a sign-up and the ``deliver`` command (from a timer) may
run at the same time, in different processes. A row is claimed with one conditional UPDATE (it must be
pending, due and not claimed by someone else); only the process whose UPDATE changed the row sends it.
A claim is a lease (``locked_until``): a process that dies while sending frees the row when it expires.
Backoff doubles per failed attempt up to a cap; after ``max_attempts`` the row is marked failed and left
for a person to look at (nothing is deleted).

The same claims and backoff serve every table with the outbox's columns (``status``, ``attempts``,
``next_attempt_at``, ``locked_until``, ``last_error``, ``recipient_kind``, ``delivered_at``): pass it as
``model``. The questions left for the team (:mod:`horizon.handoff.messages`) are delivered this way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, List, Optional

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine

from horizon.db import session_scope
from horizon.schema import ensure_schema
from horizon.volunteers.models import CONFIRMATION, DELIVERED, FAILED, PENDING, Notification, Signup, utcnow


@dataclass(frozen=True)
class Job:
    """What a delivery needs: the notification and a copy of its sign-up."""

    notification_id: int
    kind: str  # TEAM or CONFIRMATION
    attempts: int
    signup_id: int
    name: str
    email: str
    refnis: str
    postcode: Optional[str]
    activity: str
    activity_note: Optional[str]
    language: str
    created_at: datetime
    updated_at: datetime

    @property
    def is_update(self) -> bool:
        return self.updated_at > self.created_at

    @property
    def is_confirmation(self) -> bool:
        return self.kind == CONFIRMATION


#: A table with the outbox's columns (Notification, or horizon.handoff.models.HandoffMessage).
OutboxModel = Any


def _claimable(now: datetime, model: OutboxModel = Notification):  # type: ignore[no-untyped-def]
    return (
        (model.status == PENDING)
        & (model.next_attempt_at <= now)
        & or_(model.locked_until.is_(None), model.locked_until < now)
    )


def claim_row(
    model: OutboxModel, row_id: int, lease_s: float, *, engine: Optional[Engine] = None, now: Optional[datetime] = None
) -> bool:
    """Claim one row of ``model`` if it is due and free (one conditional UPDATE); True when it is ours to send."""
    engine = ensure_schema(engine)
    now = now or utcnow()
    with session_scope(engine) as session:
        return bool(
            session.execute(
                update(model)
                .where(model.id == row_id, _claimable(now, model))
                .values(locked_until=now + timedelta(seconds=lease_s))
                .execution_options(synchronize_session=False)
            ).rowcount
            == 1
        )


def claim(
    notification_id: int, lease_s: float, *, engine: Optional[Engine] = None, now: Optional[datetime] = None
) -> Optional[Job]:
    """Claim one notification if it is due and free; the job, or None when it is not ours to send."""
    engine = ensure_schema(engine)
    if not claim_row(Notification, notification_id, lease_s, engine=engine, now=now):
        return None
    with session_scope(engine) as session:
        row = session.execute(
            select(Notification, Signup)
            .join(Signup, Signup.id == Notification.signup_id)
            .where(Notification.id == notification_id)
        ).first()
        if row is None:
            return None
        note, signup = row
        return Job(
            notification_id=note.id,
            kind=note.kind,
            attempts=note.attempts,
            signup_id=signup.id,
            name=signup.name,
            email=signup.email,
            refnis=signup.refnis,
            postcode=signup.postcode,
            activity=signup.activity,
            activity_note=signup.activity_note,
            language=signup.language,
            created_at=signup.created_at,
            updated_at=signup.updated_at,
        )


def due_ids(
    limit: int, *, engine: Optional[Engine] = None, now: Optional[datetime] = None, model: OutboxModel = Notification
) -> List[int]:
    """Ids of rows (by default notifications) that are due and not claimed, oldest first."""
    engine = ensure_schema(engine)
    now = now or utcnow()
    with session_scope(engine) as session:
        return list(
            session.execute(
                select(model.id).where(_claimable(now, model)).order_by(model.next_attempt_at, model.id).limit(limit)
            )
            .scalars()
            .all()
        )


def mark_delivered(
    notification_id: int,
    recipient_kind: str,
    *,
    engine: Optional[Engine] = None,
    now: Optional[datetime] = None,
    model: OutboxModel = Notification,
) -> None:
    engine = ensure_schema(engine)
    now = now or utcnow()
    with session_scope(engine) as session:
        session.execute(
            update(model)
            .where(model.id == notification_id)
            .values(
                status=DELIVERED,
                delivered_at=now,
                locked_until=None,
                recipient_kind=recipient_kind[:100],
                attempts=model.attempts + 1,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )


def backoff_s(attempts: int, base_s: float, cap_s: float) -> float:
    """Seconds to wait after the ``attempts``-th failure: base, 2x base, 4x base, ... up to ``cap_s``."""
    return min(cap_s, base_s * (2 ** max(0, attempts - 1)))


def mark_failed(
    notification_id: int,
    error: str,
    *,
    max_attempts: int,
    base_s: float,
    cap_s: float,
    engine: Optional[Engine] = None,
    now: Optional[datetime] = None,
    model: OutboxModel = Notification,
) -> str:
    """Record a failed attempt; returns the new status (pending to retry later, or failed for good)."""
    engine = ensure_schema(engine)
    now = now or utcnow()
    with session_scope(engine) as session:
        note = session.get(model, notification_id)
        if note is None:  # forgotten in the meantime
            return "gone"
        note.attempts += 1
        note.last_error = error[:200]
        note.locked_until = None
        if note.attempts >= max_attempts:
            note.status = FAILED
        else:
            note.next_attempt_at = now + timedelta(seconds=backoff_s(note.attempts, base_s, cap_s))
        return note.status


def notification(notification_id: int, *, engine: Optional[Engine] = None) -> Optional[Notification]:
    """One outbox row (for the command's report and for tests)."""
    engine = ensure_schema(engine)
    with session_scope(engine) as session:
        return session.get(Notification, notification_id)
