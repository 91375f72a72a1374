"""bot.speedups: the fixes answer, accept and refuse exactly as Rasa's own code does."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot.speedups import _EVENT_CLASSES, close_sessions, kept_session, resolve_event_class, validate_action_result
from tests.net import free_port

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "language", "value": "en"}], "responses": [{"response": "utter_greet"}]},
]
INVALID = [
    {"events": "not a list", "responses": []},
    {"events": [], "responses": ["not an object"]},
    {"events": [{"event": "no_such_event"}], "responses": []},
]


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))


@pytest.mark.parametrize("result", VALID)
def test_accepts_what_rasa_accepts(action, result):
    assert RemoteAction._validate_action_result(action, result)
    assert validate_action_result(action, result)


@pytest.mark.parametrize("result", INVALID)
def test_refuses_what_rasa_refuses_with_the_same_message(action, result):
    with pytest.raises(ValidationError) as stock:
        RemoteAction._validate_action_result(action, result)
    with pytest.raises(ValidationError) as ours:
        validate_action_result(action, result)
    assert ours.value.message == stock.value.message


# --- the remembered event classes -----------------------------------------------------------------------

EVENT_NAMES = ["user", "bot", "action", "slot", "session_started", "active_loop", "reset_slots", "followup"]


@pytest.mark.parametrize("name", EVENT_NAMES)
def test_event_classes_are_the_ones_rasa_finds(name):
    assert resolve_event_class(name) is Event.resolve_by_type(name)
    assert resolve_event_class(name) is resolve_event_class(name)


def test_an_unknown_event_name_fails_as_in_rasa_and_is_not_remembered():
    with pytest.raises(ValueError) as stock:
        Event.resolve_by_type("no_such_event")
    with pytest.raises(ValueError) as ours:
        resolve_event_class("no_such_event")
    assert str(ours.value) == str(stock.value)
    assert resolve_event_class("no_such_event", default=UserUttered) is UserUttered
    assert resolve_event_class("topic") is None  # Rasa's backwards compatibility for old TopicSet events
    assert "no_such_event" not in _EVENT_CLASSES and "topic" not in _EVENT_CLASSES


# --- kept-alive connections to the action server ---------------------------------------------------------


class CountingServer:
    """A real HTTP server on loopback that records, per request, the client's port and the headers."""

    def __init__(self) -> None:
        self.seen: List[Dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.seen.append({"peer": request.transport.get_extra_info("peername")[1], **request.headers})
        return web.json_response({"events": [], "responses": []})

    async def __aenter__(self) -> str:
        app = web.Application()
        app.router.add_post("/webhook", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", port := free_port()).start()
        return f"http://127.0.0.1:{port}/webhook"

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.runner.cleanup()


@pytest.fixture
async def kept(monkeypatch):
    monkeypatch.setattr(EndpointConfig, "session", kept_session)
    yield
    await close_sessions()


async def test_requests_to_one_endpoint_share_a_connection(kept):
    server = CountingServer()
    async with server as url:
        endpoint = EndpointConfig(url, headers={"X-Horizon": "yes"}, basic_auth={"username": "u", "password": "p"})
        answers = [await endpoint.request(json={"next_action": "action_x"}) for _ in range(3)]
    assert answers == [{"events": [], "responses": []}] * 3
    assert len({seen["peer"] for seen in server.seen}) == 1
    assert all(seen["X-Horizon"] == "yes" and seen["Authorization"].startswith("Basic ") for seen in server.seen)


async def test_without_the_fix_every_request_opens_a_connection():
    """The measurement behind the fix, kept as a test: Rasa's own session() is not reused."""
    server = CountingServer()
    async with server as url:
        for _ in range(3):
            await EndpointConfig(url).request(json={})
    assert len({seen["peer"] for seen in server.seen}) == 3


def test_each_event_loop_gets_its_own_session(kept):
    """aiohttp sessions belong to one loop; a second loop (tests, rasa shell) must not reuse the first's."""
    server = CountingServer()
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook")

    async def one_request() -> Any:
        async with server as url:
            endpoint.url = url
            answer = await endpoint.request(json={})
        await close_sessions()
        return answer

    assert asyncio.run(one_request()) == asyncio.run(one_request()) == {"events": [], "responses": []}


async def test_an_error_status_still_raises_as_in_rasa(kept):
    async with CountingServer() as url:
        with pytest.raises(ClientResponseError):
            await EndpointConfig(url.replace("/webhook", "/missing")).request(json={})
