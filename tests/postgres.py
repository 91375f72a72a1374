"""The local PostgreSQL that the database tests run against (CI has one; elsewhere they skip without it)."""

from __future__ import annotations

import functools
import os

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


@functools.lru_cache(maxsize=1)
def _reachable() -> bool:
    engine = create_engine(PG_URL, connect_args={"connect_timeout": 2})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


def require_postgres() -> None:
    """Skips the calling test when PostgreSQL is unreachable; in CI, where it must be tested, fails it."""
    if not _reachable():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at {PG_URL} is unreachable, and CI must test it")
        pytest.skip("PostgreSQL unreachable (outside CI)")
