"""Benchmark: the congress morning. Many phones open the program at once and revalidate.

A fresh database with the large demo congress (4 days, 24 rooms, ~300 sessions, 2,400 talks);
gunicorn with --workers 4 (sync, as docs/DEPLOYING.md runs it) serves the app and, under
/floor/, a bare Flask endpoint answering 304 to its ETag: the floor, in the same processes and
the same run. CLIENTS client threads start together; each fetches the program page and
schedule.json once (Accept-Encoding: gzip, as phones send it), then revalidates both ROUNDS
times with If-None-Match, and the floor as often. Printed:

  - p50/p95 of the revalidated requests (program page, schedule.json) next to the floor's;
    target: p95 <= 2x the floor's p95;
  - bytes on the wire for schedule.json: a gzip response against the uncompressed export
    sent to every request before (no compression, no validators); target <= 15 %;
  - peak RSS (VmHWM) of each web worker after it served the large program page and every
    export, identity and gzip; target <= 200 MiB.

    .venv/bin/python bench/congress_morning.py [--clients 200] [--rounds 5] [--workers 4]
        [--database sqlite|postgres] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]

The client threads share one Python process (and the machine's cores) with nothing else;
their own overhead is in every latency, the floor's included.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _processes import (
    ADMIN_URL,
    ROOT,
    create_database,
    drop_database,
    free_port,
    gunicorn,
    stop,
    wait_for_http,
)

FLOOR_ETAG = '"floor-1"'
PAGES = {"program page": "/met26/program", "schedule.json": "/met26/program/schedule.json"}
EXPORTS = (
    "/met26/program/schedule.json",
    "/met26/program/schedule.xml",
    "/met26/program/schedule.ics",
)


def wsgi_app():
    """gunicorn's app (`congress_morning:wsgi_app()`): the congress app, and the floor under
    /floor/ in the same worker processes."""
    from flask import Flask, request
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from conference import create_app

    floor = Flask("floor")

    @floor.get("/")
    def revalidate():
        headers = {"ETag": FLOOR_ETAG, "Cache-Control": "public, max-age=60"}
        if request.if_none_match.contains("floor-1"):
            return "", 304, headers
        return "floor", 200, headers

    return DispatcherMiddleware(create_app(), {"/floor": floor})


def load_large_demo(database_url: str) -> None:
    """The large demo congress, in this process (cheap password hashes for its accounts:
    nobody logs in here; migrations on PostgreSQL, the models' schema on SQLite)."""
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # the demo's sample proofs are terse
    from conference import create_app
    from conference.demo import load_demo
    from conference.extensions import db
    from config import DevelopmentConfig

    class LoadConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        ARGON2_PARAMS = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
        RATELIMIT_STORAGE_URI = "memory://"

    app = create_app(LoadConfig)
    with app.app_context():
        if database_url.startswith("postgresql"):
            from flask_migrate import upgrade

            upgrade()
        else:
            db.create_all()
        load_demo("large")
        db.session.commit()
        db.engine.dispose()


def get(port: int, path: str, headers: dict | None = None):
    """(status, headers, body, milliseconds, approximate bytes on the wire)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    elapsed = (time.perf_counter() - started) * 1000
    head = response.getheaders()
    wire = len(f"HTTP/1.1 {response.status} {response.reason}\r\n\r\n") + sum(
        len(k) + len(v) + 4 for k, v in head
    )
    return response.status, {k.lower(): v for k, v in head}, body, elapsed, wire + len(body)


_tags: dict[str, str] = {}


def tags_of(port: int, path: str) -> str:
    if path not in _tags:
        _tags[path] = get(port, path, {"Accept-Encoding": "gzip"})[1]["etag"]
    return _tags[path]


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(share * (len(values) - 1)))]


def morning(port: int, clients: int, rounds: int) -> dict:
    """Every client: full fetches, then `rounds` revalidations of each page and the floor."""
    timings: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, list[int]] = defaultdict(list)
    schedule_wire: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)

    def phone() -> None:
        tags = {}
        try:
            barrier.wait(60)
            for name, path in PAGES.items():
                status, headers, _body, elapsed, wire = get(port, path, {"Accept-Encoding": "gzip"})
                tags[name] = headers.get("etag")
                with lock:
                    timings[f"{name} (first, 200)"].append(elapsed)
                    statuses[name].append(status)
                    if name == "schedule.json":
                        schedule_wire.append(wire)
            for _ in range(rounds):
                for name, path in (*PAGES.items(), ("floor", "/floor/")):
                    tag = FLOOR_ETAG if name == "floor" else tags[name]
                    status, _headers, _body, elapsed, wire = get(
                        port, path, {"Accept-Encoding": "gzip", "If-None-Match": tag}
                    )
                    with lock:
                        timings[f"{name} (revalidated)"].append(elapsed)
                        statuses[f"{name} (revalidated)"].append(status)
                        if name == "schedule.json":
                            schedule_wire.append(wire)
        except Exception as exc:
            with lock:
                errors.append(repr(exc))

    threads = [threading.Thread(target=phone) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "timings": timings,
        "statuses": statuses,
        "schedule_wire": schedule_wire,
        "errors": errors,
        "seconds": time.perf_counter() - started,
    }


def worker_pids(master: int) -> list[int]:
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def memory_of(pid: int) -> dict[str, float]:
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            figures[name] = int(value.split()[0]) / 1024  # kB -> MiB
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()
    clients = max(1, min(args.clients, 1000))
    rounds = max(1, min(args.rounds, 100))
    workers = max(1, min(args.workers, 16))

    with tempfile.TemporaryDirectory(prefix="congress-morning-") as tmp:
        if args.database == "postgres":
            database_url = create_database(args.admin_url)
        else:
            database_url = f"sqlite:///{Path(tmp) / 'morning.sqlite'}"
        server = None
        try:
            started = time.perf_counter()
            load_large_demo(database_url)
            print(f"large demo congress loaded in {time.perf_counter() - started:.0f} s")
            port = free_port()
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "FLASK_CONFIG": "production",
                "SECRET_KEY": "bench-only",
                "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
                "STORAGE_DIR": str(Path(tmp) / "storage"),
                "UPLOAD_DIR": str(Path(tmp) / "uploads"),
            }
            server = gunicorn(
                port,
                env,
                workers=workers,
                log_path=Path(tmp) / "gunicorn.log",
                extra=("--pythonpath", str(ROOT / "bench"), "--timeout", "120"),
                app="congress_morning:wsgi_app()",
            )
            wait_for_http(f"http://127.0.0.1:{port}/healthz", time.monotonic() + 60, server)

            # Warm every worker: each serves the page and every export, identity and gzip
            # (sync workers take connections in turn, so 3 rounds per worker reach them all).
            identity = {}
            for _ in range(3 * workers):
                for path in ("/met26/program", *EXPORTS):
                    for coding in ("identity", "gzip"):
                        status, headers, body, _, _ = get(port, path, {"Accept-Encoding": coding})
                        if status != 200:
                            sys.exit(f"{path} answered {status}")
                        if coding == "identity":
                            identity[path] = body
                        elif headers.get("content-encoding") == "gzip":
                            assert gzip.decompress(body) == identity[path], path
                get(port, "/floor/")

            # One client alone: what a revalidation costs without a queue in front of it.
            alone = defaultdict(list)
            for _ in range(30):
                for name, path in (*PAGES.items(), ("floor", "/floor/")):
                    tag = FLOOR_ETAG if name == "floor" else tags_of(port, path)
                    status, _, _, elapsed, _ = get(port, path, {"If-None-Match": tag})
                    alone[name].append(elapsed if status == 304 else float("nan"))

            result = morning(port, clients, rounds)
            memory = {pid: memory_of(pid) for pid in worker_pids(server.pid)}
        finally:
            if server is not None:
                stop([server])
            if args.database == "postgres":
                drop_database(database_url, args.admin_url)

    timings, statuses = result["timings"], result["statuses"]
    total = sum(len(v) for v in timings.values())
    print(
        f"\n{clients} clients x (2 full + {rounds} x 3 revalidations), gunicorn {workers} sync "
        f"workers, {args.database}: {total} requests in {result['seconds']:.1f} s "
        f"({total / result['seconds']:.0f}/s), errors {len(result['errors'])}"
    )
    for name, values in statuses.items():
        counts = {code: values.count(code) for code in sorted(set(values))}
        print(f"  {name:<28} statuses {counts}")
    print(f"\n{'requests':<32}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name in sorted(timings):
        values = timings[name]
        print(
            f"{name:<32}{len(values):>6}{statistics.median(values):>9.1f}"
            f"{percentile(values, 0.95):>9.1f}{max(values):>9.1f}"
        )
    print("\none client alone, 30 revalidations each (no queue): median ms")
    print("  " + ", ".join(f"{name} {statistics.median(v):.1f}" for name, v in alone.items()))
    floor_p95 = percentile(timings["floor (revalidated)"], 0.95)
    ok = not result["errors"]
    print(f"\nrevalidated p95 against the floor's ({floor_p95:.1f} ms); target <= 2.0x")
    for name in PAGES:
        values = timings[f"{name} (revalidated)"]
        ratio = percentile(values, 0.95) / floor_p95
        all_304 = set(statuses[f"{name} (revalidated)"]) == {304}
        ok = ok and ratio <= 2 and all_304
        print(
            f"  {name:<16} p95 {percentile(values, 0.95):7.1f} ms = {ratio:.2f}x the floor"
            f"  {'ok' if ratio <= 2 else 'NO'}{'' if all_304 else ' (not all 304!)'}"
        )

    plain = len(identity["/met26/program/schedule.json"])
    gzip_response = min(result["schedule_wire"][:clients])  # the clients' first (200) fetch
    wire = sum(result["schedule_wire"])
    before = plain * len(result["schedule_wire"])
    share = gzip_response / plain
    ok = ok and share <= 0.15
    print("\nschedule.json bytes on the wire (target <= 15 % of the uncompressed export)")
    print(f"  uncompressed export               {plain / 1024:9.0f} KiB")
    print(
        f"  one gzip response (with headers)  {gzip_response / 1024:9.1f} KiB = {share:.1%}"
        f"  {'ok' if share <= 0.15 else 'NO'}"
    )
    print(
        f"  this morning: {len(result['schedule_wire'])} requests, {wire / 1024:.0f} KiB against "
        f"{before / 1024 / 1024:.0f} MiB uncompressed without validators = {wire / before:.2%}"
    )

    print("\npeak RSS per web worker (VmHWM; target <= 200 MiB)")
    peak = 0.0
    for pid, figures in memory.items():
        peak = max(peak, figures.get("VmHWM", 0))
        print(
            f"  worker {pid}: peak {figures.get('VmHWM', 0):.0f} MiB, "
            f"now {figures.get('VmRSS', 0):.0f} MiB"
        )
    ok = ok and 0 < peak <= 200
    print(f"  highest peak {peak:.0f} MiB  {'ok' if 0 < peak <= 200 else 'NO'}")
    print("RESULT: " + ("all targets met" if ok else "a target was missed"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
