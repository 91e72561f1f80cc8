"""Shared parts of the gunicorn + PostgreSQL benchmarks (not a benchmark itself).

- a throwaway database (scripts/test_database.py create/drop), migrated by the app's code;
- gunicorn started on 127.0.0.1 with the production config (Redis for rate limits);
- the FLOOR: a minimal Flask endpoint (bench/_floor.py) that inserts one row into
  PostgreSQL per request, served by the same gunicorn settings, to measure what this machine
  gives at best in the same run;
- a bounded closed-loop load generator (N requests from C client threads) and figures.

`--app-root` lets a benchmark run the app from another checkout (a baseline measured with
the same script, the same floor and in the same conditions).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def add_arguments(parser) -> None:
    """The options every gunicorn + PostgreSQL benchmark shares."""
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    parser.add_argument(
        "--app-root",
        type=Path,
        default=ROOT,
        help="checkout whose app is measured (default: this one)",
    )


@contextlib.contextmanager
def throwaway_database(admin_url: str) -> Iterator[str]:
    """A new empty database for the run; dropped afterwards."""
    script = str(ROOT / "scripts" / "test_database.py")
    url = subprocess.check_output([PYTHON, script, "create", admin_url], text=True).strip()
    try:
        yield url
    finally:
        subprocess.run([PYTHON, script, "drop", admin_url, url], check=False)


def app_for_setup(url: str, app_root: Path):
    """The app (from `app_root`) on `url`, migrated: set up the data inside its context."""
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(app_root))
    from flask_migrate import upgrade

    from conference import create_app

    app = create_app("development")
    with app.app_context():
        upgrade()
    return app


def server_env(url: str, **extra: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "FLASK_CONFIG": "production",
        # Production needs shared rate-limit storage (the local Redis; another db number).
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "SECRET_KEY": "bench-only",
        "UPLOAD_DIR": "/tmp/bench-uploads",
        **extra,
    }


def wait_until_up(url: str, deadline: float, process: subprocess.Popen) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


@contextlib.contextmanager
def gunicorn(
    app_spec: str, *, cwd: Path, env: dict, workers: int, threads: int, ready_path: str
) -> Iterator[str]:
    """Serve `app_spec` with gunicorn on a free loopback port; yield the base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            GUNICORN,
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=cwd,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + ready_path, time.monotonic() + 60, process)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


# -- load ---------------------------------------------------------------------------------------


@dataclass
class Result:
    status: int
    body: dict
    latency: float
    done: float


def request_json(
    method: str, url: str, body: dict | None = None, headers: dict | None = None
) -> Result:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method=method,
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    except OSError:
        status, raw = 0, b""
    finished = time.perf_counter()
    try:
        payload = json.loads(raw) if raw else {}
    except ValueError:
        payload = {}
    return Result(
        status, payload if isinstance(payload, dict) else {}, finished - started, finished
    )


@dataclass
class Run:
    """What one burst gave: results in completion order, wall time."""

    results: list = field(default_factory=list)
    started: float = 0.0
    elapsed: float = 0.0

    @property
    def latencies(self) -> list[float]:
        return sorted(r.latency for r in self.results)

    @property
    def throughput(self) -> float:
        return len(self.results) / self.elapsed

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        return percentile(self.latencies, 0.95)

    @property
    def server_errors(self) -> int:
        return sum(1 for r in self.results if r.status >= 500 or r.status == 0)


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[max(int(len(sorted_values) * q + 0.5) - 1, 0)]


def burst(count: int, concurrency: int, one: Callable[[int], Result | list[Result]]) -> Run:
    """Call `one(i)` for i in range(count) from `concurrency` threads (closed loop)."""
    run = Run()
    lock = threading.Lock()

    def work(index: int) -> None:
        outcome = one(index)
        with lock:
            run.results.extend(outcome if isinstance(outcome, list) else [outcome])

    run.started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(work, range(count)))
    run.elapsed = time.perf_counter() - run.started
    return run


# -- the floor ----------------------------------------------------------------------------------


def floor_body(index: int) -> dict:
    """A body of about the size of a registration's."""
    return {
        "first_name": "Floor",
        "last_name": f"Person {index}",
        "email": f"floor{index}@example.org",
        "affiliation": "Load Test Institute",
        "country": "AT",
        "category": "floor",
        "accept_terms": True,
    }


def measure_floor(url: str, *, requests: int, concurrency: int, workers: int, threads: int) -> Run:
    """The floor in this run: gunicorn (same settings) serving bench/_floor.py, which inserts
    one row per request into PostgreSQL (a table of its own in the run's database)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE IF NOT EXISTS bench_floor (id bigserial PRIMARY KEY, "
                "email text NOT NULL, body text NOT NULL, created_at timestamptz DEFAULT now())"
            )
        )
    engine.dispose()
    env = {**os.environ, "FLOOR_DATABASE_URL": url}
    with gunicorn(
        "_floor:app", cwd=HERE, env=env, workers=workers, threads=threads, ready_path="/healthz"
    ) as base:
        run = burst(
            requests, concurrency, lambda i: request_json("POST", f"{base}/rows", floor_body(i))
        )
    return run


def figures(label: str, run: Run) -> str:
    return (
        f"{label:<22} {run.throughput:7.1f} req/s   p50 {run.p50 * 1000:6.0f} ms   "
        f"p95 {run.p95 * 1000:6.0f} ms   max {run.latencies[-1] * 1000:6.0f} ms   "
        f"({len(run.results)} requests, {run.elapsed:.1f} s, {run.server_errors} errors)"
    )


def floor_of(runs: list[Run]) -> tuple[float, float]:
    """(throughput, p95) of the floor: the mean of its runs (before and after the app's)."""
    return (
        sum(r.throughput for r in runs) / len(runs),
        sum(r.p95 for r in runs) / len(runs),
    )
