"""The volunteer form, turn by turn, with the real domain, real rasa-sdk Trackers and a real database.

``FormDriver`` plays Rasa's part the way Rasa 3.6 does it (rasa/core/actions/forms.py): it extracts the
requested slot with the domain's own ``from_text`` mapping (conditions and ``not_intent``), calls the
validation action with the temporary tracker Rasa builds, treats "nothing extracted and nothing validated"
as a rejection, and runs the ask action of the next empty slot. Rendering uses the domain's responses with
the language condition, so both languages are checked as a person would read them.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any, Dict, List, Tuple

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions import volunteer_form as vf
from horizon import db
from horizon.volunteers import signups
from tests.support.signups import count_signups, signup_rows
from tests.support.volunteer_form import (
    EN_ANSWERS,
    NL_ANSWERS,
    FormDriver,
    background_deliveries,
    button_titles,
    form_at,
    slot_event,
    submit,
)


@pytest.fixture(autouse=True)
def quiet_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NOTIFY_TRANSPORT", "SMTP_HOST", "NOTIFY_WEBHOOK_URL", "SIGNUP_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NOTIFY_TRANSPORT", "none")
    monkeypatch.setenv("NOTIFY_BACKOFF_S", "3600")


# --- happy paths -------------------------------------------------------------------------------------------------


async def test_dutch_sign_up_from_start_to_stored(domain: Dict[str, Any], engine: Engine) -> None:
    form = FormDriver(domain, "nl")
    assert await form.start() == "asking"
    assert form.responses() == ["utter_volunteer_intro"]
    assert 'Typ "stop"' in form.texts()[0] and form.texts()[0].endswith("Hoe heet je?")
    await form.fill(NL_ANSWERS[:3])
    assert form.responses() == ["utter_ask_volunteer_activity"]
    assert button_titles(domain, form.messages[0], "nl") == [
        "Meedoen met een lokale 11-groep",
        "Helpen tijdens de novembercampagne",
        "Iets anders / weet ik nog niet",
    ]
    await form.fill(NL_ANSWERS[3:4])
    assert "hoogstens 365 dagen" in form.texts()[0]  # the privacy line names the retention period
    await form.fill(NL_ANSWERS[4:])
    [summary] = form.texts()
    assert "- Naam: Jan Peeters" in summary and "- E-mail: Jan.Peeters@telenet.be" in summary
    assert "- Gemeente: Gent (9000)" in summary and "novembercampagne" in summary
    assert await form.click("/affirm") == "done"
    events = await submit(form)
    assert form.responses() == ["utter_volunteer_signed_up"]
    [row] = signup_rows([1], engine=engine) or signup_rows([], engine=engine)
    assert (row.name, row.email, row.refnis, row.postcode, row.activity, row.language) == (
        "Jan Peeters",
        "Jan.Peeters@telenet.be",
        "44021",
        "9000",
        "campaign",
        "nl",
    )
    personal = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert all(personal[s] is None for s in vf.PERSONAL_SLOTS)  # nothing personal stays in the conversation


async def test_english_sign_up_with_misread_answers(domain: Dict[str, Any], engine: Engine) -> None:
    """The email address was classified as a question (ask_organisation): it is still taken as the answer."""
    form = FormDriver(domain, "en", sender="conv-en")
    await form.start("I'd like to volunteer")
    assert form.texts()[0].startswith("Great that you want to sign up")
    await form.fill(EN_ANSWERS)
    [summary] = form.texts()
    assert summary.startswith("Is this right?")
    assert "- Name: Sarah Janssens" in summary and "- Municipality: Leuven" in summary
    assert "joining a local 11-groep" in summary
    assert await form.click("/affirm") == "done"
    await submit(form)
    assert form.texts()[0].startswith("Thank you, you're signed up!")
    assert count_signups(engine=engine) == 1


# --- each validation failure ----------------------------------------------------------------------------------


@pytest.mark.parametrize("answer, intent", [("ik wil doneren", "donate"), ("ja", "affirm"), ("12345", "nlu_fallback")])
async def test_a_name_that_is_not_one_is_asked_again(domain: Dict[str, Any], answer: str, intent: str) -> None:
    form = await form_at(domain, 0)
    assert await form.say(answer, intent) == "asking"
    assert form.responses() == ["utter_volunteer_name_invalid"]  # explained once, not followed by a second question
    assert form.slots["volunteer_name"] is None and form.slots["requested_slot"] == "volunteer_name"


@pytest.mark.parametrize(
    "answer, response",
    [
        ("jan.peeters", "utter_volunteer_email_invalid"),
        ("jan@@telenet.be", "utter_volunteer_email_invalid"),
        ("jan@example.com", "utter_volunteer_email_domain"),
        ("jan@gmail.con", "utter_volunteer_email_typo"),
    ],
)
async def test_a_bad_email_address_is_asked_again(domain: Dict[str, Any], answer: str, response: str) -> None:
    form = await form_at(domain, 1)
    await form.say(answer)
    assert form.responses() == [response]
    assert form.slots["volunteer_email"] is None


async def test_a_suggested_email_can_be_taken_or_the_typed_one_kept(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 1)
    await form.say("jan@gmial.com")
    assert "Bedoel je misschien jan@gmail.com?" in form.texts()[0]
    await form.say("jan@gmial.com")  # typed again: the person knows best
    assert form.slots["volunteer_email"] == "jan@gmial.com"


async def test_an_unknown_place_is_asked_again(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 2)
    await form.say("Atlantis")
    assert form.responses() == ["utter_volunteer_place_unknown"]


async def test_a_typo_in_a_place_is_suggested_and_confirmed(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 2)
    await form.say("Kotrijk")
    assert form.texts() == ["Bedoel je Kortrijk?"]
    await form.click("/affirm")
    assert form.slots["volunteer_place"] == "municipality:34022"
    assert form.responses() == ["utter_ask_volunteer_activity"]


async def test_no_to_a_suggested_place_asks_again_and_does_not_cancel(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 2, "en")
    await form.say("Kotrijk")
    assert await form.say("no", "deny") == "asking"  # "deny" is left out of the mapping, the form takes it anyway
    assert form.texts() == ["OK. Which municipality or postcode do you mean then?"]
    assert form.slots["volunteer_pending_place"] is None and form.active


async def test_a_shared_postcode_asks_which_municipality(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 2)
    await form.say("1040")
    [message] = form.messages
    assert message["response"] == "utter_volunteer_place_ambiguous"
    assert [b["title"] for b in message["buttons"]] == ["Brussel", "Etterbeek"]
    await form.click(message["buttons"][1]["payload"])
    assert (form.slots["volunteer_place"], form.slots["volunteer_postcode"]) == ("municipality:21005", "1040")


async def test_a_province_is_not_precise_enough(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 2, "en")
    await form.say("East Flanders")
    assert form.texts() == [
        "East Flanders covers more than one municipality. Which municipality do you live in, or what is your postcode?"
    ]


async def test_an_answer_that_says_nothing_is_asked_again_with_the_choices(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 3)
    await form.say("ja", "affirm")
    [message] = form.messages
    assert message["response"] == "utter_volunteer_activity_invalid"
    assert "in een paar woorden" in form.texts()[0]  # own words are welcome: the person is told so
    assert len(button_titles(domain, message, "nl")) == 3
    await form.click('/inform{"volunteer_activity": "local_group"}')
    assert form.slots["volunteer_activity"] == "local_group"


@pytest.mark.parametrize(
    "answer, language, code",
    [("ik wil helpen bij acties", "nl", "campaign"), ("I'd rather help out in my neighbourhood", "en", "local_group")],
)
async def test_a_typed_activity_maps_to_the_choice_it_names(
    domain: Dict[str, Any], answer: str, language: str, code: str
) -> None:
    form = await form_at(domain, 3, language)
    assert await form.say(answer, "volunteer") == "asking"
    assert form.responses() == ["utter_ask_volunteer_consent"]
    assert (form.slots["volunteer_activity"], form.slots[vf.NOTE]) == (code, None)


async def test_a_bare_address_the_nlu_took_for_forget_me_is_the_answer(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 1, "en")
    assert await form.say("sarah.janssens@skynet.be", "forget_me") == "asking"
    assert form.slots["volunteer_email"] == "sarah.janssens@skynet.be"
    form = await form_at(domain, 1, "en")
    assert await form.say("forget me", "forget_me") == "rejected"  # the words still end the form (rules)


async def test_own_words_the_nlu_took_for_a_question_are_still_an_answer(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 3)
    assert await form.say("teksten schrijven over solidariteit", "ask_solidarity") == "asking"
    assert form.slots[vf.NOTE] == "teksten schrijven over solidariteit"
    form = await form_at(domain, 3)
    assert await form.say("vertel me eerst over jullie visie", "ask_vision") == "rejected"  # a real question


async def test_own_words_are_kept_shown_stored_and_forgotten(domain: Dict[str, Any], engine: Engine) -> None:
    answers = list(NL_ANSWERS)
    answers[3] = ("misschien koken voor een benefiet", "nlu_fallback")
    form = await complete(domain, "conv-own", answers, "nl", check_summary='iets anders: "misschien koken voor een')
    await submit(form)
    [row] = signup_rows(list(range(1, 10)), engine=engine)
    assert (row.activity, row.activity_note) == ("other", "misschien koken voor een benefiet")
    assert form.slots[vf.NOTE] is None  # not kept in the conversation after the sign-up
    assert signups.forget("conv-own", engine=engine).linked == 1
    assert count_signups(engine=engine) == 0


async def test_changing_the_choice_drops_the_own_words(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 3, "en")
    await form.say("translating leaflets")
    assert form.slots[vf.NOTE] == "translating leaflets"
    await form.fill(EN_ANSWERS[4:])
    assert 'something else: "translating leaflets"' in form.texts()[0]
    await form.click('/inform{"volunteer_field": "activity"}')
    assert form.slots[vf.NOTE] is None and form.responses() == ["utter_ask_volunteer_activity"]


@pytest.mark.parametrize("answer", ["misschien", "ja maar niet doorgeven aan een groep", "mag ik eerst iets vragen"])
async def test_consent_needs_a_clear_yes_even_when_the_nlu_says_affirm(domain: Dict[str, Any], answer: str) -> None:
    form = await form_at(domain, 4)
    await form.say(answer, "affirm")
    assert form.responses() == ["utter_volunteer_consent_unclear"]
    assert form.slots["volunteer_consent"] is None


@pytest.mark.parametrize("answer", ["dat is goed", "geen probleem", "sure, go ahead"])
async def test_consent_in_free_words(domain: Dict[str, Any], answer: str) -> None:
    form = await form_at(domain, 4)
    await form.say(answer)
    assert form.slots["volunteer_consent"] is True and form.responses() == ["utter_volunteer_summary"]


async def test_a_place_named_as_the_form_starts_is_filled_in(domain: Dict[str, Any]) -> None:
    form = FormDriver(domain, "nl")
    await form.start("ik wil vrijwilliger worden in Gent", "volunteer", location="municipality:44021")
    assert form.slots["volunteer_place"] == "municipality:44021"
    await form.fill(NL_ANSWERS[:2])
    assert form.responses() == ["utter_ask_volunteer_activity"]  # the place is not asked
    await form.fill(NL_ANSWERS[3:])
    assert "- Gemeente: Gent" in form.texts()[0]  # and shown before the person confirms


async def test_a_near_miss_named_as_the_form_starts_is_confirmed_when_its_turn_comes(domain: Dict[str, Any]) -> None:
    form = FormDriver(domain, "en")
    await form.start("I want to volunteer, I live in Kortrjik", "volunteer")
    assert form.responses() == ["utter_volunteer_intro"] and form.slots["volunteer_place"] is None
    await form.fill(EN_ANSWERS[:2])
    assert form.texts() == ["Do you mean Kortrijk?"]
    await form.say("yes", "affirm")
    assert form.slots["volunteer_place"] == "municipality:34022"


async def test_an_unclear_consent_is_asked_again(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 4)
    await form.say("hoezo?", "nlu_fallback")
    assert form.responses() == ["utter_volunteer_consent_unclear"]


async def test_no_consent_ends_the_form_and_stores_nothing(domain: Dict[str, Any], engine: Engine) -> None:
    form = await form_at(domain, 4)
    assert await form.say("nee", "deny") == "done"
    assert form.responses() == ["utter_volunteer_no_consent"]
    assert all(form.slots[s] is None for s in vf.PERSONAL_SLOTS)
    await submit(form)
    assert form.messages == [] and count_signups(engine=engine) == 0


# --- correction, cancel, interruption -------------------------------------------------------------------------


async def test_a_field_is_corrected_from_the_summary(domain: Dict[str, Any], engine: Engine) -> None:
    form = await form_at(domain, 5)
    await form.click('/inform{"volunteer_field": "email"}')
    assert form.responses() == ["utter_ask_volunteer_email"] and form.slots["volunteer_email"] is None
    await form.say("jan@skynet.be")
    assert "- E-mail: jan@skynet.be" in form.texts()[0]
    await form.say("mijn naam klopt niet", "inform")  # typed instead of the button
    assert form.responses() == ["utter_ask_volunteer_name"]
    await form.say("Jan Peters")
    await form.say("nee", "deny")  # no, without saying what: which field?
    assert form.responses() == ["utter_volunteer_which_field"]
    assert await form.click("/affirm") == "done"
    await submit(form)
    [row] = signup_rows(list(range(1, 10)), engine=engine)
    assert (row.name, row.email) == ("Jan Peters", "jan@skynet.be")


@pytest.mark.parametrize("slot_index", [0, 2, 4, 5])
async def test_stop_cancels_at_any_point_and_nothing_is_stored(
    domain: Dict[str, Any], engine: Engine, slot_index: int
) -> None:
    form = await form_at(domain, slot_index)
    assert await form.say("stop", "stop") == "rejected"  # the rule takes over:
    form.apply(
        [
            {"event": "action", "name": "action_deactivate_loop"},
            {"event": "active_loop", "name": None},
            slot_event("requested_slot", None),
        ]
    )
    form.apply(await form.run_action(vf.ActionCancelVolunteer()))
    assert form.responses() == ["utter_volunteer_cancelled"]
    assert not form.active and all(form.slots[s] is None for s in vf.PERSONAL_SLOTS)
    assert count_signups(engine=engine) == 0


async def test_stop_outside_the_form(domain: Dict[str, Any]) -> None:
    form = FormDriver(domain, "en")
    form.say_event("stop", "stop", [])
    events = await form.run_action(vf.ActionCancelVolunteer())
    assert form.texts() == ["There is nothing running that I could stop. Can I help you with anything else?"]
    assert not [e for e in events if e["event"] == "active_loop"]


@pytest.mark.parametrize(
    "language, question, intent, answer",
    [
        ("nl", "wat is jullie missie?", "ask_mission", "jan@telenet.be"),
        ("en", "what is your vision", "ask_vision", "jan@telenet.be"),
    ],
)
async def test_a_question_in_the_middle_is_answered_and_the_form_resumes(
    domain: Dict[str, Any], language: str, question: str, intent: str, answer: str
) -> None:
    form = await form_at(domain, 1, language)
    assert await form.say(question, intent) == "rejected"  # the rule answers with action_answer_topic
    assert form.slots["volunteer_email"] is None
    assert await form.resume_after("action_answer_topic") == "asking"
    assert form.responses() == ["utter_ask_volunteer_email"]  # asked again, without the introduction
    await form.say(answer)
    assert form.slots["volunteer_email"] == answer


async def test_a_name_misread_as_a_question_is_still_a_name(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 0)
    assert await form.say("Mieke Solidariteit", "ask_solidarity") == "asking"
    assert form.slots["volunteer_name"] == "Mieke Solidariteit"


async def test_an_old_button_during_the_form_just_repeats_the_question(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 2)
    await form.click("/volunteer")
    assert form.responses() == ["utter_ask_volunteer_place"]


# --- storing ---------------------------------------------------------------------------------------------------


async def complete(
    domain: Dict[str, Any], sender: str, answers: List[Tuple[str, str]], language: str, check_summary: str = ""
) -> FormDriver:
    form = FormDriver(domain, language, sender=sender)
    await form.start()
    await form.fill(answers)
    assert check_summary in form.texts()[0]
    assert await form.click("/affirm") == "done"
    return form


async def test_signing_up_twice_updates_the_sign_up(domain: Dict[str, Any], engine: Engine) -> None:
    first = await complete(domain, "conv-a", NL_ANSWERS, "nl")
    await submit(first)
    again = list(NL_ANSWERS)
    again[1] = ("jan.peeters@TELENET.be", "nlu_fallback")
    again[3] = ("een lokale groep", "inform")
    second = await complete(domain, "conv-b", again, "nl")
    await submit(second)
    assert second.texts()[0].startswith("Je was al ingeschreven met dit e-mailadres")
    assert count_signups(engine=engine) == 1
    [row] = signup_rows(list(range(1, 10)), engine=engine)
    assert row.activity == "local_group"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_a_database_failure_keeps_the_answers_and_says_so(domain: Dict[str, Any], engine: Engine) -> None:
    form = await complete(domain, "conv-down", NL_ANSWERS, "nl")
    db.set_engine(db.make_engine(f"postgresql://postgres@127.0.0.1:{_closed_port()}/test"))
    try:
        await submit(form)
    finally:
        db.set_engine(engine)
    assert form.responses() == ["utter_volunteer_save_failed"]
    assert form.slots["volunteer_email"] == "Jan.Peeters@telenet.be" and form.slots["volunteer_confirmed"] is None
    # "Try again" restarts the form: the kept answers are validated again and the summary is shown.
    assert await form.start("/volunteer", "volunteer") == "asking"
    assert form.responses() == ["utter_volunteer_summary"]
    assert await form.click("/affirm") == "done"
    await submit(form)
    assert form.responses() == ["utter_volunteer_signed_up"]
    assert count_signups(engine=engine) == 1


async def test_a_hanging_notification_does_not_hold_up_the_answer(
    domain: Dict[str, Any], engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections and never answers
    monkeypatch.setenv("NOTIFY_TRANSPORT", "webhook")
    monkeypatch.setenv("NOTIFY_WEBHOOK_URL", f"http://127.0.0.1:{listener.getsockname()[1]}/hook")
    monkeypatch.setenv("NOTIFY_TIMEOUT_S", "1")
    form = await complete(domain, "conv-slow", NL_ANSWERS, "nl")
    started = time.monotonic()
    await submit(form, wait_for_delivery=False)
    assert time.monotonic() - started < 0.8
    assert form.responses() == ["utter_volunteer_signed_up"]
    pending = background_deliveries()
    assert pending, "the notification should still be on its way"
    await asyncio.gather(*pending)
    listener.close()
    with signups.session_scope(engine) as session:
        notes = session.execute(select(signups.Notification)).scalars().all()
    # Both were tried at once in the background: the team's notification and the volunteer's confirmation.
    assert sorted((n.kind, n.status, n.attempts, n.last_error) for n in notes) == [
        ("confirmation", "pending", 1, "TimeoutError"),
        ("team", "pending", 1, "TimeoutError"),
    ]
