""" "Vergeet mij" through the real servers over REST: afterwards none of the planted personal data is left in
any file of the runtime folder (databases, their WAL and journal files, logs) nor in any PostgreSQL table.

SQLite: the session's bot (tests/e2e/conftest.py). PostgreSQL: a bot of its own whose project tables and
tracker store live in a database made for the test, with a local webhook as the mail transport, so that the
"forget me" code for an address signed up elsewhere can be read and typed back.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
import sqlalchemy as sa
import yaml

import bot.servers
from bot.servers import Servers, free_port, seed_sample_data
from horizon.db import session_scope
from horizon.handoff.models import HandoffMessage
from tests.e2e.conftest import TOKEN
from tests.postgres import PG_URL, require_postgres
from tests.support.rest import Conversation
from tests.support.signups import stored

Say = Callable[[str], List[Any]]


def texts(messages: List[Any]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


class Planted:
    """A name with a letter outside ASCII, an e-mail address, a phone number and a wish in the person's own words
    (the form keeps it as typed), unique to one test."""

    def __init__(self) -> None:
        number = uuid.uuid4().int
        tag = "".join(chr(ord("a") + (number >> (5 * i)) % 26) for i in range(6))  # letters: a valid name
        digits = f"{number % 10**6:06d}"
        self.surname = f"Ceuppëns{tag}"
        self.name = f"Griet {self.surname}"
        self.email = f"griet.{tag}@telenet.be"
        self.phone = f"0475 {digits[:2]} {digits[2:4]} {digits[4:]}"
        self.wish = f"fotograferen op {tag}feesten"

    def needles(self) -> List[bytes]:
        """Every form a value could be stored in: UTF-8, JSON with \\u escapes, lower case, digits only."""
        values = [
            self.surname,
            self.email,
            self.email.split("@")[0],
            self.phone,
            self.phone.replace(" ", ""),
            self.wish,
        ]
        forms = set()
        for value in values:
            for variant in (value, value.lower()):
                forms.add(variant.encode())
                forms.add(json.dumps(variant)[1:-1].encode())  # ASCII-escaped JSON
                forms.add(variant.encode("utf-16-le"))
        return sorted(forms)


def sign_up(say: Say, who: Planted) -> None:
    say(f"mijn gsm-nummer is {who.phone}, bel me maar")
    assert "Hoe heet je?" in texts(say("ik wil vrijwilliger worden"))
    assert "e-mailadres" in texts(say(who.name))
    assert "gemeente" in texts(say(who.email))
    assert "liefst doen" in texts(say("Kortrijk"))
    assert "Privacy in één zin" in texts(say(who.wish))
    summary = texts(say("ja, dat mag"))
    assert who.surname in summary and who.email in summary and who.wish in summary  # echoed: bot events too
    assert "Bedankt, je bent ingeschreven!" in texts(say("/affirm"))


def leftovers_in_files(folder: Path, who: Planted) -> List[Tuple[str, bytes]]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += [(str(path.relative_to(folder)), needle) for needle in who.needles() if needle in data]
    return found


def leftovers_in_tables(engine: sa.engine.Engine, who: Planted) -> List[Tuple[str, bytes]]:
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    found = []
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            text = "\n".join(
                repr(tuple(row)) + json.dumps(list(map(str, row))) for row in connection.execute(sa.select(table))
            )
            data = text.encode()
            found += [
                (table.name, needle)
                for needle in who.needles()
                if needle.decode(errors="ignore") in text or needle in data
            ]
    return found


def test_forget_me_leaves_nothing_in_the_runtime_folder_on_sqlite(running_bot: Servers, runtime: Path) -> None:
    who = Planted()
    chat = Conversation(running_bot)
    sign_up(chat.say, who)
    assert stored(who.email) == 1
    assert leftovers_in_files(runtime, who)  # the planted values are there before: the search can find them

    assert "ja/nee" in chat.text("vergeet mij")  # nothing is erased without asking
    assert stored(who.email) == 1
    assert "inschrijving verwijderd" in chat.text("ja")

    assert stored(who.email) == 0
    tracker = json.dumps(chat.tracker(), ensure_ascii=False)
    assert who.surname not in tracker and who.email not in tracker and who.phone not in tracker
    assert leftovers_in_files(runtime, who) == []
    # The conversation goes on, in its language, from what remains.
    assert "mondiale rechtvaardigheid" in chat.text("wat is jullie visie?")


def leave_message(say: Say, who: Planted) -> None:
    """A question left for the team (issue 14) with the planted address, phone number and words in it."""
    assert "bericht achterlaten" in texts(say("kan ik iemand van het team spreken?")).lower()
    assert "Wat mag ik doorgeven?" in texts(say("/leave_message"))
    assert "e-mailadres" in texts(say(f"Ik ben {who.name}, bel me op {who.phone} over {who.wish}"))
    shown = texts(say(who.email))
    assert shown.startswith("Dit geef ik door") and who.wish in shown and who.email in shown
    assert "ik heb je bericht doorgegeven" in texts(say("ja"))


def left_messages(email: str) -> int:
    with session_scope() as session:
        return len(session.execute(sa.select(HandoffMessage).where(HandoffMessage.email == email)).all())


def test_forget_me_deletes_a_left_message_and_leaves_nothing_on_sqlite(running_bot: Servers, runtime: Path) -> None:
    who = Planted()
    chat = Conversation(running_bot)
    leave_message(chat.say, who)
    assert left_messages(who.email) == 1
    assert leftovers_in_files(runtime, who)

    assert "ja/nee" in chat.text("vergeet mij")
    assert "bericht dat je voor het team achterliet" in chat.text("ja")
    assert left_messages(who.email) == 0
    assert leftovers_in_files(runtime, who) == []


def test_an_address_signed_up_elsewhere_needs_the_code(running_bot: Servers) -> None:
    """No mail transport in this session: the code is never sent, so every code is wrong; the answers are the
    same as for an unknown address."""
    who = Planted()
    sign_up(Conversation(running_bot).say, who)
    other, stranger = Conversation(running_bot), Conversation(running_bot)
    assert "ja/nee" in texts(other.say(f"vergeet mij, mijn adres is {who.email}"))
    assert "ja/nee" in texts(stranger.say("vergeet mij, mijn adres is niemand.hier@telenet.be"))
    known, unknown = texts(other.say("ja")), texts(stranger.say("ja"))
    assert known == unknown and "code van 6 cijfers" in known and "Typ hier de code" in known
    wrong = [texts(chat.say("123 456")) for chat in (other, stranger)]
    assert wrong[0] == wrong[1] and "Die code klopt niet" in wrong[0] and "4 keer" in wrong[0]
    assert "niets met dat adres verwijderd" in texts(other.say("stop"))
    assert stored(who.email) == 1


# --- PostgreSQL ---------------------------------------------------------------------------------------------


class Hook(BaseHTTPRequestHandler):
    received: List[Dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Hook.received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def sent_code(timeout_s: float = 30) -> str:
    """The code from the webhook: the action server sends it in the background, after its answer."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for body in list(Hook.received):
            if body.get("event") == "volunteer.forget.code":
                return re.search(r"\b(\d{6})\b", body["text"]).group(1)
        time.sleep(0.1)
    raise AssertionError("no code reached the webhook")


