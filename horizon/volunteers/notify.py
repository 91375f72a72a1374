"""Telling the people who follow up that a volunteer signed up, and the volunteer that it worked: by e-mail
(SMTP) or by a webhook.

Each sign-up queues two notifications (:mod:`horizon.volunteers.signups`):

* "team": to the nearest local group (an 11-groep within ``NOTIFY_MAX_GROUP_KM``) when its record allows its
  contact to be used, and it is not sample data; otherwise to the central address ``NOTIFY_CENTRAL_EMAIL``.
* "verification" (not queued with the sign-up): a "forget me" code to the sign-up's own address
  (:mod:`horizon.privacy.verification`), made when it is sent.
* "confirmation": to the volunteer's own address, in the sign-up's language
  (:mod:`horizon.volunteers.confirmation`). By webhook, the event ``volunteer.signup.confirmation`` carries
  the rendered subject and text for the organisation's system to send. Replies go to ``SMTP_FROM``: a person
  should read that mailbox (the message says that replying "vergeet mij" erases the sign-up).

How: notifications are rows of the outbox (:mod:`horizon.volunteers.outbox`), written with the sign-up. Right
after a sign-up, :func:`deliver_soon` tries once in the background (the conversation never waits for it);
``python -m horizon.cli deliver`` (from a timer, cron or ``make deliver``) sends whatever is due,
retrying failures with exponential backoff.

Configuration (environment):

==========================  ===========================================================================
``NOTIFY_TRANSPORT``        ``smtp`` or ``webhook``; default: webhook if ``NOTIFY_WEBHOOK_URL`` is set,
                            else smtp if ``SMTP_HOST`` is set, else none (rows wait until configured)
``NOTIFY_CENTRAL_EMAIL``    where sign-ups go when no local group can be told
``SMTP_HOST``/``SMTP_PORT`` the mail server (port default 587 with STARTTLS, 465 with ``SMTP_TLS``, else 25)
``SMTP_USERNAME``/``SMTP_PASSWORD``, ``SMTP_STARTTLS`` (1/0), ``SMTP_TLS`` (1/0, implicit TLS)
``SMTP_FROM``               sender address (default ``horizon@localhost``)
``NOTIFY_WEBHOOK_URL``      POST target; JSON body; ``X-Horizon-Signature: sha256=<hex HMAC>`` of the
                            body when ``NOTIFY_WEBHOOK_SECRET`` is set
``NOTIFY_TIMEOUT_S``        seconds one attempt may take (default 10)
``NOTIFY_MAX_ATTEMPTS``     attempts before a notification is marked failed (default 10)
``NOTIFY_BACKOFF_S``        wait after the first failure, doubled each time (default 60, cap 6 hours)
``NOTIFY_MAX_GROUP_KM``     how far the nearest local group may be (default 25)
==========================  ===========================================================================

Logs name notification ids, recipients' kinds and error classes only: never a person's name or address.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Set, Tuple

import aiohttp
import aiosmtplib
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from horizon.db import DatabaseUnavailable, run_db, session_scope
from horizon.initiatives.repository import municipality_coords, nearest
from horizon.places import default_resolver, municipality_label
from horizon.privacy import verification
from horizon.volunteers import outbox
from horizon.volunteers.activities import activity_label
from horizon.volunteers.confirmation import Confirmation, confirmation_language, render_confirmation
from horizon.volunteers.signups import retention_days

logger = logging.getLogger(__name__)


def _flag(env: Mapping[str, str], name: str, default: bool = False) -> bool:
    raw = env.get(name, "").strip().lower()
    return default if not raw else raw in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class NotifyConfig:
    """Where and how to send; read from the environment by :meth:`from_env`."""

    transport: str = "none"  # smtp | webhook | none
    central_email: Optional[str] = None
    smtp_host: Optional[str] = None
    smtp_port: int = 25
    smtp_username: Optional[str] = None
    smtp_password: Optional[str] = field(default=None, repr=False)
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_from: str = "horizon@localhost"
    webhook_url: Optional[str] = None
    webhook_secret: Optional[str] = field(default=None, repr=False)
    timeout_s: float = 10.0
    max_attempts: int = 10
    backoff_s: float = 60.0
    max_backoff_s: float = 6 * 3600.0
    max_group_km: float = 25.0

    @property
    def lease_s(self) -> float:
        """How long a claim holds: longer than one attempt can take."""
        return self.timeout_s * 3 + 30

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> NotifyConfig:
        env = os.environ if env is None else env
        get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731
        webhook_url, smtp_host = get("NOTIFY_WEBHOOK_URL"), get("SMTP_HOST")
        transport = (get("NOTIFY_TRANSPORT") or ("webhook" if webhook_url else "smtp" if smtp_host else "none")).lower()
        if transport not in ("smtp", "webhook", "none"):
            raise ValueError(f"NOTIFY_TRANSPORT must be smtp, webhook or none, not {transport!r}")
        tls = _flag(env, "SMTP_TLS")
        starttls = _flag(env, "SMTP_STARTTLS", default=bool(get("SMTP_USERNAME")) and not tls)
        default_port = 465 if tls else 587 if starttls else 25
        return cls(
            transport=transport,
            central_email=get("NOTIFY_CENTRAL_EMAIL"),
            smtp_host=smtp_host,
            smtp_port=int(get("SMTP_PORT") or default_port),
            smtp_username=get("SMTP_USERNAME"),
            smtp_password=get("SMTP_PASSWORD"),
            smtp_starttls=starttls,
            smtp_tls=tls,
            smtp_from=get("SMTP_FROM") or "horizon@localhost",
            webhook_url=webhook_url,
            webhook_secret=get("NOTIFY_WEBHOOK_SECRET"),
            timeout_s=float(get("NOTIFY_TIMEOUT_S") or 10),
            max_attempts=int(get("NOTIFY_MAX_ATTEMPTS") or 10),
            backoff_s=float(get("NOTIFY_BACKOFF_S") or 60),
            max_group_km=float(get("NOTIFY_MAX_GROUP_KM") or 25),
        )


class NotConfigured(RuntimeError):
    """No transport, or no recipient: the notification waits (and is retried) until configuration is fixed."""


class DeliveryFailed(RuntimeError):
    """The transport refused; the message is a safe summary (class and status code only)."""


# --- recipient -----------------------------------------------------------------------------------------------


#: The recipient kind of a confirmation (stored and logged instead of the address).
VOLUNTEER = "volunteer"


@dataclass(frozen=True)
class Recipient:
    kind: str  # "group:<initiative id>", "central" or "volunteer"
    email: Optional[str]
    group_name: Optional[str] = None  # the nearest group, also when its contact may not be used


def choose_recipient(job: outbox.Job, config: NotifyConfig, engine: Optional[Engine] = None) -> Recipient:
    """The nearest local group's contact if its record allows it (and it is real data), else central.

    Blocking (a database query): call it in a thread.
    """
    origin = municipality_coords().get(job.refnis)
    group = None
    if origin is not None:
        try:
            with session_scope(engine) as session:
                found = nearest(
                    origin[0], origin[1], type="local_group", limit=1, max_km=config.max_group_km, session=session
                )
            group = found.items[0] if found.items else None
        except SQLAlchemyError as exc:  # no initiatives imported yet: the central address still works
            logger.warning("notify: no local groups available (%s); using the central address", type(exc).__name__)
    if group is not None and group.email and not group.is_sample:
        return Recipient(kind=f"group:{group.id}", email=group.email, group_name=group.name)
    return Recipient(kind="central", email=config.central_email, group_name=group.name if group else None)


# --- message -------------------------------------------------------------------------------------------------


def place_label(job: outbox.Job, language: str = "nl") -> str:
    """The volunteer's municipality, by default in Dutch, the team's working language: "Gent (9000)"."""
    municipality = default_resolver().municipality(job.refnis)
    return municipality_label(municipality, language, job.postcode) if municipality else job.refnis


def payload(job: outbox.Job, recipient: Recipient) -> Dict[str, Any]:
    """The webhook body, and the facts the e-mail is written from."""
    return {
        "event": "volunteer.signup.updated" if job.is_update else "volunteer.signup.created",
        "notification_id": job.notification_id,
        "signup_id": job.signup_id,
        "volunteer": {
            "name": job.name,
            "email": job.email,
            "language": job.language,
            "municipality_refnis": job.refnis,
            "municipality": place_label(job),
            "postcode": job.postcode,
            "activity": job.activity,
            "activity_note": job.activity_note,
            "activity_label": activity_label(job.activity, "nl", job.activity_note),
        },
        "recipient": {"kind": recipient.kind, "group_name": recipient.group_name},
        "signed_up_at": job.created_at.isoformat() + "Z",
        "updated_at": job.updated_at.isoformat() + "Z",
    }


def confirmation(job: outbox.Job) -> Confirmation:
    """The confirmation to the volunteer, rendered in the sign-up's language."""
    language = confirmation_language(job.language)
    return render_confirmation(
        name=job.name,
        email=job.email,
        activity=job.activity,
        activity_note=job.activity_note,
        place=place_label(job, language),
        language=language,
        is_update=job.is_update,
        retention_days=retention_days(),
    )


