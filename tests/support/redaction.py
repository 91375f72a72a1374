"""Undoing the process-wide log redaction, so a test can prove what the filter does (production never undoes it)."""

from __future__ import annotations

import logging

from horizon import redaction
from horizon.redaction import RedactingFilter


def uninstall_log_redaction() -> None:
    """Undo :func:`horizon.redaction.install_log_redaction`."""
    with redaction._install_lock:
        if redaction._previous_factory is not None:
            logging.setLogRecordFactory(redaction._previous_factory)
            redaction._previous_factory = None
        for handler in logging.getLogger().handlers:
            for f in [f for f in handler.filters if isinstance(f, RedactingFilter)]:
                handler.removeFilter(f)
