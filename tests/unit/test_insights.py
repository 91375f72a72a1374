"""horizon.insights: conversations saved through the project's real tracker store (bot/tracker_store.py) on a
real SQLite file are ingested into real analytics tables (made by the migrations) and reported.

Planted personal data (a name given in the form, an e-mail address, a phone number, a street address) must
appear in none of the analytics tables, the HTML report or the proposed training examples; a forgotten
conversation must leave no row; a second run must add nothing; a run reads only the new events.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import sqlalchemy as sa
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, Event, SessionStarted, SlotSet, UserUttered
from sqlalchemy.engine import Engine

from bot.paths import DOMAIN
from bot.tracker_store import CachedSQLTrackerStore
from horizon import db
from horizon.insights.ingest import EventRecord, brussels_today, day_of, ingest, unlink
from horizon.insights.masking import mask
from horizon.insights.report import collect, render, write_report
from horizon.insights.teaching import group_questions, never_retrieved, proposals_yaml
from horizon.insights.tracker_source import TrackerStoreSource, ingest_tracker_store
from horizon.privacy.erasure import FORGET_SLOT
from horizon.schema import upgrade_schema
from tests.unit import test_tracker_store as plain

database = plain.database  # the tracker store tests' fixture: an empty SQLite or PostgreSQL database


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(DOMAIN))


@pytest.fixture
def store(tmp_path: Path, domain: Domain) -> Iterator[CachedSQLTrackerStore]:
    tracker_store = CachedSQLTrackerStore(domain=domain, dialect="sqlite", db=str(tmp_path / "tracker.db"))
    yield tracker_store
    tracker_store.engine.dispose()


@pytest.fixture
def analytics(tmp_path: Path) -> Iterator[Engine]:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'horizon.db'}")
    upgrade_schema(engine)
    yield engine
    engine.dispose()


# --- conversations as Rasa logs them ------------------------------------------------------------------------------

_clock = [0.0]


def stamp() -> float:
    _clock[0] = max(_clock[0] + 0.001, time.time())
    return _clock[0]


def said(
    text: Optional[str],
    intent: str,
    confidence: float = 0.95,
    language: str = "nl",
    ranking: Optional[List[Any]] = None,
    channel: str = "socketio",
) -> UserUttered:
    ranking = ranking or [(intent, confidence), ("greet", 0.02)]
    parse = {
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": "language", "value": language}],
        "intent_ranking": [{"name": name, "confidence": value} for name, value in ranking],
        "text": text,
    }
    return UserUttered(
        text, parse["intent"], parse["entities"], parse_data=parse, input_channel=channel, timestamp=stamp()
    )


def answered(action: str, response: Optional[str] = None, **parameters: Any) -> List[Event]:
    events: List[Event] = [ActionExecuted(action, timestamp=stamp())]
    if response:
        events.append(BotUttered("…", metadata={"utter_action": response, **parameters}, timestamp=stamp()))
    return events


def slot(name: str, value: Any) -> SlotSet:
    return SlotSet(name, value, timestamp=stamp())


def listen() -> ActionExecuted:
    return ActionExecuted("action_listen", timestamp=stamp())


def start() -> List[Event]:
    return [ActionExecuted("action_session_start", timestamp=stamp()), SessionStarted(timestamp=stamp()), listen()]


async def _save(store: CachedSQLTrackerStore, sender_id: str, events: List[Event]) -> None:
    tracker = await store.get_or_create_tracker(sender_id)
    for event in events:
        tracker.update(event)
    await store.save(tracker)


def save(store: CachedSQLTrackerStore, sender_id: str, *messages: List[Event]) -> None:
    """Each list is one message's events, saved as Rasa saves them: once per message."""
    for events in messages:
        asyncio.run(_save(store, sender_id, events))


def vision_with_more(language: str = "nl") -> List[List[Event]]:
    return [
        [*start(), said("wat is jullie visie?", "ask_vision", language=language)]
        + answered("action_answer_topic", "utter_topic_vision")
        + [slot("topic", "vision"), listen()],
        [said("vertel me meer", "tell_more", language=language)]
        + answered("action_tell_more", "utter_more_quote", quote=passage_text("vision", 0))
        + [listen()],
    ]


def passage_text(section: str, index: int) -> str:
    from horizon.strategy.text import passage

    return passage("nl", section, index).text


def unanswered(text: str, guess: str = "ask_mission") -> List[Event]:
    return (
        [said(text, "nlu_fallback", 0.45, ranking=[("nlu_fallback", 0.45), (guess, 0.3), ("greet", 0.1)])]
        + answered("action_search_source", "utter_source_unknown")
        + [listen()]
    )


