"""Insights at scale: 100,000 generated conversations ingested and reported, then one day's new events.

The conversations are written straight into a temporary SQL tracker store (Rasa's ``events`` table, rows as
the project's tracker store writes them), with a realistic mix: greetings, strategy questions with "tell me
more", local searches, questions without an answer, out-of-scope ones, volunteer sign-ups (completed,
cancelled, forgotten), Dutch and English, the widget and the REST channel, spread over 30 days. Then:
ingest everything and write the report (the figure: under a minute on this machine), and ingest one more
day's events (proportional to those events, not to the history).

``python -m bench.insights_bench [--conversations N]``; ``make bench`` runs it after the servers' figures.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from horizon.db import make_engine
from horizon.insights.ingest import brussels_today
from horizon.insights.report import write_report
from horizon.insights.tracker_source import ingest_tracker_store
from horizon.schema import upgrade_schema

INTENTS = [
    "greet", "goodbye", "thank", "affirm", "deny", "ask_vision", "ask_mission", "ask_values", "ask_solidarity",
    "ask_levers", "ask_strategy", "ask_facts", "find_initiatives", "volunteer", "donate", "tell_more",
]  # fmt: skip
QUESTIONS = {
    "nl": [
        ("wat vinden jullie van kernenergie?", "ask_mission"),
        ("hoeveel verdient de directeur?", "ask_facts"),
        ("kan ik bij jullie stage lopen?", "get_involved"),
        ("wat is het weer morgen?", "out_of_scope"),
        ("ik ben Jan Peeters, woon in de Kerkstraat 12 en wil helpen", "volunteer"),
    ],
    "en": [
        ("what do you think about nuclear power?", "ask_mission"),
        ("how much does the director earn?", "ask_facts"),
        ("can I do an internship with you?", "get_involved"),
        ("who won the match yesterday?", "out_of_scope"),
    ],
}
TOPICS = [("ask_vision", "vision"), ("ask_mission", "mission"), ("ask_values", "values"), ("ask_levers", "levers")]
PLACES = ["municipality:44021", "municipality:11002", "municipality:21004", "postcode:3000", "municipality:34022",
          "municipality:62063", "postcode:8000", "province:VLI"]  # fmt: skip
METADATA = {"model_id": "bench", "assistant_id": "horizon-11-11-11"}


class Writer:
    """Appends events as rows of Rasa's ``events`` table; the clock advances a few seconds per event."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.rows: List[Tuple[Any, ...]] = []

    def event(self, sender: str, when: float, data: Dict[str, Any]) -> None:
        data = {**data, "timestamp": when, "metadata": {**METADATA, **data.get("metadata", {})}}
        name = data["event"]
        intent = data.get("parse_data", {}).get("intent", {}).get("name")
        self.rows.append((sender, name, when, intent, data.get("name"), json.dumps(data)))
        if len(self.rows) >= 20_000:
            self.flush()

    def flush(self) -> None:
        self.connection.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?,?,?,?,?,?)",
            self.rows,
        )
        self.rows = []


def _ranking(top: str, confidence: float, rng: random.Random) -> List[Dict[str, Any]]:
    others = rng.sample([i for i in INTENTS if i != top], 9)
    rest = (1 - confidence) / len(others)
    return [{"name": top, "confidence": confidence}] + [{"name": o, "confidence": rest} for o in others]


