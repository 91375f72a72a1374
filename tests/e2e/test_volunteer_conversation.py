"""A volunteer signs up, asks a question half-way, corrects a field and is forgotten: through the real Rasa
server, the real action server and the real database (the session's own temporary ``DATABASE_URL``)."""

from __future__ import annotations

import uuid
from typing import Any, Callable, List

from tests.support.rest import Conversation
from tests.support.signups import stored

Say = Callable[[str], List[Any]]


def texts(messages: List[Any]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def dutch_sign_up(say: Say, email: str) -> None:
    """The Dutch conversation; ``say`` sends one message and returns the bot's messages."""
    assert "Hoe heet je?" in texts(say("ik wil vrijwilliger worden"))
    assert "e-mailadres" in texts(say("Jan Peeters"))
    mission = texts(say("wat is jullie missie?"))
    assert "e-mailadres" in mission.splitlines()[-1]  # the question is answered, then the form asks again
    assert "klopt niet helemaal" in texts(say("jan.peeters@"))
    assert "gemeente" in texts(say(email))
    assert "Bedoel je Kortrijk?" in texts(say("Kotrijk"))
    assert "liefst doen" in texts(say("/affirm"))
    consent = say('/inform{"volunteer_activity": "campaign"}')
    assert "Privacy in één zin" in texts(consent)
    summary = texts(say("ja, dat mag"))
    assert "- Gemeente: Kortrijk" in summary and f"- E-mail: {email}" in summary
    assert "Bedankt, je bent ingeschreven!" in texts(say("/affirm"))


def english_stop(say: Say) -> None:
    assert "What is your name?" in texts(say("I'd like to volunteer"))
    assert "email address" in texts(say("Sarah Janssens"))
    assert "stopped the sign-up and stored nothing" in texts(say("stop"))


def test_a_dutch_volunteer_signs_up_and_is_forgotten(running_bot: Any) -> None:
    chat = Conversation(running_bot)
    email = f"e2e-{uuid.uuid4().hex[:8]}@telenet.be"
    dutch_sign_up(chat.say, email)
    assert stored(email) == 1
    assert all(chat.tracker()["slots"].get(s) is None for s in ("volunteer_name", "volunteer_email"))
    assert "ja/nee" in chat.text("vergeet mij")
    assert "inschrijving verwijderd" in chat.text("ja")
    assert stored(email) == 0


def test_an_english_volunteer_stops_half_way(running_bot: Any) -> None:
    english_stop(Conversation(running_bot).say)