@pytest.fixture(scope="module")
def webhook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def pg_bot(
    tmp_path_factory: pytest.TempPathFactory, e2e_env: Dict[str, str], webhook: str
) -> Iterator[Tuple[Servers, str]]:
    """A bot whose project tables and tracker store are in a PostgreSQL database of its own."""
    require_postgres()
    name = f"horizon_e2e_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    runtime = tmp_path_factory.mktemp("runtime-pg")
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    env = dict(e2e_env, DATABASE_URL=url, NOTIFY_TRANSPORT="webhook", NOTIFY_WEBHOOK_URL=webhook)
    template = yaml.safe_load(bot.servers.ENDPOINTS_TEMPLATE.read_text())
    template["tracker_store"] = {
        "type": "bot.tracker_store.CachedSQLTrackerStore",
        "dialect": "postgresql",
        "url": "127.0.0.1",  # Rasa passes a custom store's `url` as `host`
        "port": 5432,
        "username": "postgres",
        "db": name,
    }
    endpoints = runtime / "endpoints-template.yml"
    endpoints.write_text(yaml.safe_dump(template))
    servers = Servers(
        runtime=runtime, port=free_port(), actions_port=free_port(), env=env, logs=runtime / "logs", token=TOKEN
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bot.servers, "ENDPOINTS_TEMPLATE", endpoints)
        patch.setenv("DATABASE_URL", url)
        try:
            seed_sample_data(env)
            servers.start()
            yield servers, url
        finally:
            servers.stop()
            with admin.connect() as connection:
                connection.execute(sa.text(f"DROP DATABASE {name} WITH (FORCE)"))
            admin.dispose()


def test_on_postgresql_the_code_and_forget_me_leave_nothing_in_any_table(pg_bot: Tuple[Servers, str]) -> None:
    servers, url = pg_bot
    who = Planted()
    owner, helper = Conversation(servers), Conversation(servers)
    sign_up(owner.say, who)
    engine = sa.create_engine(url)
    try:
        assert {t for t, _ in leftovers_in_tables(engine, who)} >= {"events", "volunteer_signups"}

        # From another conversation: the code goes to the address (here: the webhook) and is typed back.
        Hook.received.clear()
        assert "ja/nee" in texts(helper.say(f"vergeet mij {who.email}"))
        assert "code van 6 cijfers" in texts(helper.say("/affirm"))
        code = sent_code()
        assert "juiste code" in texts(helper.say(code))
        assert stored(who.email) == 0

        # The owner's own conversation still holds what they typed, until they ask.
        assert "ja/nee" in texts(owner.say("vergeet mij"))
        assert "gewist" in texts(owner.say("ja"))
        assert leftovers_in_tables(engine, who) == []
        assert leftovers_in_files(servers.runtime, who) == []
        for chat in (owner, helper):
            tracker = json.dumps(chat.tracker(), ensure_ascii=False)
            assert who.surname not in tracker and who.email not in tracker
    finally:
        engine.dispose()
