"""The local RabbitMQ that the event broker tests run against, and a cuttable loopback proxy in front of it.

Each test uses its own exchange and queue (random names, deleted afterwards), so tests never see each
other's events or those of a `make cluster` running on the same machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List, Optional, Set

import pytest

from horizon.insights.queue_source import BrokerSettings

RABBIT_URL = os.environ.get("TEST_EVENT_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/")


@functools.lru_cache(maxsize=1)
def _reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=2):
            return True
    except OSError:
        return False


def require_rabbitmq() -> None:
    """Skips the calling test when RabbitMQ is unreachable; in CI, where it must be tested, fails it."""
    if not _reachable():
        if os.environ.get("CI"):
            pytest.fail("RabbitMQ at 127.0.0.1:5672 is unreachable, and CI must test it")
        pytest.skip("RabbitMQ unreachable (outside CI)")


def unique_settings(url: str = RABBIT_URL) -> BrokerSettings:
    tag = uuid.uuid4().hex[:10]
    return BrokerSettings(url, f"horizon_test_{tag}", f"horizon-test-{tag}")


async def _drain(settings: BrokerSettings, ack: bool) -> List[bytes]:
    import aio_pika

    connection = await aio_pika.connect(RABBIT_URL, timeout=10)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(settings.queue, durable=True)
        bodies = []
        while True:
            message = await queue.get(no_ack=ack, fail=False, timeout=10)
            if message is None:
                break
            bodies.append(message.body)
        return bodies


def _run(coroutine: Any) -> Any:
    """Runs ``coroutine`` on a loop of its own, in a thread: callable from async tests too."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def read_queue(settings: BrokerSettings) -> List[bytes]:
    """Every message in the queue, taken out (acknowledged)."""
    return _run(_drain(settings, ack=True))


def peek_queue(settings: BrokerSettings) -> List[bytes]:
    """Every message in the queue, left in it (taken without acknowledgement, then given back)."""
    return _run(_drain(settings, ack=False))


def publish_raw(settings: BrokerSettings, bodies: List[Dict[str, Any]]) -> None:
    """Messages put straight into the queue (as a publisher's retry would)."""

    async def run() -> None:
        import aio_pika

        connection = await aio_pika.connect(RABBIT_URL, timeout=10)
        async with connection:
            channel = await connection.channel()
            for body in bodies:
                message = aio_pika.Message(json.dumps(body).encode(), delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
                await channel.default_exchange.publish(message, routing_key=settings.queue)

    _run(run())


def delete(settings: BrokerSettings) -> None:
    async def run() -> None:
        import aio_pika

        connection = await aio_pika.connect(RABBIT_URL, timeout=10)
        async with connection:
            channel = await connection.channel()
            with contextlib.suppress(Exception):
                await channel.queue_delete(settings.queue)
            with contextlib.suppress(Exception):
                await channel.exchange_delete(settings.exchange)

    _run(run())


@contextlib.contextmanager
def fresh_queue(url: str = RABBIT_URL) -> Iterator[BrokerSettings]:
    require_rabbitmq()
    settings = unique_settings(url)
    try:
        yield settings
    finally:
        delete(settings)


class Proxy:
    """A TCP forwarder on a loopback port to RabbitMQ, in its own thread: :meth:`cut` closes every
    connection and stops listening (RabbitMQ unreachable), :meth:`restore` listens again on the same port."""

    def __init__(self, target: int = 5672, port: Optional[int] = None) -> None:
        self.target = target
        self.port = port or _free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._server: Optional[asyncio.AbstractServer] = None
        self._writers: Set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    def restore(self) -> None:
        self._call(self._listen())

    def cut(self) -> None:
        self._call(self._cut())

    def stop(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