def search(value: str) -> List[Event]:
    return (
        [said("initiatieven in de buurt", "find_initiatives", 0.99)]
        + answered("action_find_initiatives", "utter_initiatives_found_all")
        + [slot("location", value), listen()]
    )


class Planted:
    """Values unique to one test, in the forms a person would type them."""

    def __init__(self) -> None:
        tag = uuid.uuid4().hex[:6]
        letters = "".join(chr(ord("a") + int(c, 16) % 26) for c in tag)
        self.first, self.surname = "Griet", f"Ceuppëns{letters}"
        self.name = f"{self.first} {self.surname}"
        self.email = f"griet.{letters}@telenet.be"
        digits = str(int(tag, 16) % 10**6).zfill(6)
        self.phone = f"0475 {digits[:2]} {digits[2:4]} {digits[4:]}"
        self.street = f"Kerk{letters}straat"
        # a bare three-digit number could be any count or chart coordinate of the report: a letter makes it one,
        # and never a hexadecimal one (a-f), which event ids and pseudonyms are made of ("873c" was found there)
        self.house = f"{int(digits[:3]) + 100}{'ghjkmnpqrstuvwxy'[int(tag[0], 16)]}"

    def values(self) -> List[str]:
        return [self.surname, self.email, self.phone, self.phone.replace(" ", ""), self.street, self.house]


def sign_up_with_personal_data(who: Planted) -> List[List[Event]]:
    """The form, and unanswered questions that carry the same personal data."""
    return [
        [*start(), said("ik wil vrijwilliger worden", "volunteer", 0.99)]
        + answered("volunteer_form", "utter_volunteer_intro")
        + [ActiveLoop("volunteer_form", timestamp=stamp()), slot("requested_slot", "volunteer_name"), listen()],
        [said(who.name, "nlu_fallback", 0.45), slot("volunteer_name", who.name)]
        + answered("volunteer_form", "utter_ask_volunteer_email")
        + [slot("requested_slot", "volunteer_email"), listen()],
        [said(who.email, "nlu_fallback", 0.45), slot("volunteer_email", who.email)]
        + answered("volunteer_form")
        + [slot("requested_slot", None), ActiveLoop(None, timestamp=stamp())]
        + answered("action_submit_volunteer", "utter_volunteer_signed_up", name=who.name, email=who.email)
        + [listen()],
        unanswered(f"kan {who.surname} meedoen, bel {who.phone} of mail {who.email}?"),
        unanswered(f"ik woon in de {who.street} {who.house} in Gent, is er daar iets?"),
        unanswered(f"ik ben {who.first} {who.surname.capitalize()} en heb een vraag over kernenergie"),
    ]


def dump(engine: Engine) -> str:
    """Every row of every table, as text."""
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    with engine.connect() as connection:
        return "\n".join(
            json.dumps([list(map(str, row)) for row in connection.execute(sa.select(table))], ensure_ascii=False)
            for table in metadata.sorted_tables
        )


def count(engine: Engine, table: str, where: str = "1=1") -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar_one())


def url(store: CachedSQLTrackerStore) -> Any:
    return store.engine.url


# --- ingestion --------------------------------------------------------------------------------------------------


def test_a_conversation_becomes_facts_and_a_second_run_adds_nothing(store, analytics) -> None:
    save(store, "c-1", *vision_with_more(), search("postcode:9000"), unanswered("wat vinden jullie van kernenergie?"))
    first = ingest_tracker_store(analytics, url(store))
    assert first.events > 0 and first.turns == 4 and first.conversations == 1

    again = ingest_tracker_store(analytics, url(store))
    assert (again.events, again.turns) == (0, 0)
    assert count(analytics, "insights_turns") == 4 and count(analytics, "insights_conversations") == 1
    with analytics.connect() as connection:
        turns = connection.execute(sa.text("SELECT * FROM insights_turns ORDER BY id")).mappings().all()
        conversation = connection.execute(sa.text("SELECT * FROM insights_conversations")).mappings().one()
    assert [t["intent"] for t in turns] == ["ask_vision", "tell_more", "find_initiatives", "nlu_fallback"]
    assert turns[0]["topic"] == "vision" and not turns[0]["tell_more"]
    assert turns[1]["tell_more"] and turns[1]["topic"] == "vision" and turns[1]["passage"] == "vision:0"
    assert (turns[2]["municipality"], turns[2]["province"]) == ("44021", "VOV")  # the postcode is not kept
    assert (
        turns[3]["unanswered"] and turns[3]["fallback"] and turns[3]["question"] == "wat vinden jullie van kernenergie?"
    )
    assert json.loads(turns[3]["ranking"])[0] == ["ask_mission", 0.3]  # the model's own guess, not the fallback
    assert all(t["question"] is None for t in turns[:3])  # answered questions: no text
    assert conversation["channel"] == "socketio" and conversation["messages"] == 4
    assert conversation["pseudonym"] and "c-1" not in dump(analytics)


