"""A question left for the team (issue 14): one row per message, which is also its own outbox row.

Why the delivery state lives in the same row: a message has exactly one notification (to the team), and a
separate outbox row would only point back at it. The columns are the outbox's (:mod:`horizon.volunteers.outbox`
claims, backs off and marks these rows with the same code). Personal data (the address and the question) lives
only here: "forget me" and the retention purge delete the row (:mod:`horizon.handoff.messages`).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String

from horizon.db import Base
from horizon.volunteers.models import PENDING


class HandoffMessage(Base):
    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True, autoincrement=True)
    email_key = Column(String(254), nullable=False, index=True)
    email = Column(String(254), nullable=False)
    question = Column(String(1000), nullable=False)
    language = Column(String(2), nullable=False)
    conversation_hash = Column(String(64), nullable=False, index=True)
    consent_at = Column(DateTime, nullable=False)
    created_at = Column(DateTime, nullable=False, index=True)
    # the outbox's columns (horizon/volunteers/models.py, Notification)
    status = Column(String(16), nullable=False, default=PENDING)
    attempts = Column(Integer, nullable=False, default=0)
    next_attempt_at = Column(DateTime, nullable=False)
    locked_until = Column(DateTime)
    last_error = Column(String(200))  # an exception class and a status code: never a message text
    recipient_kind = Column(String(100))
    delivered_at = Column(DateTime)

    __table_args__ = (Index("ix_handoff_messages_due", "status", "next_attempt_at"),)
