"""The live hand-off through the real servers (bot.servers) and a Chatwoot-shaped desk on loopback that checks
every request (tests/support/chatwoot_stub.py), in Dutch and English, over the widget's socket.io channel.

A person asks for someone of the team, sees what will be passed on, says yes: the desk gets a contact, a
conversation with the transcript as a private note, and the conversation is opened (handed over). While it is
handed over the assistant stays silent and the person's messages reach the desk; an agent's reply (the Agent
Bot webhook) reaches the person's socket; a forged webhook is refused (403) and reaches nobody; resolving the
conversation brings the assistant back, in the person's language, and it answers again.
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest
import socketio

from bot.paths import MODEL
from bot.servers import Servers, free_port, isolated_env, seed_sample_data
from tests.support.chatwoot_stub import WEBHOOK_SECRET, ChatwootStub

TOKEN = "e2e-chatwoot-token"


@pytest.fixture(scope="module")
def desk() -> Iterator[ChatwootStub]:
    with ChatwootStub() as stub:
        yield stub


@pytest.fixture(scope="module")
def bot(desk: ChatwootStub, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Servers of their own: the session's bot has no desk configured (and must keep working without one)."""
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    runtime = tmp_path_factory.mktemp("chatwoot-runtime")
    env = isolated_env(runtime, **desk.settings())  # no HANDOFF_OFFICE_HOURS: the desk decides who answers
    seed_sample_data(env)
    servers = Servers(
        runtime=runtime, port=free_port(), actions_port=free_port(), env=env, logs=runtime / "logs", token=TOKEN
    )
    servers.start()
    try:
        yield servers
    finally:
        servers.stop()


