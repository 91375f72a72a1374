"""The widget's socket.io channel for several Rasa servers: rooms shared through Redis.

A widget's socket lives on one server (nginx keeps a client on one server for /socket.io/: long-polling
needs it, docs/deploy.md). What another server sends to that conversation must still reach it: a message
sent through the HTTP API with `?output_channel=socketio` (a person taking over, a reminder) is handled by
whichever server the call lands on, and emits to the session's room there. With python-socketio's
`AsyncRedisManager` every server publishes its emits in Redis and delivers those for its own sockets.

Rasa builds its `AsyncServer` inside the stock `blueprint()` with no way to pass a client manager, so the
manager is swapped right after, before any socket connects (python-socketio initialises the manager on
the first connection). bot/cluster/settings.py puts this class in the runtime credentials.yml in place of
bot.channels.socketio.SocketIOInput when HORIZON_REDIS_URL is set: same settings, same URL.
"""

from __future__ import annotations

import os
from typing import Any, Awaitable, Callable, Optional, Text

import socketio
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint

from bot.channels.memory import REDIS_URL
from bot.channels.socketio import SocketIOInput

CHANNEL = "horizon-socketio"  # the Redis pub/sub channel all servers share
CONNECT_TIMEOUT_S = 2.0


def redis_manager(url: Text) -> socketio.AsyncRedisManager:
    """python-socketio's Redis manager; a connection that does not open in time fails (and is retried by
    the manager) instead of hanging. No read timeout: its listener waits for messages indefinitely."""
    options = {"socket_connect_timeout": CONNECT_TIMEOUT_S, "health_check_interval": 30}
    return socketio.AsyncRedisManager(url, channel=CHANNEL, redis_options=options)


class ClusterSocketIOInput(SocketIOInput):
    """The project's socket.io channel with python-socketio's Redis client manager."""

    def __init__(self, *args: Any, redis_url: Optional[Text] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redis_url = redis_url or (os.environ.get(REDIS_URL) or "").strip() or None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None  # set by the stock blueprint()
        if self.redis_url:
            if sio.manager_initialized:
                raise RuntimeError("the socket.io manager is in use already: it cannot be replaced")
            sio.manager = redis_manager(self.redis_url)
            sio.manager.set_server(sio)
        return webhook
