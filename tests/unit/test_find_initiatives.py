"""`action_find_initiatives` with real Trackers, the real domain and a real database seeded with the sample data.

Every database test runs on SQLite (a file in a temporary folder) and on PostgreSQL (127.0.0.1:5432, database
``test``, a schema of its own): the ``engine`` fixture of ``test_initiatives_db`` (skipped only when PostgreSQL
is unreachable and ``CI`` is unset). Messages get their ``location`` entities from the real
``PlaceEntityExtractor``, as the NLU gives them. Expected results are computed with the repository's own
queries over the seeded data, never written down by hand.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any, Dict, Iterator, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.engine import Engine

from actions import initiatives
from actions.initiatives import ActionFindInitiatives, meant_local_search
from actions.source_search import ActionSearchSource
from bot.nlu.places import PlaceEntityExtractor
from horizon import db
from horizon.geo import haversine_km
from horizon.initiatives import importer
from horizon.initiatives import repository as repo
from horizon.initiatives.models import Initiative
from horizon.initiatives.vocabulary import THEMES, country_name, label
from horizon.places import default_resolver
from tests.support.initiatives import all_pages
from tests.unit.conftest import make_tracker

GENT, KORTRIJK, ETTERBEEK, BKZ = "44021", "34022", "21005", "46030"
LANGUAGE_CONDITION = [{"type": "slot", "name": "language", "value": "en"}]


# --- fixtures and helpers ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def extractor() -> PlaceEntityExtractor:
    return PlaceEntityExtractor(PlaceEntityExtractor.get_default_config())


@pytest.fixture
def seeded(engine: Engine) -> Engine:  # noqa: F811 (pytest fixture by name)
    """The database with the sample data, loaded by the same command `make run` uses."""
    assert importer.seed(engine=engine) is not None
    return engine


class Turn:
    """One message to the action and what came back."""

    def __init__(self, messages: List[Dict[str, Any]], events: List[Dict[str, Any]]) -> None:
        self.messages = messages
        self.events = events

    @property
    def responses(self) -> List[Optional[str]]:
        return [m.get("response") for m in self.messages]

    def message(self, prefix: str) -> Dict[str, Any]:
        return next(m for m in self.messages if (m.get("response") or "").startswith(prefix))

    @property
    def results(self) -> Dict[str, Any]:
        """The message with the list of results (found or nearest, with or without "toon meer")."""
        return next(m for m in self.messages if "results" in m)

    @property
    def is_last_page(self) -> bool:
        return self.results["response"].endswith("_all")

    @property
    def cards(self) -> List[Dict[str, Any]]:
        return [card for m in self.messages if m.get("custom") for card in m["custom"]["cards"]]

    def slot(self, name: str) -> Any:
        return next(e["value"] for e in self.events if e.get("event") == "slot" and e["name"] == name)

    def slots(self) -> Dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}


class Chat:
    """A conversation with the action: slots carry over from turn to turn as Rasa would apply them."""

    def __init__(
        self,
        extractor: PlaceEntityExtractor,
        language: str = "nl",
        channel: str = "rest",
        metadata: Optional[Dict[str, Any]] = None,
    ) -> None:
        self.extractor = extractor
        self.slots: Dict[str, Any] = {"language": language}
        self.channel = channel
        self.metadata = metadata

    def tracker(self, text: str, intent: str, entities: Optional[List[Dict[str, Any]]] = None) -> Tracker:
        if entities is None:
            entities = [
                {
                    "entity": "location",
                    "value": m.value,
                    "start": m.start,
                    "end": m.end,
                    "extractor": "PlaceEntityExtractor",
                }
                for m in self.extractor.mentions(text)
            ]
        tracker = make_tracker(text, intent, entities, dict(self.slots))
        tracker.events.append({"event": "user", "text": text, "input_channel": self.channel})
        if self.metadata is not None:
            tracker.latest_message["metadata"] = self.metadata
        return tracker

    async def say(
        self, text: str, intent: str = "find_initiatives", entities: Optional[List[Dict[str, Any]]] = None
    ) -> Turn:
        dispatcher = CollectingDispatcher()
        events = await ActionFindInitiatives().run(dispatcher, self.tracker(text, intent, entities), {})
        turn = Turn(dispatcher.messages, events)
        self.slots.update(turn.slots())
        return turn

    async def click(self, payload: str) -> Turn:
        """A button: Rasa parses `/intent{"location": "..."}` into the intent and the entity."""
        intent, _, rest = payload[1:].partition("{")
        value = rest.split('"')[3]
        return await self.say(payload, intent, [{"entity": "location", "value": value}])


@pytest.fixture
def chat(extractor: PlaceEntityExtractor) -> Chat:
    return Chat(extractor)


def shown_names(turn: Turn) -> List[str]:
    return [card["title"] for card in turn.cards]


def raw_contacts() -> Dict[str, tuple]:
    with db.session_scope() as session:
        rows = session.execute(
            select(Initiative.name, Initiative.email, Initiative.website, Initiative.may_show_contact)
        ).all()
    return {row.name: (row.email, row.website, row.may_show_contact) for row in rows}


# --- places ---------------------------------------------------------------------------------------------------


async def test_by_municipality(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("welke initiatieven zijn er in Gent?")
    expected = all_pages(municipality=GENT)
    assert expected, "the sample data has initiatives in Gent"
    assert shown_names(turn) == [v.name for v in expected[:5]]
    found = turn.message("utter_initiatives_found")
    assert found["total"] == len(expected) and found["first"] == 1 and found["search"] == "Gent"
    assert turn.slot("location") == f"municipality:{GENT}"


async def test_by_postcode_searches_the_postcodes_served(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("welke initiatieven zijn er in 9000?")
    expected = all_pages(postcode="9000")
    assert expected
    assert shown_names(turn) == [v.name for v in expected[:5]]
    assert turn.message("utter_initiatives_found")["search"].startswith("Gent (9000)")
    assert turn.slot("location") == "postcode:9000"


async def test_a_name_merged_in_2025_finds_the_new_municipality(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("is er iets in Kruibeke?")
    expected = all_pages(municipality=BKZ)
    assert expected and shown_names(turn) == [v.name for v in expected[:5]]
    assert "Beveren-Kruibeke-Zwijndrecht" in turn.message("utter_initiatives_found")["search"]
    assert turn.slot("location") == "merger:Kruibeke"


async def test_a_locality_searches_its_municipality_and_names_both(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("is er een groep in Gentbrugge?")
    expected = all_pages(municipality=GENT)
    assert expected and shown_names(turn) == [v.name for v in expected[:5]]
    assert turn.message("utter_initiatives_found")["search"] == "Gentbrugge (Gent)"
    assert turn.slot("location") == "locality:Gentbrugge"


async def test_by_province(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("initiatieven in de provincie Limburg")
    expected = repo.find(province="VLI")
    assert turn.message("utter_initiatives_found")["total"] == expected.total > 5
    assert shown_names(turn) == [v.name for v in expected.items]
    assert turn.slot("location") == "province:VLI"


async def test_a_region_asks_for_the_province(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("initiatieven in Vlaanderen")
    asked = turn.message("utter_choose_initiative_province")
    assert {b["payload"] for b in asked["buttons"]} == {
        f'/find_initiatives{{"location": "province:{code}"}}' for code in ("VAN", "VBR", "VWV", "VOV", "VLI")
    }
    chosen = await chat.click(asked["buttons"][0]["payload"])
    assert chosen.message("utter_initiatives_found")["total"] == repo.find(province="VAN").total


# --- filters --------------------------------------------------------------------------------------------------


async def test_by_theme_without_a_place_searches_everywhere(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("zijn er initiatieven rond klimaat?")
    expected = repo.find(theme="climate")
    assert turn.message("utter_initiatives_found")["total"] == expected.total
    assert turn.message("utter_initiatives_found")["search"] == "klimaat"
    assert shown_names(turn) == [v.name for v in expected.items]


async def test_by_partner_country_in_english(seeded: Engine, extractor: PlaceEntityExtractor) -> None:
    chat = Chat(extractor, language="en")
    turn = await chat.say("which initiatives work in Peru?")
    expected = repo.find(country="PE")
    found = turn.message("utter_initiatives_found")
    assert found["total"] == expected.total and found["search"] == country_name("PE", "en")
    assert shown_names(turn) == [v.name for v in expected.items]


async def test_by_type(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("welke 4de pijlerinitiatieven zijn er in Leuven?")
    expected = repo.find(municipality="24062", type="fourth_pillar")
    assert expected.total, "the sample data has a 4de Pijler initiative in Leuven"
    assert turn.message("utter_initiatives_found")["total"] == expected.total
    assert all("4de Pijlerinitiatief" in card["subtitle"] for card in turn.cards)


async def test_theme_country_and_province_combined(seeded: Engine, chat: Chat) -> None:
    record = next(v for v in all_pages(province="VOV") if v.themes and v.countries)
    theme, country = record.themes[0], record.countries[0]
    text = f"initiatieven rond {label(THEMES, theme)} in {country_name(country)} in Oost-Vlaanderen"
    pages: List[str] = []
    turn = await chat.say(text)
    while True:
        pages += shown_names(turn)
        if turn.is_last_page:
            break
        turn = await chat.say("toon meer", "tell_more")
    expected = all_pages(province="VOV", theme=theme, country=country)
    assert pages == [v.name for v in expected] and record.name in pages


# --- nearest, paging ------------------------------------------------------------------------------------------


async def test_nothing_in_the_municipality_offers_the_nearest_with_distances(seeded: Engine, chat: Chat) -> None:
    places = default_resolver()
    with_records = {v.refnis for v in all_pages()}
    empty = next(
        m
        for m in sorted(places.municipalities.values(), key=lambda m: m.refnis)
        if m.region == "VLG" and m.refnis not in with_records
    )
    turn = await chat.say(f"is er een groep in {empty.name_nl}?")
    near = turn.message("utter_initiatives_nearest")
    assert near["place"] == empty.name_nl
    expected = repo.nearest(empty.latitude, empty.longitude, exclude_municipality=empty.refnis)
    assert shown_names(turn) == [v.name for v in expected.items]
    for card, view in zip(turn.cards, expected.items, strict=True):
        there = places.municipality(view.refnis)
        km = haversine_km(empty.latitude, empty.longitude, there.latitude, there.longitude)
        shown = float(card["subtitle"].rsplit(" · ", 1)[1].split()[0].replace(",", "."))
        assert shown == pytest.approx(km, abs=0.6)
    assert [v.distance_km for v in expected.items] == sorted(v.distance_km for v in expected.items)


def button_payloads(domain: Dict[str, Any], response: str) -> List[str]:
    return [b["payload"] for v in domain["responses"][response] for b in v.get("buttons", [])]


async def test_show_more_pages_through_all_results_then_says_so(
    seeded: Engine, chat: Chat, domain: Dict[str, Any]
) -> None:
    assert "/tell_more" in button_payloads(domain, "utter_initiatives_found")
    assert "/tell_more" not in button_payloads(domain, "utter_initiatives_found_all")
    expected = [v.name for v in all_pages(province="VAN")]
    turn = await chat.say("initiatieven in de provincie Antwerpen")
    seen = shown_names(turn)
    for step in range(1, 100):
        if turn.is_last_page:
            break
        assert turn.results["response"] == "utter_initiatives_found"  # the one with "Toon meer"
        turn = await chat.say("ja" if step % 2 else "toon meer", "affirm" if step % 2 else "tell_more")
        assert turn.results["first"] == len(seen) + 1
        seen += shown_names(turn)
    assert seen == expected and len(expected) > 10
    done = await chat.say("toon meer", "tell_more")
    assert done.responses == ["utter_initiatives_no_more"]


async def test_at_most_five_results_per_answer(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("initiatieven in Brussel")
    found = turn.results
    assert len(turn.cards) == found["last"] - found["first"] + 1 == 5
    assert found["results"].count("\n• ") == len(turn.cards) and found["total"] > 5


# --- asking, suggesting, remembering ---------------------------------------------------------------------------


async def test_ambiguous_postcode_asks_which_municipality(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("is er een 11-groep in 1040?")
    asked = turn.message("utter_choose_initiative_municipality")
    assert asked["postcode"] == "1040"
    payloads = [b["payload"] for b in asked["buttons"]]
    assert f'/find_initiatives{{"location": "municipality:{ETTERBEEK}"}}' in payloads and len(payloads) == 2
    chosen = await chat.click(f'/find_initiatives{{"location": "municipality:{ETTERBEEK}"}}')
    assert chosen.slot("location") == f"municipality:{ETTERBEEK}"
    assert "11-groep" in chosen.results["search"]  # the type asked before is kept


async def test_typo_is_confirmed_before_searching(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("is er een groep in Kotrijk?")
    confirm = turn.message("utter_confirm_initiative_place")
    assert confirm["place"] == "Kortrijk"
    assert "location" not in turn.slots()
    yes = await chat.say("ja", "affirm")
    assert yes.slot("location") == f"municipality:{KORTRIJK}"
    assert yes.results["search"].startswith("Kortrijk")


async def test_no_to_a_suggestion_asks_for_the_place(seeded: Engine, chat: Chat) -> None:
    await chat.say("lokale groep in Kotrijk")
    no = await chat.say("nee", "deny")
    assert no.responses == ["utter_ask_initiative_place"]
    answer = await chat.say("Kortrijk", "nlu_fallback")
    assert answer.slot("location") == f"municipality:{KORTRIJK}"
    assert "11-groep" in answer.results["search"]


async def test_asks_for_the_place_when_missing_and_keeps_the_question(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("is er een lokale groep bij mij in de buurt?")
    assert turn.responses == ["utter_ask_initiative_place"]
    answer = await chat.say("Gent", "out_of_scope")  # how DIET may read a bare place: still the answer
    found = answer.results
    assert found["search"] == "Gent · 11-groep"
    assert found["total"] == repo.find(municipality=GENT, type="local_group").total


async def test_the_place_is_remembered_for_later_questions(seeded: Engine, chat: Chat) -> None:
    await chat.say("is er iets in Kruibeke?")
    later = await chat.say("en welke werken rond klimaat?")
    assert later.results["search"] == "Kruibeke (Beveren-Kruibeke-Zwijndrecht) · klimaat"
    button = await chat.say("/find_initiatives")
    assert button.results["place"].startswith("Kruibeke")


async def test_an_unrelated_unclear_message_is_handed_over(seeded: Engine, chat: Chat) -> None:
    await chat.say("initiatieven in Gent")
    turn = await chat.say("wat vinden jullie van de schuldenlast van arme landen eigenlijk?", "nlu_fallback")
    assert turn.events == [FollowupAction("action_search_source")] and not turn.messages
    turn = await chat.say("wie wint de wereldbeker voetbal dit jaar volgens jou?", "out_of_scope")
    assert turn.events == [FollowupAction("utter_out_of_scope")]


async def test_no_after_results_offers_something_else(seeded: Engine, chat: Chat) -> None:
    await chat.say("initiatieven in Gent")
    assert (await chat.say("nee", "deny")).responses == ["utter_anything_else"]


# --- what an answer shows -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language, words", [("nl", "Dit zijn voorbeeldgegevens"), ("en", "These are sample records")])
async def test_sample_data_is_announced_in_both_languages(
    seeded: Engine, extractor: PlaceEntityExtractor, domain: Dict[str, Any], language: str, words: str
) -> None:
    turn = await Chat(extractor, language).say("initiatives in Gent")
    assert turn.responses[0] == "utter_initiatives_sample_data"
    variations = domain["responses"]["utter_initiatives_sample_data"]
    variation = next(v for v in variations if (v.get("condition") == LANGUAGE_CONDITION) == (language == "en"))
    assert variation["text"].startswith(words)


async def test_real_records_are_not_called_sample(seeded: Engine, chat: Chat, tmp_path) -> None:
    path = tmp_path / "real.csv"
    path.write_text(
        "id,name,type,refnis,themes,source\nr-1,Wereldgroep Gent,local_group,44021,peace,11.11.11 export 2026-11\n",
        encoding="utf-8",
    )
    importer.import_file(path)
    turn = await chat.say("initiatieven rond vrede in Gent")
    assert shown_names(turn) == ["Wereldgroep Gent"]
    assert "utter_initiatives_sample_data" not in turn.responses


async def test_contact_details_only_when_allowed(seeded: Engine, chat: Chat) -> None:
    contacts = raw_contacts()
    seen_hidden = seen_shown = False
    turn = await chat.say("initiatieven in de provincie Antwerpen")
    while True:
        text = turn.results["results"]
        for card in turn.cards:
            email, website, allowed = contacts[card["title"]]
            if allowed:
                seen_shown = True
                assert email in text and card["url"] == website and email in card["text"]
            else:
                seen_hidden = True
                assert email not in text and website not in text and email not in card["text"]
                assert card["url"] is None
        if turn.is_last_page:
            break
        turn = await chat.say("toon meer", "tell_more")
    assert seen_hidden and seen_shown


async def test_labels_follow_the_language(seeded: Engine, extractor: PlaceEntityExtractor) -> None:
    turn = await Chat(extractor, "en").say("initiatives on climate in Ghent")
    found = turn.results
    assert found["search"] == "Ghent · climate"
    assert all(
        card["subtitle"].startswith(("local 11.11.11 group", "Fourth Pillar", "member organisation"))
        for card in turn.cards
    )


WIDGET = {"language": "nl", "path": "/widget/", "capabilities": ["cards"]}


@pytest.mark.parametrize(
    "channel, metadata, cards, lines",
    [
        ("socketio", WIDGET, True, False),  # the widget: cards instead of the list, then the summary with its buttons
        ("socketio", None, False, True),  # any other socket.io client (rasa-webchat): the complete text
        ("socketio", {"customData": {"language": "nl"}}, False, True),
        ("socketio", {"capabilities": "cards"}, False, True),  # not a list: not an announcement
        ("rest", None, True, True),
        ("rest", WIDGET, True, False),
        ("twilio", None, False, True),
        ("telegram", None, False, True),
    ],
)
async def test_cards_where_the_client_renders_them_and_text_elsewhere(
    seeded: Engine,
    extractor: PlaceEntityExtractor,
    channel: str,
    metadata: Optional[Dict[str, Any]],
    cards: bool,
    lines: bool,
) -> None:
    chat = Chat(extractor, channel=channel, metadata=metadata)
    turn = await chat.say("initiatieven in de provincie Antwerpen")
    assert len(turn.cards) == (5 if cards else 0)
    assert turn.results["results"].count("\n• ") == (5 if lines else 0)
    if cards:
        assert turn.messages.index(turn.results) == len(turn.messages) - 1  # the buttons come last


async def test_every_response_the_action_uses_exists(seeded: Engine, chat: Chat, domain: Dict[str, Any]) -> None:
    used = set()
    for text, intent in [
        ("initiatieven in Gent", "find_initiatives"),
        ("toon meer", "tell_more"),
        ("initiatieven in Vlaanderen", "find_initiatives"),
        ("groep in 1050", "find_initiatives"),
        ("groep in Kotrijk", "find_initiatives"),
        ("nee", "deny"),
        ("nee", "deny"),
        ("initiatieven in Henegouwen", "find_initiatives"),
    ]:
        used |= {r for r in (await chat.say(text, intent)).responses if r}
    assert used <= set(domain["responses"])
    assert repo.find(province="WHT").total == 0  # the sample data has nothing in Hainaut:
    assert "utter_initiatives_none" in used


# --- the database down or slow -----------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never answers: a database that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    accepted: List[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


@pytest.fixture
def database_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def point_to(url: str) -> None:
        monkeypatch.setenv("DATABASE_URL", url)
        db.set_engine(None)

    yield point_to
    db.set_engine(None)


async def test_database_down_gives_a_polite_answer(database_at: Any, chat: Chat) -> None:
    database_at(f"postgresql://postgres@127.0.0.1:{closed_port()}/test")
    started = time.monotonic()
    turn = await chat.say("is er een 11-groep in Gent?")
    assert turn.responses == ["utter_initiatives_unavailable"]
    assert time.monotonic() - started < initiatives.DB_TIMEOUT_S
    assert turn.slot("location") == f"municipality:{GENT}"  # the place is still remembered for a retry


async def test_slow_database_times_out_politely(
    database_at: Any, chat: Chat, silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(initiatives, "DB_TIMEOUT_S", 1.0)
    database_at(f"postgresql://postgres@127.0.0.1:{silent_server}/test")
    started = time.monotonic()
    turn = await chat.say("is er een 11-groep in Gent?")
    assert turn.responses == ["utter_initiatives_unavailable"]
    assert time.monotonic() - started < 2.0


async def test_the_event_loop_is_free_during_a_lookup(
    database_at: Any, chat: Chat, silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(initiatives, "DB_TIMEOUT_S", 1.0)
    database_at(f"postgresql://postgres@127.0.0.1:{silent_server}/test")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    task = asyncio.ensure_future(ticker())
    await chat.say("is er een 11-groep in Gent?")
    task.cancel()
    assert ticks >= 10  # about 20 in one second when the loop is not blocked


async def test_events_are_plain_slot_events(seeded: Engine, chat: Chat) -> None:
    turn = await chat.say("initiatieven in Gent")
    assert all(event["event"] == "slot" for event in turn.events)
    assert SlotSet("initiative_search", turn.slot("initiative_search")) in turn.events


def test_the_search_slots_are_set_by_the_action_only(domain: Dict[str, Any]) -> None:
    """A custom mapping that names an action makes Rasa run it after every message (action_extract_slots):
    the search would page forward twice per "toon meer". These slots are set by the action's own events."""
    for name in ("location", "initiative_search"):
        slot = domain["slots"][name]
        assert slot["influence_conversation"] is False
        assert all(m["type"] == "custom" and "action" not in m for m in slot["mappings"]), name


