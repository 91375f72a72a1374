"""Sending a question left for the team: by e-mail to ``NOTIFY_CENTRAL_EMAIL`` (Reply-To the person) or as a
signed webhook event ``handoff.message.created``, with the sign-ups' transports and settings
(:mod:`horizon.volunteers.notify`) and the outbox's claims and backoff (:mod:`horizon.volunteers.outbox`).

Logs name message ids, recipients' kinds and error classes only.
"""

from __future__ import annotations

import asyncio
import logging
from email.message import EmailMessage
from typing import Any, Dict, Optional

from sqlalchemy.engine import Engine

from horizon.db import run_db
from horizon.handoff.messages import MessageJob, claim_message
from horizon.handoff.models import HandoffMessage
from horizon.volunteers import outbox
from horizon.volunteers.notify import (
    ATTEMPT_FAILED,
    DeliveryReport,
    NotConfigured,
    NotifyConfig,
    language_name,
    record_failed_attempt,
    send_smtp,
    send_webhook,
    team_email,
)

logger = logging.getLogger(__name__)
CENTRAL = "central"


def message_payload(job: MessageJob) -> Dict[str, Any]:
    """The webhook body."""
    return {
        "event": "handoff.message.created",
        "message_id": job.message_id,
        "language": job.language,
        "reply_to": job.email,
        "question": job.question,
        "left_at": job.created_at.isoformat() + "Z",
    }


def build_message_email(job: MessageJob, config: NotifyConfig) -> EmailMessage:
    """A short Dutch e-mail to the team (the organisation's working language); replying answers the person."""
    if not config.central_email:
        raise NotConfigured("no recipient address (set NOTIFY_CENTRAL_EMAIL)")
    return team_email(
        config,
        config.central_email,
        job.email,
        "Vraag voor het team via Horizon",
        "Iemand liet via de Horizon-assistent een vraag voor het team achter.\n\n"
        f"Vraag:\n{job.question}\n\n"
        f"Antwoord naar: {job.email}\n"
        f"Taal: {language_name(job.language)} (antwoord bij voorkeur in die taal)\n"
        f"Achtergelaten op: {job.created_at:%Y-%m-%d %H:%M} UTC\n\n"
        "De persoon zag deze tekst en gaf toestemming om hem te bewaren en door te geven, zodat iemand kan "
        "antwoorden. Gebruik het adres alleen daarvoor.\n",
    )


async def send_message(job: MessageJob, config: NotifyConfig) -> None:
    if config.transport == "webhook":
        await asyncio.wait_for(send_webhook(message_payload(job), config), timeout=config.timeout_s + 1)
    elif config.transport == "smtp":
        await asyncio.wait_for(send_smtp(build_message_email(job, config), config), timeout=config.timeout_s + 1)
    else:
        raise NotConfigured("no notification transport configured (NOTIFY_TRANSPORT, SMTP_HOST or NOTIFY_WEBHOOK_URL)")


async def deliver_message(
    message_id: int, config: Optional[NotifyConfig] = None, engine: Optional[Engine] = None
) -> str:
    """Try to deliver one message now; returns its status afterwards ("busy" if someone else has it)."""
    config = config or NotifyConfig.from_env()
    job = await run_db(claim_message, message_id, config.lease_s, engine=engine)
    if job is None:
        return "busy"
    try:
        await send_message(job, config)
    except ATTEMPT_FAILED as exc:
        status, error = await record_failed_attempt(message_id, exc, config, engine, model=HandoffMessage)
        logger.warning(
            "handoff: message %s attempt %s failed (%s); now %s", message_id, job.attempts + 1, error, status
        )
        return status
    await run_db(outbox.mark_delivered, message_id, CENTRAL, engine=engine, model=HandoffMessage)
    logger.info("handoff: message %s delivered to %s", message_id, CENTRAL)
    return outbox.DELIVERED


async def deliver_due_messages(
    config: Optional[NotifyConfig] = None, engine: Optional[Engine] = None, limit: int = 100
) -> DeliveryReport:
    """Deliver every message that is due (at most ``limit``)."""
    config = config or NotifyConfig.from_env()
    report = DeliveryReport()
    for message_id in await run_db(outbox.due_ids, limit, engine=engine, model=HandoffMessage):
        report.add(await deliver_message(message_id, config, engine))
    return report
