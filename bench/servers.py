"""The two bots under test, each trained and served in a scratch folder on free ports."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, Optional

import rasa.cli

from bot.paths import ROOT
from bot.servers import Servers, free_port, isolated_env, seed_sample_data, wait_until_up
from bot.training import train_command

QUIET = {"TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false"}


def rss_mb(pid: int) -> Optional[float]:
    """Resident memory of a process, from /proc (Linux)."""
    return _status_mb(pid, "VmRSS")


def peak_rss_mb(pid: int) -> Optional[float]:
    """The highest resident memory the process has had (its high-water mark), from /proc (Linux)."""
    return _status_mb(pid, "VmHWM")


def _status_mb(pid: int, field: str) -> Optional[float]:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        return None
    return None


def cpu_s(pid: int) -> Optional[float]:
    """CPU time (user + system) a process has used so far, from /proc (Linux): what a message costs the server,
    whatever else the machine is doing."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (fields 14, 15)


def _timed(command: list, cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, check=True, env={**os.environ, **QUIET}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - start


class BaselineBot:
    """The stock bot that `rasa init` creates, served with `rasa run` as its docs say."""

    name = "rasa init"

    def __init__(self, work: Path) -> None:
        self.work, self.port = work, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Optional[subprocess.Popen] = None

    def train(self) -> float:
        template = Path(rasa.cli.__file__).parent / "initial_project"
        shutil.copytree(template, self.work)
        return _timed([sys.executable, "-m", "rasa", "train"], self.work)

    def start(self) -> float:
        start = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "rasa", "run", "--enable-api", "--port", str(self.port)],
            cwd=self.work,
            env={**os.environ, **QUIET},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until_up(f"{self.url}/", self.process)
        return time.perf_counter() - start

    def pids(self) -> Dict[str, int]:
        return {"rasa": self.process.pid}

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


class HorizonBot:
    """This project, trained from its data and started the way `make run` does (bot.servers), in the scratch
    folder: its own databases, logs and runtime files, and no notification settings (nothing is mailed)."""

    name = "horizon"

    def __init__(self, work: Path) -> None:
        self.work = work
        runtime = work / "runtime"
        self.servers = Servers(
            runtime=runtime,
            port=free_port(),
            actions_port=free_port(),
            model=work / "horizon.tar.gz",
            env=isolated_env(runtime, **QUIET),
            logs=work / "logs",
        )
        self.url = self.servers.url

    def train(self) -> float:
        self.work.mkdir(parents=True, exist_ok=True)
        return _timed(train_command(out=self.work), ROOT)

    def start(self) -> float:
        seed_sample_data(self.servers.env)
        start = time.perf_counter()
        self.servers.start()
        return time.perf_counter() - start

    def pids(self) -> Dict[str, int]:
        return self.servers.pids()

    def stop(self) -> None:
        self.servers.stop()
