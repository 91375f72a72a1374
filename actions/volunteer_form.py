"""The volunteer sign-up form: validating each answer, asking for the next one, storing the result.

Flow (domain/volunteer.yml, data/rules/volunteer.yml): name -> email -> place -> activity -> consent ->
summary (confirm or correct a field) -> ``action_submit_volunteer``. "stop" (or "no" to a free question)
cancels through ``action_cancel_volunteer``; a question in between is answered by its own action and the
form asks again.

Why the pieces are where they are:

* Free answers come in through ``from_text`` slot mappings. When the NLU mistakes a plain answer for a
  question (an e-mail address classified as ``ask_organisation``), the ``extract_*`` methods below take it
  anyway if it looks like an answer to what was asked and not like a question.
* A validator that finds a problem asks again itself, with a message that says what was wrong, and sets
  ``volunteer_reasked`` so that the form's own question (``action_ask_*``) is not repeated after it.
* The sign-up is stored, with its notification in the same transaction, before the person is told it
  worked; the notification is then tried in the background and never delays the answer.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import current_language, latest_intent
from horizon.db import DatabaseUnavailable, run_db
from horizon.places import default_resolver, municipality_label
from horizon.redaction import install_log_redaction
from horizon.volunteers.activities import ACTIVITIES, activity_label
from horizon.volunteers.answers import (
    PlaceAnswer,
    clean_name,
    entity_value,
    field_from,
    is_payload,
    looks_like_question,
    named_place,
    place_answer,
)
from horizon.volunteers.choices import consent_from, read_activity, yes_no
from horizon.volunteers.email import check_email
from horizon.volunteers.notify import deliver_soon
from horizon.volunteers.signups import SignupData, retention_days, save_signup

install_log_redaction()
logger = logging.getLogger(__name__)

FORM = "volunteer_form"
REQUESTED = "requested_slot"
REASKED = "volunteer_reasked"
PENDING_PLACE = "volunteer_pending_place"
POSTCODE = "volunteer_postcode"
#: The person's own words when their answer to "what would you like to do" was none of the choices.
NOTE = "volunteer_activity_note"
#: Intents whose message may name the place where the person lives as the form starts.
STARTING_INTENTS = frozenset({"volunteer", "get_involved"})
SLOT_OF_FIELD = {
    "name": "volunteer_name",
    "email": "volunteer_email",
    "place": "volunteer_place",
    "activity": "volunteer_activity",
}
PERSONAL_SLOTS = (*SLOT_OF_FIELD.values(), NOTE, POSTCODE, PENDING_PLACE, "volunteer_consent", "volunteer_confirmed")
#: Intents the NLU may wrongly give a plain answer; an answer that looks like one is taken anyway.
RESCUABLE_INTENTS = frozenset(
    "ask_organisation ask_vision ask_mission ask_solidarity ask_values ask_levers ask_manifest ask_fourth_pillar "
    "ask_strategy ask_campaign ask_facts bot_challenge".split()
)


# --- reading the tracker -------------------------------------------------------------------------------------


def latest_text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def just_answered(tracker: Tracker) -> bool:
    """True while the form handles the person's latest message (not when it resumes after a question)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") not in (FORM, "action_listen"):
            return False
    return False


def previous_user_text(tracker: Tracker) -> Optional[str]:
    """The text of the person's message before the latest one."""
    texts = [e.get("text") for e in tracker.events if e.get("event") == "user"]
    return texts[-2] if len(texts) >= 2 else None


