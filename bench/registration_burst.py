"""Benchmark: a burst of registrations for the last places, on PostgreSQL behind gunicorn.

Creates a throwaway database, migrates it, sets up a congress with CAPACITY places in a free
category (so a place taken is a confirmed registration), starts gunicorn with several workers
on 127.0.0.1, fires REQUESTS registrations from CONCURRENCY client threads, then prints
confirmed per second, latency percentiles and the oversold count (must be 0), and cleans up.

    .venv/bin/python bench/registration_burst.py [--requests 1500] [--capacity 500]
        [--concurrency 64] [--workers 4] [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
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
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_database(url: str, capacity: int) -> None:
    os.environ["DATABASE_URL"] = url
    sys.path.insert(0, str(ROOT))
    from flask_migrate import upgrade

    from conference import create_app
    from conference.demo.core import make_congress
    from conference.extensions import db
    from conference.registration import services

    app = create_app("development")
    with app.app_context():
        upgrade()
        congress = make_congress()
        category = services.create_category(congress, name="Bench attendee")
        services.set_category_rules(category, fees={"early": "0", "regular": "0", "onsite": "0"})
        services.update_registration_settings(congress, capacity=capacity)
        db.session.commit()
        db.engine.dispose()


def count_holding(url: str) -> Counter:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute("SELECT status, count(*) FROM registrations GROUP BY status").fetchall()
    return Counter(dict(rows))


def post(base: str, index: int) -> tuple[int, str, float, float]:
    body = {
        "first_name": "Bench",
        "last_name": f"Person {index}",
        "email": f"bench{index}@example.org",
        "affiliation": "Load Test Institute",
        "country": "AT",
        "category": "bench-attendee",
        "accept_terms": True,
    }
    request = urllib.request.Request(
        f"{base}/api/v1/registrations",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, payload = response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        status, payload = exc.code, {}
    except OSError:
        status, payload = 0, {}
    finished = time.perf_counter()
    return status, payload.get("status", ""), finished - started, finished


def wait_until_up(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--capacity", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()

    url = subprocess.check_output(
        [PYTHON, str(ROOT / "scripts" / "test_database.py"), "create", args.admin_url], text=True
    ).strip()
    server = None
    try:
        setup_database(url, args.capacity)
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "FLASK_CONFIG": "production",
            # Production needs shared rate-limit storage (the local Redis; another db number).
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
            "SECRET_KEY": "bench-only",
            "UPLOAD_DIR": "/tmp/registration-bench-uploads",
            # One client sends the whole burst: lift the per-client registration limit.
            "REGISTRATION_RATE_LIMIT": "100000 per minute",
        }
        server = subprocess.Popen(
            [
                GUNICORN,
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, time.monotonic() + 30)

        results: list[tuple[int, str, float, float]] = []
        lock = threading.Lock()

        def run(index: int) -> None:
            outcome = post(base, index)
            with lock:
                results.append(outcome)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            list(pool.map(run, range(args.requests)))
        elapsed = time.perf_counter() - started

        codes = Counter(code for code, _, _, _ in results)
        outcomes = Counter(state for _, state, _, _ in results)
        latencies = sorted(latency for _, _, latency, _ in results)
        confirmed_done = [done for _, state, _, done in results if state == "confirmed"]
        fill_time = (max(confirmed_done) - started) if confirmed_done else float("nan")
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        db_counts = count_holding(url)
        holding = sum(
            db_counts.get(s, 0) for s in ("confirmed", "awaiting_payment", "awaiting_verification")
        )
        oversold = max(holding - args.capacity, 0)
        confirmed = outcomes.get("confirmed", 0)
        print(f"requests          {args.requests} from {args.concurrency} client threads")
        print(f"server            gunicorn {args.workers} workers x {args.threads} threads, PG")
        print(f"capacity          {args.capacity}")
        print(f"HTTP statuses     {dict(codes)}")
        print(f"outcomes          {dict(outcomes)}")
        print(f"elapsed           {elapsed:.2f} s")
        print(f"requests/s        {args.requests / elapsed:.1f}")
        print(f"confirmed/s       {confirmed / fill_time:.1f} (until the last place was taken,")
        print(
            f"                  {fill_time:.2f} s; {confirmed / elapsed:.1f} over the whole burst)"
        )
        print(f"latency p50       {statistics.median(latencies) * 1000:.0f} ms")
        print(f"latency p95       {p95 * 1000:.0f} ms")
        print(f"latency max       {latencies[-1] * 1000:.0f} ms")
        print(f"holding places    {holding} (database)")
        print(f"oversold          {oversold}")
        server_errors = sum(n for code, n in codes.items() if code >= 500 or code == 0)
        return 1 if oversold or server_errors or confirmed != args.capacity else 0
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        subprocess.run(
            [PYTHON, str(ROOT / "scripts" / "test_database.py"), "drop", args.admin_url, url],
            check=False,
        )


if __name__ == "__main__":
    sys.exit(main())
