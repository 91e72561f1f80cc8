"""Benchmark: the abstract deadline's last hour, on PostgreSQL behind gunicorn, next to the
floor measured in the same run.

Creates a throwaway database, migrates it, sets up a congress open for submission with a
first-author quota (QUOTA per person), AUTHORS accounts with API tokens, starts gunicorn on
127.0.0.1 and has the authors submit SUBMISSIONS abstracts concurrently (one client thread
per author: each submission is a draft POST /api/v1/abstracts, then POST .../submit). Each
author submits more than the quota allows, so the quota is tested under concurrency: the
submissions beyond it must be refused with 422, never accepted.

Checked: no server error, the numbers A-0001.. gapless and unique, nobody above the quota
(and everyone exactly at min(tried, quota)). Printed: submissions per second and p95 of a
whole submission (both requests) and of the submit request, next to the floor's (bench/
_floor.py under the same gunicorn settings, same number of requests and concurrency).

    .venv/bin/python bench/abstract_deadline.py [--submissions 300] [--authors 32]
        [--quota 8] [--workers 4] [--threads 8] [--app-root PATH]

Measured (3 December 2026, default sizes, the shared 2-core machine under load; main before
the `perf` branch with --app-root, then `perf`, each against its own floor):

    main    5.8 submissions/s: requests/s  7 % of the floor (166 req/s), submit p95 26.2x
    perf   15.3 submissions/s: requests/s 14 % of the floor (216 req/s), submit p95  8.3x
    numbers gapless, quota never exceeded, no error in both

One submission (draft + submit) ran 54 SQL statements on main, 22 on perf: the token with
its user and roles in one read, one INSERT per draft, no reload after the commit, the
abstract locked once (no second read), the receipt and authorship requests queued as rows
that the worker writes, the number taken by one UPDATE ... RETURNING just before the commit
(the congress's number row is locked for two statements instead of seven).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
from collections import Counter

import _common as bench

SECTIONS = {
    "background": "Circulating tumour cells seed distant organs through the bloodstream.",
    "methods": "We followed 120 patients with stage IV colorectal cancer for two years.",
    "results": "Liquid biopsy detected relapse a median of 4 months before imaging.",
    "conclusions": "Serial liquid biopsy may guide the timing of metastasectomy.",
}


def abstract_body(author: int, index: int) -> dict:
    """A complete abstract whose first author is the submitting author (their quota)."""
    return {
        "title": f"Liquid biopsy to time metastasectomy, cohort {index}",
        "track": "bench-track",
        "kind": "regular",
        "sections": SECTIONS,
        "keywords": ["liquid biopsy", "colorectal"],
        "table": None,
        "is_clinical_trial": False,
        "trial_registration": "",
        "authors": [
            {
                "name": f"Bench Author {author}",
                "email": f"author{author}@bench.example",
                "affiliation": "Load Test Institute",
                "country": "AT",
                "presenting": True,
                "disclosures": [],
                "nothing_to_disclose": True,
            },
            {
                "name": f"Co Author {index}",
                "email": f"coauthor{index}@bench.example",
                "affiliation": "Second Institute",
                "country": "IT",
                "presenting": False,
                "disclosures": [],
                "nothing_to_disclose": True,
            },
        ],
        "attestations": {
            "ethics_approval": True,
            "not_previously_published": True,
            "coauthors_agree": True,
            "will_present": True,
        },
    }


def setup(url: str, args) -> list[str]:
    """The congress, its track and quota, and one API token per author."""
    app = bench.app_for_setup(url, args.app_root)
    with app.app_context():
        from conference.accounts import services as accounts
        from conference.demo.core import make_congress
        from conference.extensions import db
        from conference.program import services as program

        congress = make_congress()
        program.create_track(congress, name="Bench track")
        congress.first_author_quota = args.quota
        tokens = []
        for author in range(args.authors):
            user = accounts.sign_up(
                email=f"author{author}@bench.example",
                # Nobody signs in (API tokens); "-1": the policy wants a non-letter, which a
                # random token lacks about once in a hundred.
                password=secrets.token_urlsafe(16) + "-1",
                confirmed=True,
                name=f"Bench Author {author}",
                affiliation="Load Test Institute",
                country="AT",
            )
            raw, _ = accounts.issue_api_token(user)
            tokens.append(raw)
        db.session.commit()
        db.engine.dispose()
    return tokens


def read_back(url: str) -> tuple[list[str], Counter]:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        numbers = [
            row[0]
            for row in conn.execute(
                "SELECT number FROM abstracts WHERE status = 'submitted' ORDER BY number"
            )
        ]
        per_submitter = Counter(
            dict(
                conn.execute(
                    "SELECT u.email, count(*) FROM abstracts a JOIN users u "
                    "ON u.id = a.submitter_id WHERE a.status = 'submitted' GROUP BY u.email"
                ).fetchall()
            )
        )
    return numbers, per_submitter


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--authors", type=int, default=32)
    parser.add_argument("--quota", type=int, default=8)
    bench.add_arguments(parser)
    args = parser.parse_args()
    server = {"workers": args.workers, "threads": args.threads}
    # Submission i belongs to author i % AUTHORS; each author's client thread submits its
    # own one after another (a person at the deadline), all authors at once.
    plan = {
        a: [i for i in range(args.submissions) if i % args.authors == a]
        for a in range(args.authors)
    }

    with bench.throwaway_database(args.admin_url) as url:
        tokens = setup(url, args)
        floors = [
            bench.measure_floor(
                url, requests=2 * args.submissions, concurrency=args.authors, **server
            )
        ]
        submits: list[bench.Result] = []
        lock = threading.Lock()
        with bench.gunicorn(
            "wsgi:app",
            cwd=args.app_root,
            env=bench.server_env(url),
            ready_path="/healthz",
            **server,
        ) as base:

            def author(a: int) -> list[bench.Result]:
                headers = {"Authorization": f"Bearer {tokens[a]}"}
                whole = []
                for index in plan[a]:
                    draft = bench.request_json(
                        "POST", f"{base}/api/v1/abstracts", abstract_body(a, index), headers
                    )
                    if draft.status != 201:
                        whole.append(draft)
                        continue
                    submit = bench.request_json(
                        "POST", f"{base}/api/v1/abstracts/{draft.body['id']}/submit", None, headers
                    )
                    with lock:
                        submits.append(submit)
                    # One result per submission: both requests' time, the submit's outcome.
                    whole.append(
                        bench.Result(
                            submit.status, submit.body, draft.latency + submit.latency, submit.done
                        )
                    )
                return whole

            run = bench.burst(args.authors, args.authors, author)
        floors.append(
            bench.measure_floor(
                url, requests=2 * args.submissions, concurrency=args.authors, **server
            )
        )
        numbers, per_submitter = read_back(url)

    submit_run = bench.Run(results=submits, started=run.started, elapsed=run.elapsed)
    codes = Counter(r.status for r in run.results)
    accepted = sum(1 for r in run.results if r.status == 200)
    expected = sum(min(len(items), args.quota) for items in plan.values())
    gapless = numbers == [f"A-{n:04d}" for n in range(1, len(numbers) + 1)]
    over_quota = {email: n for email, n in per_submitter.items() if n > args.quota}
    refused = codes.get(422, 0)
    floor_rps, floor_p95 = bench.floor_of(floors)

    print(f"submissions       {args.submissions} from {args.authors} concurrent authors")
    print(f"server            gunicorn {args.workers} workers x {args.threads} threads, PG")
    print(f"app               {args.app_root}")
    print(f"quota             {args.quota} first-author abstracts per person")
    print(f"submit statuses   {dict(codes)} (422: refused over the quota)")
    print(f"accepted          {accepted} (expected {expected}), refused {refused}")
    print(f"numbers           {len(numbers)} submitted, gapless and unique: {gapless}")
    print(f"over the quota    {over_quota or 0}")
    for index, floor in enumerate(floors):
        print(bench.figures(f"floor {'before' if index == 0 else 'after'}", floor))
    print(
        f"{'submission':<22} {run.throughput:7.1f} per s     p50 {run.p50 * 1000:6.0f} ms   "
        f"p95 {run.p95 * 1000:6.0f} ms   (draft + submit, {len(run.results)} submissions, "
        f"{run.elapsed:.1f} s)"
    )
    print(
        f"{'submit request':<22} {len(submits) / run.elapsed:7.1f} per s     p50 "
        f"{submit_run.p50 * 1000:6.0f} ms   p95 {submit_run.p95 * 1000:6.0f} ms"
    )
    print(
        f"floor (mean)      {floor_rps:.1f} req/s, p95 {floor_p95 * 1000:.0f} ms; requests/s "
        f"{2 * len(run.results) / run.elapsed / floor_rps:.0%} of the floor, submit p95 "
        f"{submit_run.p95 / floor_p95:.1f}x the floor's"
    )
    errors = run.server_errors + sum(f.server_errors for f in floors)
    unexpected = sum(n for code, n in codes.items() if code not in (200, 422))
    ok = not errors and not unexpected and gapless and not over_quota and accepted == expected
    print(f"verdict           {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
