"""The sign-up tables: one row per volunteer, and the outbox of notifications about them."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String

from horizon.db import Base

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
#: What an outbox row sends: the sign-up to the nearest local group or the central address ("team"), or the
#: confirmation to the volunteer themself ("confirmation").
TEAM, CONFIRMATION = "team", "confirmation"


def utcnow() -> datetime:
    """Naive UTC: the same on SQLite and PostgreSQL ``timestamp without time zone`` columns."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Signup(Base):
    """One volunteer. Personal data lives only here (and in the notification sent from it)."""

    __tablename__ = "volunteer_signups"

    id = Column(Integer, primary_key=True, autoincrement=True)
    email_key = Column(String(254), nullable=False, unique=True)
    email = Column(String(254), nullable=False)
    name = Column(String(120), nullable=False)
    refnis = Column(String(5), nullable=False)
    postcode = Column(String(4))
    activity = Column(String(32), nullable=False)
    language = Column(String(2), nullable=False)
    conversation_hash = Column(String(64), nullable=False, index=True)
    consent_at = Column(DateTime, nullable=False)
    created_at = Column(DateTime, nullable=False)
    updated_at = Column(DateTime, nullable=False, index=True)
    # Last, where revision 0004 added it: the person's own words when the activity is "other" (personal data,
    # deleted with the row by "forget me" and the retention purge).
    activity_note = Column(String(200))


class Notification(Base):
    """The outbox: one row per notification to send about a sign-up. Holds no personal data: the message is
    written from the sign-up when it is sent, so it always carries the latest data."""

    __tablename__ = "signup_notifications"

    id = Column(Integer, primary_key=True, autoincrement=True)
    signup_id = Column(Integer, ForeignKey("volunteer_signups.id", ondelete="CASCADE"), nullable=False, index=True)
    status = Column(String(16), nullable=False, default=PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False)
    locked_until = Column(DateTime)
    last_error = Column(String(200))  # an exception class and a status code: never a message text
    recipient_kind = Column(String(100))  # "group:<initiative id>", "central" or "volunteer": never an address
    created_at = Column(DateTime, nullable=False)
    delivered_at = Column(DateTime)
    # Last, where revision 0002 added it (ALTER TABLE appends), so that create_all makes the same table.
    kind = Column(String(16), nullable=False, default=TEAM, server_default=TEAM)

    __table_args__ = (Index("ix_signup_notifications_due", "status", "next_attempt_at"),)
