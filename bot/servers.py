"""Starting Horizon's two servers: the one way used by `make run`, the e2e and browser suites and the bench.

The action server (`rasa_sdk`) and the Rasa server (`bot.rasa_server`: Rasa with the project's tracker store
and speed-ups) run as child processes on given ports, with the effective endpoints and credentials written
into a runtime folder: `var/` for `make run`, a temporary folder for tests and the bench, so that a test never
writes to `var/`. :func:`isolated_env` gives such a run its own SQLite databases and clears every setting
that could reach the outside world (mail, webhooks, messaging platforms).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional

import yaml

from bot.channels.credentials import channel_variables, channels, write_credentials
from bot.cluster.settings import cluster_credentials, cluster_endpoints
from bot.paths import MODEL, ROOT, VAR
from bot.quiet import DEFAULTS, quiet_env
from horizon.insights.queue_source import broker_settings

READY_TIMEOUT_S = 300  # a loaded machine (training next door) can take minutes to load the model
STOP_TIMEOUT_S = 20
MAX_BACKOFF_S = 60.0  # the longest wait between two attempts to start a crashed server again
SERVER_NAMES = {"actions": "action server", "rasa": "Rasa server"}
ENDPOINTS_TEMPLATE = ROOT / "endpoints.yml"
ALLOWED_ORIGINS = "HORIZON_ALLOWED_ORIGINS"
API_TOKEN_FILE = "rasa-auth-token"  # in the runtime folder, when RASA_AUTH_TOKEN is not set
ACTION_TOKEN_FILE = "action-server-token"  # in the runtime folder, when ACTION_SERVER_TOKEN is not set
ACTION_TOKEN_HEADER = "X-Horizon-Action-Token"  # must match actions/server.py
#: `python -m actions`: actions/server.py without TensorFlow, which the actions never use (actions/__main__.py)
ACTION_SERVER_MODULE = "actions"
PSEUDONYM_KEY_SETTING = "EVENT_BROKER_PSEUDONYM_KEY"
PSEUDONYM_KEY_FILE = "event-broker-key"  # in the runtime folder, when EVENT_BROKER_PSEUDONYM_KEY is not set

# Settings an isolated run must not inherit: they send mail or webhooks, pick a database, or change what the
# servers store and how long. A test that needs one passes it explicitly.
CLEARED_PREFIXES = ("NOTIFY_", "SMTP_", "EMAIL_", "HORIZON_", "SIGNUP_", "HANDOFF_", "EVENT_BROKER_")
CLEARED = ("DATABASE_URL", "RASA_AUTH_TOKEN", "LOG_LEVEL", "TRACKER_STORE_URL", "LOCK_STORE_URL")
QUIET = dict(DEFAULTS)  # an isolated run: telemetry off and TensorFlow quiet, whatever the developer set
#: `python -m` with the known third-party deprecation warnings silenced (bot/quiet.py)
QUIET_PYTHON = (sys.executable, "-m", "bot.quiet")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = READY_TIMEOUT_S) -> None:
    """Polls `url` until it answers (any HTTP status); fails early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered, if only to refuse
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def runtime_secret(path: Path) -> str:
    """The secret kept in `path`, created (random, 256 bits) on first use; the file is readable only by its
    owner. Used for the HTTP API token and the action server's secret when none is configured."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        os.chmod(path, 0o600)
        kept = path.read_text(encoding="ascii").strip()
        if kept:
            return kept
        descriptor = os.open(path, os.O_WRONLY | os.O_TRUNC)
    secret = secrets.token_urlsafe(32)
    with os.fdopen(descriptor, "w", encoding="ascii") as stream:
        stream.write(secret + "\n")
    return secret


def allowed_origins(port: int, env: Mapping[str, str]) -> List[str]:
    """The web origins allowed to call the server from a browser (CORS, socket.io): `HORIZON_ALLOWED_ORIGINS`
    (comma-separated), else the demo page's own origin on this port."""
    configured = [origin.strip().rstrip("/") for origin in env.get(ALLOWED_ORIGINS, "").split(",")]
    return [origin for origin in configured if origin] or [f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


def event_broker_endpoint(env: Mapping[str, str], runtime: Path) -> Optional[Dict[str, Any]]:
    """The `event_broker` section for `EVENT_BROKER_URL` (cluster mode), None without it.

    Rasa's RabbitMQ broker, masking (bot/event_broker.py), to the durable queue `EVENT_BROKER_QUEUE` bound to
    the fanout exchange `EVENT_BROKER_EXCHANGE`. The sender pseudonyms' key is `EVENT_BROKER_PSEUDONYM_KEY`
    (set the same on every replica), else a secret kept in the runtime folder (replicas sharing it agree).
    """
    settings = broker_settings(env)
    if settings is None:
        return None
    key = env.get(PSEUDONYM_KEY_SETTING) or runtime_secret(runtime / PSEUDONYM_KEY_FILE)
    return {
        "type": "bot.event_broker.MaskingPikaEventBroker",
        **settings.parts,
        "queues": [settings.queue],
        "exchange_name": settings.exchange,
        "pseudonym_key": key,
        "connection_attempts": 1,  # the broker keeps trying in the background (bot/event_broker.py)
        "retry_delay_in_seconds": 2,
    }


def write_endpoints(
    actions_port: int, runtime: Path, action_token: Optional[str] = None, env: Optional[Mapping[str, str]] = None
) -> Path:
    """`runtime`/endpoints.yml: endpoints.yml with this run's action server port (and secret header).

    A SQLite tracker store configured under `var/` lives in the runtime folder instead (the same place for
    `make run`, whose runtime folder is `var/`). The stores that `env` names (TRACKER_STORE_URL,
    LOCK_STORE_URL: bot/cluster/settings.py) replace the defaults; with `EVENT_BROKER_URL` events also go to
    RabbitMQ. `env` defaults to this process's environment. The file holds secrets: mode 0600.
    """
    env = os.environ if env is None else env
    endpoints = cluster_endpoints(yaml.safe_load(ENDPOINTS_TEMPLATE.read_text()), env)
    broker = event_broker_endpoint(env, runtime)
    if broker is not None:
        endpoints["event_broker"] = broker
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    if action_token:
        endpoints["action_endpoint"]["headers"] = {ACTION_TOKEN_HEADER: action_token}
    store = endpoints.get("tracker_store") or {}
    if store.get("dialect") == "sqlite":
        db = ROOT / store["db"]
        store["db"] = str(runtime / db.relative_to(VAR) if db.is_relative_to(VAR) else db)
    path = runtime / "endpoints.yml"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        yaml.safe_dump(endpoints, stream, sort_keys=False)
    os.chmod(path, 0o600)
    return path


def write_runtime_credentials(env: Mapping[str, str], runtime: Path) -> Path:
    """`runtime`/credentials.yml: the channels whose secrets `env` holds (mode 0600: it holds them); with
    HORIZON_REDIS_URL, the socket.io channel that shares its rooms between servers."""
    path = runtime / "credentials.yml"
    write_credentials(cluster_credentials(channels(env), env), path)
    return path


def isolated_env(runtime: Path, base: Optional[Mapping[str, str]] = None, **settings: str) -> Dict[str, str]:
    """The environment for a run that must not touch `var/`, real mailboxes or messaging platforms.

    `base` (default: this process's environment) without the notification, database, channel and Horizon
    settings; `DATABASE_URL` points at `runtime`/horizon.db. `settings` are added last: a test that means
    to send through a (local) mail server or to use PostgreSQL says so there.
    """
    channel_secrets = channel_variables()
    env = {
        name: value
        for name, value in (os.environ if base is None else base).items()
        if name not in CLEARED and name not in channel_secrets and not name.startswith(CLEARED_PREFIXES)
    }
    env.update(QUIET)
    env["DATABASE_URL"] = f"sqlite:///{runtime / 'horizon.db'}"
    env.update(settings)
    return env


def seed_sample_data(env: Mapping[str, str]) -> None:
    """`python -m horizon.cli seed` in `env`: the schema, and the sample initiatives in an empty database."""
    subprocess.run(
        [sys.executable, "-m", "horizon.cli", "seed"],
        cwd=ROOT,
        env=dict(env),
        check=True,
        stdout=subprocess.DEVNULL,
    )


@dataclass
class Servers:
    """The action server and the Rasa server as child processes.

    `runtime` receives endpoints.yml and credentials.yml (and the SQLite tracker store); `logs`, when set,
    is a folder for actions.log and rasa.log, else the servers write to this process's terminal. `token`
    protects Rasa's HTTP API (`--auth-token`). The action server listens on `actions_host` (ACTIONS_HOST,
    default loopback) and answers only calls carrying `action_token` (ACTION_SERVER_TOKEN, else a secret
    kept in the runtime folder). Browsers may call from the origins of :func:`allowed_origins` only.
    """

    runtime: Path = VAR
    port: int = 5005
    actions_port: int = 5055
    model: Path = MODEL
    env: Dict[str, str] = field(default_factory=lambda: dict(os.environ))
    logs: Optional[Path] = None
    token: Optional[str] = None
    action_token: Optional[str] = None
    actions_host: Optional[str] = None
    interface: Optional[str] = None  # the Rasa server's (Rasa: all interfaces); the cluster's are on loopback
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)  # by name: actions, rasa

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    @property
    def origins(self) -> List[str]:
        return allowed_origins(self.port, self.env)

    def rasa_command(self, command: str, endpoints: Path, credentials: Path) -> List[str]:
        """`python -m bot.rasa_server run|shell ...`: Rasa's own CLI with the project's fixes applied."""
        arguments = [*QUIET_PYTHON, "bot.rasa_server", command, "--model", str(self.model)]
        arguments += ["--endpoints", str(endpoints), "--credentials", str(credentials)]
        arguments += ["--port", str(self.port)]
        if command == "run" and self.interface:
            arguments += ["--interface", self.interface]
        if command == "run":
            arguments += ["--enable-api", "--cors", *self.origins]
            if self.token:
                arguments += ["--auth-token", self.token]
        return arguments

    def start(self, shell: bool = False) -> None:
        """Starts the action server, then the Rasa server (or, with shell, Rasa's terminal chat).

        Returns once both answer and the model is loaded; on failure stops what it started and raises with
        the end of the logs.
        """
        self.runtime.mkdir(parents=True, exist_ok=True)
        self.runtime.chmod(0o700)  # the databases and secrets inside hold personal data: owner only
        self.action_token = (
            self.action_token or self.env.get("ACTION_SERVER_TOKEN") or runtime_secret(self.runtime / ACTION_TOKEN_FILE)
        )
        self.actions_host = self.actions_host or self.env.get("ACTIONS_HOST") or "127.0.0.1"
        write_endpoints(self.actions_port, self.runtime, self.action_token, self.env)
        write_runtime_credentials(self.env, self.runtime)
        try:
            self._start_actions()
            if shell:
                # Rasa's terminal chat stays in this session: it reads the terminal.
                self._spawn("rasa", self._rasa("shell"), own_session=False, env=self._rasa_env())
                return
            self._start_rasa()
        except (RuntimeError, TimeoutError) as error:
            self.stop()
            raise RuntimeError(f"{error}\n{self.log_tails()}") from error

    def _rasa_env(self) -> Dict[str, str]:
        return {ALLOWED_ORIGINS: ",".join(self.origins)}

    def _rasa(self, command: str) -> List[str]:
        return self.rasa_command(command, self.runtime / "endpoints.yml", self.runtime / "credentials.yml")

    def _start_actions(self) -> None:
        address = ["--host", str(self.actions_host), "--port", str(self.actions_port)]
        command = [*QUIET_PYTHON, ACTION_SERVER_MODULE, *address]
        actions = self._spawn("actions", command, env={"ACTION_SERVER_TOKEN": str(self.action_token)})
        wait_until_up(f"{self.actions_url}/health", actions)

    def _start_rasa(self) -> None:
        rasa = self._spawn("rasa", self._rasa("run"), env=self._rasa_env())
        wait_until_up(f"{self.url}/", rasa)
        self._wait_for_model(rasa)

    def dead(self) -> List[str]:
        """The names of the servers that have exited (actions before rasa)."""
        return [name for name, process in self.processes.items() if process.poll() is not None]

    def restart(self, name: str) -> None:
        """Starts the exited server `name` ("actions" or "rasa") again, on the same port with the same
        settings; the other one keeps running. Raises RuntimeError when it does not come up (then stopped)."""
        old = self.processes[name]
        if old.poll() is None:
            _stop([old])
        try:
            self._start_actions() if name == "actions" else self._start_rasa()
        except (RuntimeError, TimeoutError) as error:
            _stop([self.processes[name]])
            raise RuntimeError(str(error)) from error

    def _spawn(
        self, name: str, command: List[str], own_session: bool = True, env: Optional[Dict[str, str]] = None
    ) -> subprocess.Popen:
        # A server in its own session: Ctrl-C in the terminal reaches only the launcher, which stops both.
        child_env = quiet_env({**self.env, **(env or {})})
        if self.logs is None:
            process = subprocess.Popen(command, cwd=ROOT, env=child_env, start_new_session=own_session)
        else:
            self.logs.mkdir(parents=True, exist_ok=True)
            with open(self.logs / f"{name}.log", "ab") as log:  # the child keeps its own copy of the handle
                process = subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=child_env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=own_session,
                )
        self.processes[name] = process
        return process

    def _wait_for_model(self, rasa: subprocess.Popen) -> None:
        """/status names the model once it is loaded."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if rasa.poll() is not None:
                raise RuntimeError(f"the Rasa server exited with code {rasa.returncode}")
            if self.api("/status").get("model_file"):
                return
            time.sleep(0.5)
        raise TimeoutError(f"the Rasa server did not load {self.model} within {READY_TIMEOUT_S} s")

    def api(self, path: str) -> Any:
        """GET on Rasa's HTTP API, with the token when there is one."""
        url = f"{self.url}{path}"
        if self.token:
            url += ("&" if "?" in path else "?") + f"token={self.token}"
        with urllib.request.urlopen(url, timeout=10) as answer:
            return json.load(answer)

    def tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The conversation as Rasa keeps it."""
        return self.api(f"/conversations/{conversation_id}/tracker")

    def pids(self) -> Dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def log_tails(self, characters: int = 3000) -> str:
        """The end of each log file (empty when the servers write to the terminal)."""
        if self.logs is None:
            return ""
        logs = sorted(self.logs.glob("*.log"))
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-characters:]}" for log in logs)

    def wait(self) -> Optional[int]:
        """Blocks until one of the servers exits; returns its exit code."""
        while True:
            for process in self.processes.values():
                if process.poll() is not None:
                    return process.returncode
            time.sleep(0.5)

    def stop(self) -> None:
        """SIGINT to both (Rasa and Sanic shut down cleanly on it), SIGKILL to what is still running after
        STOP_TIMEOUT_S."""
        _stop(list(self.processes.values()))


def _stop(processes: List[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Restarts:
    """Starts again each server of a `Servers` that exited, with backoff per server: at once the first
    time, then 1, 2, 4 ... MAX_BACKOFF_S seconds after each failed attempt. Used by `make run`'s launcher
    and, per replica, by the cluster's supervisor: a crashed action server comes back alone, while the Rasa
    server answers "try again in a moment" (bot/faults.py) meanwhile."""

    log: Callable[[str], None] = print
    label: str = ""  # e.g. "Replica 2: "
    delays: Dict[str, float] = field(default_factory=dict)

    def revive(self, servers: Servers, stopping: threading.Event) -> None:
        """One round: each exited server started again (after its backoff); returns early when stopping."""
        for name in servers.dead():
            delay = self.delays.get(name, 0.0)
            code = servers.processes[name].returncode
            self.log(f"{self.label}The {SERVER_NAMES[name]} stopped (code {code}); starting it again in {delay:.0f} s.")
            if stopping.wait(delay):
                return
            try:
                servers.restart(name)
            except RuntimeError as error:
                self.delays[name] = min(MAX_BACKOFF_S, max(1.0, delay * 2))
                self.log(f"{self.label}The {SERVER_NAMES[name]} did not start ({str(error).splitlines()[0]}).")
                continue
            self.delays.pop(name, None)
            self.log(f"{self.label}The {SERVER_NAMES[name]} is back.")

    def supervise(self, servers: Servers, stopping: threading.Event, poll_s: float = 1.0) -> None:
        """Until `stopping` is set."""
        while not stopping.wait(poll_s):
            self.revive(servers, stopping)
