"""nginx from Debian's package in front of the cluster's Rasa servers, as a foreground child process.

The configuration is written from nginx.conf.template into the runtime folder with its pid file, error log
and temporary folders there too, so nothing outside the runtime folder is touched and no system nginx is
needed (`make system-deps` installs the package; `nginx -c <conf> -g 'daemon off;'` runs it).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path
from typing import List, Optional, Sequence

TEMPLATE = Path(__file__).with_name("nginx.conf.template")
CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
TEMP_FOLDERS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")


def nginx_binary() -> Optional[str]:
    """The nginx executable, also where PATH lacks the sbin folders; None when it is not installed."""
    found = shutil.which("nginx")
    return found or next((path for path in CANDIDATES if os.access(path, os.X_OK)), None)


def render(upstreams: Sequence[int], listen: str, runtime: Path) -> str:
    """The configuration for Rasa servers on 127.0.0.1:`upstreams`, listening on `listen` (host:port)."""
    servers = "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in upstreams)
    # As root, nginx's workers would run as `nobody` and could not use the owner-only runtime folder.
    user = "user root;" if os.geteuid() == 0 else ""
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in (("USER", user), ("RUNTIME", str(runtime)), ("SERVERS", servers), ("LISTEN", listen)):
        text = text.replace("{{" + name + "}}", value)
    if "{{" in text:
        raise ValueError("nginx.conf.template has a placeholder that bot/cluster/nginx.py does not fill")
    return text


def write_config(upstreams: Sequence[int], listen: str, runtime: Path) -> Path:
    """`runtime`/nginx.conf and the temporary folders it names."""
    for folder in TEMP_FOLDERS:
        (runtime / "nginx-temp" / folder).mkdir(parents=True, exist_ok=True)
    path = runtime / "nginx.conf"
    path.write_text(render(upstreams, listen, runtime), encoding="utf-8")
    return path


def command(binary: str, config: Path, runtime: Path) -> List[str]:
    """nginx in the foreground on `config` (-e: its error log from the first line, before it reads the config)."""
    return [binary, "-c", str(config), "-p", str(runtime), "-e", str(runtime / "nginx-error.log"), "-g", "daemon off;"]


def check(binary: str, config: Path, runtime: Path) -> None:
    """`nginx -t`: raises with nginx's own message when the configuration is wrong."""
    result = subprocess.run(
        [*command(binary, config, runtime)[:-2], "-t"], capture_output=True, text=True, timeout=30, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"nginx -t failed:\n{result.stderr}")


def start(binary: str, config: Path, runtime: Path) -> subprocess.Popen:
    """nginx as a child in its own session (Ctrl-C reaches the launcher, which stops it with SIGQUIT)."""
    check(binary, config, runtime)
    with open(runtime / "nginx.log", "ab") as log:
        return subprocess.Popen(
            command(binary, config, runtime), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen, timeout: float = 10.0) -> None:
    """Graceful stop (SIGQUIT lets open requests finish), SIGKILL after `timeout`."""
    if process.poll() is None:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
