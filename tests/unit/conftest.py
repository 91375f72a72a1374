"""Real rasa-sdk Trackers and the project's real domain for action tests."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot.paths import DOMAIN, MODEL
from horizon import db
from horizon.schema import ensure_schema
from tests.postgres import PG_URL, require_postgres


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    return Domain.load(str(DOMAIN)).as_dict()


def make_tracker(
    text: str = "",
    intent: Optional[str] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    slots: Optional[Dict[str, Any]] = None,
    metadata: Optional[Dict[str, Any]] = None,
) -> Tracker:
    """A tracker whose latest message is `text`, parsed as `intent` with `entities`."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0} if intent else {},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    all_slots = {"language": "nl", "language_locked": False, "topic": None, "more_step": 0.0}
    all_slots.update(slots or {})
    return Tracker("test-user", all_slots, latest, [], False, None, {}, "action_listen")


def entity(name: str, value: str) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": 1}


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def trained_agent():
    """The trained model (`make test` trains before the unit tests), loaded once for the suites that use it."""
    from rasa.core.agent import load_agent

    if not Path(MODEL).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{MODEL} is missing: `make test` trains before the unit tests")
        pytest.skip("no trained model (run `make train`)")
    return asyncio.run(load_agent(model_path=str(MODEL)))


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A database without tables: a SQLite file, or a PostgreSQL schema of its own (dropped afterwards)."""
    if request.param == "sqlite":
        eng = db.make_engine(f"sqlite:///{tmp_path / 'horizon.db'}")
        try:
            yield eng
        finally:
            eng.dispose()
        return
    require_postgres()
    schema = f"horizon_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, future=True)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    eng = db.make_engine(PG_URL, schema=schema)
    try:
        yield eng
    finally:
        eng.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def engine(empty_engine: Engine) -> Iterator[Engine]:
    """An empty database with the schema made by the migrations, installed as the process-wide engine."""
    ensure_schema(empty_engine)
    db.set_engine(empty_engine)
    try:
        yield empty_engine
    finally:
        db.set_engine(None)
