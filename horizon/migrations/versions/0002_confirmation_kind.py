"""The outbox gets a ``kind``: "team" (the sign-up to a local group or the central address, as before) or
"confirmation" (the message to the volunteer themself).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Existing rows are team notifications (the server default). Downgrading deletes the confirmation rows first:
without the column they would read as team notifications and be sent to the team a second time.
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("signup_notifications") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="team"))


def downgrade() -> None:
    notifications = sa.table("signup_notifications", sa.column("kind", sa.String))
    op.execute(notifications.delete().where(notifications.c.kind != "team"))
    with op.batch_alter_table("signup_notifications") as batch:
        batch.drop_column("kind")
