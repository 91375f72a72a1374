"""Questions left for the team when no person is available (issue 14): the table ``handoff_messages``.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

A new table only: nothing existing changes. Downgrading drops it, and the messages with it.
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: Union[str, Sequence[str], None] = "0005"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("question", sa.String(length=1000), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("recipient_kind", sa.String(length=100), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("email_key", "conversation_hash", "created_at"):
        op.create_index(f"ix_handoff_messages_{column}", "handoff_messages", [column])
    op.create_index("ix_handoff_messages_due", "handoff_messages", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("handoff_messages")
