"""Several real worker processes on PostgreSQL: each message is sent once, a worker killed with
SIGKILL mid-round loses nothing and sends nothing twice, periodic jobs run once per period."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from conference.extensions import db
from conference.jobs import JobLease
from conference.mail import OutboxMessage, OutboxStatus, queue_mail
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


class SlowSink:
    """An SMTP server that takes `delay` seconds per message and records each subject."""

    def __init__(self, delay: float):
        self.delay = delay
        self.subjects: list[str] = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content or envelope.content)
        self.subjects.append(message["Subject"])
        return "250 Message accepted for delivery"


@pytest.fixture
def sink():
    sinks = []

    def start(delay=0.0):
        server = SlowSink(delay)
        server.controller.start()
        sinks.append(server)
        return server

    yield start
    for server in sinks:
        server.controller.stop()


@pytest.fixture
def workers(pg_engine_url, app):
    started: list[subprocess.Popen] = []

    def start(port: int) -> subprocess.Popen:
        env = {
            **os.environ,
            "FLASK_CONFIG": "development",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": app.config["SECRET_KEY"],
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(port),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "worker", "--interval", "0.1"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def queue(n: int) -> None:
    for i in range(n):
        queue_mail(
            f"delegate{i}@example.org",
            f"Message {i:05d}",
            "accounts/confirm",
            user=type("U", (), {"display_name": f"D{i}"})(),
            link="http://x/y",
            hours=1,
        )
    db.session.commit()


def status_counts() -> Counter:
    db.session.commit()  # a new snapshot: the workers write from other processes
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    return Counter({str(status): count for status, count in rows})


def wait_until(predicate, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_three_worker_processes_send_each_message_once_and_run_each_job_once(app, sink, workers):
    server = sink()
    queue(300)
    for _ in range(3):
        workers(server.port)
    wait_until(lambda: status_counts()[OutboxStatus.SENT] == 300)
    time.sleep(1)  # more rounds of every worker: a duplicate would arrive now
    assert len(server.subjects) == 300
    assert len(set(server.subjects)) == 300

    # The periodic expiry job (every 300 s) ran once, by one of the three workers.
    db.session.commit()
    lease = db.session.get(JobLease, "expire overdue registrations")
    assert lease is not None and lease.runs == 1


def test_a_worker_killed_mid_round_loses_nothing_and_sends_nothing_twice(app, sink, workers):
    server = sink(delay=0.05)
    queue(80)
    first = workers(server.port)
    wait_until(lambda: len(server.subjects) >= 15)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    workers(server.port)
    wait_until(lambda: status_counts()[OutboxStatus.QUEUED] == 0)
    wait_until(lambda: status_counts()[OutboxStatus.SENDING] <= 1)
    time.sleep(0.5)

    counts = status_counts()
    duplicates = [s for s, n in Counter(server.subjects).items() if n > 1]
    assert duplicates == []
    # At most the one message in flight when the worker died is left "sending" (it may or may
    # not have reached the server, so it is never resent blindly); every other one was sent.
    assert counts[OutboxStatus.SENDING] <= 1
    assert counts[OutboxStatus.SENT] + counts[OutboxStatus.SENDING] == 80
    sent = set(
        db.session.scalars(
            select(OutboxMessage.subject).where(OutboxMessage.status == OutboxStatus.SENT)
        )
    )
    assert sent <= set(server.subjects)
