"""How to get involved, near the person when they say where they live: ``action_get_involved``.

"ik woon in Kortrijk, kan ik daar iets doen?" names a place: the answer says so warmly, offers to sign up as a
volunteer with that place already filled in, and hands over to the initiative search
(``action_find_initiatives``), which shows the groups nearby or first confirms a near miss ("Bedoel je
Kortrijk?"). Without a place it is the usual list of ways to get involved.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import first_entity
from horizon.places import default_resolver
from horizon.volunteers.answers import named_place


def place_named(tracker: Tracker) -> Optional[str]:
    """The place of the latest message as the volunteer button carries it: the NLU's canonical value, or the
    words of a near miss (the form then asks "Bedoel je Kortrijk?" itself); None without a place."""
    found = first_entity(tracker, "location")
    if found:
        return str(found)
    answer = named_place(tracker.latest_message.get("text"), default_resolver())
    if answer.kind == "suggestion":
        return answer.typed
    return None


class ActionGetInvolved(Action):
    """The ways to get involved; with a place, the groups nearby as well."""

    def name(self) -> Text:
        return "action_get_involved"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[EventType]:
        place = place_named(tracker)
        if place is None:
            dispatcher.utter_message(response="utter_get_involved")
            return []
        dispatcher.utter_message(response="utter_get_involved_near", location=place)
        return [FollowupAction("action_find_initiatives")]
