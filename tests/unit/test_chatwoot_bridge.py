"""The bridge to the team's Chatwoot desk: settings, what a webhook asks, the client against a Chatwoot-shaped
server on loopback, the link table (forget me, retention) and the bridge channel on Rasa's own Sanic app."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any, Dict, Iterator, List, Optional

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.run import configure_app
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, ConversationPaused, SlotSet, UserUttered
from sanic import Sanic
from sqlalchemy.engine import Engine

from bot.channels.chatwoot import ChatwootInput
from bot.paths import DOMAIN
from horizon.handoff import chatwoot
from horizon.handoff.chatwoot import (
    ChatwootClient,
    ChatwootUnavailable,
    Desk,
    Ignore,
    Opened,
    Relay,
    Resolve,
    desk_from_env,
    read_webhook,
)
from horizon.handoff.live import Chat, chat_for_conversation, chat_for_sender, end_chat, purge_chats, start_chat
from horizon.volunteers.models import utcnow
from horizon.volunteers.signups import conversation_hash, forget
from tests.support.chatwoot_stub import ACCOUNT_ID, INBOX_ID, WEBHOOK_SECRET, ChatwootStub


@pytest.fixture
def stub() -> Iterator[ChatwootStub]:
    with ChatwootStub() as running:
        yield running


def desk_of(stub: ChatwootStub) -> Desk:
    desk = desk_from_env(stub.settings())
    assert desk is not None
    return desk


# --- settings ------------------------------------------------------------------------------------------------


def test_a_desk_needs_every_setting_and_a_missing_one_is_named_not_a_value(stub, caplog) -> None:
    assert desk_from_env({}) is None  # nothing configured: the message path, silently
    settings = stub.settings()
    assert desk_of(stub).inbox_id == INBOX_ID
    with caplog.at_level(logging.WARNING):
        assert desk_from_env({**settings, chatwoot.BOT_TOKEN: ""}) is None
        assert desk_from_env({**settings, chatwoot.ACCOUNT_ID: "seven"}) is None
        assert desk_from_env({**settings, chatwoot.URL: "chatwoot.example"}) is None
    assert chatwoot.BOT_TOKEN in caplog.text
    assert stub.settings()[chatwoot.WEBHOOK_SECRET] not in caplog.text


# --- what a webhook asks ----------------------------------------------------------------------------------------


def test_an_agents_reply_is_relayed_and_a_resolve_resumes(stub) -> None:
    desk = desk_of(stub)
    assert read_webhook(stub.agent_reply(101, "  Dag, ik ben Anna. "), desk) == Relay(101, "Dag, ik ben Anna.")
    assert read_webhook(stub.resolved(101), desk) == Resolve(101)


@pytest.mark.parametrize(
    "changes",
    [
        {"message_type": "incoming", "sender": {"id": 1, "type": "contact"}},  # the person's own, posted by us
        {"sender": {"id": 2, "name": "Horizon", "type": "agent_bot"}},  # the bridge's own post: an echo
        {"private": True},  # a note between agents, never for the person
        {"content": "   "},
        {"inbox": {"id": INBOX_ID + 1}},
        {"account": {"id": ACCOUNT_ID + 1}},
        {"conversation": None},
        {"event": "conversation_opened"},
    ],
)
def test_everything_but_an_agents_reply_is_dropped(stub, changes) -> None:
    assert isinstance(read_webhook(stub.agent_reply(101, "hallo", **changes), desk_of(stub)), Ignore)


def test_a_resolve_of_another_inbox_is_dropped(stub) -> None:
    assert isinstance(read_webhook({**stub.resolved(101), "inbox_id": INBOX_ID + 1}, desk_of(stub)), Ignore)


# --- the client, against a Chatwoot-shaped server ---------------------------------------------------------------


async def test_a_hand_off_makes_a_contact_a_conversation_a_note_and_opens_it(stub) -> None:
    client = ChatwootClient(desk_of(stub))
    opened = await client.open_conversation("Horizon 1234abcd", "Bezoeker: hallo", {"language": "nl"})
    conversation = stub.conversations[opened.conversation_id]
    assert conversation.status == "open"
    assert conversation.notes == ["Bezoeker: hallo"]
    assert stub.contacts[opened.contact] == {"name": "Horizon 1234abcd"}
    await client.forward(opened, "is daar iemand?")
    assert conversation.incoming == ["is daar iemand?"]
    assert stub.errors == []


async def test_a_desk_that_fails_or_is_slow_raises_unavailable(stub) -> None:
    stub.fail_with = 503
    with pytest.raises(ChatwootUnavailable, match="503"):
        await ChatwootClient(desk_of(stub)).open_conversation("Horizon x", "t", {})
    stub.fail_with = None
    stub.delay_s = 1.0
    with pytest.raises(ChatwootUnavailable, match="TimeoutError"):
        await ChatwootClient(desk_of(stub), timeout_s=0.2).forward(Opened(101, "source-1"), "hallo")


async def test_a_wrong_token_is_refused_by_the_desk(stub) -> None:
    desk = desk_of(stub)
    wrong = Desk(desk.url, desk.account_id, desk.inbox_id, desk.inbox_identifier, "wrong", desk.webhook_secret)
    with pytest.raises(ChatwootUnavailable, match="401"):
        await ChatwootClient(wrong).open_conversation("Horizon x", "t", {})


# --- the link: stored, found, ended, forgotten, purged ------------------------------------------------------------

CHAT = Chat("session-abc123", "socketio", "nl", 101, "source-1")


def test_the_link_is_found_both_ways_and_ends_once(engine: Engine) -> None:
    start_chat(CHAT, conversation_hash(CHAT.sender_id))
    assert chat_for_sender(CHAT.sender_id) == CHAT
    assert chat_for_conversation(101) == CHAT
    assert end_chat(101) == CHAT
    assert end_chat(101) is None
    assert chat_for_sender(CHAT.sender_id) is None


def test_forget_me_and_retention_delete_the_link(engine: Engine) -> None:
    start_chat(CHAT, conversation_hash(CHAT.sender_id))
    forget(CHAT.sender_id)
    assert chat_for_conversation(101) is None
    start_chat(CHAT, conversation_hash(CHAT.sender_id), now=utcnow() - timedelta(days=400))
    assert purge_chats(365, dry_run=True) == 1
    assert purge_chats(400 - 1) == 1
    assert chat_for_sender(CHAT.sender_id) is None


# --- the bridge channel on Rasa's Sanic app -----------------------------------------------------------------------


class WidgetChannel(InputChannel):
    """Stands in for the socket.io channel: what it is asked to send, it collects."""

    def __init__(self) -> None:
        self.output = CollectingOutputChannel()

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> Optional[OutputChannel]:
        return self.output


class Processor:
    """The parts of Rasa's processor the bridge uses, on Rasa's own stores and response generator."""

    def __init__(self, domain: Domain) -> None:
        self.store = InMemoryTrackerStore(domain)
        self.nlg = TemplatedNaturalLanguageGenerator(domain.responses)

    async def get_tracker(self, sender_id: str) -> Any:
        return await self.store.get_or_create_tracker(sender_id)

    async def save_tracker(self, tracker: Any) -> None:
        await self.store.save(tracker)


class Agent:
    def __init__(self, domain: Domain) -> None:
        self.processor = Processor(domain)
        self.lock_store = InMemoryLockStore()


@pytest.fixture(scope="module")
def rasa_domain() -> Domain:
    return Domain.load(str(DOMAIN))


@pytest.fixture
def bridge(stub: ChatwootStub, engine: Engine, rasa_domain: Domain) -> Iterator[Dict[str, Any]]:
    Sanic.test_mode = True
    app = configure_app([ChatwootInput(desk_of(stub))], enable_api=False)
    widget = WidgetChannel()
    app.ctx.input_channels = [*app.ctx.input_channels, widget]
    app.ctx.agent = Agent(rasa_domain)
    yield {"app": app, "widget": widget, "agent": app.ctx.agent}


def post(app: Sanic, payload: Any, secret: Optional[str] = WEBHOOK_SECRET) -> Any:
    path = "/webhooks/chatwoot/webhook" + (f"?secret={secret}" if secret is not None else "")
    _, answer = app.test_client.post(path, json=payload)
    return answer


async def paused_conversation(agent: Agent, language: str = "nl") -> None:
    tracker = await agent.processor.get_tracker(CHAT.sender_id)
    for event in (SlotSet("language", language), UserUttered("kan ik iemand spreken?"), ConversationPaused()):
        tracker.update(event)
    await agent.processor.save_tracker(tracker)


def bot_texts(tracker: Any) -> List[str]:
    return [event.text for event in tracker.events if isinstance(event, BotUttered)]


@pytest.mark.parametrize("secret", [None, "", "wrong", WEBHOOK_SECRET + "x", WEBHOOK_SECRET.upper()])
def test_a_forged_or_unsigned_webhook_is_refused(bridge, stub, secret) -> None:
    start_chat(CHAT, conversation_hash(CHAT.sender_id))
    answer = post(bridge["app"], stub.agent_reply(101, "klik op deze link"), secret=secret)
    assert answer.status == 403
    assert bridge["widget"].output.messages == []


def test_without_a_desk_the_route_answers_not_found(engine) -> None:
    Sanic.test_mode = True
    app = configure_app([ChatwootInput.from_credentials({"url": "http://127.0.0.1:1"})], enable_api=False)
    assert post(app, {"event": "message_created"}).status == 404


def test_a_body_that_is_not_an_object_is_a_bad_request(bridge) -> None:
    _, answer = bridge["app"].test_client.post(
        f"/webhooks/chatwoot/webhook?secret={WEBHOOK_SECRET}", data="[1, 2]", headers={"content-type": "text/plain"}
    )
    assert answer.status == 400


def test_an_agents_reply_reaches_the_person_and_is_recorded(bridge, stub) -> None:
    start_chat(CHAT, conversation_hash(CHAT.sender_id))
    asyncio.run(paused_conversation(bridge["agent"]))
    answer = post(bridge["app"], stub.agent_reply(101, "Dag, ik ben Anna van 11.11.11."))
    assert (answer.status, answer.json["status"]) == (200, "relayed")
    reply = {"recipient_id": CHAT.sender_id, "text": "Dag, ik ben Anna van 11.11.11."}
    assert bridge["widget"].output.messages == [reply]
    tracker = asyncio.run(bridge["agent"].processor.get_tracker(CHAT.sender_id))
    assert bot_texts(tracker)[-1] == "Dag, ik ben Anna van 11.11.11."
    assert tracker.is_paused()  # the assistant still keeps quiet


def test_echoes_and_unlinked_conversations_are_ignored(bridge, stub) -> None:
    start_chat(CHAT, conversation_hash(CHAT.sender_id))
    echo = stub.agent_reply(101, "Bezoeker: ...", private=True, sender={"id": 2, "type": "agent_bot"})
    assert post(bridge["app"], echo).json["status"] == "ignored"
    assert post(bridge["app"], stub.agent_reply(999, "hallo")).json == {"status": "ignored", "reason": "not handed off"}
    assert bridge["widget"].output.messages == []


@pytest.mark.parametrize(
    "language, back", [("nl", "Het team heeft dit gesprek afgerond"), ("en", "The team has finished this conversation")]
)
def test_resolving_resumes_the_assistant_in_the_persons_language(bridge, stub, language, back) -> None:
    start_chat(CHAT, conversation_hash(CHAT.sender_id))
    asyncio.run(paused_conversation(bridge["agent"], language))
    answer = post(bridge["app"], stub.resolved(101))
    assert (answer.status, answer.json["status"]) == (200, "resumed")
    tracker = asyncio.run(bridge["agent"].processor.get_tracker(CHAT.sender_id))
    assert not tracker.is_paused()
    assert tracker.latest_action_name == "action_listen"  # the next message is answered as usual
    assert bot_texts(tracker)[-1].startswith(back)
    assert bridge["widget"].output.messages[-1]["text"].startswith(back)
    assert chat_for_conversation(101) is None
    assert post(bridge["app"], stub.resolved(101)).json["status"] == "ignored"  # no longer handed off
    assert post(bridge["app"], stub.agent_reply(101, "nog iets")).json["status"] == "ignored"
