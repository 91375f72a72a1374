"""The real servers with `EVENT_BROKER_URL` set (cluster mode's event broker), RabbitMQ unreachable at first.

The Rasa server starts and answers while RabbitMQ cannot be reached (a loopback proxy in front of the
machine's RabbitMQ that does not listen yet); once it can, every event the tracker store holds for the
conversation reaches the durable queue once, and none of the personal data typed in the conversation
(name, e-mail address, phone number, street address, a phone-number sender id) is in any message.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from bot.paths import MODEL
from bot.servers import Servers, free_port, isolated_env, seed_sample_data
from tests.e2e.test_volunteer_conversation import dutch_sign_up, texts
from tests.rabbitmq import Proxy, fresh_queue, peek_queue, read_queue
from tests.support.rest import Conversation

SENDER = "+32470998877"


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    cut = Proxy()  # RabbitMQ unreachable until restore()
    yield cut
    cut.stop()


def events_stored(runtime: Path, sender: str) -> List[Dict[str, Any]]:
    with sqlite3.connect(runtime / "tracker.db") as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [json.loads(data) for (data,) in rows]


def test_the_bot_answers_without_rabbitmq_and_its_masked_events_follow(tmp_path: Path, proxy: Proxy) -> None:
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    with fresh_queue() as queue:
        runtime = tmp_path / "runtime"
        env = isolated_env(
            runtime,
            EVENT_BROKER_URL=proxy.url,
            EVENT_BROKER_QUEUE=queue.queue,
            EVENT_BROKER_EXCHANGE=queue.exchange,
            EVENT_BROKER_PSEUDONYM_KEY=uuid.uuid4().hex,
        )
        seed_sample_data(env)
        servers = Servers(runtime=runtime, port=free_port(), actions_port=free_port(), env=env, logs=runtime / "logs")
        servers.start()
        try:
            chat = Conversation(servers)
            chat.sender = SENDER
            email = f"griet.{uuid.uuid4().hex[:6]}@telenet.be"
            dutch_sign_up(chat.say, email)
            question = texts(chat.say("ik woon in de Kerkstraat 12, bel me op 0470 12 34 56: waar kan ik helpen?"))
            assert question  # answered, whatever the answer
            assert peek_queue(queue) == []  # nothing reached RabbitMQ: it was not there

            proxy.restore()
            stored = events_stored(runtime, SENDER)
            deadline = time.monotonic() + 60
            while len(peek_queue(queue)) < len(stored) and time.monotonic() < deadline:
                time.sleep(1)
            bodies = read_queue(queue)
        finally:
            servers.stop()
    published = [json.loads(body) for body in bodies]
    assert [(e["event"], e["timestamp"]) for e in published] == [(e["event"], e["timestamp"]) for e in stored]
    assert len({e["event_id"] for e in published}) == len(published) > 50
    text = b"\n".join(bodies).decode()
    raw = json.dumps(stored)
    for value in ("Jan", "Peeters", email, "Kerkstraat", "0470 12 34 56", SENDER, SENDER[1:]):
        assert value in raw or value in (SENDER, SENDER[1:])  # the tracker store has them (the test looks)
        assert value not in text, value
    assert any(e["event"] == "user" and e["text"] == "[redacted]" for e in published)  # the form's answers
    assert any(e["event"] == "user" and "[address]" in (e["text"] or "") for e in published)
