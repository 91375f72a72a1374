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


class LiveChat(Base):
    """A conversation handed to a person at the team's Chatwoot desk (issue 14): the link between the Rasa
    conversation and the Chatwoot one, while the hand-off lasts.

    Why the Rasa ``sender_id`` is kept: an agent's reply has to reach the person on the channel they used, and
    that channel addresses them by it (the widget's session, a messaging app's user id, on WhatsApp a phone
    number). It is personal data, so the row lives only as long as the hand-off: resolving the conversation in
    Chatwoot deletes it, "forget me" deletes it by ``conversation_hash``, and the retention purge deletes rows
    older than ``SIGNUP_RETENTION_DAYS`` (:mod:`horizon.handoff.live`).
    """

    __tablename__ = "handoff_live_chats"

    id = Column(Integer, primary_key=True, autoincrement=True)
    sender_id = Column(String(255), nullable=False, index=True)
    conversation_hash = Column(String(64), nullable=False, index=True)
    input_channel = Column(String(64), nullable=False)
    language = Column(String(2), nullable=False)
    chatwoot_conversation_id = Column(Integer, nullable=False, unique=True)
    chatwoot_contact = Column(String(255), nullable=False)  # the contact's source id in the inbox (public API)
    created_at = Column(DateTime, nullable=False, index=True)
