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
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml

from bot.channels.credentials import effective_credentials, required_variables, write_credentials
from bot.paths import MODEL, ROOT, VAR

READY_TIMEOUT_S = 300  # a loaded machine (training next door) can take minutes to load the model
STOP_TIMEOUT_S = 20
ENDPOINTS_TEMPLATE = ROOT / "endpoints.yml"
CREDENTIALS_TEMPLATE = ROOT / "credentials.yml"

# Settings an isolated run must not inherit: they send mail or webhooks, pick a database, or change what the
# servers store and how long. A test that needs one passes it explicitly.
CLEARED_PREFIXES = ("NOTIFY_", "SMTP_", "EMAIL_", "HORIZON_", "SIGNUP_")
CLEARED = ("DATABASE_URL", "RASA_AUTH_TOKEN", "LOG_LEVEL")
QUIET = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


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


def write_endpoints(actions_port: int, runtime: Path) -> Path:
    """`runtime`/endpoints.yml: endpoints.yml with this run's action server port.

    A SQLite tracker store configured under `var/` lives in the runtime folder instead (the same place for
    `make run`, whose runtime folder is `var/`).
    """
    endpoints = yaml.safe_load(ENDPOINTS_TEMPLATE.read_text())
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    store = endpoints.get("tracker_store") or {}
    if store.get("dialect") == "sqlite":
        db = ROOT / store["db"]
        store["db"] = str(runtime / db.relative_to(VAR) if db.is_relative_to(VAR) else db)
    path = runtime / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


def write_runtime_credentials(env: Mapping[str, str], runtime: Path) -> Path:
    """`runtime`/credentials.yml: the channels whose secrets `env` holds (mode 0600: it holds them)."""
    path = runtime / "credentials.yml"
    write_credentials(effective_credentials(CREDENTIALS_TEMPLATE, env), path)
    return path


def isolated_env(runtime: Path, base: Optional[Mapping[str, str]] = None, **settings: str) -> Dict[str, str]:
    """The environment for a run that must not touch `var/`, real mailboxes or messaging platforms.

    `base` (default: this process's environment) without the notification, database, channel and Horizon
    settings; `DATABASE_URL` points at `runtime`/horizon.db. `settings` are added last: a test that means
    to send through a (local) mail server or to use PostgreSQL says so there.
    """
    channel_secrets = required_variables(yaml.safe_load(CREDENTIALS_TEMPLATE.read_text()) or {})
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
    protects Rasa's HTTP API (`--auth-token`).
    """

    runtime: Path = VAR
    port: int = 5005
    actions_port: int = 5055
    model: Path = MODEL
    env: Dict[str, str] = field(default_factory=lambda: dict(os.environ))
    logs: Optional[Path] = None
    token: Optional[str] = None
    processes: Dict[str, subprocess.Popen] = field(default_factory=dict)  # by name: actions, rasa

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rasa_command(self, command: str, endpoints: Path, credentials: Path) -> List[str]:
        """`python -m bot.rasa_server run|shell ...`: Rasa's own CLI with the project's fixes applied."""
        arguments = [sys.executable, "-m", "bot.rasa_server", command, "--model", str(self.model)]
        arguments += ["--endpoints", str(endpoints), "--credentials", str(credentials)]
        if command == "run":
            arguments += ["--enable-api", "--cors", "*", "--port", str(self.port)]
            if self.token:
                arguments += ["--auth-token", self.token]
        return arguments

    def start(self, shell: bool = False) -> None:
        """Starts the action server, then the Rasa server (or, with shell, Rasa's terminal chat).

        Returns once both answer and the model is loaded; on failure stops what it started and raises with
        the end of the logs.
        """
        self.runtime.mkdir(parents=True, exist_ok=True)
        endpoints = write_endpoints(self.actions_port, self.runtime)
        credentials = write_runtime_credentials(self.env, self.runtime)
        try:
            actions = self._spawn(
                "actions", [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)]
            )
            wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", actions)
            if shell:
                # Rasa's terminal chat stays in this session: it reads the terminal.
                self._spawn("rasa", self.rasa_command("shell", endpoints, credentials), own_session=False)
                return
            rasa = self._spawn("rasa", self.rasa_command("run", endpoints, credentials))
            wait_until_up(f"{self.url}/", rasa)
            self._wait_for_model(rasa)
        except (RuntimeError, TimeoutError) as error:
            self.stop()
            raise RuntimeError(f"{error}\n{self.log_tails()}") from error

    def _spawn(self, name: str, command: List[str], own_session: bool = True) -> subprocess.Popen:
        # A server in its own session: Ctrl-C in the terminal reaches only the launcher, which stops both.
        if self.logs is None:
            process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=own_session)
        else:
            self.logs.mkdir(parents=True, exist_ok=True)
            with open(self.logs / f"{name}.log", "ab") as log:  # the child keeps its own copy of the handle
                process = subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=self.env,
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
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in self.processes.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
