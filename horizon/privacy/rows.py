"""Deleting a table's rows for "forget me" and for retention, the same way for every table with personal data.

Why one place: each table (messages left for the team, live hand-offs, ...) must select the ids first (so the
count is exact on every engine), delete them in the caller's transaction, and leave nothing behind in SQLite
files afterwards (:func:`horizon.privacy.erasure.checkpoint`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Optional

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from horizon.db import session_scope
from horizon.privacy.erasure import checkpoint
from horizon.schema import ensure_schema
from horizon.volunteers.models import utcnow


def delete_rows(session: Session, model: Any, condition: Any) -> int:
    """Delete the rows of ``model`` that match ``condition`` (inside the caller's transaction); how many."""
    ids = set(session.execute(select(model.id).where(condition)).scalars().all())
    if ids:
        session.execute(delete(model).where(model.id.in_(ids)))
    return len(ids)


def purge_rows(
    model: Any,
    created: Any,
    days: int,
    *,
    engine: Optional[Engine] = None,
    now: Optional[datetime] = None,
    dry_run: bool = False,
) -> int:
    """Retention: delete the rows whose ``created`` column is more than ``days`` days old; how many (blocking)."""
    if days < 1:
        raise ValueError("retention must be at least 1 day")
    engine = ensure_schema(engine)
    cutoff = (now or utcnow()) - timedelta(days=days)
    with session_scope(engine) as session:
        if dry_run:
            return len(set(session.execute(select(model.id).where(created < cutoff)).scalars().all()))
        count = delete_rows(session, model, created < cutoff)
    if count:
        checkpoint(engine)
    return count