def test_a_run_reads_only_the_new_events(store, analytics) -> None:
    save(store, "c-1", *vision_with_more())
    ingest_tracker_store(analytics, url(store))
    save(store, "c-1", unanswered("hoeveel verdient de directeur?"))  # the same conversation goes on
    save(store, "c-2", *vision_with_more("en"))
    second = ingest_tracker_store(analytics, url(store))
    assert second.turns == 3 and second.conversations == 2
    with analytics.connect() as connection:
        messages = dict(connection.execute(sa.text("SELECT language, messages FROM insights_conversations")).all())
    assert messages == {"nl": 3, "en": 2}  # continued, not counted as a new conversation


def test_a_form_answer_is_never_an_unanswered_question(store, analytics) -> None:
    who = Planted()
    save(store, "c-1", *sign_up_with_personal_data(who)[:3])
    ingest_tracker_store(analytics, url(store))
    with analytics.connect() as connection:
        rows = connection.execute(sa.text("SELECT in_form, fallback, question FROM insights_turns")).all()
        signup = connection.execute(sa.text("SELECT signup FROM insights_conversations")).scalar_one()
    assert [tuple(r) for r in rows] == [(0, 0, None), (1, 0, None), (1, 0, None)]
    assert signup == "completed"


def test_planted_personal_data_reaches_neither_the_tables_nor_the_report(store, analytics, tmp_path) -> None:
    who = Planted()
    save(store, "c-pii", *sign_up_with_personal_data(who))
    with store.engine.connect() as connection:  # the raw conversation holds them: the search can find them
        raw = "\n".join(data for (data,) in connection.execute(sa.text("SELECT data FROM events")))
    assert all(value in raw or json.dumps(value)[1:-1] in raw for value in [who.surname, who.email, who.phone])

    ingest_tracker_store(analytics, url(store))
    out = tmp_path / "report.html"
    write_report(analytics, brussels_today() - timedelta(days=1), brussels_today(), out)
    texts = {
        "tables": dump(analytics),
        "html": out.read_text(),
        "proposals": out.with_name("report-training-proposals.yml").read_text(),
    }
    for where, text in texts.items():
        for value in who.values():
            for form in {value, value.lower(), json.dumps(value)[1:-1]}:
                assert form not in text, (where, value)
    # The questions are there, masked: the test looked where they would be.
    assert count(analytics, "insights_turns", "question IS NOT NULL") == 3
    assert "[address]" in texts["tables"] and "[phone]" in texts["tables"] and "[name]" in texts["tables"]


def test_a_name_given_in_the_form_after_the_question_is_masked_in_a_later_run(store, analytics) -> None:
    who = Planted()
    save(store, "c-1", start() + unanswered(f"is {who.surname} hier bekend?"))
    ingest_tracker_store(analytics, url(store))
    assert who.surname in dump(analytics)  # not recognisable as a name on its own, yet
    save(store, "c-1", *sign_up_with_personal_data(who)[1:2])
    ingest_tracker_store(analytics, url(store))
    assert who.surname not in dump(analytics)


def test_forgetting_deletes_every_fact_of_the_conversation(store, analytics) -> None:
    save(store, "keep", *vision_with_more())
    save(store, "gone", *vision_with_more(), unanswered("wat vinden jullie van kernenergie?"))
    ingest_tracker_store(analytics, url(store))
    assert count(analytics, "insights_conversations") == 2
    # The forgetting is the newest write: on SQLite its rows reuse the ids of the erased ones.
    save(
        store,
        "gone",
        [said("vergeet mij", "forget_me", 0.99)]
        + answered("action_forget_me", "utter_forget_me")
        + [slot(FORGET_SLOT, time.time()), slot(FORGET_SLOT, None), listen()],
    )
    result = ingest_tracker_store(analytics, url(store))
    assert result.forgotten == 1
    assert count(analytics, "insights_conversations") == 1 and count(analytics, "insights_turns") == 2
    assert "kernenergie" not in dump(analytics)
    assert count(analytics, "insights_forgotten", "conversations = 1") == 1
    data = collect(analytics, brussels_today() - timedelta(days=1), brussels_today())
    assert data.funnel["forgotten"] == 1


