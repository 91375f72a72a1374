"""Conversations handed to a person at the team's Chatwoot desk: the link kept while the hand-off lasts.

One row per hand-off (:class:`horizon.handoff.models.LiveChat`). The action that hands over stores it; the Rasa
server reads it to forward the person's messages to Chatwoot while the assistant is paused, and to relay an
agent's reply to the person's channel; resolving the conversation in Chatwoot ends the hand-off and deletes the
row (nothing about the person is kept once a person took over and finished). "Forget me" deletes it with the
sign-ups (:func:`delete_linked`, called by :func:`horizon.volunteers.signups.forget`), and ``python -m
horizon.cli purge`` deletes rows older than ``SIGNUP_RETENTION_DAYS`` (:func:`purge_chats`). All functions
here block: call them through :func:`horizon.db.run_db`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from horizon.db import session_scope
from horizon.handoff.models import LiveChat
from horizon.privacy.erasure import checkpoint
from horizon.privacy.rows import delete_rows, purge_rows
from horizon.schema import ensure_schema
from horizon.volunteers.models import utcnow


@dataclass(frozen=True)
class Chat:
    """A hand-off in progress: who the person is on which channel, and where the team answers."""

    sender_id: str
    input_channel: str
    language: str
    chatwoot_conversation_id: int
    chatwoot_contact: str


def _chat(row: LiveChat) -> Chat:
    return Chat(row.sender_id, row.input_channel, row.language, row.chatwoot_conversation_id, row.chatwoot_contact)


def start_chat(
    chat: Chat, conversation_hash: str, *, engine: Optional[Engine] = None, now: Optional[datetime] = None
) -> None:
    """Store the link (``conversation_hash``: the keyed hash "forget me" finds it by, from
    :func:`horizon.volunteers.signups.conversation_hash`); an earlier hand-off of the same conversation that was
    never resolved is replaced."""
    engine = ensure_schema(engine)
    with session_scope(engine) as session:
        session.execute(delete(LiveChat).where(LiveChat.sender_id == chat.sender_id))
        session.execute(delete(LiveChat).where(LiveChat.chatwoot_conversation_id == chat.chatwoot_conversation_id))
        session.add(
            LiveChat(
                sender_id=chat.sender_id,
                conversation_hash=conversation_hash,
                input_channel=chat.input_channel[:64],
                language=chat.language,
                chatwoot_conversation_id=chat.chatwoot_conversation_id,
                chatwoot_contact=chat.chatwoot_contact,
                created_at=now or utcnow(),
            )
        )


def chat_for_sender(sender_id: str, *, engine: Optional[Engine] = None) -> Optional[Chat]:
    """The hand-off of a Rasa conversation, if one is in progress."""
    engine = ensure_schema(engine)
    with session_scope(engine) as session:
        row = session.execute(select(LiveChat).where(LiveChat.sender_id == sender_id)).scalars().first()
        return _chat(row) if row is not None else None


def _by_desk_conversation(session: Session, chatwoot_conversation_id: int) -> Optional[LiveChat]:
    query = select(LiveChat).where(LiveChat.chatwoot_conversation_id == chatwoot_conversation_id)
    return session.execute(query).scalars().first()


def chat_for_conversation(chatwoot_conversation_id: int, *, engine: Optional[Engine] = None) -> Optional[Chat]:
    """The hand-off a Chatwoot conversation belongs to, if it is still in progress."""
    engine = ensure_schema(engine)
    with session_scope(engine) as session:
        row = _by_desk_conversation(session, chatwoot_conversation_id)
        return _chat(row) if row is not None else None


def end_chat(chatwoot_conversation_id: int, *, engine: Optional[Engine] = None) -> Optional[Chat]:
    """End the hand-off of a Chatwoot conversation: the row is deleted; returns what it was (None: none was in
    progress, e.g. a second "resolved" for the same conversation)."""
    engine = ensure_schema(engine)
    with session_scope(engine) as session:
        row = _by_desk_conversation(session, chatwoot_conversation_id)
        if row is None:
            return None
        chat = _chat(row)
        session.delete(row)
    checkpoint(engine)
    return chat


def delete_linked(session: Session, conversation_hash_value: str) -> int:
    """ "Forget me": delete the conversation's hand-off link (inside the caller's transaction); returns how many."""
    return delete_rows(session, LiveChat, LiveChat.conversation_hash == conversation_hash_value)


def purge_chats(
    days: int, *, engine: Optional[Engine] = None, now: Optional[datetime] = None, dry_run: bool = False
) -> int:
    """Retention: delete hand-offs started more than ``days`` days ago (never resolved); returns how many."""
    return purge_rows(LiveChat, LiveChat.created_at, days, engine=engine, now=now, dry_run=dry_run)
