"""Forget me (stored sign-ups and slots) and the log filter that keeps personal data out of logs."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from typing import Any, Dict, Iterator, List

import pytest
from rasa_sdk.events import ActiveLoop, FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from actions.privacy import ActionForgetMe
from horizon import db, redaction
from horizon.redaction import RedactingFilter, install_log_redaction, redact
from horizon.volunteers import signups
from horizon.volunteers.models import Notification
from horizon.volunteers.signups import SignupData, save_signup
from tests.support.redaction import uninstall_log_redaction
from tests.support.signups import count_signups
from tests.support.volunteer_form import background_deliveries
from tests.unit.conftest import make_tracker


def store(engine: Engine, email: str, conversation: str) -> int:
    data = SignupData(
        name="An Peeters", email=email, refnis="44021", activity="other", language="nl", conversation_id=conversation
    )
    return save_signup(data, engine=engine).notification_id


async def forget(text: str, slots: Dict[str, Any], sender: str = "conv-1", loop: bool = False) -> tuple:
    """action_forget_me after the person said yes to "... wis? ja/nee" (the slot the confirmation sets)."""
    tracker = make_tracker(text, intent="forget_me", slots={"forget_confirm": "yes", **slots})
    tracker.sender_id = sender
    if loop:
        tracker.active_loop = {"name": "volunteer_form"}
    dispatcher = CollectingDispatcher()
    events = await ActionForgetMe().run(dispatcher, tracker, {})
    return [m["response"] for m in dispatcher.messages], events


async def test_forget_me_deletes_this_conversations_sign_up_and_slots(engine: Engine) -> None:
    store(engine, "an@telenet.be", "conv-1")
    store(engine, "someone.else@telenet.be", "conv-2")
    responses, events = await forget(
        "vergeet mij",
        {"language": "en", "language_locked": True, "volunteer_name": "An", "volunteer_email": "an@telenet.be"},
    )
    assert responses == ["utter_forget_me_deleted"]
    assert count_signups(engine=engine) == 1
    assert {"event": "reset_slots", "timestamp": None} in events
    assert {"event": "slot", "name": "language", "value": "en", "timestamp": None} in events
    assert {"event": "slot", "name": "language_locked", "value": True, "timestamp": None} in events


async def test_forget_me_by_the_address_in_the_slot_from_another_conversation(engine: Engine) -> None:
    store(engine, "an@telenet.be", "old-conversation")
    responses, _ = await forget("delete my data", {"volunteer_email": "AN@telenet.be"})
    assert responses == ["utter_forget_me_deleted"] and count_signups(engine=engine) == 0


async def test_forget_me_with_a_typed_address_asks_for_proof_and_does_not_reveal_whether_it_existed(
    engine: Engine,
) -> None:
    """More in test_forget_verification.py."""
    store(engine, "an@telenet.be", "old-conversation")
    found, found_events = await forget("vergeet mij: an@telenet.be", {})
    missing, missing_events = await forget("vergeet mij: nobody@telenet.be", {}, sender="conv-2")
    assert found == missing == ["utter_forget_code_sent"]
    assert found_events[-1] == missing_events[-1] == FollowupAction("forget_code_form")
    assert count_signups(engine=engine) == 1
    await asyncio.gather(*background_deliveries())


async def test_forget_me_marks_the_conversation_for_the_tracker_store(engine: Engine) -> None:
    """The Rasa server's tracker store erases the stored events when it sees the slot set (bot/tracker_store.py);
    the slot is cleared at once, so that a new session does not carry it over."""
    _, events = await forget("vergeet mij", {})
    marks = [e["value"] for e in events if e["event"] == "slot" and e["name"] == "forget_requested"]
    assert len(marks) == 2 and isinstance(marks[0], float) and marks[1] is None


async def test_forget_me_with_nothing_stored(engine: Engine) -> None:
    responses, _ = await forget("wat weet je over mij?", {})
    assert responses == ["utter_forget_me"]


async def test_forget_me_warns_when_the_details_were_already_passed_on(engine: Engine) -> None:
    note_id = store(engine, "an@telenet.be", "conv-1")
    with signups.session_scope(engine) as session:
        session.get(Notification, note_id).status = signups.DELIVERED
    responses, _ = await forget("forget me", {})
    assert responses == ["utter_forget_me_deleted_shared"]


async def test_forget_me_during_the_form_ends_it(engine: Engine) -> None:
    _, events = await forget("forget me", {"volunteer_name": "An"}, loop=True)
    assert events[0] == ActiveLoop(None)


async def test_forget_me_when_the_database_is_down_still_clears_the_slots(engine: Engine) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    db.set_engine(db.make_engine(f"postgresql://postgres@127.0.0.1:{port}/test"))
    try:
        responses, events = await forget("vergeet mij", {"volunteer_email": "an@telenet.be"})
    finally:
        db.set_engine(engine)
    assert responses == ["utter_forget_me_unavailable"]
    assert {"event": "reset_slots", "timestamp": None} in events


# --- logs --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, kept",
    [
        ("sign-up from jan.peeters@telenet.be", "sign-up from [email]"),
        ("sender whatsapp:+32475123456", "sender whatsapp:[phone]"),
        ("call 0475 12 34 56 or 02/536.11.11", "call [phone] or [phone]"),
        (
            "slots {'volunteer_name': 'Jan Peeters', 'volunteer_place': 'municipality:44021'}",
            "slots {'volunteer_name': '[redacted]', 'volunteer_place': 'municipality:44021'}",
        ),
        ('{"name": "Jan", "refnis": "44021"}', '{"name": "[redacted]", "refnis": "44021"}'),
        ("took 12 ms at 2026-11-27 03:53:08 for 127.0.0.1:5432, postcode 9000", None),
    ],
)
def test_redact(text: str, kept: str) -> None:
    assert redact(text) == (text if kept is None else kept)


@pytest.fixture
def without_redaction() -> Iterator[None]:
    """Start from a process without the redaction (the action modules install it when imported), and put
    back what was there."""
    installed = redaction._previous_factory is not None
    uninstall_log_redaction()
    try:
        yield
    finally:
        if installed:
            install_log_redaction()


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """A handler on a logger of its own, as the action server's handlers are."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("horizon.test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


