"""Driving the volunteer form the way Rasa 3.6 drives it, for the action tests.

``FormDriver`` plays Rasa's part (rasa/core/actions/forms.py): it extracts the requested slot with the domain's
own ``from_text`` mapping (conditions and ``not_intent``), calls the validation action with the temporary
tracker Rasa builds, treats "nothing extracted and nothing validated" as a rejection, and runs the ask action
of the next empty slot. Rendering uses the domain's responses with the language condition, so both languages
are checked as a person would read them.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import volunteer_form as vf
from horizon.volunteers import notify

FORM = "volunteer_form"
ASK_ACTIONS = {
    cls.slot: cls
    for cls in (
        vf.AskVolunteerName,
        vf.AskVolunteerEmail,
        vf.AskVolunteerPlace,
        vf.AskVolunteerActivity,
        vf.AskVolunteerConsent,
        vf.AskVolunteerConfirmed,
    )
}


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
    """One conversation with the form, driven like Rasa drives it (by default the volunteer form; a subclass
    names another form, its validation action and its ask actions)."""

    form = FORM
    validator: Any = vf.ValidateVolunteerForm
    ask_actions: Dict[str, Any] = ASK_ACTIONS

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
        loop = {"name": self.form} if self.active else {}
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
                if (
                    any(
                        c.get("active_loop") == self.form and c.get("requested_slot") == self.slots["requested_slot"]
                        for c in mapping.get("conditions", [])
                    )
                    and self.active
                ):
                    extracted[name] = self.latest["text"]
        return extracted

    async def run_action(self, action: Any, extra: List[Dict[str, Any]] = ()) -> List[Dict[str, Any]]:  # type: ignore[assignment]
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, self.tracker(extra), self.domain)
        self.messages += dispatcher.messages
        return events

    async def _validate_and_ask(self, candidates: Dict[str, Any], listening: bool) -> str:
        temp = [slot_event("requested_slot", self.slots["requested_slot"]), {"event": "action", "name": self.form}]
        temp += [slot_event(k, v) for k, v in candidates.items()]
        validated = await self.run_action(self.validator(), temp)
        filled = any(e["event"] == "slot" and e["name"] != "requested_slot" for e in validated)
        if listening and self.slots["requested_slot"] and not candidates and not filled:
            return "rejected"
        self.apply([{"event": "action", "name": self.form}] + validated)
        if any(e["event"] == "slot" and e["name"] == "requested_slot" and e["value"] is None for e in validated):
            self.active = False
            return "done"
        required = self.domain["forms"][self.form]["required_slots"]
        missing = next((s for s in required if self.slots.get(s) is None), None)
        if missing is None:
            self.apply([slot_event("requested_slot", None)])
            self.active = False
            return "done"
        asked = await self.run_action(self.ask_actions[missing](), [])
        self.apply(asked + [slot_event("requested_slot", missing)])
        return "asking"

    async def start(self, text: str = "ik wil vrijwilliger worden", intent: str = "volunteer", **entities: str) -> str:
        self.say_event(text, intent, [{"entity": k, "value": v, "start": 0, "end": 1} for k, v in entities.items()])
        self.active = True
        self.apply([{"event": "active_loop", "name": self.form}])
        return await self._validate_and_ask({}, listening=False)

    def say_event(self, text: str, intent: str, entities: List[Dict[str, Any]]) -> None:
        self.messages = []
        self.latest = {
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": entities,
            "metadata": {},
        }
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


NL_ANSWERS = [
    ("Jan Peeters", "nlu_fallback"),
    ("Jan.Peeters@Telenet.BE", "nlu_fallback"),
    ("9000", "find_initiatives"),
    ("ik help liever tijdens de campagne", "inform"),
    ("ja, dat mag", "affirm"),
]
EN_ANSWERS = [
    ("my name is Sarah Janssens", "nlu_fallback"),
    ("sarah@skynet.be", "ask_organisation"),
    ("Leuven", "nlu_fallback"),
    ("a local group please", "inform"),
    ("yes", "affirm"),
]


def background_deliveries() -> List[asyncio.Task[str]]:
    """Notification attempts started in the background on this test's event loop."""
    loop = asyncio.get_running_loop()
    return [task for task in notify._background if task.get_loop() is loop and not task.done()]


async def form_at(
    domain: Dict[str, Any], answered: int, language: str = "nl", answers: Optional[List[Tuple[str, str]]] = None
) -> FormDriver:
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
