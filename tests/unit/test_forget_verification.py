"""Proof before deleting a sign-up made elsewhere (horizon.privacy.verification, actions.privacy): a code sent
through the outbox to the address, typed back; expiry, tries, no reveal, hashes only. SQLite and PostgreSQL,
a real SMTP server (aiosmtpd) for the code's delivery."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Dict, List, Tuple

from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine

from actions.privacy import ActionForgetCodeDone, ActionForgetMe, ValidateForgetCodeForm
from horizon.privacy import verification as v
from horizon.privacy.models import ForgetVerification
from horizon.volunteers import notify, signups
from horizon.volunteers.models import Notification, utcnow
from horizon.volunteers.signups import SignupData, save_signup
from tests.support.signups import count_signups
from tests.support.volunteer_form import background_deliveries
from tests.unit.conftest import make_tracker
from tests.unit.test_notify import Mailbox, smtp, smtp_config  # noqa: F401

ADDRESS = "an.peeters@telenet.be"


def sign_up(engine: Engine, email: str = ADDRESS, conversation: str = "old-conversation") -> int:
    data = SignupData(
        name="An Peeters", email=email, refnis="44021", activity="other", language="nl", conversation_id=conversation
    )
    return save_signup(data, engine=engine).signup_id


def code_of(engine: Engine, notification_id: int) -> str:
    """What the delivery does: a fresh code, its hash stored."""
    code = v.issue_code(notification_id, engine=engine)
    assert code is not None and re.fullmatch(r"\d{6}", code)
    return code


def all_values(engine: Engine) -> str:
    """Every value of every table, as text."""
    metadata = MetaData()
    metadata.reflect(bind=engine)
    with engine.connect() as connection:
        return "\n".join(
            repr(tuple(row)) for table in metadata.sorted_tables for row in connection.execute(select(table))
        )


def test_the_right_code_deletes_the_sign_up_and_its_outbox_rows(engine: Engine) -> None:
    signup_id = sign_up(engine)
    note = v.request_code("attacker-or-owner", ADDRESS.upper(), engine=engine)
    assert note is not None
    code = code_of(engine, note)
    assert v.check_code("attacker-or-owner", code, engine=engine) == v.CodeCheck(v.VERIFIED)
    assert count_signups(engine=engine) == 0
    with signups.session_scope(engine) as session:
        assert session.execute(select(Notification).where(Notification.signup_id == signup_id)).first() is None
        assert session.execute(select(ForgetVerification)).first() is None


def test_only_hashes_are_stored(engine: Engine) -> None:
    sign_up(engine)
    note = v.request_code("conv-1", ADDRESS, engine=engine)
    code = code_of(engine, note)
    with signups.session_scope(engine) as session:
        row = session.execute(select(ForgetVerification)).scalar_one()
        assert row.code_hash == v.code_hash(row.id, code) and row.address_hash == v.address_hash(ADDRESS)
        assert row.conversation_hash == signups.conversation_hash("conv-1")
    stored = all_values(engine).replace(ADDRESS, "")  # the sign-up itself still holds the address
    assert code not in re.sub(r"[0-9a-f]{64}", "", stored)
    assert "conv-1" not in stored


def test_a_wrong_code_counts_and_five_tries_are_the_maximum(engine: Engine) -> None:
    sign_up(engine)
    code = code_of(engine, v.request_code("conv-1", ADDRESS, engine=engine))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    outcomes = [v.check_code("conv-1", wrong, engine=engine) for _ in range(v.MAX_TRIES)]
    assert outcomes == [v.CodeCheck(v.WRONG, n) for n in (4, 3, 2, 1)] + [v.CodeCheck(v.FAILED)]
    assert v.check_code("conv-1", code, engine=engine).outcome == v.FAILED  # too late, even when right
    assert count_signups(engine=engine) == 1


def test_a_code_expires_after_fifteen_minutes(engine: Engine) -> None:
    sign_up(engine)
    code = code_of(engine, v.request_code("conv-1", ADDRESS, engine=engine))
    later = utcnow() + v.CODE_TTL + timedelta(seconds=1)
    assert v.check_code("conv-1", code, engine=engine, now=later).outcome == v.FAILED
    assert v.issue_code(1, engine=engine, now=later) is None  # a late retry sends nothing
    assert count_signups(engine=engine) == 1


def test_a_code_from_another_conversation_is_useless(engine: Engine) -> None:
    sign_up(engine)
    code = code_of(engine, v.request_code("owner", ADDRESS, engine=engine))
    v.request_code("attacker", ADDRESS, engine=engine)
    assert v.check_code("attacker", code, engine=engine).outcome == v.WRONG
    assert count_signups(engine=engine) == 1


def test_an_unknown_address_goes_exactly_like_a_known_one_but_sends_nothing(engine: Engine) -> None:
    sign_up(engine)
    assert v.request_code("conv-unknown", "nobody@telenet.be", engine=engine) is None
    known = v.request_code("conv-known", ADDRESS, engine=engine)
    assert known is not None
    wrong = f"{(int(code_of(engine, known)) + 1) % 10**6:06d}"  # the known address's code was sent
    runs = {
        conversation: [v.check_code(conversation, wrong, engine=engine) for _ in range(v.MAX_TRIES + 1)]
        for conversation in ("conv-unknown", "conv-known")
    }
    assert runs["conv-unknown"] == runs["conv-known"]
    with signups.session_scope(engine) as session:
        kinds = session.execute(select(Notification.kind)).scalars().all()
    assert kinds.count(v.VERIFICATION) == 1


def test_one_address_gets_at_most_three_codes_an_hour(engine: Engine) -> None:
    sign_up(engine)
    sent = [v.request_code(f"conv-{n}", ADDRESS, engine=engine) for n in range(5)]
    assert [s is not None for s in sent] == [True, True, True, False, False]
    an_hour_later = utcnow() + v.RATE_WINDOW + timedelta(minutes=1)
    assert v.request_code("conv-9", ADDRESS, engine=engine, now=an_hour_later) is not None


def test_purge_deletes_finished_requests(engine: Engine) -> None:
    sign_up(engine)
    v.request_code("conv-1", "nobody@telenet.be", engine=engine)
    assert v.purge_expired(engine=engine) == 0  # still open
    assert v.purge_expired(engine=engine, now=utcnow() + v.RATE_WINDOW + v.CODE_TTL) == 1


# --- through the outbox and the actions ------------------------------------------------------------------------


async def test_the_code_reaches_the_address_by_mail_and_typed_back_deletes(
    engine: Engine,
    smtp: Tuple[Mailbox, int],  # noqa: F811
) -> None:
    mailbox, port = smtp
    sign_up(engine)
    note = v.request_code("conv-1", ADDRESS, engine=engine)
    assert await notify.deliver_one(note, smtp_config(port), engine) == "delivered"
    [message] = mailbox.to(ADDRESS)
    code = re.search(r"\b(\d{6})\b", message.get_payload(decode=True).decode()).group(1)
    assert "wissen" in message["Subject"]
    assert v.check_code("conv-1", code, engine=engine).outcome == v.VERIFIED
    assert count_signups(engine=engine) == 0


async def run(action: Any, text: str, slots: Dict[str, Any], sender: str = "conv-1") -> Tuple[List[str], List[Any]]:
    tracker = make_tracker(text, intent="forget_me", slots={"forget_confirm": "yes", **slots})  # confirmed
    tracker.sender_id = sender
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    await _settle()
    return [m["response"] for m in dispatcher.messages], events


async def _settle() -> None:
    for task in background_deliveries():
        await task


async def validate(text: str, sender: str = "conv-1") -> Tuple[List[Dict[str, Any]], Dict[str, Any]]:
    tracker = make_tracker(text, slots={"forget_code": text})
    tracker.sender_id = sender
    dispatcher = CollectingDispatcher()
    result = await ValidateForgetCodeForm().validate_forget_code(text, dispatcher, tracker, {})
    return dispatcher.messages, result


async def test_the_chat_answers_the_same_for_a_known_and_an_unknown_address(engine: Engine) -> None:
    sign_up(engine)
    known = await run(ActionForgetMe(), f"vergeet mij: {ADDRESS}", {}, sender="conv-a")
    unknown = await run(ActionForgetMe(), "vergeet mij: nobody@telenet.be", {}, sender="conv-b")
    assert known[0] == unknown[0] == ["utter_forget_code_sent"]
    assert FollowupAction("forget_code_form") in known[1] and FollowupAction("forget_code_form") in unknown[1]
    assert count_signups(engine=engine) == 1  # nothing deleted without proof
    answers = [await validate("123456", sender) for sender in ("conv-a", "conv-b")]
    assert answers[0] == answers[1]


async def test_the_code_form_deletes_after_the_right_code_and_erases_the_conversation(engine: Engine) -> None:
    sign_up(engine)
    await run(ActionForgetMe(), f"forget me {ADDRESS}", {"language": "en"})
    note = next(iter(_verification_notes(engine)))
    code = code_of(engine, note)  # as if the background delivery had sent it (no transport here)
    messages, result = await validate(f"the code is {code[:3]} {code[3:]}")
    assert messages == [] and result == {"forget_code": v.VERIFIED}
    assert count_signups(engine=engine) == 0
    tracker = make_tracker("", slots={"forget_code": v.VERIFIED})
    dispatcher = CollectingDispatcher()
    events = await ActionForgetCodeDone().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_forget_code_verified"]
    assert [e["name"] for e in events if e["event"] == "slot"] == [
        "forget_code",
        "forget_requested",
        "forget_requested",
    ]


async def test_a_wrong_code_asks_again_and_text_without_digits_stops(engine: Engine) -> None:
    sign_up(engine)
    await run(ActionForgetMe(), f"vergeet mij {ADDRESS}", {})
    code = code_of(engine, _verification_notes(engine)[0])
    messages, result = await validate(f"{(int(code) + 1) % 10**6:06d}")
    assert [m["response"] for m in messages] == ["utter_forget_code_wrong"] and messages[0]["tries_left"] == 4
    assert result == {"forget_code": None}
    assert await validate("stop") == ([], {"forget_code": "cancelled"})
    assert count_signups(engine=engine) == 1


def _verification_notes(engine: Engine) -> List[int]:
    with signups.session_scope(engine) as session:
        return list(session.execute(select(Notification.id).where(Notification.kind == v.VERIFICATION)).scalars().all())
