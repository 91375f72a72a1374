"""Rasa's RabbitMQ event broker, masking personal data and never holding up or losing a conversation.

Configured by ``EVENT_BROKER_URL`` (bot/servers.py writes the ``event_broker`` section of the runtime
endpoints.yml; type ``bot.event_broker.MaskingPikaEventBroker``). What it changes in Rasa's
``PikaEventBroker``:

- **Masked.** Every event is masked before it is queued for publishing (horizon/privacy/event_masking.py):
  pseudonymous sender ids, no form answers, no e-mail addresses, phone numbers, street addresses or names.
  The tracker store hands over a conversation's new events together (``publish_conversation``), so an answer
  is masked with the form values given in the same conversation, and each event gets its ``event_id``.
- **Starts without RabbitMQ.** Rasa's broker connects during start-up (20 attempts, 5 s apart) and the
  server fails to start without it. This one connects in the background: the assistant answers from the
  start, and events wait in memory until RabbitMQ is there.
- **In order, kept until confirmed.** One publisher task sends the waiting events one at a time, in the
  order they were stored, each with a publisher confirm; an event leaves the memory queue only once
  RabbitMQ has confirmed it (Rasa's broker sends each event in its own task and drops events published
  before the connection exists). While RabbitMQ is unreachable the events wait, up to ``max_unpublished``
  (the oldest are dropped beyond that, counted in the log); on shutdown it tries for ``close_timeout_s`` to
  send what waits. Events still waiting when the process dies are lost to the queue (they are in the
  tracker store).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from asyncio import AbstractEventLoop
from collections import deque
from typing import Any, Deque, Dict, List, Optional, Sequence, Text, Tuple

from rasa.core.brokers.pika import PikaEventBroker
from rasa.utils.endpoints import EndpointConfig

from horizon.privacy.event_masking import EventMasker

logger = logging.getLogger(__name__)

DEFAULT_MAX_UNPUBLISHED = 100_000
PUBLISH_TIMEOUT_S = 10.0
CLOSE_TIMEOUT_S = 5.0


class MaskingPikaEventBroker(PikaEventBroker):
    """``PikaEventBroker`` that masks events, connects in the background and publishes in order.

    Extra endpoint keys: ``pseudonym_key`` (required: the key of the sender pseudonyms, the same on every
    replica), ``max_unpublished`` (events kept in memory while RabbitMQ is away), ``close_timeout_s``.
    """

    def __init__(
        self,
        host: Text,
        username: Text,
        password: Text,
        pseudonym_key: Text = "",
        max_unpublished: int = DEFAULT_MAX_UNPUBLISHED,
        close_timeout_s: float = CLOSE_TIMEOUT_S,
        **kwargs: Any,
    ) -> None:
        super().__init__(host, username, password, **kwargs)
        self.masker = EventMasker(pseudonym_key.encode("utf-8"))
        self.max_unpublished = max(1, int(max_unpublished))
        self.close_timeout_s = float(close_timeout_s)
        self._waiting: Deque[Tuple[Dict[Text, Any], Optional[Dict[Text, Text]]]] = deque()
        self._wakeup = asyncio.Event()
        self._tasks: List[asyncio.Task] = []
        self._closing = False
        self._failures = 0
        self.dropped = 0
        self.published = 0

    @classmethod
    async def from_endpoint_config(
        cls, broker_config: Optional[EndpointConfig], event_loop: Optional[AbstractEventLoop] = None
    ) -> Optional[MaskingPikaEventBroker]:
        if broker_config is None:
            return None
        broker = cls(broker_config.url, **broker_config.kwargs, event_loop=event_loop)
        broker.start()
        return broker

    def start(self) -> None:
        """Connect and publish in the background (on the running loop)."""
        if not self._tasks:
            self._tasks = [self._loop.create_task(self._connect_forever()), self._loop.create_task(self._drain())]

    # --- publishing ----------------------------------------------------------------------------------

    def publish_conversation(
        self,
        sender_id: Text,
        events: Sequence[Dict[Text, Any]],
        first: Optional[int] = None,
        earlier: Sequence[Dict[Text, Any]] = (),
    ) -> None:
        """New events of one conversation (``Event.as_dict()``), stored at positions ``first``, ``first + 1``
        ...; ``earlier``: its events before them (slot and session events suffice, for the masking)."""
        for body in self.masker.conversation(sender_id, events, first, earlier):
            self._enqueue(body, None)

    def publish(self, event: Dict[Text, Any], headers: Optional[Dict[Text, Text]] = None) -> None:
        """One event (``{"sender_id": ..., **event.as_dict()}``, as Rasa's stores publish), masked alone."""
        self._enqueue(self.masker.event(event), headers)

    def _enqueue(self, body: Dict[Text, Any], headers: Optional[Dict[Text, Text]]) -> None:
        if len(self._waiting) >= self.max_unpublished:
            self._waiting.popleft()
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.error(f"RabbitMQ unreachable too long: {self.dropped} event(s) dropped from the broker's memory")
        self._waiting.append((body, headers))
        self._wakeup.set()

    def _publish_unpublished_messages(self, *_: Any, **__: Any) -> None:
        """Rasa's reconnect hook: the publisher task resumes by itself; it only needs waking."""
        self._wakeup.set()

    @property
    def waiting(self) -> int:
        """Events not yet confirmed by RabbitMQ."""
        return len(self._waiting)

    async def _drain(self) -> None:
        """Sends the waiting events in order; an event leaves the queue once RabbitMQ confirmed it."""
        while not self._closing or self._waiting:
            if not self._waiting or self._exchange is None:
                self._wakeup.clear()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), 1.0)
                if self._closing and self._exchange is None:
                    return
                continue
            body, headers = self._waiting[0]
            try:
                await asyncio.wait_for(self._exchange.publish(self._message(body, headers), ""), PUBLISH_TIMEOUT_S)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self._count_failure():
                    logger.warning(
                        f"RabbitMQ did not take an event ({type(error).__name__}); {len(self._waiting)} event(s) wait"
                    )
                if self._closing:
                    return
                await asyncio.sleep(min(self._retry_delay_in_seconds, 1.0))
                continue
            if self._waiting and self._waiting[0][0] is body:
                self._waiting.popleft()
            self.published += 1
            if self._failures:
                logger.info(f"RabbitMQ takes events again; {len(self._waiting)} event(s) wait")
                self._failures = 0

    def _count_failure(self) -> bool:
        """One more failure in a row; True when it is worth a log line (the first, then every 60th)."""
        self._failures += 1
        return self._failures == 1 or self._failures % 60 == 0

    # --- connecting ----------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Connects once (Rasa's way, with its attempts); :meth:`start` keeps trying in the background."""
        self._connection = await self._connect()
        self._connection.reconnect_callbacks.add(self._publish_unpublished_messages)
        channel = await self._connection.channel()
        self._exchange = await self._set_up_exchange(channel)
        self._failures = 0
        logger.info(f"RabbitMQ connection established; events go to the queue(s) {', '.join(self.queues)}")
        self._wakeup.set()

    async def _connect_forever(self) -> None:
        while not self._closing and self._exchange is None:
            try:
                await self.connect()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if self._count_failure():
                    logger.error(
                        f"RabbitMQ unreachable ({type(error).__name__}); the assistant goes on, events wait in "
                        f"memory ({len(self._waiting)} now) and the broker keeps trying"
                    )
                await asyncio.sleep(self._retry_delay_in_seconds)

    def is_ready(self) -> bool:
        return self._exchange is not None and super().is_ready()

    async def close(self) -> None:
        """Sends what waits (for up to ``close_timeout_s``), then closes the connection."""
        self._closing = True
        self._wakeup.set()
        drain = self._tasks[1] if len(self._tasks) > 1 else None
        if drain is not None and self._exchange is not None:
            with contextlib.suppress(asyncio.TimeoutError, Exception):
                await asyncio.wait_for(asyncio.shield(drain), self.close_timeout_s)
        for task in self._tasks:
            task.cancel()
        if self._waiting:
            logger.error(
                f"RabbitMQ: {len(self._waiting)} event(s) not published at shutdown (they are in the tracker store)"
            )
        try:
            await asyncio.wait_for(super().close(), self.close_timeout_s)
        except Exception as error:
            logger.warning(f"RabbitMQ connection not closed cleanly ({type(error).__name__})")
