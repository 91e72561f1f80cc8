"""Periodic jobs of the background worker."""

from conference.jobs import JobRunner

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
    )
    assert runner.run_due() == ["record"]
    now[0] = 30
    assert runner.run_due() == []
    now[0] = 61
    assert runner.run_due() == ["record"]
    assert CALLS == ["ran", "ran"]
