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
from typing import Any, Dict, List, Optional, Tuple

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions import volunteer_form as vf
from actions.common import db, notify, signups
from test_initiatives_db import engine  # noqa: F401  (fixture)

FORM = "volunteer_form"
ASK_ACTIONS = {cls.slot: cls for cls in (vf.AskVolunteerName, vf.AskVolunteerEmail, vf.AskVolunteerPlace,
                                         vf.AskVolunteerActivity, vf.AskVolunteerConsent, vf.AskVolunteerConfirmed)}


def slot_event(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


def variation(domain: Dict[str, Any], message: Dict[str, Any], language: str) -> Dict[str, Any]:
    """The response variation Rasa picks for the conversation's language."""
    variations = domain["responses"][message["response"]]
    return next(v for v in variations if bool(v.get("condition")) == (language == "en"))


def render(domain: Dict[str, Any], message: Dict[str, Any], language: str) -> str:
    """The text a person would read, with the variables filled in."""
    variables = {k: v for k, v in message.items() if k not in ("response", "buttons", "template")}
    return variation(domain, message, language)["text"].format(**variables)


def button_titles(domain: Dict[str, Any], message: Dict[str, Any], language: str) -> List[str]:
    """Buttons of the response plus those the action added (Rasa shows both)."""
    buttons = variation(domain, message, language).get("buttons", []) + (message.get("buttons") or [])
    return [b["title"] for b in buttons]


class FormDriver:
    """One conversation with the form, driven like Rasa drives it."""

    def __init__(self, domain: Dict[str, Any], language: str = "nl", sender: str = "conv-1") -> None:
        self.domain = domain
        self.sender = sender
        self.slots: Dict[str, Any] = {name: spec.get("initial_value") for name, spec in domain["slots"].items()}
        self.slots.update(language=language, requested_slot=None)
        self.events: List[Dict[str, Any]] = []
        self.active = False
        self.latest: Dict[str, Any] = {}
        self.messages: List[Dict[str, Any]] = []

    @property
    def language(self) -> str:
        return self.slots["language"]

    def texts(self) -> List[str]:
        return [render(self.domain, m, self.language) for m in self.messages]

    def responses(self) -> List[str]:
        return [m["response"] for m in self.messages]

    def tracker(self, extra: List[Dict[str, Any]] = ()) -> Tracker:  # type: ignore[assignment]
        slots = dict(self.slots)
        for event in extra:
            if event["event"] == "slot":
                slots[event["name"]] = event["value"]
        loop = {"name": FORM} if self.active else {}
        return Tracker(self.sender, slots, self.latest, self.events + list(extra), False, None, loop, "action_listen")

    def apply(self, events: List[Dict[str, Any]]) -> None:
        for event in events:
            self.events.append(event)
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
            elif event["event"] == "active_loop":
                self.active = bool(event.get("name"))
            elif event["event"] == "reset_slots":
                self.slots = {name: spec.get("initial_value") for name, spec in self.domain["slots"].items()}

    def extract(self, intent: str) -> Dict[str, Any]:
        """Rasa's ``action_extract_slots`` for from_text mappings, straight from the domain."""
        extracted = {}
        for name, spec in self.domain["slots"].items():
            for mapping in spec.get("mappings", []):
                if mapping.get("type") != "from_text" or intent in (mapping.get("not_intent") or []):
                    continue
                if any(c.get("active_loop") == FORM and c.get("requested_slot") == self.slots["requested_slot"]
                       for c in mapping.get("conditions", [])) and self.active:
                    extracted[name] = self.latest["text"]
        return extracted

    async def run_action(self, action: Any, extra: List[Dict[str, Any]] = ()) -> List[Dict[str, Any]]:  # type: ignore[assignment]
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, self.tracker(extra), self.domain)
        self.messages += dispatcher.messages
        return events

    async def _validate_and_ask(self, candidates: Dict[str, Any], listening: bool) -> str:
        temp = [slot_event("requested_slot", self.slots["requested_slot"]), {"event": "action", "name": FORM}]
        temp += [slot_event(k, v) for k, v in candidates.items()]
        validated = await self.run_action(vf.ValidateVolunteerForm(), temp)
        filled = any(e["event"] == "slot" and e["name"] != "requested_slot" for e in validated)
        if listening and self.slots["requested_slot"] and not candidates and not filled:
            return "rejected"
        self.apply([{"event": "action", "name": FORM}] + validated)
        if any(e["event"] == "slot" and e["name"] == "requested_slot" and e["value"] is None for e in validated):
            self.active = False
            return "done"
        required = self.domain["forms"][FORM]["required_slots"]
        missing = next((s for s in required if self.slots.get(s) is None), None)
        if missing is None:
            self.apply([slot_event("requested_slot", None)])
            self.active = False
            return "done"
        asked = await self.run_action(ASK_ACTIONS[missing](), [])
        self.apply(asked + [slot_event("requested_slot", missing)])
        return "asking"

    async def start(self, text: str = "ik wil vrijwilliger worden", intent: str = "volunteer") -> str:
        self.say_event(text, intent, [])
        self.active = True
        self.apply([{"event": "active_loop", "name": FORM}])
        return await self._validate_and_ask({}, listening=False)

    def say_event(self, text: str, intent: str, entities: List[Dict[str, Any]]) -> None:
        self.messages = []
        self.latest = {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities,
                       "metadata": {}}
        self.events.append({"event": "user", "text": text, "parse_data": self.latest})

    async def say(self, text: str, intent: str = "nlu_fallback", **entities: str) -> str:
        self.say_event(text, intent, [{"entity": k, "value": v, "start": 0, "end": 1} for k, v in entities.items()])
        candidates = self.extract(intent)
        self.apply([slot_event(k, v) for k, v in candidates.items()])
        return await self._validate_and_ask(candidates, listening=True)

    async def resume_after(self, action_name: str) -> str:
        """The rules answered a question with ``action_name``; the form runs again (without validating)."""
        self.apply([{"event": "action", "name": action_name}])
        return await self._validate_and_ask({}, listening=False)

    async def click(self, payload: str) -> str:
        intent, _, rest = payload[1:].partition("{")
        entities = dict(item.split('": "') for item in rest.rstrip("}").strip('"').split('", "')) if rest else {}
        return await self.say(payload, intent, **entities)

    async def fill(self, answers: List[Tuple[str, str]]) -> None:
        for text, intent in answers:
            assert await self.say(text, intent) == "asking", (text, self.responses())


