"""No personal data in any log line of either server during a full sign-up over REST.

Its own pair of servers, logging to files with the libraries at INFO (so that Sanic's access log, which
prints every URL, would show up), a conversation whose id is a phone number (as on WhatsApp), a phone
number typed in a message, then the Dutch sign-up with a planted name and email address, a read of the
tracker through the HTTP API and "vergeet mij". Then every log line is searched for the planted values.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Dict

import pytest

from bot.paths import MODEL
from bot.servers import Servers, free_port, seed_sample_data
from tests.e2e.test_volunteer_conversation import texts
from tests.support.rest import Conversation

NAME = "Griet Zwartenbroek"


@pytest.fixture(scope="module")
def logged_bot(tmp_path_factory: pytest.TempPathFactory, e2e_env: Dict[str, str]):
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    runtime = tmp_path_factory.mktemp("pii-runtime")
    env = dict(e2e_env, LOG_LEVEL_LIBRARIES="INFO", DATABASE_URL=f"sqlite:///{runtime / 'horizon.db'}")
    servers = Servers(
        runtime=runtime, port=free_port(), actions_port=free_port(), env=env, logs=runtime / "logs", token="pii-token"
    )

    seed_sample_data(env)
    servers.start()
    try:
        yield servers
    finally:
        servers.stop()


def test_no_planted_value_reaches_a_log_line(logged_bot: Servers) -> None:
    digits = str(uuid.uuid4().int)[:7]
    conversation_phone = f"+32478{digits}"  # a WhatsApp-style conversation id
    typed_phone = f"0470 {digits[:2]} {digits[2:4]} {digits[4:6]}"
    email = f"griet.{uuid.uuid4().hex[:8]}@telenet.be"
    chat = Conversation(logged_bot)
    chat.sender = conversation_phone

    chat.say(f"hallo, je kan me bellen op {typed_phone}")
    assert "Hoe heet je?" in texts(chat.say("ik wil vrijwilliger worden"))
    assert "e-mailadres" in texts(chat.say(NAME))
    assert "gemeente" in texts(chat.say(email))
    chat.say("Kortrijk")
    chat.say('/inform{"volunteer_activity": "campaign"}')
    chat.say("ja, dat mag")
    assert "ingeschreven" in texts(chat.say("/affirm"))
    assert chat.tracker()["sender_id"] == conversation_phone  # the API's URL holds the phone number
    chat.say("vergeet mij")
    chat.say("x" * 2000)  # a refusal path too

    logs = {path.name: path.read_text(errors="replace") for path in sorted((logged_bot.logs or Path()).glob("*.log"))}
    assert set(logs) == {"actions.log", "rasa.log"} and all(logs.values())
    planted = [
        NAME,
        "Zwartenbroek",
        email,
        email.split("@")[0],
        conversation_phone,
        conversation_phone[1:],
        typed_phone,
        typed_phone.replace(" ", ""),
        "pii-token",
    ]
    for name, text in logs.items():
        for value in planted:
            assert value.lower() not in text.lower(), f"{value!r} in {name}"
