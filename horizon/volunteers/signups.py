"""Volunteer sign-ups: saving one (with its notifications), forgetting, and retention.

Why it is built like this:

* One row per person: ``email_key`` (the normalised address in lower case) is unique, so signing up
  twice updates the row instead of adding a second one; a race between two saves is settled by the
  unique index (the loser retries as an update).
* A sign-up and its notification rows are written in one transaction (a transactional outbox): one for
  the team (the nearest local group or the central address) and one confirmation for the volunteer. The
  person is told "you're signed up" only after the commit, so a crash before it loses nothing the person
  was told about, and a crash after it loses nothing either: :mod:`horizon.volunteers.notify` delivers the
  notifications later and retries until it succeeds.
* Forgetting a person deletes the sign-up; its notifications go with it (ON DELETE CASCADE), so a
  pending notification is never sent for someone who asked to be forgotten. SQLite runs with
  ``secure_delete`` and the WAL is truncated after a deletion, so the rows are not left in the files either
  (:mod:`horizon.privacy.erasure`).
* The conversation id is stored only as a keyed SHA-256 hash (``HORIZON_ID_PEPPER``): channel ids can
  be phone numbers (WhatsApp, SMS), and the hash is enough to find "my sign-up" again.
* ``SIGNUP_RETENTION_DAYS`` (default 365) bounds how long a sign-up is kept after its last update;
  ``python -m horizon.cli purge`` enforces it (run it daily from a timer or ``make purge``).

The schema is upgraded on first use, on the same engine as the initiatives (:mod:`horizon.schema`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Optional, Set, Tuple

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from horizon.db import session_scope
from horizon.handoff import live
from horizon.handoff.messages import delete_linked
from horizon.privacy.erasure import checkpoint
from horizon.privacy.models import ForgetVerification
from horizon.schema import ensure_schema
from horizon.volunteers.activities import ACTIVITIES, MAX_NOTE_LENGTH, OTHER
from horizon.volunteers.email import email_key
from horizon.volunteers.models import CONFIRMATION, DELIVERED, PENDING, TEAM, Notification, Signup, utcnow

DEFAULT_RETENTION_DAYS = 365


# --- conversation ids ----------------------------------------------------------------------------------------


def keyed_hash(*parts: str) -> str:
    """HMAC-SHA256 of the parts (joined by NUL), keyed with ``HORIZON_ID_PEPPER`` (may be empty): how every
    identifier Horizon must find again but never read back is stored."""
    pepper = os.environ.get("HORIZON_ID_PEPPER", "").encode()
    return hmac.new(pepper, "\x00".join(parts).encode(), hashlib.sha256).hexdigest()


def conversation_hash(conversation_id: str) -> str:
    """Keyed hash of a conversation (sender) id."""
    return keyed_hash(conversation_id)


# --- saving --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignupData:
    """A confirmed sign-up as the form collected it (``email`` already validated and normalised)."""

    name: str
    email: str
    refnis: str
    activity: str
    language: str
    conversation_id: str
    postcode: Optional[str] = None
    activity_note: Optional[str] = None  # the person's own words, only with activity "other"

    def __post_init__(self) -> None:
        if self.activity not in ACTIVITIES:
            raise ValueError(f"unknown activity: {self.activity!r}")
        if self.activity_note is not None and (self.activity != OTHER or len(self.activity_note) > MAX_NOTE_LENGTH):
            raise ValueError("own words go with activity 'other', at most MAX_NOTE_LENGTH characters")
        if len(self.refnis) != 5 or not self.refnis.isdigit():
            raise ValueError("refnis must be 5 digits")

    @property
    def email_key(self) -> str:
        return email_key(self.email)


@dataclass(frozen=True)
class SaveResult:
    signup_id: int
    created: bool  # False: the address was already signed up and the row was updated
    notification_id: int  # to the team
    confirmation_id: int  # to the volunteer

    @property
    def notification_ids(self) -> Tuple[int, int]:
        """Both outbox rows, to try to deliver at once."""
        return (self.notification_id, self.confirmation_id)


def save_signup(data: SignupData, *, engine: Optional[Engine] = None, now: Optional[datetime] = None) -> SaveResult:
    """Insert or update the sign-up and queue its notifications, in one transaction (blocking)."""
    engine = ensure_schema(engine)
    now = now or utcnow()
    try:
        with session_scope(engine) as session:
            return _save(session, data, now)
    except IntegrityError:
        # Another save of the same address committed between our SELECT and INSERT: now it is an update.
        with session_scope(engine) as session:
            return _save(session, data, now)


def _save(session: Session, data: SignupData, now: datetime) -> SaveResult:
    row = session.execute(
        select(Signup).where(Signup.email_key == data.email_key).with_for_update()
    ).scalar_one_or_none()
    created = row is None
    if row is None:
        row = Signup(email_key=data.email_key, created_at=now)
        session.add(row)
    row.email = data.email.strip()
    row.name = data.name
    row.refnis = data.refnis
    row.postcode = data.postcode
    row.activity = data.activity
    row.activity_note = data.activity_note
    row.language = data.language
    row.conversation_hash = conversation_hash(data.conversation_id)
    row.consent_at = now
    row.updated_at = now
    session.flush()
    team = _queue(session, row.id, TEAM, now)
    confirmation = _queue(session, row.id, CONFIRMATION, now)
    return SaveResult(signup_id=row.id, created=created, notification_id=team.id, confirmation_id=confirmation.id)


def _queue(session: Session, signup_id: int, kind: str, now: datetime) -> Notification:
    """The sign-up's pending notification of this kind, else a new one. One pending of each kind is enough:
    the message is written from the sign-up when it is sent, so it carries the latest data."""
    pending = (
        session.execute(
            select(Notification).where(
                Notification.signup_id == signup_id, Notification.kind == kind, Notification.status == PENDING
            )
        )
        .scalars()
        .first()
    )
    if pending is not None:
        return pending
    notification = Notification(
        signup_id=signup_id, kind=kind, status=PENDING, attempts=0, next_attempt_at=now, created_at=now
    )
    session.add(notification)
    session.flush()
    return notification


# --- forgetting ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ForgetReport:
    """What was deleted: ``linked`` sign-ups of this conversation or of its own address (the one the form
    collected). An address only typed in the chat needs proof first (:mod:`horizon.privacy.verification`)."""

    linked: int = 0
    already_shared: bool = False  # the team had already been sent a linked sign-up (not: its confirmation)
    messages: int = 0  # questions left for the team (horizon/handoff/messages.py)


def forget(
    conversation_id: str,
    own_emails: Iterable[str] = (),
    *,
    engine: Optional[Engine] = None,
) -> ForgetReport:
    """Delete every sign-up of the conversation and of ``own_emails``, their outbox rows and the conversation's
    pending codes, then leave no trace in SQLite's files (blocking)."""
    engine = ensure_schema(engine)
    own_keys = {email_key(e) for e in own_emails if e}
    with session_scope(engine) as session:
        linked_ids = _ids(
            session,
            (Signup.conversation_hash == conversation_hash(conversation_id)) | Signup.email_key.in_(own_keys or {""}),
        )
        shared = (
            bool(linked_ids)
            and session.execute(
                select(func.count())
                .select_from(Notification)
                .where(
                    Notification.signup_id.in_(linked_ids),
                    Notification.kind == TEAM,  # the confirmation went to the person themself
                    Notification.status == DELIVERED,
                )
            ).scalar_one()
            > 0
        )
        session.execute(
            delete(ForgetVerification).where(ForgetVerification.conversation_hash == conversation_hash(conversation_id))
        )
        delete_signups(session, linked_ids)
        messages = delete_linked(session, conversation_hash(conversation_id), own_keys)
        live.delete_linked(session, conversation_hash(conversation_id))  # a hand-off to the team's desk
    checkpoint(engine)
    return ForgetReport(linked=len(linked_ids), already_shared=shared, messages=messages)


