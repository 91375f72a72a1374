"""Conversations handed to a person at the Chatwoot desk (issue 14): the table ``handoff_live_chats``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

A new table only: nothing existing changes. Downgrading drops it (the Rasa conversations it links stay paused
until someone resumes them; see docs/handoff.md).
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: Union[str, Sequence[str], None] = "0006"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "handoff_live_chats",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sender_id", sa.String(length=255), nullable=False),
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.Column("input_channel", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("chatwoot_conversation_id", sa.Integer(), nullable=False),
        sa.Column("chatwoot_contact", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("chatwoot_conversation_id"),
    )
    for column in ("sender_id", "conversation_hash", "created_at"):
        op.create_index(f"ix_handoff_live_chats_{column}", "handoff_live_chats", [column])


def downgrade() -> None:
    op.drop_table("handoff_live_chats")
