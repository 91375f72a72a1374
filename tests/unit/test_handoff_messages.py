"""Questions left for the team (horizon/handoff/): stored, delivered through the outbox to a real SMTP server and
a real webhook receiver on loopback, forgotten with "forget me", purged after the sign-ups' retention."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Tuple

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from horizon.db import session_scope
from horizon.handoff.delivery import deliver_due_messages, deliver_message
from horizon.handoff.messages import LeftMessage, purge_messages, save_message
from horizon.handoff.models import HandoffMessage
from horizon.volunteers import outbox, signups
from horizon.volunteers.models import utcnow
from horizon.volunteers.notify import deliver_soon
from tests.unit.test_notify import CENTRAL, Hook, Mailbox, hook, hook_config, smtp, smtp_config  # noqa: F401

PERSON = "an.desmet@telenet.be"
QUESTION = "Mijn fiscaal attest voor mijn gift van vorig jaar ontbreekt. Kunnen jullie het opnieuw sturen?"


def leave(engine: Engine, conversation: str = "conv-1", email: str = PERSON, language: str = "nl") -> int:
    message = LeftMessage(QUESTION, email, language, signups.conversation_hash(conversation))
    return save_message(message, engine=engine)


def stored(engine: Engine) -> int:
    with session_scope(engine) as session:
        return int(session.execute(select(func.count()).select_from(HandoffMessage)).scalar_one())


def row(engine: Engine, message_id: int) -> HandoffMessage:
    with session_scope(engine) as session:
        found = session.get(HandoffMessage, message_id)
        assert found is not None
        session.expunge(found)
        return found


async def test_a_left_message_is_mailed_to_the_team_with_reply_to_the_person(
    engine: Engine,
    smtp: Tuple[Mailbox, int],  # noqa: F811
) -> None:
    mailbox, port = smtp
    message_id = leave(engine)
    assert await deliver_message(message_id, smtp_config(port), engine) == outbox.DELIVERED
    [(recipients, mail)] = mailbox.messages
    assert recipients == [CENTRAL]
    assert mail["Reply-To"] == PERSON
    assert QUESTION in mail.get_payload(decode=True).decode()
    done = row(engine, message_id)
    assert (done.status, done.recipient_kind, done.attempts) == (outbox.DELIVERED, "central", 1)
    # delivered once: the command finds nothing due any more
    assert (await deliver_due_messages(smtp_config(port), engine)).delivered == 0


async def test_an_unreachable_mail_server_is_retried_by_the_outbox(engine: Engine, smtp: Tuple[Mailbox, int]) -> None:  # noqa: F811
    mailbox, port = smtp
    message_id = leave(engine)
    closed = smtp_config(port + 1 if port < 65535 else port - 1, timeout_s=1)
    assert await deliver_message(message_id, closed, engine) == outbox.PENDING
    failed = row(engine, message_id)
    assert failed.attempts == 1 and failed.last_error and PERSON not in failed.last_error
    with session_scope(engine) as session:  # due again now (the test's backoff is short, but do not wait for it)
        session.get(HandoffMessage, message_id).next_attempt_at = utcnow()
    report = await deliver_due_messages(smtp_config(port), engine)
    assert report.delivered == 1 and len(mailbox.messages) == 1


async def test_a_webhook_receives_the_message_signed(engine: Engine, hook: Hook) -> None:  # noqa: F811
    leave(engine, language="en")
    secret = "s3cret"
    report = await deliver_due_messages(hook_config(hook.url, webhook_secret=secret), engine)
    assert report.delivered == 1
    [(headers, body)] = hook.received
    assert headers["X-Horizon-Signature"] == "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    event = json.loads(body)
    assert (event["event"], event["question"], event["reply_to"], event["language"]) == (
        "handoff.message.created",
        QUESTION,
        PERSON,
        "en",
    )


async def test_background_delivery_through_the_outbox(engine: Engine, hook: Hook) -> None:  # noqa: F811
    message_id = leave(engine)
    task = deliver_soon(message_id, hook_config(hook.url), engine, deliver=deliver_message)
    assert await task == outbox.DELIVERED
    assert len(hook.received) == 1


async def test_without_a_transport_the_message_waits(engine: Engine) -> None:
    message_id = leave(engine)
    from horizon.volunteers.notify import NotifyConfig

    assert await deliver_message(message_id, NotifyConfig(backoff_s=0.01), engine) == outbox.PENDING
    assert row(engine, message_id).last_error == "NotConfigured"


def test_forget_me_deletes_the_conversations_messages_and_those_of_its_own_address(engine: Engine) -> None:
    leave(engine, conversation="conv-1")
    leave(engine, conversation="conv-2", email="An.Desmet@Telenet.be")  # the same address, another conversation
    leave(engine, conversation="conv-3", email="piet@example.org")
    report = signups.forget("conv-1", [PERSON], engine=engine)
    assert report.messages == 2
    assert stored(engine) == 1


def test_retention_purges_old_messages(engine: Engine) -> None:
    old = leave(engine)
    with session_scope(engine) as session:
        session.get(HandoffMessage, old).created_at = utcnow() - timedelta(days=400)
    leave(engine)
    assert purge_messages(365, engine=engine, dry_run=True) == 1
    assert stored(engine) == 2
    assert purge_messages(365, engine=engine) == 1
    assert stored(engine) == 1


def test_a_long_question_is_cut_to_the_column(engine: Engine) -> None:
    message_id = save_message(LeftMessage("x" * 5000, PERSON, "nl", "h"), engine=engine, now=datetime(2026, 1, 1))
    assert len(row(engine, message_id).question) == 1000