class Conversation:
    """One generated conversation: the turns a person would have with Horizon."""

    def __init__(self, writer: Writer, sender: str, start: float, language: str, channel: str, rng: random.Random):
        self.w, self.sender, self.t, self.language, self.channel, self.rng = (
            writer,
            sender,
            start,
            language,
            channel,
            rng,
        )

    def _e(self, data: Dict[str, Any]) -> None:
        self.t += self.rng.uniform(0.05, 4)
        self.w.event(self.sender, self.t, data)

    def start(self) -> None:
        self._e({"event": "action", "name": "action_session_start"})
        self._e({"event": "session_started"})
        self._e({"event": "action", "name": "action_listen"})

    def say(self, text: str, intent: str, confidence: float, entities: Optional[List[Dict[str, Any]]] = None) -> None:
        ranking = _ranking(intent, confidence, self.rng)
        if intent == "nlu_fallback":
            ranking = [{"name": "nlu_fallback", "confidence": 0.45}] + ranking[1:]
        parse = {
            "intent": {"name": intent, "confidence": confidence},
            "entities": (entities or []) + [{"entity": "language", "value": self.language}],
            "text": text,
            "intent_ranking": ranking,
            "text_tokens": [[0, len(text)]],
        }
        self._e({"event": "user", "text": text, "parse_data": parse, "input_channel": self.channel})
        self._e({"event": "user_featurization", "use_text_for_featurization": False})

    def act(self, action: str, response: Optional[str] = None, **parameters: Any) -> None:
        self._e({"event": "action", "name": action, "policy": "RulePolicy", "confidence": 1.0})
        if response:
            text = f"Antwoord {response} " * 8
            self._e({"event": "bot", "text": text, "data": {}, "metadata": {"utter_action": response, **parameters}})

    def slot(self, name: str, value: Any) -> None:
        self._e({"event": "slot", "name": name, "value": value})

    def listen(self) -> None:
        self._e({"event": "action", "name": "action_listen"})


def _play(c: Conversation, rng: random.Random) -> None:
    """A realistic mix: most conversations are short, some sign up, some ask what Horizon cannot answer."""
    c.start()
    if rng.random() < 0.6:
        c.say("hallo" if c.language == "nl" else "hello", "greet", 0.98)
        c.act("utter_greet", "utter_greet")
        c.listen()
    kind = rng.random()
    if kind < 0.35:
        intent, topic = rng.choice(TOPICS)
        c.say(f"vraag over {topic}", intent, rng.uniform(0.7, 0.99))
        c.act("action_answer_topic", f"utter_topic_{topic}")
        c.slot("topic", topic)
        c.listen()
        if rng.random() < 0.4:
            c.say("vertel me meer", "tell_more", 0.99)
            c.act("action_tell_more", "utter_more_quote", quote="bench quote")
            c.listen()
    elif kind < 0.55:
        place = rng.choice(PLACES)
        c.say("initiatieven in de buurt", "find_initiatives", 0.99, [{"entity": "location", "value": place}])
        c.act("action_find_initiatives", "utter_initiatives_found_all")
        c.slot("location", place)
        c.listen()
    elif kind < 0.75:
        text, guess = rng.choice(QUESTIONS[c.language])
        oos = guess == "out_of_scope"
        c.say(text, "out_of_scope" if oos else "nlu_fallback", 0.9 if oos else 0.45)
        c.act(
            "utter_out_of_scope" if oos else "action_search_source",
            "utter_out_of_scope" if oos else "utter_source_unknown",
        )
        c.listen()
    elif kind < 0.85:
        _sign_up(c, rng)
    else:
        c.say("hoe kan ik doneren?", "donate", 0.97)
        c.act("utter_donate", "utter_donate")
        c.listen()
    if rng.random() < 0.5:
        c.say("bedankt", "thank", 0.97)
        c.act("utter_thank", "utter_thank")
        c.listen()


def _sign_up(c: Conversation, rng: random.Random) -> None:
    c.say("ik wil vrijwilliger worden", "volunteer", 0.99)
    c.act("volunteer_form")
    c._e({"event": "active_loop", "name": "volunteer_form"})
    c.slot("requested_slot", "volunteer_name")
    c.listen()
    name = f"Vrijwilliger {rng.randrange(10**6)}"
    c.say(name, "nlu_fallback", 0.45)
    c.slot("volunteer_name", name)
    c.act("volunteer_form", "utter_ask_volunteer_email")
    c.slot("requested_slot", "volunteer_email")
    c.listen()
    if rng.random() < 0.3:
        c.say("stop", "stop", 0.9)
        c.act("action_cancel_volunteer", "utter_volunteer_cancelled")
        c.slot("requested_slot", None)
        c.listen()
        return
    c.say(f"v{rng.randrange(10**6)}@example.org", "nlu_fallback", 0.45)
    c.act("volunteer_form")
    c.slot("requested_slot", None)
    c._e({"event": "active_loop", "name": None})
    c.act("action_submit_volunteer", "utter_volunteer_signed_up")
    c.listen()


