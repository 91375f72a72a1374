"""The analytics tables: facts about conversations and turns that outlive conversation retention.

What is never stored: sender ids, message text (except the masked text of unanswered questions), form
answers, bot texts, precise times (days only), places finer than a municipality. A conversation is linked
to its tracker-store conversation only by ``pseudonym``, a keyed hash (HMAC-SHA256 with a random key kept in
``insights_state``): needed while the raw conversation exists, so that a later "vergeet mij" can delete its
facts and an ongoing conversation is continued, not counted twice. Once the tracker store's retention has
removed the raw conversation, the pseudonym is set to NULL (nothing left to link it to).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Integer, String, Text

from horizon.db import Base


class InsightsState(Base):
    """Small named values: the high-water mark of each event source, the pseudonym key."""

    __tablename__ = "insights_state"

    name = Column(String(64), primary_key=True)
    value = Column(Text, nullable=False)


class InsightsConversation(Base):
    """One conversation (one sender id, all its sessions), without anything that identifies the person."""

    __tablename__ = "insights_conversations"

    id = Column(Integer, primary_key=True, autoincrement=False)
    pseudonym = Column(String(64), unique=True)  # NULL once unlinked (see the module docstring)
    first_day = Column(Date, nullable=False, index=True)
    last_day = Column(Date, nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    language = Column(String(8), nullable=False)
    messages = Column(Integer, nullable=False)  # messages the person sent
    signup = Column(String(16))  # started | completed | cancelled, NULL when the form never started
    # Conversation state carried between ingestion runs (no personal data): the slot the form asks for
    # and the strategy topic last answered (what "tell me more" refers to).
    requested_slot = Column(String(64))
    topic = Column(String(64))


class InsightsTurn(Base):
    """One message of a person and what the assistant did with it."""

    __tablename__ = "insights_turns"

    id = Column(Integer, primary_key=True, autoincrement=False)
    conversation_id = Column(
        Integer, ForeignKey("insights_conversations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    day = Column(Date, nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    language = Column(String(8), nullable=False)
    intent = Column(String(64))
    confidence = Column(Float)
    action = Column(String(64))  # the first action after the message (not action_listen)
    response = Column(String(64))  # the first response sent (utter_...)
    in_form = Column(Boolean, nullable=False)  # an answer to a form's question: its text is never kept
    fallback = Column(Boolean, nullable=False)
    out_of_scope = Column(Boolean, nullable=False)
    unanswered = Column(Boolean, nullable=False)
    tell_more = Column(Boolean, nullable=False)
    topic = Column(String(64))  # the strategy topic answered, or asked more about
    passage = Column(String(64))  # "section:index" of the strategy passage quoted
    municipality = Column(String(8))  # REFNIS code of the municipality searched
    province = Column(String(8))  # its province (or the province searched)
    question = Column(Text)  # masked text, unanswered questions only
    ranking = Column(Text)  # JSON [[intent, confidence], ...] of the model, unanswered questions only


class InsightsForgotten(Base):
    """How many conversations were forgotten on request, per day: their facts themselves are deleted."""

    __tablename__ = "insights_forgotten"

    day = Column(Date, primary_key=True)
    conversations = Column(Integer, nullable=False)
