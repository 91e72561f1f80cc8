"""Benchmark the public program pages and exports at ASCO scale, served by gunicorn.

Two datasets, each in its own fresh SQLite database:
  demo   `flask demo load --size large` (4 days, 24 rooms, ~300 sessions, 2,400 talks)
  frab   onco-large.frab.xml brought in by `flask program import --publish`

For each, one sync gunicorn worker on 127.0.0.1 serves the app (production config); after
warm-up requests, each page is requested --requests times and the median and p95 latency
are printed next to the targets. Then, --after-publish times, a new version is published
(`flask program publish`, another process, as an organizer would) and the first request of
each page on every worker is timed: exports are rendered at publish time and stored in the
database, so no worker should have to rebuild them.

    .venv/bin/python bench/program_pages.py [--frab PATH] [--requests 30] [--only demo|frab]
        [--workers 1] [--after-publish 5]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
DEFAULT_FRAB = ROOT / "bench" / "data" / "onco-large.frab.xml"
#: Target medians in milliseconds (issue #5).
TARGETS = {
    "program (all days)": 600,
    "session page": 20,
    "speaker page": 20,
    "schedule.json": 1200,
    "schedule.xml": 340,
    "schedule.ics": 700,
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(args: list[str], env: dict) -> None:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def prepare(kind: str, frab: Path, workdir: Path) -> dict:
    database = workdir / f"{kind}.sqlite"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "FLASK_CONFIG": "production",
        # Production needs shared rate-limit storage (the local Redis; another db number).
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "SECRET_KEY": "bench-only-secret",
        "BASE_URL": "http://127.0.0.1",
        "SESSION_COOKIE_SECURE": "0",
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    started = time.perf_counter()
    run([*flask, "db", "upgrade"], env)
    if kind == "demo":
        run([*flask, "demo", "load", "--size", "large"], env)
    else:
        run([*flask, "program", "import", str(frab), "--publish"], env)
    print(f"[{kind}] database ready in {time.perf_counter() - started:.1f}s", flush=True)
    return env


def request(port: int, path: str) -> tuple[int, bytes, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    connection.close()
    return response.status, body, elapsed


def serve(env: dict, workers: int = 1):
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    sys.exit("gunicorn did not start")


def percentile95(timings: list[float]) -> float:
    timings = sorted(timings)
    return timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]


def after_publish(env: dict, port: int, pages: dict, rounds: int, workers: int) -> None:
    """Publish `rounds` new versions; time the first request(s) of each page after each."""
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    firsts: dict[str, list[float]] = {name: [] for name, path in pages.items() if path}
    publishes = []
    for _ in range(rounds):
        started = time.perf_counter()
        run([*flask, "program", "publish", "--acknowledge-all"], env)
        publishes.append((time.perf_counter() - started) * 1000)
        # The exports first: their first request is not helped by a page that parsed the
        # new version's snapshot before.
        order = sorted(pages, key=lambda name: not name.startswith("schedule."))
        for name in order:
            path = pages[name]
            if path is None:
                continue
            for _ in range(workers):  # one first request per worker (round robin-ish)
                status, _body, elapsed = request(port, path)
                if status != 200:
                    sys.exit(f"{path} answered {status}")
                firsts[name].append(elapsed)
    print(
        f"\nfirst request(s) after each of {rounds} publishes ({workers} worker(s); "
        f"`flask program publish` took median {statistics.median(publishes):.0f} ms)"
    )
    print(f"{'page':<22}{'median ms':>10}{'p95 ms':>9}{'max ms':>9}{'target':>8}  ok")
    for name, timings in firsts.items():
        median = statistics.median(timings)
        ok = "yes" if median <= TARGETS[name] else "NO"
        print(
            f"{name:<22}{median:>10.1f}{percentile95(timings):>9.1f}{max(timings):>9.1f}"
            f"{TARGETS[name]:>8}  {ok}"
        )


def measure(kind: str, env: dict, requests: int, workers: int = 1, publishes: int = 0) -> dict:
    process, port = serve(env, workers)
    try:
        # The congress the database holds (the demo's MET26, or the one a frab import made).
        status, body, _ = request(port, "/api/v1/congresses")
        slug = json.loads(body)["congresses"][0]["slug"]
        status, body, _ = request(port, f"/api/v1/congresses/{slug}/sessions")
        sessions = json.loads(body)["sessions"]
        busiest = max(sessions, key=lambda s: len(s["presentations"]))
        speaker = next(
            (p["speakers"][0] for s in sessions for p in s["presentations"] if p["speakers"]),
            None,
        )
        pages = {
            "program (all days)": f"/{slug}/program",
            "session page": f"/{slug}/program/sessions/{busiest['id']}",
            "speaker page": f"/{slug}/program/speakers/{speaker['id']}" if speaker else None,
            "schedule.json": f"/{slug}/program/schedule.json",
            "schedule.xml": f"/{slug}/program/schedule.xml",
            "schedule.ics": f"/{slug}/program/schedule.ics",
        }
        results = {}
        for name, path in pages.items():
            if path is None:
                continue
            first = request(port, path)  # cold: builds the cached export if any
            for _ in range(2):
                request(port, path)
            timings = []
            for _ in range(requests):
                status, body, elapsed = request(port, path)
                if status != 200:
                    sys.exit(f"{path} answered {status}")
                timings.append(elapsed)
            timings.sort()
            p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
            results[name] = {
                "median": statistics.median(timings),
                "p95": p95,
                "first": first[2],
                "bytes": len(body),
            }
        print(
            f"\n[{kind}] {len(sessions)} sessions, "
            f"{sum(len(s['presentations']) for s in sessions)} presentations"
        )
        print(
            f"{'page':<22}{'median ms':>10}{'p95 ms':>9}{'first ms':>10}{'target':>8}{'KB':>8}  ok"
        )
        for name, figures in results.items():
            target = TARGETS[name]
            ok = "yes" if figures["median"] <= target else "NO"
            print(
                f"{name:<22}{figures['median']:>10.1f}{figures['p95']:>9.1f}"
                f"{figures['first']:>10.0f}{target:>8}{figures['bytes'] / 1024:>8.0f}  {ok}"
            )
        if publishes:
            after_publish(env, port, pages, publishes, workers)
        return results
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frab", type=Path, default=DEFAULT_FRAB)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--only", choices=["demo", "frab"])
    parser.add_argument("--workers", type=int, default=1, help="gunicorn sync workers")
    parser.add_argument(
        "--after-publish", type=int, default=5, help="publishes to time first requests after"
    )
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["demo", "frab"]
    with tempfile.TemporaryDirectory(prefix="program-bench-") as tmp:
        for kind in kinds:
            env = prepare(kind, args.frab, Path(tmp))
            measure(
                kind,
                env,
                max(1, min(args.requests, 500)),
                max(1, min(args.workers, 8)),
                max(0, min(args.after_publish, 50)),
            )


if __name__ == "__main__":
    main()