def confirmation_payload(job: outbox.Job) -> Dict[str, Any]:
    """The webhook body of a confirmation: the organisation's system sends ``text`` to ``to``."""
    message = confirmation(job)
    return {
        "event": "volunteer.signup.confirmation",
        "notification_id": job.notification_id,
        "signup_id": job.signup_id,
        "language": message.language,
        "to": {"name": job.name, "email": job.email},
        "subject": message.subject,
        "text": message.text,
    }


def new_message(config: NotifyConfig, to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = config.smtp_from
    message["To"] = to
    message["Date"] = formatdate(usegmt=True)
    # The sender's domain, not the host's name: make_msgid would otherwise look it up in DNS.
    message["Message-ID"] = make_msgid(domain=config.smtp_from.rpartition("@")[2] or "localhost")
    return message


def team_email(config: NotifyConfig, to: str, reply_to: str, subject: str, text: str) -> EmailMessage:
    """A message to the team about a person: replying answers that person."""
    message = new_message(config, to)
    message["Reply-To"] = reply_to
    message["Subject"] = subject
    message.set_content(text)
    return message


def language_name(language: str) -> str:
    """The conversation's language, named in Dutch (the team's working language)."""
    return "Engels" if language == "en" else "Nederlands"


def build_confirmation_email(job: outbox.Job, config: NotifyConfig) -> EmailMessage:
    """The confirmation, to the volunteer's own address only."""
    rendered = confirmation(job)
    message = new_message(config, job.email)
    message["Subject"] = rendered.subject
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies back to SMTP_FROM
    message.set_content(rendered.text)
    message["Content-Language"] = rendered.language  # after set_content, which resets the Content-* headers
    return message


def build_email(job: outbox.Job, recipient: Recipient, config: NotifyConfig) -> EmailMessage:
    """A short Dutch message (the organisation's working language) with Reply-To set to the volunteer."""
    if not recipient.email:
        raise NotConfigured("no recipient address (set NOTIFY_CENTRAL_EMAIL)")
    body = payload(job, recipient)["volunteer"]
    what = "Bijgewerkte inschrijving" if job.is_update else "Nieuwe vrijwilliger"
    near = ""
    if recipient.kind == "central" and recipient.group_name:
        near = f"\nDichtstbijzijnde lokale groep (contact niet vrijgegeven): {recipient.group_name}\n"
    elif recipient.kind == "central":
        near = "\nEr is geen lokale groep in de buurt gevonden waarvan het contact vrijgegeven is.\n"
    text = (
        f"{what} via de Horizon-assistent.\n\n"
        f"Naam: {body['name']}\n"
        f"E-mail: {body['email']}\n"
        f"Gemeente: {body['municipality']}\n"
        f"Wil graag: {body['activity_label']}\n"
        f"Taal van het gesprek: {language_name(job.language)}\n"
        f"Toestemming gegeven op: {job.updated_at:%Y-%m-%d %H:%M} UTC\n"
        f"{near}\n"
        "De persoon gaf toestemming om deze gegevens te bewaren en door te geven aan een lokale groep, "
        "zodat die contact kan opnemen. Gebruik ze alleen daarvoor.\n"
    )
    return team_email(config, recipient.email, job.email, f"{what} via Horizon: {body['municipality']}", text)


# --- transports ----------------------------------------------------------------------------------------------


async def send_smtp(message: EmailMessage, config: NotifyConfig) -> None:
    if not config.smtp_host:
        raise NotConfigured("SMTP_HOST is not set")
    try:
        await aiosmtplib.send(
            message,
            hostname=config.smtp_host,
            port=config.smtp_port,
            username=config.smtp_username,
            password=config.smtp_password,
            use_tls=config.smtp_tls,
            start_tls=config.smtp_starttls,
            timeout=config.timeout_s,
        )
    except aiosmtplib.SMTPResponseException as exc:
        raise DeliveryFailed(f"{type(exc).__name__} {exc.code}") from None  # the text may echo addresses
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(type(exc).__name__) from None


async def send_webhook(body: Dict[str, Any], config: NotifyConfig) -> None:
    if not config.webhook_url:
        raise NotConfigured("NOTIFY_WEBHOOK_URL is not set")
    data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json"}
    if config.webhook_secret:
        digest = hmac.new(config.webhook_secret.encode(), data, hashlib.sha256).hexdigest()
        headers["X-Horizon-Signature"] = f"sha256={digest}"
    timeout = aiohttp.ClientTimeout(total=config.timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(config.webhook_url, data=data, headers=headers) as response,
        ):
            if response.status >= 300:
                raise DeliveryFailed(f"HTTP {response.status}")
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        raise DeliveryFailed(type(exc).__name__) from None


async def send_code(job: outbox.Job, config: NotifyConfig, engine: Optional[Engine] = None) -> bool:
    """A "forget me" code to the sign-up's own address (:mod:`horizon.privacy.verification`); the code is made
    now and only its hash is stored. False when the request is over and there is nothing to send."""
    code = await run_db(verification.issue_code, job.notification_id, engine=engine)
    if code is None:
        return False
    language = confirmation_language(job.language)
    subject, text = verification.code_message(code, language)
    if config.transport == "webhook":
        body = {
            "event": "volunteer.forget.code",
            "notification_id": job.notification_id,
            "language": language,
            "to": {"email": job.email},
            "subject": subject,
            "text": text,
        }
        await asyncio.wait_for(send_webhook(body, config), timeout=config.timeout_s + 1)
    elif config.transport == "smtp":
        message = new_message(config, job.email)
        message["Subject"] = subject
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(text)
        await asyncio.wait_for(send_smtp(message, config), timeout=config.timeout_s + 1)
    else:
        raise NotConfigured("no notification transport configured (NOTIFY_TRANSPORT, SMTP_HOST or NOTIFY_WEBHOOK_URL)")
    return True


async def send(job: outbox.Job, recipient: Recipient, config: NotifyConfig) -> None:
    """Send one notification with the configured transport, within ``timeout_s``."""
    if config.transport == "webhook":
        body = confirmation_payload(job) if job.is_confirmation else payload(job, recipient)
        await asyncio.wait_for(send_webhook(body, config), timeout=config.timeout_s + 1)
    elif config.transport == "smtp":
        if job.is_confirmation:
            message = build_confirmation_email(job, config)
        else:
            message = build_email(job, recipient, config)
        await asyncio.wait_for(send_smtp(message, config), timeout=config.timeout_s + 1)
    else:
        raise NotConfigured("no notification transport configured (NOTIFY_TRANSPORT, SMTP_HOST or NOTIFY_WEBHOOK_URL)")


# --- delivery ------------------------------------------------------------------------------------------------


#: What makes one delivery attempt fail (and be retried later), rather than the delivery run.
ATTEMPT_FAILED = (NotConfigured, DeliveryFailed, asyncio.TimeoutError, DatabaseUnavailable)


async def record_failed_attempt(
    job_id: int, exc: BaseException, config: NotifyConfig, engine: Optional[Engine], model: Any = None
) -> Tuple[str, str]:
    """Records a failed attempt of an outbox row (a notification by default) with the configured backoff;
    returns its new status and the error as logged (a transport's own message, otherwise only the kind)."""
    error = str(exc) if isinstance(exc, DeliveryFailed) else type(exc).__name__
    options: Dict[str, Any] = {"model": model} if model is not None else {}
    status = await run_db(
        outbox.mark_failed,
        job_id,
        error,
        max_attempts=config.max_attempts,
        base_s=config.backoff_s,
        cap_s=config.max_backoff_s,
        engine=engine,
        **options,
    )
    return status, error


async def deliver_one(
    notification_id: int, config: Optional[NotifyConfig] = None, engine: Optional[Engine] = None
) -> str:
    """Try to deliver one notification now; returns its status afterwards ("busy" if someone else has it)."""
    config = config or NotifyConfig.from_env()
    job = await run_db(outbox.claim, notification_id, config.lease_s, engine=engine)
    if job is None:
        return "busy"
    try:
        if job.kind == verification.VERIFICATION:
            recipient = Recipient(kind=VOLUNTEER if await send_code(job, config, engine) else "expired", email=None)
        elif job.is_confirmation:
            recipient = Recipient(kind=VOLUNTEER, email=job.email)
            await send(job, recipient, config)
        else:
            recipient = await run_db(choose_recipient, job, config, engine)
            await send(job, recipient, config)
    except ATTEMPT_FAILED as exc:
        status, error = await record_failed_attempt(notification_id, exc, config, engine)
        log = logger.error if status == outbox.FAILED else logger.warning
        log(
            "notify: notification %s (%s) attempt %s failed (%s); now %s",
            notification_id,
            job.kind,
            job.attempts + 1,
            error,
            status,
        )
        return status
    await run_db(outbox.mark_delivered, notification_id, recipient.kind, engine=engine)
    logger.info("notify: notification %s (%s) delivered to %s", notification_id, job.kind, recipient.kind)
    return outbox.DELIVERED


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    busy: int = 0

    def add(self, status: str) -> None:
        name = {"delivered": "delivered", "pending": "retrying", "failed": "failed"}.get(status, "busy")
        setattr(self, name, getattr(self, name) + 1)


async def deliver_due(
    config: Optional[NotifyConfig] = None, engine: Optional[Engine] = None, limit: int = 100
) -> DeliveryReport:
    """Deliver every notification that is due (at most ``limit``), one after the other."""
    config = config or NotifyConfig.from_env()
    report = DeliveryReport()
    for notification_id in await run_db(outbox.due_ids, limit, engine=engine):
        report.add(await deliver_one(notification_id, config, engine))
    return report


_background: Set[asyncio.Task[str]] = set()


Deliver = Callable[[int, Optional[NotifyConfig], Optional[Engine]], Awaitable[str]]


def deliver_soon(
    notification_id: int,
    config: Optional[NotifyConfig] = None,
    engine: Optional[Engine] = None,
    deliver: Optional[Deliver] = None,
) -> asyncio.Task[str]:
    """Start a delivery attempt in the background and return at once (best effort: the outbox keeps it).
    ``deliver``: how to deliver that row (default :func:`deliver_one`; a left message has its own)."""

    async def attempt() -> str:
        try:
            return await (deliver or deliver_one)(notification_id, config, engine)
        except Exception as exc:  # never let a background failure surface in the conversation
            logger.warning("notify: background delivery of %s failed: %s", notification_id, type(exc).__name__)
            return "error"

    task = asyncio.get_running_loop().create_task(attempt())
    _background.add(task)  # keep a reference: the loop holds tasks only weakly
    task.add_done_callback(_background.discard)
    return task
