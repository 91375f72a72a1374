"""/insights/ on Rasa's own Sanic app: closed by default, open only with the token from the environment, and
refreshed on request (new conversations in the tracker store appear in the next answer). The analytics tables
are on SQLite and PostgreSQL (the ``engine`` fixture); the tracker store is the project's, on SQLite."""

from __future__ import annotations

import base64
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import pytest
from rasa.core.run import configure_app
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from sanic import Sanic
from sqlalchemy.engine import Engine

from bot.channels.insights import TOKEN_VARIABLE, InsightsInput
from bot.paths import DOMAIN
from bot.tracker_store import CachedSQLTrackerStore
from tests.unit.test_insights import save, start, unanswered

TOKEN = "insights-secret-for-tests"


@pytest.fixture
def app(tmp_path: Path, engine: Engine) -> Iterator[Sanic]:
    Sanic.test_mode = True
    application = configure_app([InsightsInput.from_credentials({})], enable_api=False)
    store = CachedSQLTrackerStore(domain=Domain.load(str(DOMAIN)), dialect="sqlite", db=str(tmp_path / "tracker.db"))
    application.ctx.agent = SimpleNamespace(tracker_store=FailSafeTrackerStore(store))  # as Rasa wraps it
    yield application
    store.engine.dispose()


def get(app: Sanic, path: str = "/insights/", **headers: str):
    _, answer = app.test_client.get(path, headers=headers)
    return answer


def basic(password: str) -> str:
    return "Basic " + base64.b64encode(f"staff:{password}".encode()).decode()


def test_without_a_configured_token_the_route_does_not_exist(app: Sanic, monkeypatch) -> None:
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)
    assert get(app).status == 404
    assert get(app, authorization=f"Bearer {TOKEN}").status == 404
    monkeypatch.setenv(TOKEN_VARIABLE, "   ")  # empty counts as not configured
    assert get(app, authorization="Bearer x").status == 404


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer wrong", f"Bearer {TOKEN}x", basic("wrong"), "Basic %%%", f"Token {TOKEN}", "Bearer"],
)
def test_a_request_without_the_token_is_refused(app: Sanic, monkeypatch, authorization) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    answer = get(app, **({"authorization": authorization} if authorization else {}))
    assert answer.status == 401
    assert answer.headers["www-authenticate"].startswith("Basic")
    assert "<svg" not in answer.text


def test_with_the_token_the_report_is_refreshed_on_every_request(app: Sanic, monkeypatch) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    first = get(app, authorization=f"Bearer {TOKEN}")
    assert first.status == 200 and first.headers["cache-control"] == "no-store"
    assert "kernenergie" not in first.text

    store = app.ctx.agent.tracker_store._tracker_store
    save(store, "c-1", start() + unanswered("wat vinden jullie van kernenergie?"))
    second = get(app, authorization=basic(TOKEN))  # a browser's way: the token as the password
    assert second.status == 200 and "kernenergie" in second.text
    assert "default-src 'none'" in second.headers["content-security-policy"]


def test_a_bad_date_range_falls_back_to_the_last_30_days(app: Sanic, monkeypatch) -> None:
    monkeypatch.setenv(TOKEN_VARIABLE, TOKEN)
    answer = get(app, "/insights/?from=yesterday&to=2026-13-45", authorization=f"Bearer {TOKEN}")
    assert answer.status == 200 and "Horizon – inzichten" in answer.text
