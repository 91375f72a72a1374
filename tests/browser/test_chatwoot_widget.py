"""The live hand-off in the real widget (Chromium): a person is handed to the team's desk (a Chatwoot-shaped
server on loopback that checks every request), and an agent's reply reaches the <horizon-chat> widget through
socket.io; when the agent resolves, the assistant says it is back."""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict, Iterator

import pytest
from playwright.sync_api import Page

from bot.servers import Servers, free_port, isolated_env, seed_sample_data
from tests.browser.conftest import missing
from tests.browser.widget_page import Widget
from tests.support.chatwoot_stub import WEBHOOK_SECRET, ChatwootStub

AGENT_REPLY = "Dag, ik ben Anna van 11.11.11. Hoeveel affiches heeft je groep nodig?"


@pytest.fixture(scope="module")
def desk() -> Iterator[ChatwootStub]:
    with ChatwootStub() as stub:
        yield stub


@pytest.fixture(scope="module")
def desk_servers(desk: ChatwootStub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    from bot.paths import MODEL

    if not MODEL.exists():
        missing(f"no trained model at {MODEL}: run `make train` first")
    runtime = tmp_path_factory.mktemp("chatwoot-browser")
    env = isolated_env(runtime, **desk.settings())
    seed_sample_data(env)
    running = Servers(runtime=runtime, port=free_port(), actions_port=free_port(), env=env, logs=runtime / "logs")
    running.start()
    try:
        yield running
    finally:
        running.stop()


def chatwoot_posts(servers: Servers, payload: Dict[str, Any]) -> Dict[str, Any]:
    request = urllib.request.Request(
        f"{servers.url}/webhooks/chatwoot/webhook?secret={WEBHOOK_SECRET}",
        json.dumps(payload).encode(),
        {"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def test_an_agents_reply_reaches_the_widget(page: Page, desk: ChatwootStub, desk_servers: Servers) -> None:
    widget = Widget(page).goto(desk_servers.url + "/widget/")
    widget.open()
    offer = "\n".join(widget.ask("Kan ik iemand van het team spreken?"))
    assert "Dit geef ik door aan het team van 11.11.11:" in offer

    before = widget.bot_messages.count()
    widget.choices.filter(has_text="Ja, verbind me door").click()
    assert any("Klaar: ik heb je doorverbonden" in text for text in widget.wait_for_answer(before))
    conversation = desk.only_conversation()
    assert conversation.status == "open"

    widget.input.fill("Mijn groep heeft affiches nodig voor een actie")
    widget.input.press("Enter")
    assert desk.wait_for_incoming(conversation, 1) == ["Mijn groep heeft affiches nodig voor een actie"]

    before = widget.bot_messages.count()
    assert chatwoot_posts(desk_servers, desk.agent_reply(conversation.id, AGENT_REPLY))["status"] == "relayed"
    [relayed] = widget.wait_for_answer(before)  # (each bot message starts with the widget's "Horizon:" label)
    assert relayed.endswith(AGENT_REPLY)

    before = widget.bot_messages.count()
    assert chatwoot_posts(desk_servers, desk.resolved(conversation.id))["status"] == "resumed"
    assert "Het team heeft dit gesprek afgerond" in widget.wait_for_answer(before)[0]
    assert desk.errors == []
    assert page.errors == []  # type: ignore[attr-defined]
