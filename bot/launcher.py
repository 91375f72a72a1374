"""`make run`: trains if the data changed, then runs the action server and the Rasa server together.

Both run as child processes, started by `bot.servers` as the tests and the bench start them, with var/ as
the runtime folder (`--runtime` picks another); Ctrl-C (SIGINT) or SIGTERM stops both, so nothing is left
listening on the ports. If one of them crashes it alone is started again, with backoff (`bot.servers.
Restarts`); meanwhile the Rasa server answers "try again in a moment" (bot/faults.py).

`make shell` (`--shell`) chats in the terminal: with the assistant that already runs on the port (a
`make run` in another terminal), over its REST channel (bot/terminal_chat.py); only when none runs does it
train if needed and start its own servers, with Rasa's terminal chat.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from typing import List, Optional, Tuple

from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.paths import VAR
from bot.servers import API_TOKEN_FILE, Restarts, Servers, free_port, runtime_secret
from bot.terminal_chat import chat, rest_channel_answers
from bot.training import train
from horizon.db import DatabaseUnavailable, database_url
from horizon.initiatives.importer import seed


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


def how_to_talk(
    port: int, token: str, origins: List[str], token_file: Optional[Path] = None, stops: str = "both servers"
) -> str:
    """The start-up lines: where to chat, and how to call the HTTP API, which needs the token."""
    kept = f" (kept in {token_file})" if token_file else " (RASA_AUTH_TOKEN)"
    return (
        f"\nHorizon is running.\n"
        f"  Chat in the browser:    http://localhost:{port}/widget/ (English: /widget/en.html)\n"
        f"  REST webhook:           curl -s localhost:{port}/webhooks/rest/webhook "
        f'-d \'{{"sender": "me", "message": "wat is jullie visie?"}}\'\n'
        f"  HTTP API (status):      curl -s 'localhost:{port}/status?token={token}'\n"
        f"  HTTP API token:         {token}{kept}\n"
        f"  Browsers allowed from:  {', '.join(origins)} (HORIZON_ALLOWED_ORIGINS)\n"
        f"  Initiatives database:   {shown_database()} (DATABASE_URL)\n"
        f"  In the terminal:        make shell\n"
        f"Press Ctrl-C to stop {stops}.\n"
    )


def shown_database() -> str:
    """The initiatives database's URL, without its password."""
    return make_url(database_url()).render_as_string(hide_password=True)


def api_token(runtime: Path) -> Tuple[str, Optional[Path]]:
    """RASA_AUTH_TOKEN, else a random token created on first start and kept in the runtime folder (0600).

    Closed by default: without a token Rasa's HTTP API would let anyone read every conversation.
    """
    configured = os.environ.get("RASA_AUTH_TOKEN")
    if configured:
        return configured, None
    path = runtime / API_TOKEN_FILE
    return runtime_secret(path), path


def shell_with_running(port: int) -> bool:
    """Chats with the assistant on `port` if one runs there; False when the port is free. Exits when
    something else holds it (Rasa's shell would die on "address already in use")."""
    url = f"http://127.0.0.1:{port}"
    found = rest_channel_answers(url)
    if found is None:
        return False
    if not found:
        sys.exit(f"Port {port} is in use, but not by a Rasa server with a REST channel: set RASA_PORT to another.")
    chat(url)
    return True


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def main() -> None:
    parser = argparse.ArgumentParser(description="Run Horizon: action server and Rasa server.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--actions-port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    parser.add_argument("--no-train", action="store_true", help="use the trained model as it is")
    parser.add_argument("--shell", action="store_true", help="chat in this terminal instead of serving")
    parser.add_argument(
        "--runtime", type=Path, default=VAR, help="folder for the effective endpoints, credentials and tracker store"
    )
    args = parser.parse_args()
    if args.shell and shell_with_running(args.port):
        return
    if args.shell and port_in_use(args.actions_port):
        args.actions_port = free_port()  # e.g. a `rasa run actions` of its own: this chat needs none of it
    if not args.no_train:
        train()
    seed_database()
    token, token_file = api_token(args.runtime)
    servers = Servers(runtime=args.runtime, port=args.port, actions_port=args.actions_port, token=token)
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
        if args.shell:
            code = servers.wait()  # the person left Rasa's terminal chat
        else:
            print(how_to_talk(args.port, token, servers.origins, token_file), flush=True)
            Restarts(log=lambda line: print(line, flush=True)).supervise(servers, threading.Event())
    except KeyboardInterrupt:
        print("\nStopping Horizon...", flush=True)
    finally:
        servers.stop()
    sys.exit(0 if stopping or code in (0, None) else 1)


if __name__ == "__main__":
    main()
