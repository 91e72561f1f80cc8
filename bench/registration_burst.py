"""Benchmark: a burst of registrations for the last places, on PostgreSQL behind gunicorn,
measured against the floor in the same run.

Creates a throwaway database, migrates it, sets up a congress with CAPACITY places in total
and CATEGORIES free categories (a place taken is a confirmed registration), each with a
limit of its own (together more than the total, so both limits decide), starts gunicorn on
127.0.0.1 and fires REQUESTS registrations from CONCURRENCY client threads, spread over the
categories like a real congress's attendance (a few large categories, several small ones).

The FLOOR (bench/_floor.py: a minimal Flask endpoint under the same gunicorn settings that
inserts one row into PostgreSQL per request) is measured in the same run, before and after
the registrations; its mean is the floor. Printed: throughput and p95 of both, the ratios
against the targets of issue 13 (throughput >= 50 % of the floor, p95 <= 2x the floor's),
and the places oversold in total and per category (must be 0).

    .venv/bin/python bench/registration_burst.py [--requests 1500] [--capacity 500]
        [--concurrency 64] [--categories 6] [--workers 4] [--threads 8]
        [--app-root PATH]   # measure another checkout's app (a baseline), same floor

Measured (3 December 2026, default sizes, the 2-core machine shared with other jobs: load
average 10-20, so the floor itself moved between 150 and 260 req/s): main before the `perf`
branch (--app-root) and `perf`, one after the other, each against its own floor:

    main   12.1 req/s, p95 12.5 s:  6 % of the floor (207 req/s), p95 18.3x the floor's
    perf   23.3 req/s, p95  6.6 s: 12 % of the floor (201 req/s), p95 10.1x the floor's
    (an earlier perf run: 14 %, p95 6.5x); 0 oversold in every run

What a registration costs (one request, in-process on PostgreSQL): main ran 16 SQL
statements when a place was free (19 to 22 on the waiting list) and rendered the
confirmation email (text, the footer reading the congress's policies) inside the request;
perf runs 9 (10 on the waiting list): the email is an outbox row whose text the worker
writes, the category comes with its fees, the address check and the reference in one read,
the counter rows read once, the total capacity read inside the congress row's UPDATE, a
guessed "full" decided by one locking read, no reload after the commit. The targets of
issue 13 (>= 50 %, <= 2x) are not met yet.

Later the same day, on the quiet machine (load average below 2 before the run), after a
registration became 7 statements when a place is free (the settings and the counter rows
read in one statement, both counter rows updated by one statement on PostgreSQL, the
registrant's language not read back), posting to the congress-scoped path:

    registration 75.9 req/s, p95 1.66 s: 14 % of the floor (535 req/s), p95 6.5x the floor's
    0 oversold; 500 confirmed, 1,000 waiting

What bounds it is CPU per request, not a lock: the same run with no limit at all (no counter
row updated under a lock) gave the same throughput (51.7 against 52.7 req/s, one after the
other, on the machine loaded by other jobs). In process, a registration costs about 12 ms of
the web process's CPU against 0.65 ms for a bare request through the same app; about 70 % of
it is SQLAlchemy and psycopg (each statement ~0.7 ms of client CPU) and the rest Flask,
flask-smorest, marshmallow and the Redis rate limiter. The floor spends about 2.3 ms of the
machine's CPU per request, all processes counted (client, gunicorn, PostgreSQL), so 50 % of it
leaves about 4.6 ms for a registration that reads the category, the settings and the
counters, checks the address, writes the registration and its outbox row and takes the
place: out of reach for this stack's ORM path on 2 cores.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter

import _common as bench

#: Shares of the attendance by category (a large congress: physicians, residents, nurses,
#: industry, students, press); categories beyond six get the smallest share.
SHARES = [0.40, 0.20, 0.15, 0.12, 0.08, 0.05]
#: Each category's own limit: its share of the total, plus this margin.
CATEGORY_MARGIN = 1.2


def category_plan(categories: int, capacity: int) -> list[tuple[str, str, float, int | None]]:
    """(name, slug, share of the requests, own limit or None) per category."""
    if categories <= 1:
        return [("Bench attendee", "bench-attendee", 1.0, None)]
    shares = (SHARES + [SHARES[-1]] * categories)[:categories]
    total = sum(shares)
    plan = []
    for index, share in enumerate(shares, start=1):
        share /= total
        plan.append(
            (
                f"Bench category {index}",
                f"bench-category-{index}",
                share,
                math.ceil(capacity * share * CATEGORY_MARGIN),
            )
        )
    return plan


def category_of(index: int, plan) -> str:
    """Deterministic spread of the requests over the categories by their shares."""
    point = (index * 0.6180339887) % 1.0
    for _, slug, share, _ in plan:
        if point < share:
            return slug
        point -= share
    return plan[-1][1]


def setup(url: str, args, plan) -> str:
    """Set up the congress; return its slug (the API's congress-scoped paths)."""
    app = bench.app_for_setup(url, args.app_root)
    with app.app_context():
        from conference.demo.core import make_congress
        from conference.extensions import db
        from conference.registration import services

        congress = make_congress()
        for name, _, _, limit in plan:
            category = services.create_category(congress, name=name)
            services.set_category_rules(
                category, fees={"early": "0", "regular": "0", "onsite": "0"}, capacity=limit
            )
        services.update_registration_settings(congress, capacity=args.capacity)
        db.session.commit()
        slug = congress.slug
        db.engine.dispose()
    return slug


def holding_by_category(url: str) -> Counter:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT c.slug, count(*) FROM registrations r "
            "JOIN professional_categories c ON c.id = r.category_id "
            "WHERE r.status IN ('confirmed', 'awaiting_payment', 'awaiting_verification') "
            "GROUP BY c.slug"
        ).fetchall()
    return Counter(dict(rows))


