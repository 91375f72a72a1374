"""Proof before deleting a sign-up that was not made in this conversation: a short code sent to the address.

"Vergeet mij jan@voorbeeld.be" in a conversation that did not sign up with that address could come from
anyone. So the sign-up is deleted only after the person types back a code that was e-mailed to the address:

* :func:`request_code` records the request and, when a sign-up has the address, queues an outbox row of kind
  "verification" to it. The chat answers the same whether or not one exists ("if a sign-up with that address
  exists, a code is on its way"), and every code typed for an unknown address is simply wrong: the
  conversation never reveals whether an address signed up.
* The code is made when the notification is delivered (:func:`issue_code`, called by
  :mod:`horizon.volunteers.notify`), and only its keyed hash is stored, salted with the request's id; a retry
  sends a fresh code. The address is stored as a keyed hash too (for the rate limit).
* A code is valid :data:`CODE_TTL` and for :data:`MAX_TRIES` tries; at most :data:`MAX_CODES_PER_WINDOW`
  codes go to one address per :data:`RATE_WINDOW`, so the chat cannot be used to flood someone's mailbox.
* :func:`purge_expired` (run by ``python -m horizon.cli purge``) deletes finished requests.

Six digits are guessable offline by someone who holds the database and ``HORIZON_ID_PEPPER``; such a person
could delete the sign-up directly anyway. Against a person in the chat, five tries out of a million codes is
the protection.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Tuple

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine

from horizon.db import session_scope
from horizon.privacy.erasure import checkpoint
from horizon.privacy.models import ForgetVerification
from horizon.schema import ensure_schema
from horizon.volunteers.email import email_key
from horizon.volunteers.models import PENDING, Notification, Signup, utcnow
from horizon.volunteers.signups import conversation_hash, delete_signups, keyed_hash

#: The outbox kind of a code message.
VERIFICATION = "verification"
CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=15)
MAX_TRIES = 5
MAX_CODES_PER_WINDOW = 3
RATE_WINDOW = timedelta(hours=1)

VERIFIED, WRONG, FAILED = "verified", "wrong", "failed"


def address_hash(address: str) -> str:
    return keyed_hash("address", email_key(address))


def code_hash(verification_id: int, code: str) -> str:
    return keyed_hash("code", str(verification_id), code)


def digits_of(text: str) -> str:
    """The digits a person typed ("123 456", "code: 123456")."""
    return "".join(c for c in text if c.isdigit())


def request_code(
    conversation_id: str, address: str, *, engine: Optional[Engine] = None, now: Optional[datetime] = None
) -> Optional[int]:
    """Record a request to delete ``address``'s sign-up from this conversation (blocking).

    Returns the id of the outbox row that will carry the code (deliver it soon), or None when nothing is to be
    sent: no sign-up has the address, or the address already got its share of codes this hour. The caller
    answers the same in every case.
    """
    engine = ensure_schema(engine)
    now = now or utcnow()
    conversation, hashed = conversation_hash(conversation_id), address_hash(address)
    with session_scope(engine) as session:
        # One open request per conversation: an earlier one ends now (it still counts for the rate limit).
        session.execute(
            update(ForgetVerification)
            .where(ForgetVerification.conversation_hash == conversation, ForgetVerification.expires_at > now)
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )
        signup_id = session.execute(select(Signup.id).where(Signup.email_key == email_key(address))).scalar()
        recent = session.execute(
            select(func.count())
            .select_from(ForgetVerification)
            .where(ForgetVerification.address_hash == hashed, ForgetVerification.created_at > now - RATE_WINDOW)
        ).scalar_one()
        row = ForgetVerification(
            conversation_hash=conversation,
            address_hash=hashed,
            signup_id=signup_id,
            tries=0,
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        session.add(row)
        if signup_id is None or recent >= MAX_CODES_PER_WINDOW:
            return None
        note = Notification(
            signup_id=signup_id, kind=VERIFICATION, status=PENDING, attempts=0, next_attempt_at=now, created_at=now
        )
        session.add(note)
        session.flush()
        row.notification_id = note.id
        return note.id


def issue_code(
    notification_id: int, *, engine: Optional[Engine] = None, now: Optional[datetime] = None
) -> Optional[str]:
    """A fresh code for the request that ``notification_id`` sends, its hash stored (blocking); None when the
    request is over (expired, used up or answered): then there is nothing to send."""
    engine = ensure_schema(engine)
    now = now or utcnow()
    with session_scope(engine) as session:
        row = session.execute(
            select(ForgetVerification).where(
                ForgetVerification.notification_id == notification_id,
                ForgetVerification.expires_at > now,
                ForgetVerification.tries < MAX_TRIES,
            )
        ).scalar_one_or_none()
        if row is None:
            return None
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        row.code_hash = code_hash(row.id, code)
        return code


@dataclass(frozen=True)
class CodeCheck:
    outcome: str  # VERIFIED (the sign-up is deleted), WRONG (try again) or FAILED (no valid request left)
    tries_left: int = 0


def check_code(
    conversation_id: str, code: str, *, engine: Optional[Engine] = None, now: Optional[datetime] = None
) -> CodeCheck:
    """Check a typed code against the conversation's open request; the right one deletes the sign-up (its
    outbox rows go with it) in the same transaction (blocking)."""
    engine = ensure_schema(engine)
    now = now or utcnow()
    conversation = conversation_hash(conversation_id)
    with session_scope(engine) as session:
        row = session.execute(
            select(ForgetVerification)
            .where(ForgetVerification.conversation_hash == conversation, ForgetVerification.expires_at > now)
            .order_by(ForgetVerification.id.desc())
            .limit(1)
            .with_for_update()
        ).scalar_one_or_none()
        if row is None or row.tries >= MAX_TRIES:
            return CodeCheck(FAILED)
        row.tries += 1
        right = (
            row.signup_id is not None
            and row.code_hash is not None
            and hmac.compare_digest(row.code_hash, code_hash(row.id, code))
        )
        if right:
            delete_signups(session, {row.signup_id})  # the request's own row goes with it (cascade, explicit)
            verified = True
        else:
            verified = False
            if row.tries >= MAX_TRIES:
                row.expires_at = now
    if verified:
        checkpoint(engine)
        return CodeCheck(VERIFIED)
    left = MAX_TRIES - row.tries
    return CodeCheck(WRONG, left) if left > 0 else CodeCheck(FAILED)


def cancel(conversation_id: str, *, engine: Optional[Engine] = None, now: Optional[datetime] = None) -> None:
    """End the conversation's open request (it still counts for the rate limit until it is purged)."""
    engine = ensure_schema(engine)
    now = now or utcnow()
    with session_scope(engine) as session:
        session.execute(
            update(ForgetVerification)
            .where(
                ForgetVerification.conversation_hash == conversation_hash(conversation_id),
                ForgetVerification.expires_at > now,
            )
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )


