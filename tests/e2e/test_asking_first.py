"""Nothing is erased without asking, and a question is no request (issue 16): through the real Rasa server,
the real action server and the real database, in Dutch and English."""

from __future__ import annotations

import uuid
from typing import Any, List

from sqlalchemy import func, select

from horizon.db import make_engine, session_scope
from horizon.volunteers.models import DELIVERED, Notification, Signup
from tests.e2e.test_volunteer_conversation import dutch_sign_up, stored, texts
from tests.support.rest import Conversation


def names(chat: Conversation) -> List[str]:
    """The actions that ran in the conversation."""
    return [e.get("name") for e in chat.tracker()["events"] if e.get("event") == "action"]


def undelivered(email: str) -> int:
    engine = make_engine()
    try:
        with session_scope(engine) as session:
            return session.execute(
                select(func.count())
                .select_from(Notification)
                .join(Signup, Signup.id == Notification.signup_id)
                .where(Signup.email_key == email.lower(), Notification.status != DELIVERED)
            ).scalar_one()
    finally:
        engine.dispose()


def test_dutch_forget_me_asks_and_a_no_keeps_everything(running_bot: Any) -> None:
    chat = Conversation(running_bot)
    email = f"e2e-{uuid.uuid4().hex[:8]}@telenet.be"
    dutch_sign_up(chat.say, email)
    assert "Wil je dat ik je inschrijving en dit gesprek wis? ja/nee" in chat.text("vergeet mij")
    assert "ik heb niets gewist" in chat.text("nee")
    assert stored(email) == 1 and "action_forget_me" not in names(chat)
    assert "ja/nee" in chat.text("wis mijn gegevens")
    assert "ik heb niets gewist" in chat.text("wat is jullie visie?")  # anything but yes cancels
    assert stored(email) == 1


def test_english_forget_me_asks_and_yes_erases(running_bot: Any) -> None:
    chat = Conversation(running_bot)
    chat.text("hello, what is your mission?")
    assert "Do you want me to erase your sign-up and this conversation? yes/no" in chat.text("please forget me")
    assert "erased nothing" in chat.text("no thanks")
    assert "yes/no" in chat.text("delete my data")
    assert "Done: I have erased what you told me" in chat.text("yes")


def test_a_question_is_no_request(running_bot: Any) -> None:
    phone = Conversation(running_bot)
    assert "02 536 11 11" in phone.text("Wat is jullie telefoonnummer?")
    assert "action_forget_me" not in names(phone) and "action_confirm_forget" not in names(phone)
    count = Conversation(running_bot)
    assert "20,000" in count.text("Hoeveel vrijwilligers hebben jullie?")
    assert count.tracker()["active_loop"].get("name") != "volunteer_form"


def test_dutch_opt_out_stops_notifications_and_offers_deletion(running_bot: Any) -> None:
    chat = Conversation(running_bot)
    email = f"e2e-{uuid.uuid4().hex[:8]}@telenet.be"
    dutch_sign_up(chat.say, email)
    answer = chat.text("Ik wil geen mails meer van jullie")
    assert "ik stuur je geen berichten meer" in answer and "Wil je ook dat ik je inschrijving" in answer
    assert undelivered(email) == 0 and stored(email) == 1
    assert "ja/nee" in chat.text("/forget_me")  # the offered deletion asks too
    assert "inschrijving verwijderd" in chat.text("/affirm")
    assert stored(email) == 0


def test_english_opt_out(running_bot: Any) -> None:
    chat = Conversation(running_bot)
    answer = texts(chat.say("Please stop contacting me"))
    assert "I will not send you any more messages" in answer and "erase" in answer