def test_the_filter_redacts_messages_arguments_and_tracebacks(log_output: io.StringIO) -> None:
    logger = logging.getLogger("horizon.test.redaction")
    logger.handlers[0].addFilter(RedactingFilter())
    logger.info("new sign-up %s (%s)", "an@telenet.be", {"volunteer_name": "An Peeters"})
    try:
        raise ValueError("bad address an@telenet.be, phone +32 475 12 34 56")
    except ValueError:
        logger.exception("failed for %s", "an@telenet.be")
    output = log_output.getvalue()
    assert "an@telenet.be" not in output and "An Peeters" not in output and "475" not in output
    assert "new sign-up [email] ({'volunteer_name': '[redacted]'})" in output
    assert "ValueError: bad address [email], phone [phone]" in output  # the traceback is kept, redacted


def test_installed_redaction_covers_every_logger(log_output: io.StringIO, without_redaction: None) -> None:
    install_log_redaction()
    try:
        logging.getLogger("horizon.test.redaction").warning("reply to %s", "jan@skynet.be")
    finally:
        uninstall_log_redaction()
    assert log_output.getvalue() == "WARNING reply to [email]\n"
    logging.getLogger("horizon.test.redaction").warning("reply to %s", "jan@skynet.be")
    assert log_output.getvalue().endswith("reply to jan@skynet.be\n")  # uninstalled: the test proves the filter


async def test_a_whole_sign_up_logs_no_personal_data(
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    domain: Dict[str, Any],
    without_redaction: None,
) -> None:
    """Drive a sign-up, a failing notification and forget-me at DEBUG level, without the redaction filter:
    the code itself logs nothing personal (the filter is the second line of defence)."""
    from tests.support.volunteer_form import NL_ANSWERS, FormDriver, submit

    monkeypatch.setenv("NOTIFY_TRANSPORT", "smtp")
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", "1")  # nothing listens: the delivery fails and is logged
    caplog.set_level(logging.DEBUG)
    form = FormDriver(domain, sender="whatsapp:+32475123456")
    await form.start()
    await form.fill(NL_ANSWERS)
    await form.click("/affirm")
    await submit(form)
    await forget("vergeet mij jan.peeters@telenet.be", {}, sender="whatsapp:+32475123456")
    logged: List[str] = [record.getMessage() for record in caplog.records]
    assert any("notification" in line for line in logged)
    for personal in ("Jan Peeters", "Jan.Peeters", "jan.peeters", "475123456"):
        assert not any(personal in line for line in logged), personal