def test_conversations_past_retention_lose_their_pseudonym(store, analytics) -> None:
    save(store, "c-1", *vision_with_more())
    ingest_tracker_store(analytics, url(store))
    with analytics.begin() as connection:
        assert unlink(connection, days=31) == 0
        assert unlink(connection, days=31, today=brussels_today() + timedelta(days=40)) == 1
    assert count(analytics, "insights_conversations", "pseudonym IS NULL") == 1


def test_any_iterable_source_feeds_the_same_code(analytics) -> None:
    """What a consumer of Rasa's event queue (cluster mode) will do: events as dictionaries, its own numbers."""

    class Queue:
        name = "queue"

        def __init__(self, events: List[Dict[str, Any]]) -> None:
            self.items, self.last = events, 0

        def events(self, checkpoint: Dict[str, Any]) -> Iterator[EventRecord]:
            for number, event in enumerate(self.items, start=1):
                if number > checkpoint.get("after", 0):
                    self.last = number
                    yield EventRecord(number, event["sender_id"], event["event"], event)

        def checkpoint(self) -> Dict[str, Any]:
            return {"after": self.last}

    published = [{"sender_id": "q-1", **e.as_dict()} for e in [*start(), *unanswered("waar is het kantoor?")]]
    queue = Queue(published)
    assert ingest(analytics, queue).turns == 1
    assert ingest(analytics, queue).turns == 0
    assert count(analytics, "insights_turns", "question = 'waar is het kantoor?'") == 1


def test_the_tail_check_reads_a_reused_id_again(tmp_path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 't.db'}")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT, "
                                   "timestamp FLOAT, intent_name TEXT, action_name TEXT, data TEXT)"))  # fmt: skip
        for i in range(1, 6):
            connection.execute(sa.text(f"INSERT INTO events VALUES ({i}, 's', 'action', {i}.5, NULL, 'a', '{{}}')"))
    source = TrackerStoreSource(engine)
    assert [r[0] for r in source.events({})] == [1, 2, 3, 4, 5]
    checkpoint = source.checkpoint()
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE id >= 4"))
        connection.execute(sa.text("INSERT INTO events VALUES (4, 't', 'slot', 9.5, NULL, NULL, '{}')"))
        connection.execute(sa.text("INSERT INTO events VALUES (5, 't', 'slot', 9.6, NULL, NULL, '{}')"))
        connection.execute(sa.text("INSERT INTO events VALUES (6, 't', 'slot', 9.7, NULL, NULL, '{}')"))
    assert [r[0] for r in TrackerStoreSource(engine).events(checkpoint)] == [4, 5, 6]