def form_was_asking(tracker: Tracker) -> bool:
    """The form asked the question the latest message answers (also after the rules deactivated it)."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name") == FORM
    return False


def is_fresh(value: Any, tracker: Tracker) -> bool:
    """The value was typed just now (not a value kept from before, re-validated when the form restarts)."""
    return isinstance(value, str) and value == latest_text(tracker)


def reset_events() -> List[EventType]:
    """Forget every answer of the form (personal data does not stay in the conversation's slots)."""
    return [SlotSet(slot, None) for slot in PERSONAL_SLOTS] + [SlotSet(REASKED, False), SlotSet(REQUESTED, None)]


def place_label(value: Optional[str], postcode: Optional[str], language: str) -> str:
    """The summary's place: "Gent (9000)", or what was typed when it is not (yet) a municipality."""
    result = place_answer(value, default_resolver(), language)
    return municipality_label(result.municipality, language, postcode) if result.municipality else value or ""


def starting_place(tracker: Tracker) -> PlaceAnswer:
    """The place named in the message that starts the form ("ik wil vrijwilliger worden in Gent"): the NLU's
    ``location`` entity, else a near miss of a municipality after "in", "uit", "near", ... ("in Kortrjik")."""
    found = entity_value(tracker.latest_message, "location")
    if found:
        return place_answer(found, default_resolver())
    named = named_place(latest_text(tracker), default_resolver())
    return named if named.kind == "suggestion" else PlaceAnswer("unknown")


# --- validation ----------------------------------------------------------------------------------------------


def _reask(dispatcher: CollectingDispatcher, response: str, slots: Dict[Text, Any], **kwargs: Any) -> Dict[Text, Any]:
    """Say what was wrong (the message asks again) and mark that the form need not ask once more."""
    dispatcher.utter_message(response=response, **kwargs)
    return {**slots, REASKED: True}


async def validate_email_slot(
    slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
) -> Dict[Text, Any]:
    """An address typed for ``slot``: normalised when usable; else asked again, with the likely typo named. Typed
    twice the same, a "typo" is taken as meant. Also the left message's address (actions/handoff.py)."""
    if not isinstance(value, str) or is_payload(value):
        return {slot: None}
    insisted = not is_fresh(value, tracker) or value.strip() == (previous_user_text(tracker) or "").strip()
    result = await check_email(value, allow_typo=insisted)
    if result.ok:
        return {slot: result.normalized}
    if result.problem == "typo":
        return _reask(dispatcher, "utter_volunteer_email_typo", {slot: None}, suggestion=result.suggestion)
    response = "utter_volunteer_email_domain" if result.problem == "domain" else "utter_volunteer_email_invalid"
    return _reask(dispatcher, response, {slot: None})


def _place_buttons(places: Any, language: str) -> List[Dict[str, str]]:
    return [{"title": p.name(language), "payload": f'/inform{{"volunteer_place": "{p.value}"}}'} for p in places]


class ValidateVolunteerForm(FormValidationAction):
    """Checks every answer of ``volunteer_form`` and explains what to fix."""

    def name(self) -> Text:
        return "validate_volunteer_form"

    # --- answers the NLU took for questions -------------------------------------------------------------

    @staticmethod
    def _rescue(
        tracker: Tracker, slot: str, looks_like_answer: Callable[[str], bool], also: FrozenSet[str] = frozenset()
    ) -> Dict[Text, Any]:
        if tracker.get_slot(REQUESTED) != slot or not just_answered(tracker):
            return {}
        if slot in tracker.slots_to_validate() or latest_intent(tracker) not in RESCUABLE_INTENTS | also:
            return {}
        text = latest_text(tracker).strip()
        if not text or is_payload(text) or looks_like_question(text) or not looks_like_answer(text):
            return {}
        return {slot: text}

    async def extract_volunteer_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return self._rescue(tracker, "volunteer_name", lambda text: clean_name(text) is not None)

    async def extract_volunteer_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # A bare address at this question is the answer, also when the NLU heard "forget me (this address)".
        return self._rescue(
            tracker, "volunteer_email", lambda text: "@" in text and len(text.split()) == 1, frozenset({"forget_me"})
        )

    async def extract_volunteer_place(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if self._starting(tracker):
            return self._prefill_place(tracker)
        # "no" to "Did you mean Kortrijk?" is an answer here, not "stop" (deny is left out of the mapping).
        if (
            tracker.get_slot(REQUESTED) == "volunteer_place"
            and tracker.get_slot(PENDING_PLACE)
            and latest_intent(tracker) == "deny"
            and just_answered(tracker)
        ):
            return {"volunteer_place": latest_text(tracker)}
        return self._rescue(
            tracker, "volunteer_place", lambda text: place_answer(text, default_resolver()).kind == "accepted"
        )

    async def extract_volunteer_activity(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        # A choice, or own words ("teksten schrijven over solidariteit" may look like a strategy question).
        return self._rescue(tracker, "volunteer_activity", lambda text: read_activity(text, {}) is not None)

    # --- a place named as the form starts -------------------------------------------------------------------

    @staticmethod
    def _starting(tracker: Tracker) -> bool:
        """The form runs for the first time on the message that started it (nothing asked yet)."""
        return (
            tracker.get_slot(REQUESTED) is None
            and tracker.get_slot("volunteer_place") is None
            and latest_intent(tracker) in STARTING_INTENTS
            and just_answered(tracker)
        )

    @staticmethod
    def _prefill_place(tracker: Tracker) -> Dict[Text, Any]:
        """A municipality is taken; a near miss (its words as typed) waits to be confirmed when the form gets to
        the place ("Bedoel je Kortrijk?"; see ``validate_volunteer_place``); anything else is asked as usual."""
        answer = starting_place(tracker)
        if answer.kind == "accepted" and answer.value:
            return {"volunteer_place": answer.value, POSTCODE: answer.postcode}
        if answer.kind == "suggestion" and answer.typed:
            return {"volunteer_place": answer.typed}
        return {}

    # --- checks ---------------------------------------------------------------------------------------------

    async def validate_volunteer_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        name = clean_name(value)
        if name:
            return {"volunteer_name": name}
        if is_payload(value):  # a button of an earlier message: just ask again
            return {"volunteer_name": None}
        return _reask(dispatcher, "utter_volunteer_name_invalid", {"volunteer_name": None})

    async def validate_volunteer_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        return await validate_email_slot("volunteer_email", value, dispatcher, tracker)

    async def validate_volunteer_place(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        language = current_language(tracker)
        chosen = entity_value(tracker.latest_message, "volunteer_place") if is_fresh(value, tracker) else None
        pending = tracker.get_slot(PENDING_PLACE)
        if chosen:
            value = chosen
        elif pending and is_fresh(value, tracker):
            agreed = yes_no(latest_intent(tracker), value)
            if agreed is True:
                value = pending
            elif agreed is False:
                return _reask(
                    dispatcher, "utter_volunteer_place_declined", {"volunteer_place": None, PENDING_PLACE: None}
                )
        if is_payload(value):
            return {"volunteer_place": None, PENDING_PLACE: None}
        answer = place_answer(value, default_resolver(), language)
        empty = {"volunteer_place": None, PENDING_PLACE: None}
        if answer.kind == "accepted" and answer.municipality is not None:
            kept = tracker.get_slot(POSTCODE)
            postcode = answer.postcode or (kept if kept in answer.municipality.postcodes else None)
            return {"volunteer_place": answer.value, POSTCODE: postcode, PENDING_PLACE: None}
        if tracker.get_slot(REQUESTED) is None:  # named as the form started: no question yet, the place's turn comes
            return {**empty, PENDING_PLACE: answer.value if answer.kind == "suggestion" else None}
        if answer.kind == "suggestion":
            return _reask(
                dispatcher,
                "utter_volunteer_place_suggestion",
                {"volunteer_place": None, PENDING_PLACE: answer.value},
                place=answer.suggested_name,
            )
        if answer.kind == "ambiguous":
            return _reask(
                dispatcher,
                "utter_volunteer_place_ambiguous",
                {**empty, POSTCODE: answer.postcode},
                postcode=answer.postcode,
                buttons=_place_buttons(answer.candidates, language),
            )
        if answer.kind == "area":
            return _reask(
                dispatcher,
                "utter_volunteer_place_area",
                empty,
                area=answer.area_name,
                buttons=_place_buttons(answer.candidates, language),
            )
        return _reask(dispatcher, "utter_volunteer_place_unknown", empty)

    async def validate_volunteer_activity(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        fresh = is_fresh(value, tracker)
        if not fresh and value in ACTIVITIES:  # kept from before (the form restarted): its own words stay too
            return {"volunteer_activity": value}
        answer = read_activity(value, tracker.latest_message if fresh else {})
        if answer:
            return {"volunteer_activity": answer.code, NOTE: answer.note}
        return _reask(dispatcher, "utter_volunteer_activity_invalid", {"volunteer_activity": None, NOTE: None})

    async def validate_volunteer_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        intent = latest_intent(tracker) if is_fresh(value, tracker) else None
        agreed = consent_from(intent, value)
        if agreed is True:
            return {"volunteer_consent": True}
        if agreed is False:  # no consent, no sign-up: forget the answers and end the form
            dispatcher.utter_message(response="utter_volunteer_no_consent")
            return {**{slot: None for slot in PERSONAL_SLOTS}, REQUESTED: None}
        return _reask(dispatcher, "utter_volunteer_consent_unclear", {"volunteer_consent": None})

    async def validate_volunteer_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Dict[Text, Any]:
        if value is True:
            return {"volunteer_confirmed": True}
        fresh = is_fresh(value, tracker)
        field = field_from(value, tracker.latest_message if fresh else {})
        if field:  # empty that field: the form asks it again, then shows the summary again
            cleared = {SLOT_OF_FIELD[field]: None, "volunteer_confirmed": None}
            if field == "place":
                cleared.update({POSTCODE: None, PENDING_PLACE: None})
            if field == "activity":
                cleared[NOTE] = None
            return cleared
        if yes_no(latest_intent(tracker) if fresh else None, value) is True:
            return {"volunteer_confirmed": True}
        return _reask(dispatcher, "utter_volunteer_which_field", {"volunteer_confirmed": None})


# --- asking --------------------------------------------------------------------------------------------------


class AskVolunteerSlot(Action):
    """Asks for one slot of the form, unless the validator just asked again with its own message."""

    slot = ""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    def response(self, tracker: Tracker) -> str:
        return f"utter_ask_{self.slot}"

    def variables(self, tracker: Tracker) -> Dict[str, Any]:
        return {}

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot(REASKED):
            return [SlotSet(REASKED, False)]
        dispatcher.utter_message(response=self.response(tracker), **self.variables(tracker))
        return []


class AskVolunteerName(AskVolunteerSlot):
    slot = "volunteer_name"

    def response(self, tracker: Tracker) -> str:
        # At the start no slot has been requested yet: introduce the form once.
        return "utter_volunteer_intro" if tracker.get_slot(REQUESTED) is None else "utter_ask_volunteer_name"


class AskVolunteerEmail(AskVolunteerSlot):
    slot = "volunteer_email"


class AskVolunteerPlace(AskVolunteerSlot):
    """Asks where the person lives, or confirms a near miss named as the form started ("Bedoel je Kortrijk?")."""

    slot = "volunteer_place"

    def response(self, tracker: Tracker) -> str:
        return "utter_volunteer_place_suggestion" if self._pending(tracker) else "utter_ask_volunteer_place"

    def variables(self, tracker: Tracker) -> Dict[str, Any]:
        pending = self._pending(tracker)
        return {"place": pending.name(current_language(tracker))} if pending else {}

    @staticmethod
    def _pending(tracker: Tracker) -> Any:
        return place_answer(tracker.get_slot(PENDING_PLACE), default_resolver()).municipality


class AskVolunteerActivity(AskVolunteerSlot):
    slot = "volunteer_activity"


class AskVolunteerConsent(AskVolunteerSlot):
    slot = "volunteer_consent"

    def variables(self, tracker: Tracker) -> Dict[str, Any]:
        return {"retention_days": retention_days()}


class AskVolunteerConfirmed(AskVolunteerSlot):
    """The summary, with a button to confirm and one to correct each field."""

    slot = "volunteer_confirmed"

    def response(self, tracker: Tracker) -> str:
        return "utter_volunteer_summary"

    def variables(self, tracker: Tracker) -> Dict[str, Any]:
        language = current_language(tracker)
        return {
            "name": tracker.get_slot("volunteer_name"),
            "email": tracker.get_slot("volunteer_email"),
            "place": place_label(tracker.get_slot("volunteer_place"), tracker.get_slot(POSTCODE), language),
            "activity": activity_label(tracker.get_slot("volunteer_activity"), language, tracker.get_slot(NOTE)),
        }


# --- after the form ------------------------------------------------------------------------------------------


def signup_from(tracker: Tracker) -> SignupData:
    place = place_answer(tracker.get_slot("volunteer_place"), default_resolver())
    if place.municipality is None:
        raise ValueError("the form ended without a municipality")
    return SignupData(
        name=tracker.get_slot("volunteer_name"),
        email=tracker.get_slot("volunteer_email"),
        refnis=place.municipality.refnis,
        postcode=tracker.get_slot(POSTCODE),
        activity=tracker.get_slot("volunteer_activity"),
        activity_note=tracker.get_slot(NOTE) if tracker.get_slot("volunteer_activity") == "other" else None,
        language=current_language(tracker),
        conversation_id=tracker.sender_id,
    )


class ActionSubmitVolunteer(Action):
    """Stores a confirmed sign-up (and queues its notifications), then tells the person; else forgets."""

    def name(self) -> Text:
        return "action_submit_volunteer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("volunteer_confirmed") is not True:  # ended without consent: nothing to store
            return reset_events()
        try:
            result = await run_db(save_signup, signup_from(tracker))
        except DatabaseUnavailable as exc:
            logger.warning("volunteer sign-up not saved: %s", exc)
            dispatcher.utter_message(response="utter_volunteer_save_failed")
            # Keep the answers: "try again" restarts the form, which shows the summary again.
            return [SlotSet("volunteer_confirmed", None), SlotSet(REQUESTED, None)]
        dispatcher.utter_message(response="utter_volunteer_signed_up" if result.created else "utter_volunteer_updated")
        logger.info("volunteer sign-up %s %s", result.signup_id, "created" if result.created else "updated")
        for notification_id in result.notification_ids:  # to the team, and the confirmation to the volunteer
            deliver_soon(notification_id)
        return reset_events()


class ActionCancelVolunteer(Action):
    """ "stop": ends the form and forgets its answers; outside a sign-up there is nothing to stop."""

    def name(self) -> Text:
        return "action_cancel_volunteer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        busy = (
            tracker.active_loop.get("name") == FORM
            or form_was_asking(tracker)
            or any(tracker.get_slot(s) is not None for s in PERSONAL_SLOTS)
        )
        dispatcher.utter_message(response="utter_volunteer_cancelled" if busy else "utter_nothing_to_stop")
        events: List[EventType] = [ActiveLoop(None)] if tracker.active_loop.get("name") else []
        return events + reset_events()
