"""Reading the sign-up table back, for tests that check what was stored."""

from __future__ import annotations

from typing import List, Optional

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from horizon.db import session_scope
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
