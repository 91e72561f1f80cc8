"""Benchmark: automatic review assignment of 2,000 abstracts to 150 reviewers.

Builds the data in a fresh database (a temporary SQLite file, or BENCH_DATABASE_URL, which
is emptied first), then times `assign_reviewers` and prints the figures.

    .venv/bin/python bench/review_assignment.py [abstracts] [reviewers]
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from conference import create_app
from conference.extensions import db
from config import TestingConfig

INSTITUTIONS = [
    f"University Hospital {city}"
    for city in (
        "Vienna",
        "Graz",
        "Milan",
        "Rome",
        "Paris",
        "Lyon",
        "Berlin",
        "Munich",
        "Madrid",
        "Lisbon",
        "Oslo",
        "Bergen",
        "Warsaw",
        "Prague",
        "Zurich",
        "Basel",
        "Leiden",
        "Ghent",
        "Dublin",
        "Leeds",
        "Boston",
        "Houston",
        "Tokyo",
        "Seoul",
        "Sydney",
        "Toronto",
        "Mumbai",
        "Cairo",
        "Lima",
        "Lagos",
    )
]


def main(n_abstracts: int = 2000, n_reviewers: int = 150, n_tracks: int = 10) -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
    config = type("BenchConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    app = create_app(config)
    rng = random.Random(42)
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
        from flask_migrate import upgrade

        upgrade()
        from conference.abstracts import review
        from conference.abstracts.models import (
            Abstract,
            AbstractAuthor,
            ReviewAssignment,
            ReviewerExpertise,
            TrackReviewer,
        )
        from conference.accounts.models import User, UserRole
        from conference.demo.core import make_congress
        from conference.models import utcnow
        from conference.program import services as program

        started = time.perf_counter()
        congress = make_congress()
        tracks = [program.create_track(congress, name=f"Track {i}") for i in range(n_tracks)]
        db.session.flush()
        now = utcnow()
        users = [
            {
                "id": i + 1,
                "email": f"reviewer{i}@bench.example",
                "password_hash": "x",
                "name": f"Reviewer {i}",
                "title": "",
                "affiliation": rng.choice(INSTITUTIONS),
                "country": "AT",
                "is_active_account": True,
                "security_stamp": "",
                "created_at": now,
                "updated_at": now,
            }
            for i in range(n_reviewers)
        ]
        db.session.execute(insert(User), users)
        db.session.execute(
            insert(UserRole),
            [
                {
                    "user_id": u["id"],
                    "role": "reviewer",
                    "congress_id": congress.id,
                    "granted_at": now,
                }
                for u in users
            ],
        )
        expertise, pools = [], []
        for u in users:
            for track in rng.sample(tracks, 3):
                expertise.append({"user_id": u["id"], "track_id": track.id})
                pools.append({"user_id": u["id"], "track_id": track.id})
        db.session.execute(insert(ReviewerExpertise), expertise)
        db.session.execute(insert(TrackReviewer), pools)
        submitter = n_reviewers  # any account
        abstracts, authors = [], []
        for i in range(n_abstracts):
            abstracts.append(
                {
                    "id": i + 1,
                    "congress_id": congress.id,
                    "track_id": tracks[i % n_tracks].id,
                    "submitter_id": submitter,
                    "kind": "regular",
                    "status": "submitted",
                    "number": f"A-{i + 1:04d}",
                    "title": f"Abstract {i}",
                    "background": "b",
                    "methods": "m",
                    "results": "r",
                    "conclusions": "c",
                    "keywords": [],
                    "is_clinical_trial": False,
                    "trial_registration": "",
                    "group_name": "",
                    "attests_ethics_approval": True,
                    "attests_not_previously_published": True,
                    "attests_coauthors_agree": True,
                    "attests_will_present": True,
                    "submitted_at": now,
                    "decision_notice_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            for position in range(4):
                coauthor = rng.random() < 0.02
                authors.append(
                    {
                        "abstract_id": i + 1,
                        "position": position,
                        "name": f"Author {i}-{position}",
                        "email": rng.choice(users)["email"]
                        if coauthor
                        else f"a{i}-{position}@bench.example",
                        "affiliation": "Dept. of Oncology, " + rng.choice(INSTITUTIONS),
                        "country": "AT",
                        "is_presenting": position == 0,
                        "nothing_to_disclose": True,
                    }
                )
        db.session.execute(insert(Abstract), abstracts)
        db.session.execute(insert(AbstractAuthor), authors)
        congress.reviews_per_abstract = 3
        congress.review_closes_at = now + timedelta(days=30)
        db.session.commit()
        built = time.perf_counter() - started
        db.session.expire_all()

        started = time.perf_counter()
        summary = review.assign_reviewers(congress)
        db.session.commit()
        elapsed = time.perf_counter() - started

        count = db.session.query(ReviewAssignment).count()
        loads = list(summary.per_reviewer.values())
        print(f"database: {db.engine.url.render_as_string(hide_password=True)}")
        print(
            f"data built in {built:.1f} s: {n_abstracts} abstracts x 4 authors, "
            f"{n_reviewers} reviewers in {n_tracks} track pools (3 tracks each)"
        )
        print(
            f"assign_reviewers: {elapsed:.2f} s for {count} assignments "
            f"({summary.assigned} new, {len(summary.unassigned)} abstracts short)"
        )
        print(f"load per reviewer: min {min(loads)}, max {max(loads)}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("abstracts", type=int, nargs="?", default=2000)
    parser.add_argument("reviewers", type=int, nargs="?", default=150)
    parser.add_argument("--tracks", type=int, default=10)
    options = parser.parse_args()
    main(options.abstracts, options.reviewers, options.tracks)
