"""`make run`: trains if the data changed, then runs the action server and the Rasa server together.

Both run as child processes; Ctrl-C (SIGINT) or SIGTERM stops both, and if one of them dies the other is
stopped too, so nothing is left listening on the ports.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from sqlalchemy.exc import OperationalError

from bot.channels.credentials import effective_credentials, write_credentials
from bot.paths import MODEL, ROOT, VAR
from bot.training import train
from horizon.db import DatabaseUnavailable
from horizon.initiatives.importer import seed

READY_TIMEOUT_S = 240
STOP_TIMEOUT_S = 20


def write_endpoints(actions_port: int, path: Path) -> Path:
    """endpoints.yml with this run's action server port; the SQLite tracker store lives in var/."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    endpoints["action_endpoint"]["url"] = f"http://127.0.0.1:{actions_port}/webhook"
    store = endpoints.get("tracker_store") or {}
    if store.get("dialect") == "sqlite":
        store["db"] = str(ROOT / store["db"])
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = READY_TIMEOUT_S) -> None:
    """Polls `url` until it answers; fails early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


@dataclass
class Servers:
    """The action server and the Rasa server as child processes."""

    port: int = 5005
    actions_port: int = 5055
    model: Path = MODEL
    env: Dict[str, str] = field(default_factory=lambda: dict(os.environ))
    processes: List[subprocess.Popen] = field(default_factory=list)

    def rasa_command(self, endpoints: Path, credentials: Path) -> List[str]:
        command = [
            sys.executable,
            "-m",
            "bot.rasa_server",
            "run",
            "--enable-api",
            "--cors",
            "*",
            "--model",
            str(self.model),
            "--port",
            str(self.port),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(credentials),
        ]
        token = self.env.get("RASA_AUTH_TOKEN")
        if token:
            command += ["--auth-token", token]
        return command

    def start(self, shell: bool = False) -> None:
        """Starts the action server, then the Rasa server (or, with shell, Rasa's terminal chat)."""
        VAR.mkdir(exist_ok=True)
        endpoints = write_endpoints(self.actions_port, VAR / "endpoints.yml")
        credentials = VAR / "credentials.yml"  # mode 0600: it holds the platforms' secrets
        write_credentials(effective_credentials(ROOT / "credentials.yml", self.env), credentials)
        actions = self._spawn(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)]
        )
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", actions)
        if shell:
            self._spawn(
                [
                    sys.executable,
                    "-m",
                    "bot.rasa_server",
                    "shell",
                    "--model",
                    str(self.model),
                    "--endpoints",
                    str(endpoints),
                    "--credentials",
                    str(credentials),
                ],
                own_session=False,
            )
            return
        rasa = self._spawn(self.rasa_command(endpoints, credentials))
        wait_until_up(f"http://127.0.0.1:{self.port}/", rasa)

    def _spawn(self, command: List[str], own_session: bool = True) -> subprocess.Popen:
        # A server in its own session: Ctrl-C in the terminal reaches only the launcher, which stops both.
        # Rasa's terminal chat stays in ours: it reads the terminal.
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, start_new_session=own_session)
        self.processes.append(process)
        return process

    def wait(self) -> Optional[int]:
        """Blocks until one of the servers exits; returns its exit code."""
        while True:
            for process in self.processes:
                if process.poll() is not None:
                    return process.returncode
            time.sleep(0.5)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def seed_database() -> None:
    """Creates the initiatives database and fills it with the sample data if it is empty.

    A database that cannot be reached does not stop the assistant: the search says so politely.
    """
    try:
        report = seed()
    except (DatabaseUnavailable, OperationalError) as exc:
        print(
            f"The initiatives database is not reachable ({type(exc).__name__}); the assistant will say so when asked.",
            flush=True,
        )
        return
    if report is not None:
        print("Created the initiatives database with the SAMPLE data (README: loading the real list).", flush=True)


def how_to_talk(port: int) -> str:
    token = "?token=$RASA_AUTH_TOKEN" if os.environ.get("RASA_AUTH_TOKEN") else ""
    return (
        f"\nHorizon is running.\n"
        f"  Chat in the browser:    http://localhost:{port}/widget/ (English: /widget/en.html)\n"
        f"  REST webhook:           curl -s localhost:{port}/webhooks/rest/webhook "
        f'-d \'{{"sender": "me", "message": "wat is jullie visie?"}}\'\n'
        f"  HTTP API (status):      curl -s 'localhost:{port}/status{token}'\n"
        f"  In the terminal:        make shell\n"
        f"Press Ctrl-C to stop both servers.\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Horizon: action server and Rasa server.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--actions-port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    parser.add_argument("--no-train", action="store_true", help="use the trained model as it is")
    parser.add_argument("--shell", action="store_true", help="chat in this terminal instead of serving")
    args = parser.parse_args()
    if not args.no_train:
        train()
    seed_database()
    servers = Servers(port=args.port, actions_port=args.actions_port)
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        raise KeyboardInterrupt

    # Installed explicitly: a launcher started in the background inherits SIGINT as ignored.
    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    code: Optional[int] = 0
    try:
        servers.start(shell=args.shell)
        if not args.shell:
            print(how_to_talk(args.port), flush=True)
        code = servers.wait()
        if not args.shell:
            print(f"A server exited (code {code}); stopping the other.", flush=True)
    except KeyboardInterrupt:
        print("\nStopping Horizon...", flush=True)
    finally:
        servers.stop()
    sys.exit(0 if stopping or code in (0, None) else 1)


if __name__ == "__main__":
    main()
