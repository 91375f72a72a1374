"""The public webhooks' limits (bot/channels/limits.py) and the REST channel that applies them.

The REST channel runs in Rasa's own Sanic app (`configure_app`), over Sanic's test client; only the agent
is a stand-in that echoes through the output channel it is given.
"""

from __future__ import annotations

import json
import re
from typing import Any, Dict, List, Optional

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.run import configure_app
from sanic import Sanic

from bot.channels import limits
from bot.channels.limits import (
    ADDRESS_RATE,
    MAX_BODY_BYTES,
    MAX_MESSAGE_CHARS,
    MAX_SENDER_CHARS,
    SENDER_RATE,
    MessageGuard,
    clean_text,
    refusal,
    valid_sender,
)
from bot.channels.memory import Rate, RateLimiter
from bot.channels.rest import RestInput

URL = "/webhooks/rest/webhook"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---------------------------------------------------------------- the token buckets


def test_a_bucket_allows_its_burst_then_says_how_long_to_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(Rate(burst=3, per_minute=60), clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a") == pytest.approx(1.0)
    assert limiter.take("b") == 0.0  # another client has its own bucket
    clock.now += 1.0
    assert limiter.take("a") == 0.0


def test_the_buckets_are_bounded() -> None:
    limiter = RateLimiter(Rate(burst=1, per_minute=1), max_keys=100, clock=Clock())
    for number in range(1000):
        limiter.take(str(number))
    assert len(limiter._buckets) == 100


def conversation_times(messages: int, seconds: float, start: float = 0.0) -> List[float]:
    return [start + seconds * index / (messages - 1) for index in range(messages)]


@pytest.mark.parametrize("seconds", [60.0, 20.0, 5.0])
async def test_a_fast_conversation_is_never_limited(seconds: float) -> None:
    """30 messages from one person in a minute (and faster: 20 s, 5 s of button clicks)."""
    clock = Clock()
    guard = MessageGuard(clock=clock)
    start = clock.now
    for when in conversation_times(30, seconds):
        clock.now = start + when
        assert await guard.address_wait("10.0.0.1") == 0.0
        assert await guard.sender_wait("alice") == 0.0


async def test_ten_people_behind_one_address_are_never_limited() -> None:
    """An office behind one NAT address: 10 people, 30 messages each, all in the same minute."""
    clock = Clock()
    guard = MessageGuard(clock=clock)
    start = clock.now
    events = sorted(
        (when + person * 0.7, f"person-{person}") for person in range(10) for when in conversation_times(30, 55)
    )
    for when, person in events:
        clock.now = start + when
        assert await guard.address_wait("10.0.0.1") == 0.0, person
        assert await guard.sender_wait(person) == 0.0, person


async def test_a_flood_is_limited() -> None:
    clock = Clock()
    guard = MessageGuard(clock=clock)
    assert [await guard.sender_wait("bot") for _ in range(SENDER_RATE.burst)] == [0.0] * SENDER_RATE.burst
    assert await guard.sender_wait("bot") > 0
    assert [await guard.address_wait("10.0.0.2") for _ in range(ADDRESS_RATE.burst)] == [0.0] * ADDRESS_RATE.burst
    assert await guard.address_wait("10.0.0.2") > 0


async def test_loopback_has_no_address_bucket() -> None:
    """A local reverse proxy that does not pass on the client's address must not make all users share one."""
    guard = MessageGuard(clock=Clock())
    assert [await guard.address_wait("127.0.0.1") for _ in range(ADDRESS_RATE.burst * 2)] == [0.0] * 600
    assert [await guard.address_wait("::1") for _ in range(ADDRESS_RATE.burst * 2)] == [0.0] * 600


# ---------------------------------------------------------------- text and senders


def test_control_characters_and_lone_surrogates_are_stripped_other_planes_kept() -> None:
    assert clean_text("  ha\x00l\x1blo\x7f\r \ud800") == "hallo"
    assert clean_text("regel 1\nregel\t2") == "regel 1\nregel\t2"
    every_plane = "é€𝄞😀𠀀\U00030000\U000e0100\U000f0000"
    assert clean_text(every_plane) == every_plane
    assert clean_text("<script>alert(1)</script>") == "<script>alert(1)</script>"  # text, shown as text


@pytest.mark.parametrize("sender", ["e2e-1", "+32470123456", "Ünïcødé 😀", "a" * MAX_SENDER_CHARS])
def test_valid_senders(sender: str) -> None:
    assert valid_sender(sender)


@pytest.mark.parametrize("sender", [None, 42, ["a"], "", " a", "a\nb", "a\x00", "a" * (MAX_SENDER_CHARS + 1)])
def test_invalid_senders(sender: Any) -> None:
    assert not valid_sender(sender)


def test_the_refusals_come_from_the_domain_in_both_languages() -> None:
    for name in (limits.TOO_LONG, limits.EMPTY, limits.SLOW_DOWN):
        dutch, english = refusal(name, "nl"), refusal(name, "en")
        assert dutch["text"] != english["text"] and dutch["buttons"] and english["buttons"]
        assert refusal(name, "fr") == dutch
    assert str(MAX_MESSAGE_CHARS) in refusal(limits.TOO_LONG, "nl")["text"]
    assert str(MAX_MESSAGE_CHARS) in refusal(limits.TOO_LONG, "en")["text"]


# ---------------------------------------------------------------- the REST channel


class Tracker:
    def __init__(self, language: str) -> None:
        self.language = language

    def get_slot(self, name: str) -> Optional[str]:
        return self.language if name == "language" else None


class Store:
    def __init__(self) -> None:
        self.languages: Dict[str, str] = {}

    async def retrieve(self, sender_id: str) -> Optional[Tracker]:
        found = self.languages.get(sender_id)
        return Tracker(found) if found else None


class EchoAgent:
    def __init__(self) -> None:
        self.messages: List[UserMessage] = []
        self.tracker_store = Store()

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")


@pytest.fixture
def rest() -> Sanic:
    Sanic.test_mode = True
    app = configure_app([RestInput()], enable_api=False)
    app.ctx.agent = EchoAgent()
    return app


def send(app: Sanic, body: Any, raw: Optional[bytes] = None):
    content = raw if raw is not None else json.dumps(body).encode()
    _, answer = app.test_client.post(URL, content=content, headers={"Content-Type": "application/json"})
    return answer


def test_a_message_reaches_the_assistant(rest: Sanic) -> None:
    answer = send(rest, {"sender": "s1", "message": "hallo", "metadata": {"language": "en"}})
    assert answer.status == 200 and answer.json == [{"recipient_id": "s1", "text": "echo: hallo"}]
    [message] = rest.ctx.agent.messages
    assert (message.sender_id, message.input_channel, message.metadata) == ("s1", "rest", {"language": "en"})


def test_a_client_cannot_claim_another_channel(rest: Sanic) -> None:
    send(rest, {"sender": "s1", "message": "hallo", "input_channel": "twilio"})
    assert rest.ctx.agent.messages[0].input_channel == "rest"


@pytest.mark.parametrize(
    "raw",
    [
        b"[1, 2, 3]",
        b"{not json",
        b'"hallo"',
        b"null",
        b"\xff\xfe",
        b"",
        b'{"message": "hallo"}',
        b'{"sender": "s", "message": 42}',
        b'{"sender": 42, "message": "hallo"}',
        b'{"sender": "s"}',
        b'{"sender": "s", "message": "hallo", "metadata": "x"}',
        b'{"sender": "' + b"a" * (MAX_SENDER_CHARS + 1) + b'", "message": "hallo"}',
    ],
)
def test_malformed_calls_get_400_and_reach_nobody(rest: Sanic, raw: bytes) -> None:
    answer = send(rest, None, raw=raw)
    assert answer.status == 400
    assert rest.ctx.agent.messages == []


def test_html_is_never_echoed_in_an_error(rest: Sanic) -> None:
    answer = send(rest, {"sender": "<script>alert(1)</script>" * 10, "message": "x"})
    assert answer.status == 400 and "<script>" not in answer.text


def test_a_body_over_the_limit_gets_413(rest: Sanic) -> None:
    answer = send(rest, {"sender": "s", "message": "x" * (MAX_BODY_BYTES + 1)})
    assert answer.status == 413
    assert send(rest, None, raw=b"x" * 1_000_000).status == 413
    assert rest.ctx.agent.messages == []


def test_control_characters_are_stripped_before_the_assistant(rest: Sanic) -> None:
    send(rest, {"sender": "s", "message": "hal\x00lo\x1b[31m"})
    assert rest.ctx.agent.messages[0].text == "hallo[31m"


@pytest.mark.parametrize(
    "metadata, text, language",
    [
        ({"language": "en"}, "x" * (MAX_MESSAGE_CHARS + 1), "en"),
        (None, "This is a very long English sentence about the weather. " * 30, "en"),
        (None, "Dit is een heel lange Nederlandse zin over het weer en de wereld. " * 30, "nl"),
        (None, "x" * (MAX_MESSAGE_CHARS + 1), "nl"),
    ],
)
def test_a_too_long_message_gets_a_polite_answer_in_the_person_s_language(
    rest: Sanic, metadata: Any, text: str, language: str
) -> None:
    answer = send(rest, {"sender": "s", "message": text, "metadata": metadata})
    assert answer.status == 200
    assert answer.json[0]["text"] == refusal(limits.TOO_LONG, language)["text"]
    assert answer.json[0]["buttons"]
    assert rest.ctx.agent.messages == []


def test_the_conversation_s_language_slot_decides_first(rest: Sanic) -> None:
    rest.ctx.agent.tracker_store.languages["known"] = "en"
    answer = send(rest, {"sender": "known", "message": "Dit is een lange Nederlandse zin. " * 40})
    assert answer.json[0]["text"] == refusal(limits.TOO_LONG, "en")["text"]


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "\x00\x01"])
def test_an_empty_message_gets_a_polite_answer(rest: Sanic, text: str) -> None:
    answer = send(rest, {"sender": "s", "message": text})
    assert answer.status == 200 and answer.json[0]["text"] == refusal(limits.EMPTY, "nl")["text"]
    assert rest.ctx.agent.messages == []


def test_a_flood_from_one_sender_gets_429_with_retry_after() -> None:
    Sanic.test_mode = True
    rest = configure_app([RestInput(MessageGuard(clock=Clock()))], enable_api=False)  # time stands still
    rest.ctx.agent = EchoAgent()
    answers = [send(rest, {"sender": "flood", "message": "hallo"}) for _ in range(SENDER_RATE.burst + 1)]
    assert [a.status for a in answers[:-1]] == [200] * SENDER_RATE.burst
    assert answers[-1].status == 429 and int(answers[-1].headers["Retry-After"]) >= 1
    assert send(rest, {"sender": "someone-else", "message": "hallo"}).status == 200


def test_the_health_route_still_answers(rest: Sanic) -> None:
    _, answer = rest.test_client.get("/webhooks/rest/")
    assert answer.status == 200 and re.search("ok", answer.text)
