"""Hostile input against the real servers (bot.servers, as `make run` starts them): the REST webhook, the
widget's socket.io channel and the action server each answer with a 4xx or a safe reply, and keep serving.
The messaging platforms' webhooks get the same cases in tests/unit/test_channels.py (with valid signatures).

Also the other side of the limits: a fast but normal conversation is never limited.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import pytest
import socketio

from bot.channels import limits
from bot.channels.limits import MAX_MESSAGE_CHARS, SENDER_RATE
from tests.support.http import Answer, send
from tests.support.rest import Conversation

# One character from every Unicode plane that has any (0, 1, 2, 3, 14, 15, 16), and a lone surrogate.
EVERY_PLANE = "é\u20ac\U0001d11e\U0001f600\U00020000\U00030000\U000e0100\U000f0000\U00100000"
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'

HOSTILE_BODIES: Dict[str, bytes] = {
    "array": b"[1, 2, 3]",
    "not json": b"{not json",
    "json string": b'"hallo"',
    "null": b"null",
    "not utf-8": b"\xff\xfe\xfa",
    "empty body": b"",
    "missing sender": b'{"message": "hallo"}',
    "missing message": b'{"sender": "x1"}',
    "message not a string": b'{"sender": "x1", "message": ["hallo"]}',
    "sender not a string": b'{"sender": {"id": 1}, "message": "hallo"}',
    "metadata not an object": b'{"sender": "x1", "message": "hallo", "metadata": [1]}',
    "sender too long": json.dumps({"sender": "x" * 1000, "message": "hallo"}).encode(),
    "1 MB body": json.dumps({"sender": "x1", "message": "x" * 1_000_000}).encode(),
    "deep nesting": b'{"sender": "x1", "message": "hallo", "metadata": ' + b"[" * 5000 + b"]" * 5000 + b"}",
}

HOSTILE_MESSAGES = {
    "empty": "",
    "whitespace": " \n\t ",
    "control characters": "hal\x00lo\x1b[2J\x07\x7f",
    "every plane": EVERY_PLANE,
    "lone surrogate": "hallo \ud800",
    "html and script": SCRIPT,
    "too long": "x" * (MAX_MESSAGE_CHARS + 1),
    "rasa intent injection": '/inform{"volunteer_email": "x@example.org"}',
}


def webhook(bot) -> str:
    return f"{bot.url}/webhooks/rest/webhook"


def still_serving(bot) -> None:
    assert send(f"{bot.url}/", None, method="GET").status == 200
    assert Conversation(bot).say("hallo")


@pytest.mark.parametrize("case", HOSTILE_BODIES)
def test_rest_webhook_refuses_malformed_calls_with_a_4xx(running_bot, case: str) -> None:
    answer = send(webhook(running_bot), HOSTILE_BODIES[case])
    assert 400 <= answer.status < 500, (case, answer.status)
    if case == "1 MB body":
        assert answer.status == 413
    assert b"<script" not in answer.body and b"hallo" not in answer.body  # no reflection


@pytest.mark.parametrize("case", HOSTILE_MESSAGES)
def test_rest_webhook_answers_hostile_messages_safely(running_bot, case: str) -> None:
    sender = f"hostile-{uuid.uuid4().hex[:8]}"
    answer = send(webhook(running_bot), json.dumps({"sender": sender, "message": HOSTILE_MESSAGES[case]}).encode())
    assert answer.status == 200, (case, answer.status, answer.body[:200])
    assert answer.headers.get("Content-Type", "").startswith("application/json")  # never rendered as HTML
    replies = answer.json()
    assert isinstance(replies, list)
    if case in ("empty", "whitespace"):
        assert replies[0]["text"] == limits.refusal(limits.EMPTY, "nl")["text"]
    if case == "too long":
        assert replies[0]["text"] == limits.refusal(limits.TOO_LONG, "nl")["text"]


def test_the_servers_keep_serving_after_the_hostile_calls(running_bot) -> None:
    for body in HOSTILE_BODIES.values():
        send(webhook(running_bot), body)
    still_serving(running_bot)


def test_an_english_conversation_is_told_in_english_that_a_message_is_too_long(running_bot) -> None:
    chat = Conversation(running_bot)
    chat.say("What is the mission of 11.11.11?")
    assert chat.tracker()["slots"]["language"] == "en"
    reply = chat.say("x " * MAX_MESSAGE_CHARS)
    assert reply[0]["text"] == limits.refusal(limits.TOO_LONG, "en")["text"]


def test_control_characters_never_reach_the_conversation(running_bot) -> None:
    chat = Conversation(running_bot)
    chat.say("wat is jullie \x00visie?\x1b")
    texts = [e.get("text") for e in chat.tracker()["events"] if e["event"] == "user"]
    assert texts == ["wat is jullie visie?"]


# ---------------------------------------------------------------- a normal conversation is never limited

MESSAGES = ["hallo", "wat is jullie visie?", "vertel me meer", "wat zijn jullie waarden?", "bedankt"]


def talk(bot, messages: int) -> List[int]:
    sender = f"fast-{uuid.uuid4().hex[:8]}"
    statuses = []
    for number in range(messages):
        body = {"sender": sender, "message": MESSAGES[number % len(MESSAGES)]}
        statuses.append(send(webhook(bot), json.dumps(body).encode()).status)
    return statuses


def test_one_person_typing_as_fast_as_the_server_answers_is_never_limited(running_bot, capsys) -> None:
    start = time.monotonic()
    statuses = talk(running_bot, 30)
    elapsed = time.monotonic() - start
    assert statuses == [200] * 30
    with capsys.disabled():
        print(f"\n30 messages from one person in {elapsed:.1f} s ({30 / elapsed * 60:.0f} a minute): no 429")


def test_ten_people_behind_one_address_are_never_limited(running_bot, capsys) -> None:
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(lambda _: talk(running_bot, 10), range(10)))
    elapsed = time.monotonic() - start
    assert all(statuses == [200] * 10 for statuses in results)
    with capsys.disabled():
        print(f"\n10 people x 10 messages at once in {elapsed:.1f} s: no 429")


def test_a_flood_from_one_sender_gets_429_with_retry_after(running_bot) -> None:
    sender = f"flood-{uuid.uuid4().hex[:8]}"
    statuses: List[Answer] = []
    for _ in range(SENDER_RATE.burst + 5):
        # empty messages: answered by the channel itself, so the flood is fast and costs the assistant nothing
        statuses.append(send(webhook(running_bot), json.dumps({"sender": sender, "message": ""}).encode()))
    limited = [a for a in statuses if a.status == 429]
    assert limited and int(limited[0].headers["Retry-After"]) >= 1
    assert Conversation(running_bot).say("hallo")  # others are served


# ---------------------------------------------------------------- the widget's socket.io channel


async def socket_session(url: str, **connect: Any):
    client = socketio.AsyncClient(reconnection=False)
    inbox: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", inbox.put_nowait)
    client.on("session_confirm", confirmed.put_nowait)
    await client.connect(url, socketio_path="/socket.io", transports=["polling"], **connect)
    await client.emit("session_request", {"session_id": None})
    session_id = await asyncio.wait_for(confirmed.get(), 20)
    return client, inbox, session_id


async def drain(inbox: asyncio.Queue, quiet: float = 1.5) -> List[Dict[str, Any]]:
    received = []
    try:
        while True:
            received.append(await asyncio.wait_for(inbox.get(), quiet))
    except asyncio.TimeoutError:
        return received


def test_socketio_answers_hostile_input_safely_and_keeps_serving(running_bot) -> None:
    async def scenario() -> None:
        client, inbox, session_id = await socket_session(running_bot.url)
        try:
            for data in [None, "hallo", 42, [1], {"message": 42}, {"session_id": session_id}]:
                await client.emit("user_uttered", data)  # ignored: not a message
            for text in HOSTILE_MESSAGES.values():
                await client.emit("user_uttered", {"message": text, "session_id": session_id})
            replies = await drain(inbox, quiet=5)
            texts = [reply.get("text", "") for reply in replies]
            assert limits.refusal(limits.EMPTY, "nl")["text"] in texts
            assert any(text.startswith(limits.refusal(limits.TOO_LONG, "nl")["text"][:20]) for text in texts)
            await client.emit("user_uttered", {"message": "wat is jullie visie?", "session_id": session_id})
            answers = [(await asyncio.wait_for(inbox.get(), 30)).get("text", "") for _ in range(1)]
            while not any("mondiale rechtvaardigheid" in text for text in answers):  # late replies may come first
                answers.append((await asyncio.wait_for(inbox.get(), 30)).get("text", ""))
        finally:
            await client.disconnect()

    asyncio.run(scenario())
    still_serving(running_bot)


def test_socketio_refuses_a_page_from_another_origin(running_bot) -> None:
    async def connect(origin: str) -> bool:
        client = socketio.AsyncClient(reconnection=False)
        try:
            await client.connect(
                running_bot.url, socketio_path="/socket.io", transports=["polling"], headers={"Origin": origin}
            )
        except socketio.exceptions.ConnectionError:
            return False
        await client.disconnect()
        return True

    assert asyncio.run(connect("https://evil.example")) is False
    assert asyncio.run(connect(f"http://localhost:{running_bot.port}")) is True


def test_the_api_allows_the_configured_origins_only(running_bot) -> None:
    allowed = send(f"{running_bot.url}/", None, {"Origin": f"http://localhost:{running_bot.port}"}, method="GET")
    refused = send(f"{running_bot.url}/", None, {"Origin": "https://evil.example"}, method="GET")
    assert allowed.headers.get("Access-Control-Allow-Origin") == f"http://localhost:{running_bot.port}"
    assert "Access-Control-Allow-Origin" not in refused.headers


# ---------------------------------------------------------------- the action server


def action_call(bot, body: bytes, secret: bool = True) -> Answer:
    headers = {"X-Horizon-Action-Token": bot.action_token} if secret else {}
    return send(f"{bot.actions_url}/webhook", body, headers)


def test_the_action_server_refuses_callers_without_the_secret(running_bot) -> None:
    call = {"next_action": "action_session_start", "tracker": {"sender_id": "x", "events": []}}
    assert action_call(running_bot, json.dumps(call).encode(), secret=False).status == 403
    assert send(f"{running_bot.actions_url}/actions", None, method="GET").status == 403


@pytest.mark.parametrize("case", HOSTILE_BODIES)
def test_the_action_server_refuses_malformed_calls_with_a_4xx(running_bot, case: str) -> None:
    answer = action_call(running_bot, HOSTILE_BODIES[case])
    assert 400 <= answer.status < 500, (case, answer.status)
    assert b"hallo" not in answer.body


def test_the_action_server_keeps_serving(running_bot) -> None:
    for body in HOSTILE_BODIES.values():
        action_call(running_bot, body)
    assert send(f"{running_bot.actions_url}/health", None, method="GET").status == 200
    chat = Conversation(running_bot)
    assert "mondiale rechtvaardigheid" in chat.text("wat is jullie visie?")