def unsure(
    text: str, extractor: PlaceEntityExtractor, best_guess: str = "find_initiatives", active_loop: Optional[str] = None
) -> Tracker:
    """A message the classifier was unsure about (below the fallback threshold), as Rasa passes it on."""
    entities = [
        {"entity": "location", "value": m.value, "start": m.start, "end": m.end} for m in extractor.mentions(text)
    ]
    tracker = make_tracker(text, "nlu_fallback", entities, {"language": "nl"})
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.45},
        {"name": best_guess, "confidence": 0.36},
        {"name": "inform", "confidence": 0.16},
    ]
    tracker.active_loop = {"name": active_loop} if active_loop else {}
    return tracker


async def test_an_unsure_local_search_that_names_a_place_is_searched(seeded: Engine, extractor) -> None:
    """Seen with the trained model: "is er een groep in Wilrijk?" fell back at 0.45, find_initiatives 0.36."""
    text = "ik zoek eigenlijk een lokale groep ergens in de buurt van Wilrijk"
    dispatcher = CollectingDispatcher()
    assert await ActionSearchSource().run(dispatcher, unsure(text, extractor), {}) == [
        FollowupAction("action_find_initiatives")
    ]
    assert dispatcher.messages == []

    events = await ActionFindInitiatives().run(dispatcher, unsure(text, extractor), {})
    assert FollowupAction("action_search_source") not in events  # no ping-pong: the search answers
    assert dispatcher.messages[-1]["search"] == "Wilrijk (Antwerpen) · 11-groep"  # "lokale groep": the type


@pytest.mark.parametrize(
    "text, best_guess, loop",
    [
        ("wat zegt de strategie eigenlijk over de mensen in Brussel", "ask_strategy", None),  # not a search
        ("wat zegt de strategie eigenlijk over solidariteit", "find_initiatives", None),  # no place named
        ("ik woon ergens in de buurt van Wilrijk denk ik", "find_initiatives", "volunteer_form"),  # the form asks
    ],
)
async def test_other_unsure_messages_stay_with_the_source_search(
    seeded: Engine, extractor, text, best_guess, loop
) -> None:
    tracker = unsure(text, extractor, best_guess, loop)
    assert not meant_local_search(tracker)
    events = await ActionSearchSource().run(CollectingDispatcher(), tracker, {})
    assert FollowupAction("action_find_initiatives") not in events
