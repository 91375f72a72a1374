"""Reading the sign-up table back, for tests that check what was stored."""

from __future__ import annotations

from typing import List, Optional

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from horizon.db import make_engine, session_scope
from horizon.schema import ensure_schema
from horizon.volunteers.models import Signup


def count_signups(*, engine: Optional[Engine] = None) -> int:
    """How many sign-ups are stored."""
    engine = ensure_schema(engine)
    with session_scope(engine) as session:
        return session.execute(select(func.count()).select_from(Signup)).scalar_one()


def signup_rows(ids: List[int], *, engine: Optional[Engine] = None) -> List[Signup]:
    """Sign-ups by id."""
    engine = ensure_schema(engine)
    with session_scope(engine) as session:
        return list(session.execute(select(Signup).where(Signup.id.in_(ids))).scalars().all())


def stored(email: str) -> int:
    """How many sign-ups the configured database (``DATABASE_URL``, as the action server writes it) holds for
    ``email``."""
    engine = make_engine()
    try:
        return sum(1 for row in signup_rows(list(range(1, 100000)), engine=engine) if row.email_key == email.lower())
    finally:
        engine.dispose()
