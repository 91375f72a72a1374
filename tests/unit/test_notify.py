"""Notifications: a real SMTP server (aiosmtpd) and a real webhook receiver (aiohttp) on loopback, a real
database (SQLite and PostgreSQL), the outbox with retries, and the ``deliver`` command as a process."""

from __future__ import annotations

import asyncio
import email
import hashlib
import hmac
import json
import os
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
from sqlalchemy.engine import Engine

from bot.paths import ROOT
from bot.servers import free_port
from horizon import db
from horizon.initiatives import importer
from horizon.volunteers import outbox, signups
from horizon.volunteers.notify import NotifyConfig, deliver_due, deliver_one, deliver_soon
from horizon.volunteers.signups import SignupData, save_signup
from tests.support.initiatives import row, write_csv

CENTRAL = "vrijwilligers@11-centraal.be"


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
    values = dict(
        name="Jan Peeters",
        email="jan.peeters@telenet.be",
        refnis=refnis,
        postcode=postcode,
        activity="campaign",
        language="nl",
        conversation_id="conv-1",
    )
    values.update(overrides)
    return save_signup(SignupData(**values), engine=engine).notification_id


def add_groups(engine: Engine, tmp_path: Path, *rows: Dict[str, str]) -> None:
    importer.import_file(write_csv(tmp_path / "groups.csv", list(rows)), engine=engine)


def status_of(notification_id: int, engine: Engine) -> signups.Notification:
    note = outbox.notification(notification_id, engine=engine)
    assert note is not None
    return note


# --- SMTP ------------------------------------------------------------------------------------------------------


async def test_a_sign_up_is_mailed_to_the_central_address(engine: Engine, smtp: Tuple[Mailbox, int]) -> None:
    mailbox, port = smtp
    note_id = sign_up(engine)
    report = await deliver_due(smtp_config(port), engine)
    assert (report.delivered, report.retrying, report.failed) == (1, 0, 0)
    [(recipients, message)] = mailbox.messages
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
    [(recipients, _)] = mailbox.messages
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
    [(recipients, message)] = mailbox.messages
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
    assert [recipients for recipients, _ in mailbox.messages] == [[CENTRAL]]


async def test_an_unreachable_mail_server_is_retried_until_it_works(
    engine: Engine, smtp: Tuple[Mailbox, int], caplog: pytest.LogCaptureFixture
) -> None:
    mailbox, port = smtp
    note_id = sign_up(engine)
    before = signups.utcnow()
    report = await deliver_due(smtp_config(free_port(), backoff_s=60), engine)
    assert (report.delivered, report.retrying) == (0, 1)
    note = status_of(note_id, engine)
    assert (note.status, note.attempts) == ("pending", 1)
    assert before + timedelta(seconds=55) < note.next_attempt_at < before + timedelta(seconds=65)
    assert "@" not in (note.last_error or "") and note.last_error
    assert await deliver_due(smtp_config(port), engine) == type(report)()  # not due yet: waits for the backoff
    with signups.session_scope(engine) as session:  # time passes
        session.get(signups.Notification, note_id).next_attempt_at = before
    report = await deliver_due(smtp_config(port), engine)
    assert report.delivered == 1 and len(mailbox.messages) == 1
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
    [(headers, body)] = hook.received
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
    assert len(hook.received) == 3  # a failed notification is left for a person: no more attempts


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
    assert report.retrying == 1
    assert status_of(note_id, engine).last_error == "NotConfigured"


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
    assert "delivered 1," in done.stdout
    assert "jan.peeters" not in done.stderr + done.stdout
    assert [recipients for recipients, _ in mailbox.messages] == [[CENTRAL]]