def purge_expired(*, engine: Optional[Engine] = None, now: Optional[datetime] = None) -> int:
    """Delete requests that are over and no longer needed for the rate limit, and code notifications that can
    no longer matter; returns how many requests were deleted."""
    engine = ensure_schema(engine)
    now = now or utcnow()
    with session_scope(engine) as session:
        done = session.execute(
            delete(ForgetVerification)
            .where(ForgetVerification.expires_at <= now, ForgetVerification.created_at < now - RATE_WINDOW)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.execute(
            delete(Notification)
            .where(Notification.kind == VERIFICATION, Notification.created_at < now - CODE_TTL - RATE_WINDOW)
            .execution_options(synchronize_session=False)
        )
    checkpoint(engine)
    return int(done or 0)


# --- the message ------------------------------------------------------------------------------------------


def code_message(code: str, language: str) -> Tuple[str, str]:
    """Subject and text of the code e-mail, in the sign-up's language."""
    minutes = int(CODE_TTL.total_seconds() // 60)
    if language == "en":
        return (
            "Your code to erase your volunteer sign-up",
            "Someone (we hope you) asked the Horizon assistant of 11.11.11 to erase the volunteer sign-up of this "
            f"email address.\n\nType this code in the conversation: {code}\n\nIt is valid for {minutes} minutes. "
            "If you did not ask for this, you need not do anything: without the code nothing is erased.\n",
        )
    return (
        "Je code om je vrijwilligersinschrijving te wissen",
        "Iemand (hopelijk jij) vroeg de Horizon-assistent van 11.11.11 om de vrijwilligersinschrijving van dit "
        f"e-mailadres te wissen.\n\nTyp deze code in het gesprek: {code}\n\nZe is {minutes} minuten geldig. "
        "Vroeg je dit niet, dan hoef je niets te doen: zonder de code wordt niets gewist.\n",
    )
