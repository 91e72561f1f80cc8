"""The multi-server layout end to end: `bench/two_servers.py --quick` (two gunicorn web servers
and two mail workers behind a round-robin proxy, PostgreSQL, Redis, a moto S3 server and an
SMTP sink, all real processes; one web server is stopped midway) loses and duplicates nothing.

It runs in the PostgreSQL run of the suite only (once per `make test`): the script makes its
own throwaway database on the server TEST_DATABASE_URL names.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _admin_url() -> str:
    """The `postgres` database on the server of TEST_DATABASE_URL (skip without one)."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip(
            "runs in the PostgreSQL run only (TEST_DATABASE_URL=postgresql+psycopg://..., as "
            "make test does): the script needs a PostgreSQL server for its own database"
        )
    admin = make_url(url).set(drivername="postgresql", database="postgres")
    if not _reachable(admin.host or "127.0.0.1", admin.port or 5432):
        pytest.skip(f"PostgreSQL at {admin.host}:{admin.port} is not reachable")
    return admin.render_as_string(hide_password=False)


def test_two_servers_two_workers_lose_and_duplicate_nothing():
    admin_url = _admin_url()
    if not _reachable("127.0.0.1", 6379):
        pytest.skip("needs Redis on 127.0.0.1:6379 (the shared rate-limit storage)")
    pytest.importorskip("moto.server")

    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "two_servers.py"),
            "--quick",
            "--admin-url",
            admin_url,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,  # the script stops itself after 120 s (--quick) and cleans up
    )
    output = result.stdout
    assert result.returncode == 0, f"{output}\n{result.stderr[-3000:]}"

    figures = re.search(
        r"registrations\s+expected (\d+), created (\d+), duplicates (\d+), lost (\d+)", output
    )
    assert figures, output
    expected, created, duplicates, lost = map(int, figures.groups())
    assert expected > 0 and created == expected and duplicates == 0 and lost == 0, output
    mails = re.search(r"mails\s+sent (\d+), received (\d+), duplicates (\d+), lost (\d+)", output)
    assert mails, output
    sent, received, duplicates, lost = map(int, mails.groups())
    assert sent > 0 and received == sent and duplicates == 0 and lost == 0, output
    # Both servers answered through the proxy, and web1 was stopped midway (refused after).
    served = re.search(r"requests per server\s+\{'web\d': (\d+), 'web\d': (\d+)\}", output)
    assert served and min(map(int, served.groups())) > 0, output
    assert "SIGTERM to web1" in output and "files on servers' disks  0" in output, output
    assert "RESULT: ok" in output, output
