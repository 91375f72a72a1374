"""Finding local groups and initiatives near a person: ``action_find_initiatives``.

One action serves the whole search, because what "ja", "nee", "toon meer" or a bare "Gent" means depends on
what it asked last. It keeps that in the slot ``initiative_search`` (a small dict: the place searched as a
canonical value, the theme/country/type codes, the paging offset and what it is waiting for) and the place
itself in ``location``, which stays for the rest of the conversation.

- The place comes from the ``location`` entity (bot.nlu.places.PlaceEntityExtractor), or from the raw text
  through the same resolver, which suggests a near miss ("Bedoel je Kortrijk?") when nothing matched.
- Theme, partner country and type come from a keyword matcher over the fixed vocabularies
  (:mod:`horizon.initiatives.search_terms`).
- Database work runs in a worker thread with a timeout (:func:`horizon.db.run_db`); a database that is
  down or slow gets a polite answer (``utter_initiatives_unavailable``), never a hang.
- A search in a municipality with no result there offers the nearest ones, with their distance.
- Answers built from sample records say so first (``utter_initiatives_sample_data``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import current_language, latest_intent, previous_action
from horizon.db import DatabaseUnavailable, run_db
from horizon.initiatives import repository as repo
from horizon.initiatives.display import InitiativeDisplay, describe_search
from horizon.initiatives.refinement import is_refinement, refined
from horizon.initiatives.search_terms import SearchTerms, find_terms
from horizon.places import (
    AmbiguousPostcode,
    AreaMatch,
    MunicipalityMatch,
    PlaceResolver,
    Resolution,
    Suggestion,
    default_resolver,
    place_label,
)
from horizon.text import tokenize

logger = logging.getLogger(__name__)

PAGE_SIZE = 5
#: Seconds one look-up may take before the person hears "try again later".
DB_TIMEOUT_S = 4.0
#: Channels that get the ``{"cards": [...]}`` custom payload: the web widget renders it, REST clients may.
CARD_CHANNELS = frozenset({"socketio", "rest"})
#: Channels where the cards replace the text list (the widget would otherwise show every result twice).
CARDS_ONLY_CHANNELS = frozenset({"socketio"})
#: Where a message goes when it reached this action by a rule but is not about the search after all.
HANDOVER = {"nlu_fallback": "action_search_source", "out_of_scope": "utter_out_of_scope"}
FIND_INITIATIVES = "find_initiatives"
#: A message of at most this many words that names a place is taken as a place, whatever its intent.
SHORT_ANSWER_WORDS = 5
#: Regions too large to search as one: the person picks a province.
ASK_PROVINCE_IN = frozenset({"VLG", "WAL"})

Mode = str  # "postcode", "municipality", "near", "province" or "everywhere"


@dataclass(frozen=True)
class SearchState:
    """The search in progress, as kept in the slot ``initiative_search``."""

    scope: Optional[str] = None  # canonical place value; None: all of Belgium
    terms: SearchTerms = SearchTerms()
    mode: Optional[Mode] = None  # how the last page was found (kept for the next page)
    next: int = 0
    total: int = 0
    awaiting: Optional[str] = None  # "place", "confirm" (a suggestion) or "choice" (buttons)
    suggested: Optional[str] = None

    @classmethod
    def from_slot(cls, value: Any) -> SearchState:
        if not isinstance(value, dict):
            return cls()
        terms = SearchTerms(value.get("theme"), value.get("country"), value.get("type"))
        return cls(
            value.get("scope"),
            terms,
            value.get("mode"),
            int(value.get("next") or 0),
            int(value.get("total") or 0),
            value.get("awaiting"),
            value.get("suggested"),
        )

    def as_slot(self) -> Dict[str, Any]:
        return {
            "scope": self.scope,
            **self.terms.as_dict(),
            "mode": self.mode,
            "next": self.next,
            "total": self.total,
            "awaiting": self.awaiting,
            "suggested": self.suggested,
        }


@dataclass(frozen=True)
class Request:
    """What the latest message asks: a place (or None) and filters."""

    place: Optional[Resolution]
    terms: SearchTerms
    words: int


# --- reading the message -------------------------------------------------------------------------------------


def read_request(tracker: Tracker, places: PlaceResolver) -> Request:
    """The place and filters of the latest message; a button payload carries its place as an entity."""
    message = tracker.latest_message or {}
    text = (message.get("text") or "").strip()
    found = [e for e in message.get("entities") or [] if e.get("entity") == "location" and e.get("value")]
    is_payload = text.startswith("/")
    if found and (is_payload or len(found) == 1):
        place = places.resolve(str(found[0]["value"]))
    elif is_payload:
        place = None
    else:  # several places ("1040 Etterbeek") or none found by the NLU (a typo): the resolver decides
        place = places.resolve(text)
    spans = [(e["start"], e["end"]) for e in found if isinstance(e.get("start"), int) and isinstance(e.get("end"), int)]
    terms = SearchTerms() if is_payload else find_terms(text, spans)
    return Request(place, terms, 0 if is_payload else len(tokenize(text)))


def suggestion_value(suggestion: Suggestion) -> str:
    """A suggested old name stays an old name once confirmed, so the answer can say what it became."""
    return f"merger:{suggestion.merged_from}" if suggestion.merged_from else suggestion.value


# --- the database --------------------------------------------------------------------------------------------


def lookup(
    place: Optional[Resolution], terms: SearchTerms, offset: int, mode: Optional[Mode] = None
) -> Tuple[Mode, repo.FindResult]:
    """One page of results (blocking: runs in a worker thread).

    Without ``mode``, a municipality is searched by postcode served (when a postcode was given), then by
    municipality, then as "nearest elsewhere"; the first that finds anything gives the mode, which paging
    keeps.
    """
    filters = terms.as_dict()
    page = {"limit": PAGE_SIZE, "offset": offset}
    if place is None:
        return "everywhere", repo.find(**filters, **page)
    if isinstance(place, AreaMatch):
        return "province", repo.find(province=place.area.code, **filters, **page)
    assert isinstance(place, MunicipalityMatch)
    municipality = place.municipality
    if mode:
        modes = [mode]
    else:
        modes = (["postcode"] if place.postcode else []) + ["municipality", "near"]
    result = repo.FindResult(items=(), total=0, offset=offset, limit=PAGE_SIZE)
    for mode in modes:
        if mode == "postcode":
            result = repo.find(postcode=place.postcode, **filters, **page)
        elif mode == "municipality":
            result = repo.find(municipality=municipality.refnis, **filters, **page)
        else:
            result = repo.nearest(
                municipality.latitude,
                municipality.longitude,
                **filters,
                **page,
                exclude_municipality=municipality.refnis,
            )
        if result.total:
            return mode, result
    return modes[-1], result


# --- the action ----------------------------------------------------------------------------------------------


class ActionFindInitiatives(Action):
    """Searches initiatives by place, theme, partner country and type; pages, asks, suggests, remembers."""

    def name(self) -> Text:
        return "action_find_initiatives"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        return await SearchTurn(dispatcher, tracker).answer()


def meant_local_search(tracker: Tracker) -> bool:
    """The message was meant for the local search although it reached another action: it refines the search
    that just ran ("en iets rond klimaat?"), or the classifier was unsure (nlu_fallback) but its best guess was
    a local search and the message names a place ("is er een groep in Wilrijk?", a place it never saw)."""
    message = tracker.latest_message or {}
    if (tracker.active_loop or {}).get("name"):
        return False
    if refines_running_search(tracker):
        return True
    if (message.get("intent") or {}).get("name") != "nlu_fallback":
        return False
    guesses = [i.get("name") for i in message.get("intent_ranking") or [] if i.get("name") != "nlu_fallback"]
    named_place = any(e.get("entity") == "location" for e in message.get("entities") or [])
    return named_place and guesses[:1] == [FIND_INITIATIVES]


def refines_running_search(tracker: Tracker) -> bool:
    """The search answered the previous message and this one only changes part of it
    (:mod:`horizon.initiatives.refinement`)."""
    if previous_action(tracker) != "action_find_initiatives":
        return False
    request = read_request(tracker, default_resolver())
    return is_refinement((tracker.latest_message or {}).get("text") or "", request.terms, request.place is not None)


class SearchTurn:
    """One turn of the search: reads the message and the state, answers, returns the slot events."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        self.dispatcher = dispatcher
        self.tracker = tracker
        self.language = current_language(tracker)
        self.places = default_resolver()
        self.state = SearchState.from_slot(tracker.get_slot("initiative_search"))
        self.intent = latest_intent(tracker)
        self.request = read_request(tracker, self.places)

    async def answer(self) -> List[Dict[Text, Any]]:
        if self.intent in HANDOVER and not self._is_place_answer() and not meant_local_search(self.tracker):
            return [FollowupAction(HANDOVER[self.intent])]
        if self.intent == "deny":
            return self._deny()
        if self.intent == "affirm" and self.state.awaiting == "confirm" and self.request.place is None:
            return await self._search(self.places.resolve(self.state.suggested), self.state.terms)
        if self.intent in ("tell_more", "affirm") and self.request.place is None and not self.request.terms:
            return await self._next_page()
        return await self._new_search()

    def _refines(self) -> bool:
        text = (self.tracker.latest_message or {}).get("text") or ""
        return is_refinement(text, self.request.terms, self.request.place is not None)

    def _is_place_answer(self) -> bool:
        """An unclear message counts as a place when it names one and is short or answers our question."""
        short = self.request.words <= SHORT_ANSWER_WORDS
        return self.request.place is not None and (short or self.state.awaiting is not None)

    def _deny(self) -> List[Dict[Text, Any]]:
        if self.state.awaiting == "confirm":
            return self._ask_place(self.state.terms)
        self.dispatcher.utter_message(response="utter_anything_else")
        return self._remember(replace(self.state, awaiting=None, suggested=None))

    async def _next_page(self) -> List[Dict[Text, Any]]:
        state = self.state
        if state.mode is None:
            return self._ask_place(state.terms)
        if state.next >= state.total:
            self.dispatcher.utter_message(response="utter_initiatives_no_more")
            return []
        place = self.places.resolve(state.scope) if state.scope else None
        return await self._search(place, state.terms, state.next, state.mode)

    async def _new_search(self) -> List[Dict[Text, Any]]:
        if self.state.mode and self._refines():  # "en iets rond klimaat?": the rest of the search stays
            place = self.request.place or (self.places.resolve(self.state.scope) if self.state.scope else None)
            if place is None:
                return await self._search(None, refined(self.state.terms, self.request.terms))
            self.request = replace(self.request, place=place)
            terms = refined(self.state.terms, self.request.terms)
        else:
            terms = self.request.terms
        if not terms and self.state.awaiting:  # "Gent" answering "waar?": the filters asked before
            terms = self.state.terms
        place = self.request.place
        if place is None and self.tracker.get_slot("location"):
            place = self.places.resolve(self.tracker.get_slot("location"))
        if place is None:
            if terms.theme or terms.country:
                return await self._search(None, terms)
            return self._ask_place(terms)
        if isinstance(place, Suggestion):
            self.dispatcher.utter_message(
                response="utter_confirm_initiative_place", place=place_label(place, self.language)
            )
            return self._remember(SearchState(terms=terms, awaiting="confirm", suggested=suggestion_value(place)))
        if isinstance(place, AmbiguousPostcode):
            buttons = [self._place_button(m.name(self.language), m.value) for m in place.candidates]
            self.dispatcher.utter_message(
                response="utter_choose_initiative_municipality", postcode=place.postcode, buttons=buttons
            )
            return self._remember(SearchState(terms=terms, awaiting="choice"))
        if isinstance(place, AreaMatch) and place.area.code in ASK_PROVINCE_IN:
            provinces = sorted(
                (a for a in self.places.areas.values() if a.kind == "province" and a.region == place.area.code),
                key=lambda a: a.code,
            )
            buttons = [self._place_button(a.name(self.language), a.value) for a in provinces]
            self.dispatcher.utter_message(
                response="utter_choose_initiative_province", place=place.area.name(self.language), buttons=buttons
            )
            return self._remember(SearchState(terms=terms, awaiting="choice"))
        return await self._search(place, terms)

    async def _search(
        self, place: Optional[Resolution], terms: SearchTerms, offset: int = 0, mode: Optional[Mode] = None
    ) -> List[Dict[Text, Any]]:
        scope = place.value if place is not None else None
        events = [SlotSet("location", scope)] if scope else []
        try:
            mode, result = await run_db(lookup, place, terms, offset, mode, timeout=DB_TIMEOUT_S)
        except DatabaseUnavailable as exc:
            logger.warning("initiative search failed: %s", exc)  # no message text: it may hold personal data
            self.dispatcher.utter_message(response="utter_initiatives_unavailable")
            return events + self._remember(SearchState(scope, terms))
        label = place_label(place, self.language) if place is not None else None
        self._show(result, mode, label, terms)
        state = SearchState(scope, terms, mode, result.offset + len(result.items), result.total)
        return events + self._remember(state)

    def _show(self, result: repo.FindResult, mode: Mode, place: Optional[str], terms: SearchTerms) -> None:
        search = describe_search(place, terms, self.language)
        if not result.items:
            self.dispatcher.utter_message(response="utter_initiatives_none", search=search)
            return
        if result.any_sample:
            self.dispatcher.utter_message(response="utter_initiatives_sample_data")
        display = InitiativeDisplay(self.places, self.language)
        channel = self.tracker.get_latest_input_channel()
        if channel in CARD_CHANNELS:  # first, so that the summary and its buttons come last
            self.dispatcher.utter_message(json_message=display.cards(result.items))
        lines = "" if channel in CARDS_ONLY_CHANNELS else "\n" + display.lines(result.items)
        response = "utter_initiatives_nearest" if mode == "near" else "utter_initiatives_found"
        if not result.has_more:
            response += "_all"
        self.dispatcher.utter_message(
            response=response,
            search=search,
            place=place or "",
            total=result.total,
            first=result.offset + 1,
            last=result.offset + len(result.items),
            results=lines,
        )

    def _ask_place(self, terms: SearchTerms) -> List[Dict[Text, Any]]:
        self.dispatcher.utter_message(response="utter_ask_initiative_place")
        return self._remember(SearchState(terms=terms, awaiting="place"))

    @staticmethod
    def _place_button(title: str, value: str) -> Dict[str, str]:
        return {"title": title, "payload": f'/find_initiatives{{"location": "{value}"}}'}

    @staticmethod
    def _remember(state: SearchState) -> List[Dict[Text, Any]]:
        return [SlotSet("initiative_search", state.as_slot())]
