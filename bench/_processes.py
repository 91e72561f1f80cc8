"""Helpers shared by the multi-process layout scripts (two_servers.py, congress_morning.py).

Throwaway PostgreSQL databases (scripts/test_database.py), free loopback ports, gunicorn and
`flask` processes of this checkout, and waiting for them. Only the standard library here, so a
script can import it before it sets the environment the app reads at import time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
GUNICORN = str(BIN / "gunicorn")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database(admin_url: str = ADMIN_URL) -> str:
    """A new empty PostgreSQL database; returns its SQLAlchemy URL."""
    return subprocess.check_output(
        [PYTHON, str(ROOT / "scripts" / "test_database.py"), "create", admin_url],
        text=True,
        timeout=60,
    ).strip()


def drop_database(url: str, admin_url: str = ADMIN_URL) -> None:
    subprocess.run(
        [PYTHON, str(ROOT / "scripts" / "test_database.py"), "drop", admin_url, url],
        check=False,
        timeout=60,
        stdout=subprocess.DEVNULL,
    )


def postgres_reachable(admin_url: str = ADMIN_URL) -> bool:
    import psycopg

    try:
        psycopg.connect(admin_url, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def gunicorn(
    port: int,
    env: dict,
    *,
    workers: int,
    threads: int = 1,
    log_path: Path | None = None,
    extra: tuple[str, ...] = (),
    app: str = "wsgi:app",
) -> subprocess.Popen:
    """gunicorn serving `app` of this checkout on 127.0.0.1:port (not waited for)."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    command = [GUNICORN, "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    if threads > 1:
        command += ["--threads", str(threads)]
    command += ["--graceful-timeout", "20", "--log-level", "warning", *extra, app]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)


def flask(args: list[str], env: dict, log_path: Path | None = None) -> subprocess.Popen:
    """`flask --app wsgi ARGS` of this checkout as a process (not waited for)."""
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    return subprocess.Popen(
        [PYTHON, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )


def wait_for_http(url: str, deadline: float, process: subprocess.Popen | None = None) -> None:
    """Poll `url` until it answers 2xx (RuntimeError at `deadline` or if `process` exits)."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{url}: the server exited ({process.returncode})") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer in time") from None
            time.sleep(0.1)


def stop(processes: list[subprocess.Popen], grace: float = 10) -> None:
    """SIGTERM each process still running, then SIGKILL what is left after `grace` seconds."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


class Watchdog:
    """A hard time limit: after `seconds`, run `on_expiry` (clean up) and exit with 3."""

    def __init__(self, seconds: float, on_expiry):
        self.expired = False
        self._on_expiry = on_expiry
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.expired = True
        print("\nHARD TIMEOUT: stopping everything.", flush=True)
        try:
            self._on_expiry()
        finally:
            os._exit(3)

    def cancel(self) -> None:
        self._timer.cancel()