def _ids(session: Session, condition) -> Set[int]:  # type: ignore[no-untyped-def]
    return set(session.execute(select(Signup.id).where(condition)).scalars().all())


def delete_signups(session: Session, ids: Set[int]) -> None:
    """Delete sign-ups and, explicitly too, their notifications of every kind and their pending codes (in case
    a database ignores the cascade)."""
    if ids:
        session.execute(delete(Notification).where(Notification.signup_id.in_(ids)))
        session.execute(delete(ForgetVerification).where(ForgetVerification.signup_id.in_(ids)))
        session.execute(delete(Signup).where(Signup.id.in_(ids)))


def stop_notifications(
    conversation_id: str,
    own_emails: Iterable[str] = (),
    *,
    engine: Optional[Engine] = None,
) -> int:
    """An opt-out ("stuur me niets meer"): delete the notifications not yet delivered of the conversation's sign-ups and
    of ``own_emails`` (blocking); the sign-ups stay until the person asks to be forgotten. Returns how many."""
    engine = ensure_schema(engine)
    own_keys = {email_key(e) for e in own_emails if e}
    with session_scope(engine) as session:
        ids = _ids(
            session,
            (Signup.conversation_hash == conversation_hash(conversation_id)) | Signup.email_key.in_(own_keys or {""}),
        )
        if not ids:
            return 0
        result = session.execute(
            delete(Notification).where(Notification.signup_id.in_(ids), Notification.status != DELIVERED)
        )
        return int(result.rowcount or 0)


# --- retention -----------------------------------------------------------------------------------------------


def retention_days() -> int:
    """``SIGNUP_RETENTION_DAYS`` (a positive whole number), default 365."""
    raw = os.environ.get("SIGNUP_RETENTION_DAYS", "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    days = int(raw)
    if days < 1:
        raise ValueError("SIGNUP_RETENTION_DAYS must be at least 1")
    return days


def purge(
    days: Optional[int] = None,
    *,
    engine: Optional[Engine] = None,
    now: Optional[datetime] = None,
    dry_run: bool = False,
) -> int:
    """Delete sign-ups not updated for ``days`` days (default :func:`retention_days`); returns how many."""
    days = retention_days() if days is None else days
    if days < 1:
        raise ValueError("retention must be at least 1 day")
    cutoff = (now or utcnow()) - timedelta(days=days)
    engine = ensure_schema(engine)
    with session_scope(engine) as session:
        ids = _ids(session, Signup.updated_at < cutoff)
        if not dry_run:
            delete_signups(session, ids)
    if ids and not dry_run:
        checkpoint(engine)
    return len(ids)
