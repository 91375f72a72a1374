"""Nothing is erased without asking: the question first, only a clear yes erases, an unsure prediction asks
what was meant; an opt-out stops notifications and keeps the sign-up (issue 16)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions.privacy import (
    ActionConfirmForget,
    ActionForgetConfirmed,
    ActionForgetMe,
    ActionOptOut,
    ValidateForgetConfirmForm,
    is_clear,
)
from horizon.db import session_scope
from horizon.volunteers.models import DELIVERED, Notification
from horizon.volunteers.signups import SignupData, save_signup
from tests.support.signups import count_signups
from tests.unit.conftest import make_tracker


def sign_up(engine: Engine, conversation: str = "conv-1") -> None:
    data = SignupData(
        name="An Peeters", email="an@telenet.be", refnis="44021", activity="other", language="nl",
        conversation_id=conversation,
    )  # fmt: skip
    save_signup(data, engine=engine)


def message(text: str, intent: str, confidence: float, runner_up: Optional[float] = None) -> Dict[str, Any]:
    ranking = [{"name": intent, "confidence": confidence}]
    if runner_up is not None:
        ranking.append({"name": "ask_facts", "confidence": runner_up})
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranking}


def test_only_a_confident_prediction_well_ahead_of_the_runner_up_is_clear() -> None:
    assert is_clear(message("vergeet mij", "forget_me", 0.97, 0.02), "forget_me")
    assert not is_clear(message("wat is jullie telefoonnummer?", "forget_me", 0.62, 0.3), "forget_me")
    assert not is_clear(message("wis dat nummer", "forget_me", 0.85, 0.7), "forget_me")
    assert not is_clear(message("ja", "affirm", 0.99), "forget_me")
    assert is_clear({"text": "/forget_me", "intent": {"name": "forget_me", "confidence": 1.0}}, "forget_me")


async def run(
    action: Any, text: str, intent: str, slots: Optional[Dict[str, Any]] = None, latest: Optional[Dict] = None
) -> tuple:
    tracker = make_tracker(text, intent=intent, slots=slots)
    tracker.sender_id = "conv-1"
    tracker.latest_message.update(latest or {})
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return [m["response"] for m in dispatcher.messages], events


async def test_forget_me_asks_first_and_keeps_a_typed_address_for_after_the_yes() -> None:
    responses, events = await run(ActionConfirmForget(), "vergeet mij: an@telenet.be", "forget_me")
    assert responses == []  # the form asks the question (utter_ask_forget_confirm)
    assert FollowupAction("forget_confirm_form") in events
    assert SlotSet("forget_address", "an@telenet.be") in events


async def test_an_unsure_forget_me_asks_what_was_meant_and_starts_nothing() -> None:
    unsure = {"intent": {"name": "forget_me", "confidence": 0.55}, "intent_ranking": []}
    responses, events = await run(ActionConfirmForget(), "wat is jullie telefoonnummer?", "forget_me", latest=unsure)
    assert responses == ["utter_forget_unsure"] and events == []


async def test_forget_me_without_a_yes_deletes_nothing(engine: Engine) -> None:
    sign_up(engine)
    responses, events = await run(ActionForgetMe(), "vergeet mij", "forget_me")
    assert responses == [] and events == [FollowupAction("action_confirm_forget")]
    assert count_signups(engine=engine) == 1


async def validate(text: str, intent: str) -> Dict[str, Any]:
    tracker = make_tracker(text, intent=intent, slots={"forget_confirm": text, "requested_slot": "forget_confirm"})
    return await ValidateForgetConfirmForm().validate_forget_confirm(text, CollectingDispatcher(), tracker, {})


async def test_only_yes_confirms() -> None:
    assert await validate("ja", "affirm") == {"forget_confirm": "yes"}
    assert await validate("/affirm", "affirm") == {"forget_confirm": "yes"}
    assert await validate("nee", "deny") == {"forget_confirm": "no"}
    assert await validate("wat is jullie visie?", "ask_vision") == {"forget_confirm": "no"}


async def test_the_request_itself_is_no_answer_to_the_question() -> None:
    tracker = make_tracker("vergeet mij", intent="forget_me", slots={"forget_confirm": None})
    validator = ValidateForgetConfirmForm()
    assert await validator.validate_forget_confirm(None, CollectingDispatcher(), tracker, {}) == {
        "forget_confirm": None
    }


async def test_yes_erases_and_anything_else_cancels_politely() -> None:
    responses, events = await run(ActionForgetConfirmed(), "ja", "affirm", {"forget_confirm": "yes"})
    assert responses == [] and events == [FollowupAction("action_forget_me")]
    responses, events = await run(ActionForgetConfirmed(), "nee", "deny", {"forget_confirm": "no"})
    assert responses == ["utter_forget_cancelled"]
    assert SlotSet("forget_address", None) in events


async def test_an_opt_out_cancels_pending_notifications_and_keeps_the_sign_up(engine: Engine) -> None:
    sign_up(engine)
    sign_up_elsewhere = SignupData(
        name="Jo", email="jo@telenet.be", refnis="44021", activity="other", language="nl", conversation_id="conv-2"
    )
    save_signup(sign_up_elsewhere, engine=engine)
    with session_scope(engine) as session:  # one of An's notifications had already gone out
        first = session.execute(select(Notification).order_by(Notification.id)).scalars().first()
        first.status = DELIVERED
    responses, _ = await run(ActionOptOut(), "ik wil geen mails meer van jullie", "opt_out")
    assert responses == ["utter_opt_out"]
    assert count_signups(engine=engine) == 2
    with session_scope(engine) as session:
        left: List[Notification] = list(session.execute(select(Notification)).scalars())
        statuses = sorted((n.signup_id, n.status) for n in left)
    assert statuses == [(1, DELIVERED), (2, "pending"), (2, "pending")]


async def test_a_message_that_asks_for_something_else_cancels_and_is_answered() -> None:
    responses, events = await run(
        ActionForgetConfirmed(), "ik wil vrijwilliger worden", "volunteer", {"forget_confirm": "no"}
    )
    assert responses == ["utter_forget_cancelled"] and FollowupAction("volunteer_form") in events


async def test_a_no_in_the_middle_of_the_sign_up_goes_back_to_the_form() -> None:
    slots = {"forget_confirm": "no", "volunteer_name": "An Peeters"}
    responses, events = await run(ActionForgetConfirmed(), "nee", "deny", slots)
    assert responses == ["utter_forget_cancelled_resume"] and FollowupAction("volunteer_form") in events
    responses, events = await run(ActionForgetConfirmed(), "nee", "deny", {"forget_confirm": "no"})
    assert FollowupAction("volunteer_form") not in events  # no sign-up was running


async def test_an_unsure_opt_out_asks_what_was_meant_and_stops_nothing(engine: Engine) -> None:
    sign_up(engine)
    unsure = {"intent": {"name": "opt_out", "confidence": 0.5}, "intent_ranking": []}
    responses, events = await run(ActionOptOut(), "stuur me dat nummer", "opt_out", latest=unsure)
    assert responses == ["utter_opt_out_unsure"] and events == []
    with session_scope(engine) as session:
        statuses = {n.status for n in session.execute(select(Notification)).scalars()}
    assert statuses == {"pending"}
