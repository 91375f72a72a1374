"""Pending "forget me" codes: proof that the person asking owns the address whose sign-up they want deleted.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Only keyed hashes of the conversation id, the address and the code are stored, with an expiry and a try
counter. The outbox gets no new column: a code goes out as a notification of kind "verification".
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "forget_verifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("signup_id", sa.Integer(), nullable=True),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["signup_id"], ["volunteer_signups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["notification_id"], ["signup_notifications.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    for column in ("conversation_hash", "address_hash", "signup_id", "notification_id", "expires_at"):
        op.create_index(f"ix_forget_verifications_{column}", "forget_verifications", [column])


def downgrade() -> None:
    notifications = sa.table("signup_notifications", sa.column("kind", sa.String))
    op.execute(notifications.delete().where(notifications.c.kind == "verification"))
    op.drop_table("forget_verifications")
