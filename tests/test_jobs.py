"""Periodic jobs of the background worker."""

from datetime import UTC, datetime, timedelta

from conference.extensions import db
from conference.jobs import JobLease, JobRunner

BASE = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)

CALLS: list[str] = []


def record() -> int:
    CALLS.append("ran")
    return 1


def boom() -> None:
    raise RuntimeError("job failure")


def test_jobs_run_when_due_and_a_failure_does_not_stop_the_others(app):
    CALLS.clear()
    now = [0.0]
    runner = JobRunner(
        [("boom", 10, "tests.test_jobs:boom"), ("record", 60, "tests.test_jobs:record")],
        clock=lambda: now[0],
        wall_clock=lambda: BASE + timedelta(seconds=now[0]),
    )
    assert runner.run_due() == ["record"]
    now[0] = 30
    assert runner.run_due() == []
    now[0] = 61
    assert runner.run_due() == ["record"]
    assert CALLS == ["ran", "ran"]


def test_a_job_runs_once_per_period_across_workers(app):
    """Two workers (two runners with their own memory) share one lease per job."""
    CALLS.clear()
    now = [0.0]
    jobs = [("record", 60, "tests.test_jobs:record")]

    def worker():
        return JobRunner(
            jobs, clock=lambda: now[0], wall_clock=lambda: BASE + timedelta(seconds=now[0])
        )

    first, second = worker(), worker()
    assert first.run_due() == ["record"]
    assert second.run_due() == []  # same period: the other worker holds the lease
    now[0] = 59
    assert first.run_due() == [] and second.run_due() == []
    now[0] = 61
    assert second.run_due() == ["record"]
    assert first.run_due() == []
    assert CALLS == ["ran", "ran"]
    lease = db.session.get(JobLease, "record")
    assert lease.runs == 2 and lease.run_after == BASE + timedelta(seconds=121)
