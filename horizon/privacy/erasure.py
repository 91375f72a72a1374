"""Leaving nothing behind in SQLite files after a deletion.

SQLite keeps deleted rows in free pages and old page images in the write-ahead log until they happen to be
overwritten. Every project connection therefore runs with ``PRAGMA secure_delete=ON`` (deleted content and
freed pages are overwritten with zeros: :mod:`horizon.db` and the tracker store set it on connect), and after
a deletion that matters :func:`checkpoint` copies the WAL back into the database and truncates it to zero
bytes, so the old frames are gone from the files too. On PostgreSQL both are no-ops: see the README
("Volunteer sign-ups and privacy") for VACUUM and backups.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)

#: The slot that ``action_forget_me`` sets and clears: the Rasa server's tracker store sees the event and erases
#: the conversation's stored events (the action server cannot reach that store).
FORGET_SLOT = "forget_requested"
#: Attempts at a full checkpoint while another connection is still reading.
CHECKPOINT_ATTEMPTS = 20


def secure_delete_on(dbapi_connection: Any) -> None:
    """The pragma, on a raw SQLite connection (for ``connect`` event listeners)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def checkpoint(engine: Engine) -> bool:
    """SQLite: write the WAL into the database and truncate it to zero bytes; True when that succeeded.

    A reader that holds an old snapshot blocks the truncation; the checkpoint is retried for a while (each
    attempt waits up to the connection's busy timeout). Other databases: nothing to do, True.
    """
    if engine.dialect.name != "sqlite":
        return True
    for attempt in range(CHECKPOINT_ATTEMPTS):
        with engine.connect() as connection:
            busy, _log, _done = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if not busy:
            return True
        time.sleep(0.05 * (attempt + 1))
    logger.warning("erasure: the SQLite WAL could not be truncated (a reader kept it busy)")
    return False