def register(base: str, slug: str, index: int, plan) -> bench.Result:
    body = {
        "first_name": "Bench",
        "last_name": f"Person {index}",
        "email": f"bench{index}@example.org",
        "affiliation": "Load Test Institute",
        "country": "AT",
        "category": category_of(index, plan),
        "accept_terms": True,
    }
    return bench.request_json("POST", f"{base}/api/v1/congresses/{slug}/registrations", body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1500)
    parser.add_argument("--capacity", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--categories", type=int, default=6)
    bench.add_arguments(parser)
    args = parser.parse_args()
    plan = category_plan(args.categories, args.capacity)
    size = {"requests": args.requests, "concurrency": args.concurrency}
    server = {"workers": args.workers, "threads": args.threads}

    with bench.throwaway_database(args.admin_url) as url:
        congress_slug = setup(url, args, plan)
        floors = [bench.measure_floor(url, **size, **server)]
        env = bench.server_env(url, REGISTRATION_RATE_LIMIT="100000 per minute")
        with bench.gunicorn(
            "wsgi:app", cwd=args.app_root, env=env, ready_path="/healthz", **server
        ) as base:
            run = bench.burst(
                args.requests, args.concurrency, lambda i: register(base, congress_slug, i, plan)
            )
        floors.append(bench.measure_floor(url, **size, **server))
        holding = holding_by_category(url)

    codes = Counter(r.status for r in run.results)
    outcomes = Counter(r.body.get("status", "") for r in run.results)
    confirmed_done = [r.done for r in run.results if r.body.get("status") == "confirmed"]
    fill_time = (max(confirmed_done) - run.started) if confirmed_done else float("nan")
    total_held = sum(holding.values())
    oversold = max(total_held - args.capacity, 0)
    oversold_categories = {
        slug: holding.get(slug, 0) - limit
        for _, slug, _, limit in plan
        if limit is not None and holding.get(slug, 0) > limit
    }
    floor_rps, floor_p95 = bench.floor_of(floors)
    ratio_rps = run.throughput / floor_rps
    ratio_p95 = run.p95 / floor_p95

    print(f"requests          {args.requests} from {args.concurrency} client threads")
    print(f"server            gunicorn {args.workers} workers x {args.threads} threads, PG")
    print(f"app               {args.app_root}")
    print(f"capacity          {args.capacity} in total, {len(plan)} categories:")
    for _, slug, share, limit in plan:
        print(
            f"                  {slug:<20} {share:5.0%} of requests, limit "
            f"{limit if limit is not None else '-':>4}, held {holding.get(slug, 0)}"
        )
    print(f"HTTP statuses     {dict(codes)}")
    print(f"outcomes          {dict(outcomes)}")
    print(
        f"confirmed/s       {len(confirmed_done) / fill_time:.1f} until the last place went "
        f"({fill_time:.2f} s)"
    )
    for index, floor in enumerate(floors):
        print(bench.figures(f"floor {'before' if index == 0 else 'after'}", floor))
    print(bench.figures("registration", run))
    print(f"floor (mean)      {floor_rps:.1f} req/s, p95 {floor_p95 * 1000:.0f} ms")
    print(
        f"throughput ratio  {ratio_rps:.0%} of the floor (target >= 50 %: "
        f"{'met' if ratio_rps >= 0.5 else 'NOT met'})"
    )
    print(
        f"p95 ratio         {ratio_p95:.2f}x the floor's (target <= 2x: "
        f"{'met' if ratio_p95 <= 2 else 'NOT met'})"
    )
    print(f"holding places    {total_held} (database)")
    print(f"oversold          {oversold} in total, by category {oversold_categories or 0}")
    errors = run.server_errors + sum(f.server_errors for f in floors)
    return 1 if oversold or oversold_categories or errors else 0


if __name__ == "__main__":
    sys.exit(main())