# --- masking -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mail griet@telenet.be of bel +32 475 12 34 56", "mail [email] of bel [phone]"),
        ("ik woon in de Kerkstraat 12a bus 3, 9000 Gent", "ik woon in de [address], [number] Gent"),
        ("I live at rue de la Loi 16", "I live at [address]"),
        ("ik ben Jan Peeters en wil helpen", "ik ben [name] en wil helpen"),
        ("my name is Anna de Smet", "my name is [name]"),
        ("wat vinden jullie van kernenergie?", "wat vinden jullie van kernenergie?"),
        ("geboren op 12/03/1990", "geboren op [number]"),
    ],
)
def test_masking(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_masking_the_form_answers_of_the_conversation_ignores_case_and_accents() -> None:
    assert mask("is griet ceuppens hier?", ["Griet Ceuppëns"]) == "is [name] hier?"


# --- teaching and the report ------------------------------------------------------------------------------------------


def test_similar_questions_form_one_group_with_the_models_guess() -> None:
    ranking = json.dumps([["ask_mission", 0.3]])
    rows = [
        ("wat vinden jullie van kernenergie?", ranking),
        ("wat vinden jullie eigenlijk van kernenergie", ranking),
        ("wat is het weer morgen?", json.dumps([["out_of_scope", 0.9]])),
    ]
    groups = group_questions(rows)
    assert [(g.count, g.proposed_intent) for g in groups] == [(2, "ask_mission"), (1, "out_of_scope")]
    proposals = yaml.safe_load(proposals_yaml(groups))
    assert [item["intent"] for item in proposals["nlu"]] == ["ask_mission", "out_of_scope"]
    assert "- wat vinden jullie van kernenergie?" in proposals["nlu"][0]["examples"]


def test_passages_quoted_are_not_listed_as_never_retrieved() -> None:
    keys = [p.key for p in never_retrieved([])]
    assert "vision:0" in keys and "vision:0" not in [p.key for p in never_retrieved(["vision:0"])]


def test_the_report_draws_every_chart_and_loads_nothing(store, analytics) -> None:
    save(
        store,
        "c-1",
        *vision_with_more(),
        search("municipality:44021"),
        unanswered("wat vinden jullie van kernenergie?"),
    )
    save(store, "c-2", *sign_up_with_personal_data(Planted())[:3])
    ingest_tracker_store(analytics, url(store))
    page = render(collect(analytics, brussels_today() - timedelta(days=6), brussels_today()))
    assert page.count('class="chart"') == 10
    assert "Geen gegevens" not in page  # every chart has data here
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "src=" not in page and page.count("<link") == 1 and '<link rel="icon" href="data:,">' in page
    assert 'data-en="Conversations per day, by channel"' in page


def test_the_report_command_ingests_then_writes_both_files(store, analytics, tmp_path, capsys) -> None:
    from horizon import cli

    save(store, "c-1", start() + unanswered("wat vinden jullie van kernenergie?"))
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        yaml.safe_dump({"tracker_store": {"type": "sql", "dialect": "sqlite", "db": store.engine.url.database}})
    )
    out = tmp_path / "out" / "report.html"
    db.set_engine(analytics)
    try:
        arguments = ["report", "--endpoints", str(endpoints), "--out", str(out), "--from", str(brussels_today())]
        assert cli.main(arguments) == 0
    finally:
        db.set_engine(None)
    printed = capsys.readouterr().out
    assert "1 conversation(s)" in printed and "1 turn(s)" in printed
    assert "kernenergie" in out.read_text()
    assert "kernenergie" in (tmp_path / "out" / "report-training-proposals.yml").read_text()


def test_of_two_runs_at_once_the_one_that_writes_later_writes_nothing(store, analytics) -> None:
    save(store, "c-1", *vision_with_more())

    class Racing(TrackerStoreSource):
        def events(self, checkpoint: Dict[str, Any]) -> Iterator[Any]:
            other = ingest_tracker_store(analytics, url(store))  # another run, while this one reads
            assert other.turns == 2 and not other.skipped
            yield from super().events(checkpoint)

    result = ingest(analytics, Racing(store.engine))
    assert result.skipped and result.turns == 0
    assert count(analytics, "insights_turns") == 2  # counted once


def test_the_tracker_store_is_read_on_postgresql_too(database: Dict[str, Any], domain: Domain, analytics) -> None:
    """The same source over Rasa's table on either database (the ``database`` fixture of the store's tests)."""
    tracker_store = CachedSQLTrackerStore(domain=domain, **database)
    try:
        save(tracker_store, "c-1", *vision_with_more(), unanswered("wat vinden jullie van kernenergie?"))
        first = ingest(analytics, TrackerStoreSource(tracker_store.engine))
        again = ingest(analytics, TrackerStoreSource(tracker_store.engine))
    finally:
        tracker_store.engine.dispose()
    assert (first.turns, again.turns) == (3, 0)
    assert count(analytics, "insights_turns", "question = 'wat vinden jullie van kernenergie?'") == 1


def test_a_name_given_in_the_form_in_an_earlier_run_is_masked_in_a_later_question(store, analytics) -> None:
    who = Planted()
    save(store, "c-1", *sign_up_with_personal_data(who)[:3])
    ingest_tracker_store(analytics, url(store))
    save(store, "c-1", unanswered(f"is {who.surname} nu ingeschreven?"))
    ingest_tracker_store(analytics, url(store))
    assert who.surname not in dump(analytics)
    assert count(analytics, "insights_turns", "question = 'is [name] nu ingeschreven?'") == 1


def test_today_is_the_day_facts_are_filed_under_also_late_in_the_utc_evening() -> None:
    late = datetime(2026, 11, 29, 23, 30, tzinfo=timezone.utc).timestamp()  # 00:30 on the 30th in Brussels
    assert brussels_today(late) == day_of(late) == date(2026, 11, 30)
    summer = datetime(2026, 7, 1, 22, 15, tzinfo=timezone.utc).timestamp()  # 00:15 on 2 July (summer time)
    assert brussels_today(summer) == day_of(summer) == date(2026, 7, 2)