def webhook(bot: Servers, payload: Dict[str, Any], secret: str = WEBHOOK_SECRET) -> Tuple[int, Dict[str, Any]]:
    """POSTs what Chatwoot's Agent Bot would post to the bridge."""
    request = urllib.request.Request(
        f"{bot.url}/webhooks/chatwoot/webhook?secret={secret}",
        json.dumps(payload).encode(),
        {"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, {}


class Person:
    """The widget's side of a conversation: a socket.io client in its session's room."""

    def __init__(self, bot: Servers, language: str) -> None:
        self.bot, self.language = bot, language
        self.client = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.session_id = ""

    async def connect(self) -> None:
        confirmed: asyncio.Queue = asyncio.Queue()
        self.client.on("bot_uttered", self.inbox.put_nowait)
        self.client.on("session_confirm", confirmed.put_nowait)
        await self.client.connect(self.bot.url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {"session_id": None})
        self.session_id = await asyncio.wait_for(confirmed.get(), 20)

    async def say(self, text: str) -> None:
        message = {"message": text, "session_id": self.session_id, "metadata": {"language": self.language}}
        await self.client.emit("user_uttered", message)

    async def hear(self, quiet_s: float = 3.0, first_s: float = 60.0) -> List[str]:
        """The texts that arrive until none came for ``quiet_s`` (waiting ``first_s`` for the first)."""
        texts: List[str] = []
        try:
            texts.append((await asyncio.wait_for(self.inbox.get(), first_s)).get("text", ""))
            while True:
                texts.append((await asyncio.wait_for(self.inbox.get(), quiet_s)).get("text", ""))
        except asyncio.TimeoutError:
            return texts

    async def silence(self, seconds: float) -> List[str]:
        """What arrives within ``seconds`` (nothing, when the assistant keeps quiet)."""
        texts: List[str] = []
        try:
            while True:
                texts.append((await asyncio.wait_for(self.inbox.get(), seconds)).get("text", ""))
        except asyncio.TimeoutError:
            return texts


LINES = {
    "nl": {
        "ask": "Kan ik iemand van het team spreken?",
        "shown": "Dit geef ik door aan het team van 11.11.11:",
        "yes": "ja",
        "started": "Klaar: ik heb je doorverbonden",
        "question": "Onze school wil een spreker voor een klimaatdag, kan dat?",
        "agent": "Dag, ik ben Anna van 11.11.11. Welke datum hadden jullie in gedachten?",
        "back": "Het team heeft dit gesprek afgerond, dus ik ben terug.",
        "after": "wat is jullie visie?",
        "forget": "vergeet mij",
        "desk_keeps": "Wat je in de live chat aan het team schreef",
    },
    "en": {
        "ask": "I want to talk to a human",
        "shown": "This is what I will pass on to the 11.11.11 team:",
        "yes": "yes",
        "started": "Done: I've passed you on",
        "question": "Our school would like a speaker for a climate day, is that possible?",
        "agent": "Hello, this is Anna from 11.11.11. Which date did you have in mind?",
        "back": "The team has finished this conversation, so I'm back.",
        "after": "what is your vision?",
        "forget": "forget me",
        "desk_keeps": "What you wrote to the team in the live chat",
    },
}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_person_is_handed_to_the_desk_and_the_assistant_comes_back(bot, desk, language) -> None:
    lines = LINES[language]
    before = set(desk.conversations)

    async def scenario() -> None:
        person = Person(bot, language)
        await person.connect()
        try:
            await person.say(lines["ask"])
            offer = "\n".join(await person.hear())
            assert lines["shown"] in offer and lines["ask"] in offer, offer
            assert [conversation for conversation in desk.conversations if conversation not in before] == []

            await person.say(lines["yes"])
            assert any(text.startswith(lines["started"]) for text in await person.hear()), "not handed over"
            [new] = [desk.conversations[key] for key in desk.conversations if key not in before]
            assert new.status == "open"  # handed to the agents
            assert lines["ask"] in new.notes[0] and "persoonsgegevens verborgen" in new.notes[0]

            await person.say(lines["question"])
            assert await person.silence(6) == []  # the assistant keeps quiet ...
            assert desk.wait_for_incoming(new, 1) == [lines["question"]]  # ... and the desk has the message

            assert webhook(bot, desk.agent_reply(new.id, "forged"), secret="not-the-secret")[0] == 403
            status, answer = webhook(bot, desk.agent_reply(new.id, lines["agent"]))
            assert (status, answer["status"]) == (200, "relayed")
            assert await person.hear(quiet_s=2, first_s=20) == [lines["agent"]]  # not the forged one

            echo = desk.agent_reply(new.id, "Bezoeker: ...", private=True, sender={"id": 1, "type": "agent_bot"})
            assert webhook(bot, echo)[1]["status"] == "ignored"

            status, answer = webhook(bot, desk.resolved(new.id))
            assert (status, answer["status"]) == (200, "resumed")
            assert (await person.hear(quiet_s=2, first_s=20))[0].startswith(lines["back"])
            assert webhook(bot, desk.resolved(new.id))[1]["status"] == "ignored"  # no longer handed off

            await person.say(lines["after"])
            assert [text for text in await person.hear() if text], "the assistant did not answer after resuming"
            assert desk.wait_for_incoming(new, 2, timeout_s=2) == [lines["question"]]  # not forwarded any more

            tracker = bot.tracker(person.session_id)
            kinds = [event["event"] for event in tracker["events"]]
            assert "pause" in kinds and "resume" in kinds and not tracker["paused"]
            agent_lines = [e for e in tracker["events"] if e["event"] == "bot" and e.get("text") == lines["agent"]]
            assert len(agent_lines) == 1  # the agent's reply is part of the conversation's record

            # "forget me" cannot erase what the desk keeps: the person is told so, and how to have it deleted
            await person.say(lines["forget"])
            assert await person.hear(), "no question before erasing"
            await person.say(lines["yes"])
            erased = "\n".join(await person.hear())
            assert lines["desk_keeps"] in erased and "02 536 11 11" in erased, erased
        finally:
            await person.client.disconnect()

    asyncio.run(scenario())
    assert desk.errors == []


def test_a_forged_or_unsigned_webhook_is_refused(bot, desk) -> None:
    payload = desk.resolved(101)
    for secret in ("", "wrong", WEBHOOK_SECRET[:-1]):
        assert webhook(bot, payload, secret=secret)[0] == 403
    assert webhook(bot, {"event": "conversation_resolved", "id": 999_999})[1]["status"] == "ignored"


def test_the_bridge_is_not_there_without_a_desk(running_bot) -> None:
    """`make run` on its defaults (the session's bot): no desk settings, so no bridge route at all."""
    status, _ = webhook(running_bot, {"event": "conversation_resolved", "id": 1})
    assert status == 404
    assert Path(running_bot.runtime / "credentials.yml").read_text().count("chatwoot") == 0
