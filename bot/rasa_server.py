"""Runs Rasa's own server, `python -m bot.rasa_server run ...` being `rasa run ...`, with our fixes applied.

- Speed: `bot.speedups` (four fixes to Rasa 3.6's hot path, measured with `make bench`). On any Rasa but the
  pinned one, or if a part they replace is missing, the server does not start.
- Privacy: the redacting log filter of the actions (`horizon.redaction`) is installed in this
  process too, so that no email address or phone number reaches the server's log; Sanic's access log is
  dropped whatever the log level (its lines carry the URL, and a URL carries the conversation id, which is
  a phone number on WhatsApp, and the API token).
- Faults: a custom action whose action server is away is answered with a polite "try again" (`bot.faults`).
- Hand-off: a paused conversation's messages go to the team's Chatwoot desk (`bot.handoff`).
"""

from __future__ import annotations

import logging
import sys

from bot import faults, handoff, speedups
from horizon.redaction import install_log_redaction

ACCESS_LOGGER = "sanic.access"


def drop_access_log(_record: logging.LogRecord) -> bool:
    """A filter that keeps nothing (Sanic's configuration keeps a logger's filters)."""
    return False


def apply_fixes() -> None:
    speedups.install()
    faults.install()  # a polite "try again" when the action server is away
    handoff.install()  # the person's messages to the team's desk while a conversation is handed over
    install_log_redaction()
    logging.getLogger(ACCESS_LOGGER).addFilter(drop_access_log)


def main() -> None:
    try:
        apply_fixes()
    except speedups.IncompatibleRasa as error:
        sys.exit(f"Horizon's Rasa server does not start: {error}")
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
