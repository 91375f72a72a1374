"""Cluster mode on loopback: two replicas (Rasa + action server each) behind Debian's nginx, sharing a real
PostgreSQL database (conversations, initiatives) and Redis (locks, socket.io rooms, channel memories).

Started once for the module (each replica loads its own model: a minute or two on 2 cores), as
`make cluster` starts it (bot/cluster/cluster.py), with only the environment telling it to be a cluster.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import socketio
import websockets
from sqlalchemy import create_engine, text

from bench.servers import cpu_s
from bot.cluster import nginx
from bot.cluster.cluster import Cluster, ensure_database
from bot.faults import TRY_AGAIN
from bot.paths import MODEL
from bot.servers import Servers, free_port, seed_sample_data
from horizon.db import make_engine
from horizon.strategy.text import passage
from tests.e2e.test_volunteer_conversation import dutch_sign_up
from tests.postgres import PG_URL, require_postgres
from tests.support.signups import signup_rows
from tests.tcp_proxy import TcpProxy
from tests.unit.test_lock_store import require_redis

TOKEN = "cluster-secret-token"
LOCK_LIFETIME_S = 15  # a killed replica's ticket frees its conversation after this (Rasa: 60 s)


def nginx_or_skip() -> None:
    """Installs Debian's nginx as `make system-deps` does when it is missing; skips only if that fails."""
    if nginx.nginx_binary() is None and shutil.which("apt-get") and os.geteuid() == 0:
        subprocess.run(
            "apt-get update -qq && apt-get install -y -qq nginx",
            shell=True,
            timeout=600,
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    if nginx.nginx_binary() is None:
        pytest.skip("nginx is not installed and could not be installed (apt-get as root): `make system-deps`")


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """A PostgreSQL database of its own, dropped afterwards."""
    require_postgres()
    url = PG_URL.rsplit("/", 1)[0] + f"/horizon_cluster_{uuid.uuid4().hex[:8]}"
    ensure_database(url)
    yield url
    admin = create_engine(PG_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="module")
def redis_proxy() -> Iterator[TcpProxy]:
    """The replicas reach the lock store's Redis through this: a test cuts it (Redis unreachable)."""
    require_redis()
    proxy = TcpProxy(("127.0.0.1", 6379))
    yield proxy
    proxy.close()


@pytest.fixture(scope="module")
def cluster(
    tmp_path_factory: pytest.TempPathFactory, e2e_env: Dict[str, str], database: str, redis_proxy: TcpProxy
) -> Iterator[Cluster]:
    nginx_or_skip()
    if not MODEL.exists():
        pytest.fail("no trained model: run `make train` first (make test does)")
    env = dict(
        e2e_env,
        TRACKER_STORE_URL=database,
        DATABASE_URL=database,
        LOCK_STORE_URL=f"redis://{redis_proxy.address}/13",
        HORIZON_REDIS_URL="redis://127.0.0.1:6379/14",
        TICKET_LOCK_LIFETIME=str(LOCK_LIFETIME_S),
    )
    seed_sample_data(env)
    port = free_port()
    runtime = tmp_path_factory.mktemp("cluster")
    running = Cluster(runtime=runtime, env=env, replicas=2, port=port, token=TOKEN, listen=f"127.0.0.1:{port}")
    running.start()
    try:
        yield running
    finally:
        running.stop()


# ---------------------------------------------------------------- helpers


def post(url: str, body: Dict[str, Any], timeout: float = 60) -> Tuple[int, Any]:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, json.loads(body) if body.startswith(b"[") else None


def say(base: str, sender: str, message: str) -> List[Dict[str, Any]]:
    status, answer = post(f"{base}/webhooks/rest/webhook", {"sender": sender, "message": message})
    assert status == 200, f"{base}: {status}"
    return answer


def texts(answer: List[Dict[str, Any]]) -> str:
    return "\n".join(message.get("text", "") for message in answer)


def tracker(base: str, sender: str) -> Dict[str, Any]:
    with urllib.request.urlopen(f"{base}/conversations/{sender}/tracker?token={TOKEN}", timeout=20) as response:
        return json.loads(response.read())


def user_texts(events: List[Dict[str, Any]]) -> List[str]:
    return [event.get("text") for event in events if event["event"] == "user"]


def turns_are_whole(events: List[Dict[str, Any]]) -> bool:
    """Every user message is followed by the bot's turn, ended by action_listen, before the next message: no
    two messages of the conversation were handled at the same time."""
    waiting = False
    for event in events:
        if event["event"] == "user":
            if waiting:
                return False
            waiting = True
        elif event["event"] == "action" and event.get("name") == "action_listen":
            waiting = False
    return True


def replica_urls(cluster: Cluster) -> List[str]:
    return [servers.url for servers in cluster.servers]


# ---------------------------------------------------------------- REST across replicas


def test_a_conversation_keeps_its_context_when_its_messages_land_on_different_replicas(cluster: Cluster) -> None:
    first, second = replica_urls(cluster)
    sender = f"cluster-{uuid.uuid4().hex[:8]}"
    assert "international solidarity" in texts(say(first, sender, "What is the mission of 11.11.11?")).lower()
    deeper = texts(say(second, sender, "tell me more please"))  # "more" about what the FIRST replica answered
    from horizon.strategy.text import passage

    assert passage("en", "mission", 0).text in deeper
    seen_by_first = tracker(first, sender)
    assert seen_by_first["slots"]["language"] == "en"
    assert user_texts(seen_by_first["events"]) == ["What is the mission of 11.11.11?", "tell me more please"]


def test_nginx_serves_the_urls_of_make_run_and_spreads_messages_over_both_replicas(cluster: Cluster) -> None:
    with urllib.request.urlopen(f"{cluster.url}/widget/", timeout=10) as page:
        assert page.status == 200 and b"<html" in page.read().lower()
    with urllib.request.urlopen(f"{cluster.url}/status?token={TOKEN}", timeout=10) as status:
        assert json.loads(status.read())["model_file"]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{cluster.url}/status", timeout=10)
    assert refused.value.code == 401
    rasa_pids = [servers.processes["rasa"].pid for servers in cluster.servers]
    before = [cpu_s(pid) or 0.0 for pid in rasa_pids]
    senders = [f"spread-{uuid.uuid4().hex[:8]}" for _ in range(8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda sender: say(cluster.url, sender, "hallo"), senders))
    assert all(answers)
    used = [(cpu_s(pid) or 0.0) - then for pid, then in zip(rasa_pids, before, strict=True)]
    assert all(seconds > 0.05 for seconds in used), f"CPU seconds per replica: {used}"


def test_concurrent_messages_of_one_conversation_on_both_replicas_are_handled_one_at_a_time(cluster: Cluster) -> None:
    """The lock store's job across processes (RasaHQ/rasa#9213): 12 messages at once, 6 to each replica."""
    first, second = replica_urls(cluster)
    sender = f"burst-{uuid.uuid4().hex[:8]}"
    say(first, sender, "hallo")
    messages = [(first if i % 2 else second, f"wat is jullie visie? ({i})") for i in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(lambda call: say(call[0], sender, call[1]), messages))
    assert all(answers), "every message answered"
    events = tracker(first, sender)["events"]
    assert sorted(user_texts(events)) == sorted(["hallo"] + [text for _, text in messages])  # each once
    assert turns_are_whole(events)


# ---------------------------------------------------------------- the widget: socket.io


class WebSocketWidget:
    """The widget's socket.io over a websocket, spoken directly (Engine.IO 4 / Socket.IO 5 text packets).

    python-engineio's asyncio client needs aiohttp's ClientWSTimeout (aiohttp >= 3.10), newer than Rasa's
    pin: this small client (on `websockets`, in the venv through Sanic) is what a browser does on the wire.
    """

    def __init__(self) -> None:
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.socket: Any = None
        self.reader: Optional[asyncio.Task] = None

    async def connect(self, url: str) -> None:
        address = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        self.socket = await websockets.connect(address, open_timeout=20)
        opened = await asyncio.wait_for(self.socket.recv(), 20)
        assert opened.startswith("0"), opened  # Engine.IO open
        await self.socket.send("40")  # Socket.IO connect, default namespace
        connected = await asyncio.wait_for(self.socket.recv(), 20)
        assert connected.startswith("40"), connected
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for packet in self.socket:
            if packet == "2":  # ping
                await self.socket.send("3")
            elif packet.startswith("42"):
                event, *data = json.loads(packet[2:])
                if event == "bot_uttered":
                    self.inbox.put_nowait(data[0])
                elif event == "session_confirm":
                    self.confirmed.put_nowait(data[0])

    async def emit(self, event: str, data: Any) -> None:
        await self.socket.send("42" + json.dumps([event, data]))

    async def disconnect(self) -> None:
        if self.reader is not None:
            self.reader.cancel()
        await self.socket.close()


class PollingWidget:
    """python-socketio's client on the long-polling transport."""

    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.client.on("bot_uttered", self.inbox.put_nowait)
        self.client.on("session_confirm", self.confirmed.put_nowait)

    async def connect(self, url: str) -> None:
        await self.client.connect(url, socketio_path="/socket.io", transports=["polling"])
        assert self.client.transport() == "polling"

    async def emit(self, event: str, data: Any) -> None:
        await self.client.emit(event, data)

    async def disconnect(self) -> None:
        # Without abort, python-engineio waits for the pending long-poll to end (its 25 s ping interval).
        await self.client.eio.disconnect(abort=True)


async def widget_session(url: str, transport: str, session_id: Optional[str] = None) -> Tuple[Any, Any, str]:
    """A connected widget that asked for `session_id`: (widget, its inbox of bot messages, confirmed id)."""
    widget = WebSocketWidget() if transport == "websocket" else PollingWidget()
    await widget.connect(url)
    await widget.emit("session_request", {"session_id": session_id})
    return widget, widget.inbox, await asyncio.wait_for(widget.confirmed.get(), 20)


async def answer_containing(inbox: asyncio.Queue, fragment: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while True:
        reply = await asyncio.wait_for(inbox.get(), max(0.1, deadline - time.monotonic()))
        if fragment in reply.get("text", ""):
            return reply["text"]


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_the_widget_talks_through_nginx(cluster: Cluster, transport: str) -> None:
    async def scenario() -> None:
        client, inbox, session_id = await widget_session(cluster.url, transport, uuid.uuid4().hex)
        try:
            await client.emit("user_uttered", {"message": "wat is jullie visie?", "session_id": session_id})
            await answer_containing(inbox, "mondiale rechtvaardigheid")
            await client.emit("user_uttered", {"message": "vertel me meer", "session_id": session_id})
            await answer_containing(inbox, "Visie")
        finally:
            await client.disconnect()

    asyncio.run(scenario())


def test_a_message_sent_by_another_replica_reaches_the_widget(cluster: Cluster) -> None:
    """The socket is on replica 1; the HTTP API call (a person taking over, a reminder) lands on replica 2,
    which emits to the session's room: python-socketio's Redis manager carries it to replica 1."""
    first, second = replica_urls(cluster)

    async def scenario() -> None:
        client, inbox, session_id = await widget_session(first, "websocket", uuid.uuid4().hex)
        try:
            await client.emit("user_uttered", {"message": "hallo", "session_id": session_id})
            await asyncio.wait_for(inbox.get(), 60)
            await asyncio.sleep(1.0)
            while not inbox.empty():
                inbox.get_nowait()
            url = f"{second}/conversations/{session_id}/execute?output_channel=socketio&token={TOKEN}"
            status, _ = await asyncio.to_thread(post, url, {"name": "utter_bot_challenge"})
            assert status == 200
            reply = await asyncio.wait_for(inbox.get(), 20)
            assert reply.get("text")
        finally:
            await client.disconnect()

    asyncio.run(scenario())


def test_a_widget_that_reconnects_to_the_other_replica_continues_its_conversation(cluster: Cluster) -> None:
    first, second = replica_urls(cluster)

    async def scenario() -> None:
        client, inbox, session_id = await widget_session(first, "websocket", uuid.uuid4().hex)
        await client.emit("user_uttered", {"message": "What is the mission of 11.11.11?", "session_id": session_id})
        await answer_containing(inbox, "solidarity")
        await client.disconnect()
        client, inbox, resumed = await widget_session(second, "polling", session_id)
        try:
            assert resumed == session_id
            await client.emit("user_uttered", {"message": "tell me more please", "session_id": session_id})
            from horizon.strategy.text import passage

            await answer_containing(inbox, passage("en", "mission", 0).text[:40])
        finally:
            await client.disconnect()

    asyncio.run(scenario())


# ---------------------------------------------------------------- faults


def stored_signups(database: str, email: str) -> int:
    engine = make_engine(database)
    try:
        return sum(1 for row in signup_rows(list(range(1, 100000)), engine=engine) if row.email_key == email.lower())
    finally:
        engine.dispose()


def test_a_replica_killed_under_load_the_other_serves_and_the_supervisor_restarts_it(
    cluster: Cluster, database: str
) -> None:
    """8 conversations of 4 messages each through nginx; replica 1's Rasa server is killed (SIGKILL) after
    the first message of each. Messages in flight on it at that moment may fail (502): the person sends
    again. Every later message is answered by replica 2, every conversation keeps its context, and no turn
    is recorded twice. Two volunteers confirm their sign-up at the moment of the kill: a confirmed one is
    stored exactly once, an unanswered one once after the person confirms again. Then the supervisor of
    `make cluster` starts replica 1 again."""
    script = ["What is the mission of 11.11.11?", "tell me more please", "what are your values?", "thanks"]
    senders = [f"fault-{uuid.uuid4().hex[:8]}" for _ in range(8)]
    killed = threading.Event()
    outcomes: Dict[str, List[Tuple[str, int]]] = {sender: [] for sender in senders}
    volunteers = {f"volunteer-{uuid.uuid4().hex[:8]}": f"e2e-{uuid.uuid4().hex[:8]}@telenet.be" for _ in range(2)}
    for volunteer, email in volunteers.items():  # up to the last step: the summary, waiting for "yes"

        def walk(message: str, volunteer: str = volunteer, steps: List[str] = []) -> List[Any]:  # noqa: B006
            steps.append(message)
            if message == "/affirm" and steps.count("/affirm") == 2:
                return [{"text": "Bedankt, je bent ingeschreven!"}]  # the confirmation: sent at the kill
            return say(cluster.url, volunteer, message)

        dutch_sign_up(walk, email)
    confirmations: Dict[str, Tuple[int, Any]] = {}

    def confirm(volunteer: str) -> None:
        confirmations[volunteer] = post(
            f"{cluster.url}/webhooks/rest/webhook", {"sender": volunteer, "message": "/affirm"}
        )

    def converse(sender: str) -> None:
        for index, message in enumerate(script):
            if index == 1:
                killed.wait(60)
            status, _ = post(f"{cluster.url}/webhooks/rest/webhook", {"sender": sender, "message": message})
            outcomes[sender].append((message, status))

    with ThreadPoolExecutor(max_workers=len(senders) + len(volunteers)) as pool:
        running = [pool.submit(converse, sender) for sender in senders]
        running += [pool.submit(confirm, volunteer) for volunteer in volunteers]
        time.sleep(0.5)  # some first messages and confirmations are in flight on replica 1
        victim = cluster.servers[0].processes["rasa"]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        killed.set()
        for conversation in running:
            conversation.result(timeout=240)
    survivor = cluster.servers[1].url
    for sender, sent in outcomes.items():
        later = [status for message, status in sent if message != script[0]]
        assert later == [200] * (len(script) - 1), f"after the kill every message is answered: {sent}"
        recorded = user_texts(tracker(survivor, sender)["events"])
        # Each answered turn recorded once, in order; a message that failed in flight at most once (the
        # killed replica may have saved it before it could answer).
        assert [text for text in recorded if text in dict(sent) and dict(sent)[text] == 200] == [
            message for message, status in sent if status == 200
        ]
        assert len(recorded) == len(set(recorded)) and set(recorded) <= set(script)
    for volunteer, email in volunteers.items():
        status, answer = confirmations[volunteer]
        if status != 200 or "ingeschreven" not in texts(answer or []):  # unanswered: the person says yes again
            again = say(cluster.url, volunteer, "/affirm")
            assert again is not None
        assert stored_signups(database, email) == 1, (status, answer)

    stopping = threading.Event()
    supervisor = threading.Thread(target=cluster.supervise, args=(stopping, 0.5), daemon=True)
    supervisor.start()
    try:
        deadline = time.monotonic() + 300
        while cluster.dead_replicas() or not _answers(cluster.servers[0]):
            assert time.monotonic() < deadline, "the supervisor did not bring replica 1 back"
            time.sleep(2)
    finally:
        stopping.set()
        supervisor.join(30)
    sender = f"back-{uuid.uuid4().hex[:8]}"
    assert say(cluster.servers[0].url, sender, "hallo")


def test_a_crashed_action_server_is_answered_politely_and_started_again_alone(cluster: Cluster) -> None:
    """Replica 1's action server killed mid-conversation: replica 1 answers "try again in a moment" in the
    person's language (no empty reply), the supervisor starts only the action server again (the Rasa server
    keeps running, with its model), and the same conversation goes on with its context."""
    first = cluster.servers[0]
    sender = f"actions-{uuid.uuid4().hex[:8]}"
    assert "international solidarity" in texts(say(first.url, sender, "What is the mission of 11.11.11?")).lower()
    rasa_pid, victim = first.processes["rasa"].pid, first.processes["actions"]
    victim.kill()
    victim.wait(10)
    assert TRY_AGAIN["en"] in texts(say(first.url, sender, "tell me more please"))
    stopping = threading.Event()
    supervisor = threading.Thread(target=cluster.supervise, args=(stopping, 0.5), daemon=True)
    supervisor.start()
    try:
        deadline = time.monotonic() + 120
        while cluster.dead_replicas():
            assert time.monotonic() < deadline, "the supervisor did not start the action server again"
            time.sleep(0.5)
    finally:
        stopping.set()
        supervisor.join(30)
    assert first.processes["rasa"].pid == rasa_pid and first.processes["actions"] is not victim
    from horizon.strategy.text import passage

    assert passage("en", "mission", 0).text in texts(say(first.url, sender, "tell me more please"))
    said = user_texts(tracker(first.url, sender)["events"])
    assert said == ["What is the mission of 11.11.11?", "tell me more please", "tell me more please"]


def test_postgres_dropping_every_connection_mid_conversation_loses_and_doubles_no_turn(
    cluster: Cluster, database: str
) -> None:
    """PostgreSQL restarting, as the replicas see it: every connection to the cluster's own database is
    terminated (pg_terminate_backend; the machine's PostgreSQL and others' databases are left alone) while
    4 conversations are under way. Each message is answered, at most with a polite 503 for one in flight;
    later messages go on with the context (the pools test connections before use); each turn is recorded
    once."""
    script = ["What is the mission of 11.11.11?", "tell me more please", "what are your values?"]
    senders = [f"pg-{uuid.uuid4().hex[:8]}" for _ in range(4)]
    outcomes: Dict[str, List[Tuple[str, int, str]]] = {sender: [] for sender in senders}
    dropped = threading.Event()

    def converse(sender: str) -> None:
        for index, message in enumerate(script):
            if index == 1:
                dropped.wait(30)
            status, answer = post(f"{cluster.url}/webhooks/rest/webhook", {"sender": sender, "message": message})
            outcomes[sender].append((message, status, texts(answer or [])))

    admin = create_engine(PG_URL.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with ThreadPoolExecutor(max_workers=len(senders)) as pool:
            running = [pool.submit(converse, sender) for sender in senders]
            time.sleep(0.3)
            with admin.connect() as connection:
                ended = connection.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = :name AND pid <> pg_backend_pid()"
                    ),
                    {"name": database.rsplit("/", 1)[1]},
                ).scalar()
            dropped.set()
            for conversation in running:
                conversation.result(timeout=180)
    finally:
        admin.dispose()
    assert ended, "the replicas had connections to drop"
    for sender, sent in outcomes.items():
        for message, status, answer in sent:
            assert status == 200 or (status == 503 and TRY_AGAIN["en"] in answer), (message, status)
        assert [status for _, status, _ in sent[1:]] == [200, 200], sent  # after the drop: answered
        if sent[0][1] == 200:  # context kept: "more" about the mission answered before the drop
            assert passage("en", "mission", 0).text in sent[1][2], sent
        recorded = user_texts(tracker(cluster.url, sender)["events"])
        answered = [message for message, status, _ in sent if status == 200]
        assert [text for text in recorded if text in answered] == answered
        assert len(recorded) == len(set(recorded))


def test_redis_unreachable_answers_a_quick_503_and_service_resumes(cluster: Cluster, redis_proxy: TcpProxy) -> None:
    """The lock store's Redis cut (connections refused): a message gets, within seconds, 503 with
    Retry-After and "try again" in the person's language, not a hang; nothing is recorded for it. Once
    Redis is reachable again, the same conversation goes on."""
    sender = f"redis-{uuid.uuid4().hex[:8]}"
    say(cluster.url, sender, "wat is jullie visie?")
    redis_proxy.cut()
    try:
        started = time.monotonic()
        request = urllib.request.Request(
            f"{cluster.url}/webhooks/rest/webhook", json.dumps({"sender": sender, "message": "vertel me meer"}).encode()
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        took = time.monotonic() - started
        assert refused.value.code == 503 and refused.value.headers["Retry-After"]
        assert TRY_AGAIN["nl"] in texts(json.loads(refused.value.read()))
        assert took < 10, f"answered after {took:.1f} s"
    finally:
        redis_proxy.restore()
    deadline = time.monotonic() + 30
    while True:
        status, answer = post(f"{cluster.url}/webhooks/rest/webhook", {"sender": sender, "message": "vertel me meer"})
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert status == 200 and "Visie" in texts(answer)
    said = user_texts(tracker(cluster.url, sender)["events"])
    assert said == ["wat is jullie visie?", "vertel me meer"]


def _answers(servers: Servers) -> bool:
    try:
        with urllib.request.urlopen(f"{servers.url}/status?token={TOKEN}", timeout=5) as status:
            return bool(json.loads(status.read()).get("model_file"))
    except (urllib.error.URLError, OSError, ValueError):
        return False
