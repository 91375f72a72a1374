"""Closing the action-server sessions that bot.speedups keeps open, at the end of a test's event loop (a
server's are closed when its process ends, so production needs no such step)."""

from __future__ import annotations

import asyncio

from bot import speedups


async def close_sessions() -> None:
    """Closes the kept sessions of the running loop."""
    loop = asyncio.get_running_loop()
    for session in list(speedups._OPEN):
        if session.closed or session._loop is loop:
            speedups._OPEN.discard(session)
            await session.close()
