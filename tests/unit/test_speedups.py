"""bot.speedups: the fixes answer, accept and refuse exactly as Rasa's own code does, and are installed only
on the Rasa they were written for."""

from __future__ import annotations

import asyncio
import inspect
import re
import subprocess
import sys
from typing import Any, Dict, List

import pytest
import rasa
import rasa.core.processor
from aiohttp import web
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, UserUttered
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot import speedups
from bot.paths import ROOT
from bot.servers import free_port
from bot.speedups import (
    _EVENT_CLASSES,
    PATCHES,
    IncompatibleRasa,
    Patch,
    kept_session,
    resolve_event_class,
    validate_action_result,
)
from tests.support.speedups import close_sessions

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


# --- the guard: the pinned Rasa only, every replaced part present --------------------------------------------


@pytest.fixture
def rasa_restored(monkeypatch):
    """Whatever install() replaces in this test is put back afterwards."""
    for patch in PATCHES:
        monkeypatch.setattr(patch.owner, patch.attribute, inspect.getattr_static(patch.owner, patch.attribute))


def unchanged(*patches: Patch) -> bool:
    return all(getattr(p.owner, p.attribute, None) is not p.applied for p in patches)


def test_install_replaces_every_part_once_even_when_called_twice(rasa_restored):
    speedups.install()
    speedups.install()
    assert all(getattr(p.owner, p.attribute) is p.applied for p in PATCHES)
    assert rasa.core.processor.DaskGraphRunner is speedups.ProcessorGraphRunner


def test_another_rasa_version_is_refused_naming_both(monkeypatch, rasa_restored):
    monkeypatch.setattr(rasa, "__version__", "3.6.20")
    with pytest.raises(IncompatibleRasa, match=r"Rasa 3\.6\.21 but found Rasa 3\.6\.20"):
        speedups.install()
    assert unchanged(*PATCHES)


@pytest.mark.parametrize("patch", PATCHES, ids=lambda p: p.name)
def test_a_missing_part_is_refused_by_name_and_nothing_is_patched(monkeypatch, rasa_restored, patch):
    monkeypatch.delattr(patch.owner, patch.attribute)
    with pytest.raises(IncompatibleRasa) as refused:
        speedups.install()
    assert f"replaces {patch.path}, {patch.expected}" in str(refused.value)
    assert "found None" in str(refused.value)
    assert unchanged(*PATCHES)


def test_a_part_of_another_kind_is_refused(monkeypatch, rasa_restored):
    monkeypatch.setattr(rasa.core.processor, "DaskGraphRunner", object)
    with pytest.raises(IncompatibleRasa, match="rasa.core.processor.DaskGraphRunner.*found <class 'object'>"):
        speedups.install()


def test_the_pinned_version_is_the_one_requirements_install():
    pins = re.findall(r"^rasa(?:\[[^\]]*\])?==(\S+)", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert pins == [speedups.PINNED_RASA]


def test_the_server_does_not_start_on_another_rasa():
    """What a person sees: one sentence naming both versions, and a failed exit, before any port opens."""
    program = "import rasa; rasa.__version__ = '3.7.0'; from bot.rasa_server import main; main()"
    done = subprocess.run([sys.executable, "-c", program, "run"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "Horizon's Rasa server does not start: bot.speedups patches internals of Rasa 3.6.21" in done.stderr
    assert "found Rasa 3.7.0" in done.stderr
