"""A sign-up keeps the person's own words when what they would like to do is none of the choices ("other").

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

The words are personal data like the name and the address: they live only in the sign-up row, so "forget me"
and the retention purge delete them with it, and the outbox holds no copy (a notification is written from the
row when it is sent). Downgrading drops the column and the words with it.
"""

from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


# Plain ALTER TABLE, not a batch: SQLite (3.35+) adds and drops a column in place, whereas a batch would copy
# the table and drop the old one, and dropping it deletes the outbox rows through ON DELETE CASCADE.


def upgrade() -> None:
    op.add_column("volunteer_signups", sa.Column("activity_note", sa.String(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("volunteer_signups", "activity_note")
