"""The fixed socket.io channel, driven by a real python-socketio client against the real Sanic app.

The app is Rasa's own (``rasa.core.run.configure_app``) serving on a free local port; only the agent is a
stand-in, replying through the output channel it is given, so what the client receives went through the
channel's rooms exactly as in production. ``test_reply_reaches_the_session`` fails with Rasa's stock
``SocketIOInput`` (RasaHQ/rasa#13027); ``test_stock_channel_still_loses_replies`` tells us when an upgrade
makes the subclass unnecessary.
"""

import asyncio
import contextlib
import re
from typing import Any, AsyncIterator, Dict, List, Optional

import pytest
import pytest_asyncio
import socketio
from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import UserMessage
from rasa.core.run import configure_app
from sanic import Sanic

from bot.channels.socketio import MAX_MESSAGE_CHARS, SocketIOInput
from bot.servers import free_port

REPLY_TIMEOUT = 5.0
CARD = {"title": "Wereldwinkel Gent", "subtitle": "Gent", "text": "Help mee", "url": "https://example.org/a"}
CARDS = {"cards": [CARD]}
BUTTONS = [{"title": "Visie", "payload": "/ask_vision"}]


class ReplyingAgent:
    """Stands in for Rasa's agent: records each message and answers through its output channel."""

    def __init__(self) -> None:
        self.messages: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        output, recipient = message.output_channel, message.sender_id
        if message.text == "/buttons":
            await output.send_text_with_buttons(recipient, "Waarover?", BUTTONS)
        elif message.text == "/cards":
            await output.send_custom_json(recipient, dict(CARDS))
        else:
            await output.send_text_message(recipient, f"echo: {message.text}")


class ChatClient:
    """A browser-like socket.io client: asks for a session, then sends and receives messages."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sio = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue[Dict[str, Any]] = asyncio.Queue()
        self.confirmations: asyncio.Queue[str] = asyncio.Queue()
        self.sio.on("bot_uttered", self.inbox.put_nowait)
        self.sio.on("session_confirm", self.confirmations.put_nowait)

    async def start_session(self, session_id: Optional[str] = None) -> str:
        # Long-polling: engineio 4.15's websocket client needs a newer aiohttp than Rasa allows.
        await self.sio.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        await self.sio.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirmations.get(), REPLY_TIMEOUT)

    async def say(self, text: str, session_id: Optional[str], metadata: Any = None) -> None:
        await self.sio.emit("user_uttered", {"message": text, "session_id": session_id, "metadata": metadata})

    async def reply(self, timeout: float = REPLY_TIMEOUT) -> Dict[str, Any]:
        return await asyncio.wait_for(self.inbox.get(), timeout)


class Chat:
    """Rasa's Sanic app with one channel on a free port, its replying agent and the clients a test opens."""

    def __init__(self, url: str, agent: ReplyingAgent) -> None:
        self.url = url
        self.agent = agent
        self.clients: List[ChatClient] = []

    def client(self) -> ChatClient:
        client = ChatClient(self.url)
        self.clients.append(client)
        return client


@contextlib.asynccontextmanager
async def serve(channel: rasa_socketio.SocketIOInput) -> AsyncIterator[Chat]:
    Sanic.test_mode = True
    app = configure_app([channel], enable_api=False)
    chat = Chat("", ReplyingAgent())
    app.ctx.agent = chat.agent
    # A long-polling client's disconnect waits for its pending poll, which the server holds for
    # ping_interval + ping_timeout (25 s + 20 s by default): keep that short in tests.
    channel.sio.eio.ping_interval = channel.sio.eio.ping_timeout = 0.5
    port = free_port()
    chat.url = f"http://127.0.0.1:{port}"
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    await server.startup()
    try:
        yield chat
    finally:
        for client in chat.clients:
            await client.sio.disconnect()
        server.close()
        await server.wait_closed()


@pytest_asyncio.fixture
async def chat() -> AsyncIterator[Chat]:
    async with serve(SocketIOInput.from_credentials({"session_persistence": True})) as served:
        yield served