def generate(path: Path, conversations: int, days: int = 30, seed: int = 13, first: int = 0) -> int:
    """Writes ``conversations`` conversations over the ``days`` days before today; returns the events written."""
    connection = sqlite3.connect(path)
    connection.execute(
        "CREATE TABLE IF NOT EXISTS events (id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
        "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), "
        "data TEXT)"
    )
    before = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    rng = random.Random(seed)
    writer = Writer(connection)
    end = datetime.combine(brussels_today(), datetime.min.time()).timestamp()
    for n in range(first, first + conversations):
        start = end - rng.uniform(0, days) * 86400
        language = "nl" if rng.random() < 0.75 else "en"
        channel = "socketio" if rng.random() < 0.7 else rng.choice(["rest", "telegram", "twilio"])
        _play(Conversation(writer, f"bench-{n}", start, language, channel, rng), rng)
    writer.flush()
    connection.commit()
    after = connection.execute("SELECT count(*) FROM events").fetchone()[0]
    connection.close()
    return int(after - before)


def run(conversations: int = 100_000, new_conversations: int = 3_000) -> Dict[str, Any]:
    """Times the full ingest + report (wall clock and this process's CPU), then a day's new events."""
    with tempfile.TemporaryDirectory(prefix="horizon-insights-bench-") as folder:
        work = Path(folder)
        tracker, url = work / "tracker.db", f"sqlite:///{work / 'tracker.db'}"
        started = time.perf_counter()
        events = generate(tracker, conversations)
        generated_s = time.perf_counter() - started
        engine = make_engine(f"sqlite:///{work / 'insights.db'}")
        upgrade_schema(engine)
        started, cpu = time.perf_counter(), time.process_time()
        first = ingest_tracker_store(engine, url)
        ingested_s, ingested_cpu = time.perf_counter() - started, time.process_time() - cpu
        write_report(engine, brussels_today() - timedelta(days=30), brussels_today(), work / "report.html")
        total_s, total_cpu = time.perf_counter() - started, time.process_time() - cpu
        new_events = generate(tracker, new_conversations, days=1, seed=14, first=conversations)
        cpu = time.process_time()
        again = ingest_tracker_store(engine, url)
        again_cpu = time.process_time() - cpu
        assert first.conversations == conversations and again.conversations == new_conversations
        idle = ingest_tracker_store(engine, url)  # nothing new: the cost of a run over the whole history
        engine.dispose()
        return {
            "conversations": conversations,
            "events": events,
            "generate_s": round(generated_s, 1),
            "ingest_s": round(ingested_s, 1),
            "ingest_cpu_s": round(ingested_cpu, 1),
            "ingest_events_per_s": round(events / ingested_s),
            "ingest_and_report_s": round(total_s, 1),
            "ingest_and_report_cpu_s": round(total_cpu, 1),
            "report_s": round(total_s - ingested_s, 1),
            "incremental_events": new_events,
            "incremental_s": round(again.seconds, 2),
            "incremental_cpu_s": round(again_cpu, 2),
            "incremental_events_per_s": round(new_events / again.seconds) if again.seconds else None,
            "nothing_new_s": round(idle.seconds, 3),
        }


def describe(result: Dict[str, Any]) -> str:
    total = result["ingest_and_report_s"]
    return (
        f"insights: {result['conversations']:,} conversations ({result['events']:,} events) ingested in "
        f"{result['ingest_s']} s ({result['ingest_events_per_s']:,} events/s) + report {result['report_s']} s = "
        f"{total} s, CPU {result['ingest_and_report_cpu_s']} s (target < 60 s: {'met' if total < 60 else 'NOT met'})\n"
        f"insights: a day's {result['incremental_events']:,} new events ingested in {result['incremental_s']} s "
        f"(CPU {result['incremental_cpu_s']} s, {result['incremental_events_per_s']:,} events/s); "
        f"a run with nothing new: {result['nothing_new_s']} s"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    args = parser.parse_args()
    print(describe(run(args.conversations)))
