"""Baseline: the tables exactly as ``Base.metadata.create_all`` made them before migrations existed.

Revision ID: 0001
Revises:
Create Date: 2026-11-29

A database made by ``create_all`` may hold some of these tables already (the launcher made the initiatives
tables, the first sign-up the other two): each table is created only when it is missing, and an existing one
is kept as it is, with its rows. On a new database this is a plain CREATE of everything.
"""

from __future__ import annotations

from typing import Callable, Dict, Sequence, Union

import sqlalchemy as sa
from alembic import context, op

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _initiatives() -> None:
    op.create_table(
        "initiatives",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("refnis", sa.String(length=5), nullable=False),
        sa.Column("province", sa.String(length=3), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("may_show_contact", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("last_verified", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_initiatives_refnis_active", "initiatives", ["refnis", "active"])
    op.create_index("ix_initiatives_province_active", "initiatives", ["province", "active"])
    op.create_index("ix_initiatives_type_active", "initiatives", ["type", "active"])
    op.create_index("ix_initiatives_source", "initiatives", ["source"])


def _initiative_values(table: str) -> Callable[[], None]:
    """One of the three association tables (postcodes, themes, countries): one row per value."""

    def create() -> None:
        op.create_table(
            table,
            sa.Column("value", sa.String(length=32), nullable=False),
            sa.Column("initiative_id", sa.String(length=64), nullable=False),
            sa.ForeignKeyConstraint(["initiative_id"], ["initiatives.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("initiative_id", "value"),
            sqlite_with_rowid=False,
        )
        op.create_index(f"ix_{table}_value", table, ["value", "initiative_id"])

    return create


def _volunteer_signups() -> None:
    op.create_table(
        "volunteer_signups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email_key", sa.String(length=254), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("refnis", sa.String(length=5), nullable=False),
        sa.Column("postcode", sa.String(length=4), nullable=True),
        sa.Column("activity", sa.String(length=32), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("conversation_hash", sa.String(length=64), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email_key"),
    )
    op.create_index("ix_volunteer_signups_conversation_hash", "volunteer_signups", ["conversation_hash"])
    op.create_index("ix_volunteer_signups_updated_at", "volunteer_signups", ["updated_at"])


def _signup_notifications() -> None:
    op.create_table(
        "signup_notifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("signup_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("recipient_kind", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["signup_id"], ["volunteer_signups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_signup_notifications_due", "signup_notifications", ["status", "next_attempt_at"])
    op.create_index("ix_signup_notifications_signup_id", "signup_notifications", ["signup_id"])


#: In creation order (a table after the ones it refers to).
TABLES: Dict[str, Callable[[], None]] = {
    "initiatives": _initiatives,
    "initiative_postcodes": _initiative_values("initiative_postcodes"),
    "initiative_themes": _initiative_values("initiative_themes"),
    "initiative_countries": _initiative_values("initiative_countries"),
    "volunteer_signups": _volunteer_signups,
    "signup_notifications": _signup_notifications,
}


def upgrade() -> None:
    # Offline (``alembic upgrade --sql``) there is no database to look at: the SQL is for a new one.
    existing = set() if context.is_offline_mode() else set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in TABLES.items():
        if name not in existing:
            create()


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)  # its indexes go with it