@pytest.mark.asyncio
async def test_reply_reaches_the_session(chat: Chat) -> None:
    client = chat.client()
    session_id = await client.start_session()

    await client.say("hallo", session_id, {"language": "en", "path": "/doe-mee"})

    assert await client.reply() == {"text": "echo: hallo"}
    [message] = chat.agent.messages
    assert message.sender_id == session_id
    assert message.input_channel == "socketio"
    assert message.metadata == {"language": "en", "path": "/doe-mee"}


@pytest.mark.asyncio
async def test_reload_resumes_the_conversation(chat: Chat) -> None:
    first = chat.client()
    session_id = await first.start_session()
    await first.say("eerste vraag", session_id)
    await first.reply()
    await first.sio.disconnect()

    reloaded = chat.client()
    assert await reloaded.start_session(session_id) == session_id
    await reloaded.say("nog een vraag", session_id)

    assert await reloaded.reply() == {"text": "echo: nog een vraag"}
    assert [m.sender_id for m in chat.agent.messages] == [session_id, session_id]


@pytest.mark.asyncio
async def test_replies_stay_in_their_own_session(chat: Chat) -> None:
    alice, bob = chat.client(), chat.client()
    alice_session = await alice.start_session()
    bob_session = await bob.start_session()
    assert alice_session != bob_session

    await alice.say("alleen voor mij", alice_session)

    assert await alice.reply() == {"text": "echo: alleen voor mij"}
    with pytest.raises(asyncio.TimeoutError):
        await bob.reply(timeout=0.5)


@pytest.mark.asyncio
async def test_buttons_and_cards_reach_the_widget(chat: Chat) -> None:
    client = chat.client()
    session_id = await client.start_session()

    await client.say("/buttons", session_id)
    buttons = await client.reply()
    await client.say("/cards", session_id)
    cards = await client.reply()

    assert buttons["text"] == "Waarover?"
    assert [(b["title"], b["payload"]) for b in buttons["quick_replies"]] == [("Visie", "/ask_vision")]
    assert cards == {"custom": CARDS}


@pytest.mark.asyncio
async def test_message_for_a_session_not_joined_is_refused(chat: Chat) -> None:
    victim, intruder = chat.client(), chat.client()
    victim_session = await victim.start_session()
    await intruder.start_session()

    await intruder.say("ik ben iemand anders", victim_session, {"language": "en"})
    refused_en = await intruder.reply()
    await intruder.say("zonder sessie", None)
    refused_nl = await intruder.reply()

    assert "reload" in refused_en["text"]
    assert "Herlaad" in refused_nl["text"]
    with pytest.raises(asyncio.TimeoutError):
        await victim.reply(timeout=0.5)
    assert chat.agent.messages == []


@pytest.mark.asyncio
async def test_bad_input_gets_a_polite_answer_or_is_tolerated(chat: Chat) -> None:
    client = chat.client()
    session_id = await client.start_session()

    await client.say("x" * (MAX_MESSAGE_CHARS + 1), session_id, {"language": "en"})
    too_long = await client.reply()
    await client.say("kapotte metadata", session_id, "{not json")
    tolerated = await client.reply()

    assert "too long" in too_long["text"]
    assert tolerated == {"text": "echo: kapotte metadata"}
    assert [(m.text, m.metadata) for m in chat.agent.messages] == [("kapotte metadata", {})]


@pytest.mark.asyncio
@pytest.mark.parametrize("requested", ["../../etc/passwd", "", 42, "a" * 65])
async def test_malformed_session_id_gets_a_fresh_one(chat: Chat, requested: Any) -> None:
    session_id = await chat.client().start_session(requested)

    assert session_id != requested
    assert re.fullmatch(r"[0-9a-f]{32}", session_id)


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
async def test_stock_channel_still_loses_replies() -> None:
    """Canary for RasaHQ/rasa#13027: when this fails, the upstream channel works and the subclass can go."""
    async with serve(rasa_socketio.SocketIOInput.from_credentials({"session_persistence": True})) as stock:
        client = stock.client()
        session_id = await client.start_session()

        await client.say("hallo", session_id)

        with pytest.raises(asyncio.TimeoutError):
            await client.reply(timeout=1.0)
        assert [m.text for m in stock.agent.messages] == ["hallo"]
