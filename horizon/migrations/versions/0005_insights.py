"""Insights: analytics facts about conversations and turns, without personal data (issue 13).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Four tables: insights_state (high-water marks, the pseudonym key), insights_conversations, insights_turns and
insights_forgotten. Nothing in them names a person; see horizon/insights/models.py.
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "insights_state",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "insights_conversations",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("pseudonym", sa.String(length=64), nullable=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("signup", sa.String(length=16), nullable=True),
        sa.Column("requested_slot", sa.String(length=64), nullable=True),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pseudonym"),
    )
    op.create_index("ix_insights_conversations_first_day", "insights_conversations", ["first_day"])
    op.create_index("ix_insights_conversations_last_day", "insights_conversations", ["last_day"])
    op.create_table(
        "insights_turns",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=True),
        sa.Column("response", sa.String(length=64), nullable=True),
        sa.Column("in_form", sa.Boolean(), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("out_of_scope", sa.Boolean(), nullable=False),
        sa.Column("unanswered", sa.Boolean(), nullable=False),
        sa.Column("tell_more", sa.Boolean(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("passage", sa.String(length=64), nullable=True),
        sa.Column("municipality", sa.String(length=8), nullable=True),
        sa.Column("province", sa.String(length=8), nullable=True),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("ranking", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["insights_conversations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_insights_turns_conversation_id", "insights_turns", ["conversation_id"])
    op.create_index("ix_insights_turns_day", "insights_turns", ["day"])
    op.create_table(
        "insights_forgotten",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )


def downgrade() -> None:
    for table in ("insights_forgotten", "insights_turns", "insights_conversations", "insights_state"):
        op.drop_table(table)
