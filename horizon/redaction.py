"""Keeping personal data out of logs.

Why: the action server handles names, e-mail addresses and (through channel ids such as WhatsApp's)
phone numbers. Code of this project never logs them on purpose, but libraries log exceptions, events and
requests. :class:`RedactingFilter` rewrites every log record that passes through it, and
:func:`install_log_redaction` attaches it so that no record escapes: it wraps the log-record factory, so
records are redacted when they are created, whichever logger or handler they go to later.

What is redacted: e-mail addresses, phone-number-like digit runs (9 to 15 digits, with the usual
separators), and the values of personal keys in ``key: value``/``key=value`` text (``volunteer_name``,
``name``, ``email``, ``phone`` ...), which covers slot dictionaries and JSON printed into a log line.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any, Callable, Optional

EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 9-15 digits, optionally starting with + or 00, separated by spaces, dots, slashes or dashes.
PHONE = re.compile(r"(?<![\w./-])\+?\d(?:[ ./-]?\d){8,14}(?![\w:/])")
PERSONAL_KEYS = r"volunteer_name|volunteer_email|volunteer_phone|name|email|e-mail|phone|telefoon|naam"
# "'name': 'Jan Peeters'", "\"email\": \"...\"", "name=Jan" (up to the next quote, comma or brace).
PERSONAL_VALUE = re.compile(
    rf"""(?P<key>["']?(?:{PERSONAL_KEYS})["']?\s*[:=]\s*)(?P<quote>["']?)(?P<value>[^"',}}\]\n]+)(?P=quote)""",
    re.IGNORECASE,
)
EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"
VALUE_MASK = "[redacted]"


def redact(text: str) -> str:
    """``text`` without e-mail addresses, phone numbers and values of personal keys."""
    text = EMAIL.sub(EMAIL_MASK, text)
    text = PHONE.sub(PHONE_MASK, text)

    def _mask(match: re.Match[str]) -> str:
        value = match.group("value").strip()
        if value in ("None", "null", "", EMAIL_MASK, PHONE_MASK, VALUE_MASK):
            return match.group(0)
        quote = match.group("quote")
        return f"{match.group('key')}{quote}{VALUE_MASK}{quote}"

    return PERSONAL_VALUE.sub(_mask, text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message (with its arguments merged in) and exception text, redacted.

    It never drops a record: the point is to keep the log useful without the personal data.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_horizon_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what we can
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None  # the redacted text replaces the traceback object
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._horizon_redacted = True
        return True


_install_lock = threading.Lock()
_previous_factory: Optional[Callable[..., logging.LogRecord]] = None


def install_log_redaction() -> None:
    """Redact every log record of this process from now on (idempotent).

    Wraps the record factory, and also adds the filter to the root logger's handlers for records that
    were built before (or by code that bypasses the factory).
    """
    global _previous_factory
    with _install_lock:
        if _previous_factory is None:
            previous = logging.getLogRecordFactory()
            redactor = RedactingFilter()

            def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                record = previous(*args, **kwargs)
                redactor.filter(record)
                return record

            _previous_factory = previous
            logging.setLogRecordFactory(factory)
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                handler.addFilter(RedactingFilter())