NL_ANSWERS = [("Jan Peeters", "nlu_fallback"), ("Jan.Peeters@Telenet.BE", "nlu_fallback"), ("9000", "find_initiatives"),
              ("ik help liever tijdens de campagne", "inform"), ("ja, dat mag", "affirm")]
EN_ANSWERS = [("my name is Sarah Janssens", "nlu_fallback"), ("sarah@skynet.be", "ask_organisation"),
              ("Leuven", "nlu_fallback"), ("a local group please", "inform"), ("yes", "affirm")]


@pytest.fixture(autouse=True)
def quiet_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("NOTIFY_TRANSPORT", "SMTP_HOST", "NOTIFY_WEBHOOK_URL", "SIGNUP_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NOTIFY_TRANSPORT", "none")
    monkeypatch.setenv("NOTIFY_BACKOFF_S", "3600")


def background_deliveries() -> List["asyncio.Task[str]"]:
    """Notification attempts started in the background on this test's event loop."""
    loop = asyncio.get_running_loop()
    return [task for task in notify._background if task.get_loop() is loop and not task.done()]


async def form_at(domain: Dict[str, Any], answered: int, language: str = "nl",
                  answers: Optional[List[Tuple[str, str]]] = None) -> FormDriver:
    """A started form with the first ``answered`` questions answered (by default in its language)."""
    form = FormDriver(domain, language)
    await form.start()
    await form.fill((answers or (EN_ANSWERS if language == "en" else NL_ANSWERS))[:answered])
    return form


async def submit(driver: FormDriver, wait_for_delivery: bool = True) -> List[Dict[str, Any]]:
    """``action_submit_volunteer``; then (by default) let its background delivery attempt finish, so that
    no database work outlives the test."""
    driver.messages = []
    events = await driver.run_action(vf.ActionSubmitVolunteer())
    driver.apply(events)
    if wait_for_delivery:
        await asyncio.gather(*background_deliveries())
    return events


# --- happy paths -------------------------------------------------------------------------------------------------

