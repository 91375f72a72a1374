"""Notifications: a real SMTP server (aiosmtpd) and a real webhook receiver (aiohttp) on loopback, a real
database (SQLite and PostgreSQL), the outbox with retries, and the ``deliver`` command as a process.

Every sign-up queues two: the team notification (to a local group or the central address) and the
confirmation to the volunteer, in the sign-up's language."""

from __future__ import annotations

import asyncio
import email
import hashlib
import hmac
import json
import logging
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import Message
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List, Tuple

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.engine import Engine

from bot.paths import ROOT
from bot.servers import free_port
from horizon import db
from horizon.initiatives import importer
from horizon.paths import SOURCE_DIR
from horizon.volunteers import outbox, signups
from horizon.volunteers.confirmation import SIGNATURE, render_confirmation
from horizon.volunteers.notify import NotifyConfig, deliver_due, deliver_one, deliver_soon
from horizon.volunteers.signups import SaveResult, SignupData, save_signup
from tests.support.initiatives import row, write_csv

CENTRAL = "vrijwilligers@11-centraal.be"
VOLUNTEER = "jan.peeters@telenet.be"


# --- a real SMTP server ----------------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """aiosmtpd handler: keeps what it receives; ``refuse`` rejects every recipient."""

    messages: List[Tuple[List[str], Message]] = field(default_factory=list)
    refuse: bool = False

    async def handle_RCPT(  # noqa: N802 (aiosmtpd calls its handlers by SMTP verb)
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse:
            return f"550 5.1.1 <{address}>: recipient unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 (aiosmtpd calls its handlers by SMTP verb)
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"

    def to_team(self) -> List[Tuple[List[str], Message]]:
        """The messages about sign-ups (they carry a Reply-To: the volunteer); not the confirmations."""
        return [(rcpt, message) for rcpt, message in self.messages if message["Reply-To"]]

    def to(self, address: str) -> List[Message]:
        return [message for rcpt, message in self.messages if rcpt == [address]]


@pytest.fixture
def smtp() -> Iterator[Tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def smtp_config(port: int, **overrides: Any) -> NotifyConfig:
    values: Dict[str, Any] = dict(
        transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        central_email=CENTRAL,
        smtp_from="horizon@11-centraal.be",
        timeout_s=5,
        backoff_s=0.01,
    )
    values.update(overrides)
    return NotifyConfig(**values)


# --- a real webhook receiver -----------------------------------------------------------------------------------


@dataclass
class Hook:
    url: str
    received: List[Tuple[Dict[str, str], bytes]] = field(default_factory=list)
    status: int = 200
    delay_s: float = 0.0


@pytest.fixture
async def hook() -> AsyncIterator[Hook]:
    state = Hook(url="")

    async def receive(request: web.Request) -> web.Response:
        state.received.append((dict(request.headers), await request.read()))
        await asyncio.sleep(state.delay_s)
        return web.Response(status=state.status)

    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    state.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/hook"
    try:
        yield state
    finally:
        await runner.cleanup()


def hook_config(url: str, **overrides: Any) -> NotifyConfig:
    values: Dict[str, Any] = dict(
        transport="webhook", webhook_url=url, central_email=CENTRAL, timeout_s=5, backoff_s=0.01
    )
    values.update(overrides)
    return NotifyConfig(**values)


# --- data ------------------------------------------------------------------------------------------------------


def sign_up(engine: Engine, refnis: str = "44021", postcode: str = "9000", **overrides: str) -> int:
    """A sign-up; the id of its team notification."""
    return save(engine, refnis, postcode, **overrides).notification_id


def save(engine: Engine, refnis: str = "44021", postcode: str = "9000", **overrides: str) -> SaveResult:
    values = dict(
        name="Jan Peeters",
        email=VOLUNTEER,
        refnis=refnis,
        postcode=postcode,
        activity="campaign",
        language="nl",
        conversation_id="conv-1",
    )
    values.update(overrides)
    return save_signup(SignupData(**values), engine=engine)


def add_groups(engine: Engine, tmp_path: Path, *rows: Dict[str, str]) -> None:
    importer.import_file(write_csv(tmp_path / "groups.csv", list(rows)), engine=engine)


def status_of(notification_id: int, engine: Engine) -> signups.Notification:
    note = outbox.notification(notification_id, engine=engine)
    assert note is not None
    return note


def text_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(message.get_content_charset() or "utf-8")


def team_events(hook: Hook) -> List[bytes]:
    return [body for _, body in hook.received if json.loads(body)["event"] != "volunteer.signup.confirmation"]


# --- SMTP ------------------------------------------------------------------------------------------------------


async def test_a_sign_up_is_mailed_to_the_central_address(engine: Engine, smtp: Tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    note_id = sign_up(engine)
    report = await deliver_due(smtp_config(port), engine)
    assert (report.delivered, report.retrying, report.failed) == (2, 0, 0)  # the team's and the confirmation
    [(recipients, message)] = mailbox.to_team()
    assert recipients == [CENTRAL]
    assert message["Reply-To"] == "jan.peeters@telenet.be"
    assert message["Subject"] == "Nieuwe vrijwilliger via Horizon: Gent (9000)"
    body = message.get_payload(decode=True).decode()
    assert "Naam: Jan Peeters" in body and "novembercampagne" in body
    assert "geen lokale groep in de buurt" in body
    note = status_of(note_id, engine)
    assert (note.status, note.recipient_kind, note.attempts) == ("delivered", "central", 1)
    assert await deliver_due(smtp_config(port), engine) == type(report)()  # nothing left to send


async def test_the_nearest_local_group_gets_it_when_its_record_allows(
    engine: Engine, smtp: Tuple[Mailbox, int], tmp_path: Path
) -> None:
    mailbox, port = smtp
    add_groups(
        engine,
        tmp_path,
        row("lg-gent", refnis="44021", email="groep-gent@gent-11.be", may_show_contact="ja"),
        row("lg-brugge", refnis="31005", email="groep-brugge@brugge-11.be", may_show_contact="ja"),
    )
    note_id = sign_up(engine, refnis="44088", postcode="9820")  # Merelbeke-Melle, next to Gent
    await deliver_due(smtp_config(port), engine)
    [(recipients, _)] = mailbox.to_team()
    assert recipients == ["groep-gent@gent-11.be"]
    assert status_of(note_id, engine).recipient_kind == "group:lg-gent"


async def test_a_group_whose_contact_may_not_be_used_is_named_to_the_central_address(
    engine: Engine, smtp: Tuple[Mailbox, int], tmp_path: Path
) -> None:
    mailbox, port = smtp
    add_groups(
        engine,
        tmp_path,
        row("lg-gent", name="11-groep Gent", refnis="44021", email="groep-gent@gent-11.be", may_show_contact="nee"),
    )
    sign_up(engine)
    await deliver_due(smtp_config(port), engine)
    [(recipients, message)] = mailbox.to_team()
    assert recipients == [CENTRAL]
    assert "contact niet vrijgegeven): 11-groep Gent" in message.get_payload(decode=True).decode()


@pytest.mark.parametrize(
    "overrides, signup_refnis",
    [
        ({"source": "sample"}, "44021"),  # sample data: its addresses are not real people
        ({}, "71072"),  # Hasselt is far from Gent: further than NOTIFY_MAX_GROUP_KM
    ],
)
async def test_sample_or_distant_groups_are_never_used(
    engine: Engine, smtp: Tuple[Mailbox, int], tmp_path: Path, overrides: Dict[str, str], signup_refnis: str
) -> None:
    mailbox, port = smtp
    add_groups(
        engine, tmp_path, row("lg-gent", refnis="44021", email="groep@gent-11.be", may_show_contact="ja", **overrides)
    )
    sign_up(engine, refnis=signup_refnis, postcode="")
    await deliver_due(smtp_config(port, max_group_km=25), engine)
    assert [recipients for recipients, _ in mailbox.to_team()] == [[CENTRAL]]


async def test_an_unreachable_mail_server_is_retried_until_it_works(
    engine: Engine, smtp: Tuple[Mailbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    mailbox, port = smtp
    note_id = sign_up(engine)
    before = signups.utcnow()
    report = await deliver_due(smtp_config(free_port(), backoff_s=60), engine)
    assert (report.delivered, report.retrying) == (0, 2)
    note = status_of(note_id, engine)
    assert (note.status, note.attempts) == ("pending", 1)
    assert before + timedelta(seconds=55) < note.next_attempt_at < before + timedelta(seconds=65)
    assert "@" not in (note.last_error or "") and note.last_error
    assert await deliver_due(smtp_config(port), engine) == type(report)()  # not due yet: waits for the backoff
    with signups.session_scope(engine) as session:  # time passes
        session.get(signups.Notification, note_id).next_attempt_at = before
    report = await deliver_due(smtp_config(port), engine)
    assert report.delivered == 1 and len(mailbox.to_team()) == len(mailbox.messages) == 1
    assert (status_of(note_id, engine).status, status_of(note_id, engine).attempts) == ("delivered", 2)
    assert "jan.peeters" not in caplog.text and "Jan Peeters" not in caplog.text


async def test_a_refused_recipient_is_recorded_without_the_address(engine: Engine, smtp: Tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    mailbox.refuse = True
    note_id = sign_up(engine)
    await deliver_due(smtp_config(port), engine)
    note = status_of(note_id, engine)
    assert note.status == "pending" and note.last_error.startswith("SMTPRecipients")
    assert "@" not in note.last_error


# --- webhook ---------------------------------------------------------------------------------------------------


async def test_a_webhook_receives_the_sign_up_signed(engine: Engine, hook: Hook) -> None:
    note_id = sign_up(engine)
    await deliver_due(hook_config(hook.url, webhook_secret="s3cret"), engine)
    [(headers, body)] = [(h, b) for h, b in hook.received if json.loads(b)["event"] == "volunteer.signup.created"]
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers["X-Horizon-Signature"] == f"sha256={expected}"
    payload = json.loads(body)
    assert payload["event"] == "volunteer.signup.created" and payload["notification_id"] == note_id
    assert payload["volunteer"]["email"] == "jan.peeters@telenet.be"
    assert payload["volunteer"]["municipality"] == "Gent (9000)"
    assert payload["recipient"] == {"kind": "central", "group_name": None}
    assert status_of(note_id, engine).status == "delivered"


async def test_a_failing_webhook_is_retried_and_given_up_after_the_maximum(engine: Engine, hook: Hook) -> None:
    hook.status = 500
    note_id = sign_up(engine)
    config = hook_config(hook.url, max_attempts=3)
    for attempt in (1, 2, 3):
        await asyncio.sleep(0.05)  # the backoff of 0.01 s, doubled
        await deliver_due(config, engine)
        assert status_of(note_id, engine).attempts == attempt
    note = status_of(note_id, engine)
    assert (note.status, note.last_error) == ("failed", "HTTP 500")
    await asyncio.sleep(0.1)
    await deliver_due(config, engine)
    assert len(team_events(hook)) == 3  # a failed notification is left for a person: no more attempts


async def test_a_slow_webhook_times_out_and_stays_pending(engine: Engine, hook: Hook) -> None:
    hook.delay_s = 3
    note_id = sign_up(engine)
    started = time.monotonic()
    await deliver_due(hook_config(hook.url, timeout_s=0.5), engine)
    assert time.monotonic() - started < 2.5
    assert status_of(note_id, engine).status == "pending"


async def test_two_deliverers_at_once_send_only_once(engine: Engine, hook: Hook) -> None:
    hook.delay_s = 0.3
    note_id = sign_up(engine)
    config = hook_config(hook.url)
    results = await asyncio.gather(deliver_one(note_id, config, engine), deliver_one(note_id, config, engine))
    assert sorted(results) == ["busy", "delivered"]
    assert len(hook.received) == 1


async def test_background_delivery_returns_at_once(engine: Engine, hook: Hook) -> None:
    hook.delay_s = 1.0
    note_id = sign_up(engine)
    started = time.monotonic()
    task = deliver_soon(note_id, hook_config(hook.url), engine)
    assert time.monotonic() - started < 0.05
    assert not task.done()
    assert await task == "delivered"


async def test_without_a_transport_the_notification_waits(engine: Engine) -> None:
    note_id = sign_up(engine)
    report = await deliver_due(NotifyConfig(transport="none", backoff_s=0.01), engine)
    assert report.retrying == 2
    assert status_of(note_id, engine).last_error == "NotConfigured"


# --- the confirmation to the volunteer -------------------------------------------------------------------------

OTHER_VOLUNTEER = dict(name="An Janssens", email="an.janssens@skynet.be", conversation_id="conv-2")
CONFIRMATIONS = {
    "nl": (
        "Je inschrijving als vrijwilliger bij 11.11.11",
        [
            "Dag Jan Peeters,",
            "- Wat je graag wilt doen: helpen tijdens de novembercampagne (1–11 november)",
            "- Gemeente: Gent (9000)",
            f"- E-mailadres: {VOLUNTEER}",
            "Een lokale 11-groep in je buurt of het centrale team van 11.11.11 kan",
            "bewaren ze hoogstens 90 dagen",
            'Antwoord op deze e-mail met "vergeet mij", of typ in een gesprek met de Horizon-assistent "vergeet mij"',
        ],
    ),
    "en": (
        "Your volunteer sign-up with 11.11.11",
        [
            "Hello Jan Peeters,",
            "- What you would like to do: helping in the November campaign (1–11 November)",
            "- Municipality: Ghent (9000)",
            f"- Email address: {VOLUNTEER}",
            "A local 11-groep near you or the central team of 11.11.11 may contact you",
            "keep them for at most 90 days",
            'Reply to this email with "forget me", or type "forget me"',
        ],
    ),
}


@pytest.mark.parametrize("language", ["nl", "en"])
async def test_the_volunteer_gets_a_confirmation_in_their_language(
    engine: Engine,
    smtp: Tuple[Mailbox, int],
    language: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mailbox, port = smtp
    monkeypatch.setenv("SIGNUP_RETENTION_DAYS", "90")
    caplog.set_level(logging.INFO, logger="horizon.volunteers.notify")
    mine = save(engine, language=language)
    save(engine, **OTHER_VOLUNTEER)  # someone else, signed up at the same time
    report = await deliver_due(smtp_config(port), engine)
    assert report.delivered == 4  # two team notifications, two confirmations
    [message] = mailbox.to(VOLUNTEER)
    subject, phrases = CONFIRMATIONS[language]
    assert (message["Subject"], message["From"], message["To"]) == (subject, "horizon@11-centraal.be", VOLUNTEER)
    assert message["Content-Language"] == language and message["Reply-To"] is None
    text = text_of(message)
    for phrase in phrases:
        assert phrase in text
    raw = message.as_string()
    for someone_else in ("An Janssens", "an.janssens", CENTRAL):  # only this person's own data
        assert someone_else not in raw
    note = status_of(mine.confirmation_id, engine)
    assert (note.kind, note.status, note.recipient_kind) == ("confirmation", "delivered", "volunteer")
    assert f"notification {mine.confirmation_id} (confirmation) delivered to volunteer" in caplog.text
    assert "jan.peeters" not in caplog.text and "Jan Peeters" not in caplog.text


async def test_an_update_is_confirmed_again_as_an_update(engine: Engine, smtp: Tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    save(engine)
    await deliver_due(smtp_config(port), engine)
    save(engine, activity="other")
    await deliver_due(smtp_config(port), engine)
    first, second = mailbox.to(VOLUNTEER)
    assert first["Subject"] == "Je inschrijving als vrijwilliger bij 11.11.11"
    assert second["Subject"] == "Je inschrijving als vrijwilliger bij 11.11.11 is bijgewerkt"
    assert "- Wat je graag wilt doen: iets anders / weet ik nog niet" in text_of(second)


async def test_a_confirmation_needs_no_central_address(engine: Engine, smtp: Tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    result = save(engine)
    report = await deliver_due(smtp_config(port, central_email=None), engine)
    assert (report.delivered, report.retrying) == (1, 1)
    assert [recipients for recipients, _ in mailbox.messages] == [[VOLUNTEER]]
    assert status_of(result.notification_id, engine).last_error == "NotConfigured"


def test_the_confirmation_names_11_11_11_only_as_the_facts_file_does() -> None:
    """The sender's name and address are in data/source/facts.md; no phone number, no other address."""
    facts = (SOURCE_DIR / "facts.md").read_text(encoding="utf-8")
    for part in re.split(r" – |\n", SIGNATURE):
        assert part in facts
    for language in ("nl", "en"):
        for is_update in (False, True):
            text = render_confirmation(
                name="Jan",
                email=VOLUNTEER,
                activity="local_group",
                place="Gent",
                language=language,
                is_update=is_update,
                retention_days=365,
            ).text
            assert not re.search(r"\b0\d{1,2}[ /.]?\d{3}", text)  # 02 536 11 11 and the like
            assert re.findall(r"[\w.-]+@[\w.-]+", text) == [VOLUNTEER]
            assert SIGNATURE in text


async def test_a_webhook_receives_the_confirmation_to_send_signed_with_its_language(engine: Engine, hook: Hook) -> None:
    result = save(engine, language="en")
    await deliver_due(hook_config(hook.url, webhook_secret="s3cret"), engine)
    [(headers, body)] = [(h, b) for h, b in hook.received if json.loads(b)["event"] == "volunteer.signup.confirmation"]
    assert headers["X-Horizon-Signature"] == "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    payload = json.loads(body)
    assert (payload["notification_id"], payload["signup_id"]) == (result.confirmation_id, result.signup_id)
    assert payload["language"] == "en"
    assert payload["to"] == {"name": "Jan Peeters", "email": VOLUNTEER}
    assert payload["subject"] == "Your volunteer sign-up with 11.11.11"
    for phrase in CONFIRMATIONS["en"][1][:3]:
        assert phrase in payload["text"]
    assert status_of(result.confirmation_id, engine).status == "delivered"


async def test_a_forgotten_sign_up_is_never_confirmed(engine: Engine, smtp: Tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    result = save(engine)
    signups.forget("conv-1", engine=engine)
    assert outbox.notification(result.confirmation_id, engine=engine) is None
    report = await deliver_due(smtp_config(port), engine)
    assert report == type(report)() and mailbox.messages == []


# --- configuration and the command -----------------------------------------------------------------------------


def test_configuration_from_the_environment() -> None:
    assert NotifyConfig.from_env({}).transport == "none"
    smtp = NotifyConfig.from_env({"SMTP_HOST": "mail.example", "SMTP_USERNAME": "u", "NOTIFY_CENTRAL_EMAIL": CENTRAL})
    assert (smtp.transport, smtp.smtp_port, smtp.smtp_starttls, smtp.central_email) == ("smtp", 587, True, CENTRAL)
    assert NotifyConfig.from_env({"SMTP_HOST": "h", "SMTP_TLS": "1"}).smtp_port == 465
    both = NotifyConfig.from_env({"SMTP_HOST": "h", "NOTIFY_WEBHOOK_URL": "http://x/hook"})
    assert both.transport == "webhook"
    assert "password" not in repr(NotifyConfig.from_env({"SMTP_PASSWORD": "password"})).lower().replace(
        "smtp_password", ""
    )
    with pytest.raises(ValueError):
        NotifyConfig.from_env({"NOTIFY_TRANSPORT": "pigeon"})


def test_the_deliver_command_sends_what_a_crashed_server_left(tmp_path: Path, smtp: Tuple[Mailbox, int]) -> None:
    """A sign-up stored but never delivered (the action server died right after the commit) is sent by the
    command, in another process."""
    mailbox, port = smtp
    url = f"sqlite:///{tmp_path / 'horizon.db'}"
    stored = db.make_engine(url)
    sign_up(stored)
    stored.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "NOTIFY_CENTRAL_EMAIL": CENTRAL,
        "NOTIFY_TRANSPORT": "smtp",
    }
    done = subprocess.run(
        [sys.executable, "-m", "horizon.cli", "deliver"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "delivered 2," in done.stdout
    assert "jan.peeters" not in done.stderr + done.stdout
    assert sorted(recipients for recipients, _ in mailbox.messages) == sorted([[CENTRAL], [VOLUNTEER]])


async def test_own_words_reach_the_team_and_the_volunteer_and_go_with_forget_me(
    engine: Engine, smtp: Tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    words = "koken voor een benefiet"
    save(engine, activity="other", activity_note=words)
    assert (await deliver_due(smtp_config(port), engine)).delivered == 2
    [(_, team)] = mailbox.to_team()
    assert f'Wil graag: iets anders: "{words}"' in text_of(team)
    [confirmation] = mailbox.to(VOLUNTEER)
    assert f'Wat je graag wilt doen: iets anders: "{words}"' in text_of(confirmation)
    assert signups.forget("conv-1", engine=engine).linked == 1
    with db.session_scope(engine) as session:  # the outbox never held a copy; the sign-up row is gone
        assert session.execute(select(signups.Signup)).first() is None
