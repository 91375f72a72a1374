"""Rasa's own CLI, typed with no flags in a copy of the project root, as a Rasa developer types it.

`python -m tests.support.plain_rasa ROOT` runs, in the project copy at ROOT, `rasa run actions` and
`rasa run --enable-api` on their default ports (5055, 5005) until /status names the model and a local search
answers over REST, then `rasa shell` in a pseudo-terminal until it greets back; it prints what it saw as JSON.
The default ports are fixed, so tests/e2e/test_rasa_cli.py runs this inside a network namespace of its own
(`unshare -rn`): the developer's `make run` and other test runs on the same machine do not collide with it.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

RASA = [sys.executable, "-m", "rasa"]
READY_S = 300


def copy_project(source: Path, dest: Path) -> Path:
    """The files git knows in `source` (tracked and new, not ignored), the trained model, and var/: what a fresh
    clone has after `make run`. Symlinks stay symlinks (domain.yml)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=source, check=True, capture_output=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        if name == ".venv":
            continue  # a worktree's link to the shared venv
        origin = source / name
        if not origin.exists() and not origin.is_symlink():
            continue  # deleted in the working tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_symlink():
            target.symlink_to(os.readlink(origin))
        else:
            target.write_bytes(origin.read_bytes())
    (dest / "models").mkdir(exist_ok=True)
    (dest / "models" / "horizon.tar.gz").symlink_to(source / "models" / "horizon.tar.gz")
    (dest / "var").mkdir(exist_ok=True)
    return dest


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)


def _post(url: str, body: Dict[str, Any]) -> Any:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


def _wait(check: Any, process: subprocess.Popen, what: str) -> Any:
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what}: exited with code {process.returncode}")
        try:
            found = check()
            if found:
                return found
        except OSError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{what}: not ready within {READY_S} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(root: Path, logs: Path) -> Dict[str, Any]:
    """`rasa run actions` and `rasa run --enable-api`: /status, a local search over REST, the action server's
    bind address and that it refuses what is not an action call."""
    seen: Dict[str, Any] = {}
    with open(logs / "actions.log", "wb") as a_log, open(logs / "rasa.log", "wb") as r_log:
        actions = subprocess.Popen([*RASA, "run", "actions"], cwd=root, stdout=a_log, stderr=subprocess.STDOUT)
        rasa = subprocess.Popen([*RASA, "run", "--enable-api"], cwd=root, stdout=r_log, stderr=subprocess.STDOUT)
    try:
        _wait(lambda: _get("http://127.0.0.1:5055/health"), actions, "rasa run actions")
        seen["status"] = _wait(lambda: model_status("http://127.0.0.1:5005"), rasa, "rasa run --enable-api")
        seen["search"] = _post(
            "http://127.0.0.1:5005/webhooks/rest/webhook", {"sender": "plain-rasa", "message": "initiatieven in Gent"}
        )
        seen["actions_listening"] = listening_on(5055)
        try:
            _post("http://127.0.0.1:5055/webhook", {"not": "an action call"})
            seen["actions_refuses"] = None
        except urllib.error.HTTPError as refused:
            seen["actions_refuses"] = refused.code
    finally:
        _stop(rasa)
        seen["shell"] = shell(root, logs)
        _stop(actions)
    return seen


def model_status(url: str) -> Optional[Dict[str, Any]]:
    """/status once it names the loaded model."""
    status = _get(f"{url}/status")
    return status if status.get("model_file") else None


def listening_on(port: int) -> List[str]:
    """The IPv4 addresses a TCP socket listens on at `port` (from /proc/net/tcp)."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.append(".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0)))
    return found


def shell(root: Path, logs: Path, message: str = "hallo") -> str:
    """`rasa shell` in a pseudo-terminal: what it printed after `message`, up to the menu of the answer's
    buttons (the greeting has buttons)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: Rasa's terminal chat
        os.chdir(root)
        os.execv(sys.executable, [*RASA, "shell"])
    printed = b""
    try:
        printed = _read_until(fd, (b"Your input",), READY_S)
        os.write(fd, message.encode() + b"\r")
        answer = _read_until(fd, (b"Type out your own message",), 120)  # Rasa's menu under the answer's buttons
        printed += answer
        return answer.decode(errors="replace")
    finally:
        (logs / "shell.log").write_bytes(printed)
        os.kill(pid, signal.SIGINT)
        _reap(pid)


def _read_until(fd: int, markers: Tuple[bytes, ...], timeout: float) -> bytes:
    data = b""
    deadline = time.monotonic() + timeout
    while not any(marker in data for marker in markers) and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            data += chunk
    return data


def _reap(pid: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def main(argv: Optional[List[str]] = None) -> int:
    root = Path((argv or sys.argv[1:])[0])
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=False)  # a new network namespace starts with lo down
    print(json.dumps(serve(root, logs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