async def test_dutch_sign_up_from_start_to_stored(domain: Dict[str, Any], engine: Engine) -> None:
    form = FormDriver(domain, "nl")
    assert await form.start() == "asking"
    assert form.responses() == ["utter_volunteer_intro"]
    assert "Typ \"stop\"" in form.texts()[0] and form.texts()[0].endswith("Hoe heet je?")
    await form.fill(NL_ANSWERS[:3])
    assert form.responses() == ["utter_ask_volunteer_activity"]
    assert button_titles(domain, form.messages[0], "nl") == [
        "Meedoen met een lokale 11-groep", "Helpen tijdens de novembercampagne", "Iets anders / weet ik nog niet"]
    await form.fill(NL_ANSWERS[3:4])
    assert "hoogstens 365 dagen" in form.texts()[0]  # the privacy line names the retention period
    await form.fill(NL_ANSWERS[4:])
    [summary] = form.texts()
    assert "- Naam: Jan Peeters" in summary and "- E-mail: Jan.Peeters@telenet.be" in summary
    assert "- Gemeente: Gent (9000)" in summary and "novembercampagne" in summary
    assert await form.click("/affirm") == "done"
    events = await submit(form)
    assert form.responses() == ["utter_volunteer_signed_up"]
    [row] = signups.signup_rows([1], engine=engine) or signups.signup_rows([], engine=engine)
    assert (row.name, row.email, row.refnis, row.postcode, row.activity, row.language) == (
        "Jan Peeters", "Jan.Peeters@telenet.be", "44021", "9000", "campaign", "nl")
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
    assert signups.count_signups(engine=engine) == 1


# --- each validation failure ----------------------------------------------------------------------------------

@pytest.mark.parametrize("answer, intent", [("ik wil doneren", "donate"), ("ja", "affirm"), ("12345", "nlu_fallback")])
async def test_a_name_that_is_not_one_is_asked_again(domain: Dict[str, Any], answer: str, intent: str) -> None:
    form = await form_at(domain, 0)
    assert await form.say(answer, intent) == "asking"
    assert form.responses() == ["utter_volunteer_name_invalid"]  # explained once, not followed by a second question
    assert form.slots["volunteer_name"] is None and form.slots["requested_slot"] == "volunteer_name"


@pytest.mark.parametrize("answer, response", [
    ("jan.peeters", "utter_volunteer_email_invalid"),
    ("jan@@telenet.be", "utter_volunteer_email_invalid"),
    ("jan@example.com", "utter_volunteer_email_domain"),
    ("jan@gmail.con", "utter_volunteer_email_typo"),
])
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
    assert form.texts() == ["East Flanders covers more than one municipality. Which municipality do you live in, "
                            "or what is your postcode?"]


async def test_an_unclear_activity_is_asked_again_with_the_choices(domain: Dict[str, Any]) -> None:
    form = await form_at(domain, 3)
    await form.say("misschien koken")
    [message] = form.messages
    assert message["response"] == "utter_volunteer_activity_invalid"
    assert len(button_titles(domain, message, "nl")) == 3
    await form.click('/inform{"volunteer_activity": "local_group"}')
    assert form.slots["volunteer_activity"] == "local_group"


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
    assert form.messages == [] and signups.count_signups(engine=engine) == 0


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
    [row] = signups.signup_rows(list(range(1, 10)), engine=engine)
    assert (row.name, row.email) == ("Jan Peters", "jan@skynet.be")


@pytest.mark.parametrize("slot_index", [0, 2, 4, 5])
async def test_stop_cancels_at_any_point_and_nothing_is_stored(
    domain: Dict[str, Any], engine: Engine, slot_index: int
) -> None:
    form = await form_at(domain, slot_index)
    assert await form.say("stop", "stop") == "rejected"  # the rule takes over:
    form.apply([{"event": "action", "name": "action_deactivate_loop"}, {"event": "active_loop", "name": None},
                slot_event("requested_slot", None)])
    form.apply(await form.run_action(vf.ActionCancelVolunteer()))
    assert form.responses() == ["utter_volunteer_cancelled"]
    assert not form.active and all(form.slots[s] is None for s in vf.PERSONAL_SLOTS)
    assert signups.count_signups(engine=engine) == 0


async def test_stop_outside_the_form(domain: Dict[str, Any]) -> None:
    form = FormDriver(domain, "en")
    form.say_event("stop", "stop", [])
    events = await form.run_action(vf.ActionCancelVolunteer())
    assert form.texts() == ["There is nothing running that I could stop. Can I help you with anything else?"]
    assert not [e for e in events if e["event"] == "active_loop"]


@pytest.mark.parametrize("language, question, intent, answer", [
    ("nl", "wat is jullie missie?", "ask_mission", "jan@telenet.be"),
    ("en", "what is your vision", "ask_vision", "jan@telenet.be"),
])
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

async def complete(domain: Dict[str, Any], sender: str, answers: List[Tuple[str, str]], language: str) -> FormDriver:
    form = FormDriver(domain, language, sender=sender)
    await form.start()
    await form.fill(answers)
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
    assert signups.count_signups(engine=engine) == 1
    [row] = signups.signup_rows(list(range(1, 10)), engine=engine)
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
    assert signups.count_signups(engine=engine) == 1


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
        [note] = session.execute(select(signups.Notification)).scalars().all()
    assert (note.status, note.attempts, note.last_error) == ("pending", 1, "TimeoutError")
