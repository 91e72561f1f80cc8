"""Periodic jobs run by the background worker (`flask --app wsgi mail worker`).

Each job is a dotted path to a callable that commits its own work, and how often to run it.
The worker runs them between outbox rounds. Any number of workers may run: a job runs once
per period across all of them, decided by a lease row per job (`job_leases`) that one worker
takes with a conditional UPDATE (`run_after <= now`), which PostgreSQL and SQLite both apply
atomically. A worker killed mid-job leaves the lease until `run_after`: the job runs again
in the next period, never twice in one.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import String, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from conference.extensions import db
from conference.models import Base, utcnow

log = logging.getLogger(__name__)

#: (name, every N seconds, "module:function")
PERIODIC_JOBS: list[tuple[str, float, str]] = [
    ("expire overdue registrations", 300, "conference.registration.cli:expire_all"),
    ("remind unpaid registration invoices", 3600, "conference.registration.cli:remind_invoices"),
    ("erase expired visa data", 3600, "conference.registration.cli:purge_visa_data"),
    ("release unnamed group order places", 900, "conference.registration.cli:group_orders"),
    # Each build is also claimed with its own lease (conference.program.book), so a long
    # build in one worker does not stop another from taking the next period's builds.
    ("build program books", 5, "conference.program.book:build_due"),
    # Each run is also claimed with its own lease (conference.cme.bulk), like the books.
    ("issue CME certificates", 5, "conference.cme.bulk:work_due"),
    ("purge CME records past their retention", 3600, "conference.cme.retention:purge_due"),
]


class JobLease(Base):
    """Which worker may run a periodic job next, and when (one row per job name)."""

    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    run_after: Mapped[datetime]
    holder: Mapped[str] = mapped_column(String(200), default="")
    started_at: Mapped[datetime | None]
    runs: Mapped[int] = mapped_column(default=0)


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def take_lease(name: str, every: float, now: datetime | None = None) -> bool:
    """True when this worker may run job `name` now; the next run is then `every` s away.

    Commits: the lease must be visible to the other workers before the job starts.
    """
    now = now or utcnow()
    if db.session.get(JobLease, name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(JobLease(name=name, run_after=now, runs=0))
        except IntegrityError:
            pass  # another worker created it at the same moment
    taken = db.session.execute(
        update(JobLease)
        .where(JobLease.name == name, JobLease.run_after <= now)
        .values(
            run_after=now + timedelta(seconds=every),
            holder=worker_identity(),
            started_at=now,
            runs=JobLease.runs + 1,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return taken == 1


def _resolve(path: str) -> Callable[[], object]:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class JobRunner:
    """Remember when each job last ran and run the ones that are due."""

    def __init__(self, jobs=None, clock=time.monotonic, wall_clock=utcnow):
        self.jobs = list(PERIODIC_JOBS if jobs is None else jobs)
        self.clock = clock
        self.wall_clock = wall_clock
        self.last_run: dict[str, float] = {}

    def run_due(self) -> list[str]:
        ran = []
        for name, every, path in self.jobs:
            now = self.clock()
            if name in self.last_run and now - self.last_run[name] < every:
                continue
            self.last_run[name] = now
            try:
                if not take_lease(name, every, self.wall_clock()):
                    continue  # another worker ran it this period
                result = _resolve(path)()
                ran.append(name)
                if result:
                    log.info("job %s: %s", name, result)
            except Exception:  # a failing job must not stop mail delivery
                db.session.rollback()
                log.exception("job %s failed", name)
        return ran
