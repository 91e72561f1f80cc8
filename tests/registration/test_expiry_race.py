"""Expiry of unpaid registrations racing a payment, on PostgreSQL with two real connections.

Each test runs the payment and the expiry job in their own threads (own app context, own
session, own connection) and forces one interleaving: who holds which row when the other
one runs. Another connection watches pg_stat_activity to know that a transaction is
really waiting for a lock before the other one is let go.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, text

from conference.errors import Conflict
from conference.extensions import db
from conference.models import utcnow
from conference.registration import capacity
from conference.registration.models import Registration, RegistrationStatus
from conference.registration.payments import record_payment

pytestmark = pytest.mark.postgres


def _overdue(register) -> tuple[int, int]:
    """An unpaid registration whose payment time has just run out: (id, congress id)."""
    registration = register(email="last.minute@charite.de")
    registration.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return registration.id, registration.congress_id


def _wait_until_someone_waits_for_a_lock(timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.engine.connect() as connection:
            waiting = connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        if waiting:
            return
        time.sleep(0.05)
    raise AssertionError("no transaction ever waited for a lock: the interleaving was not forced")


class Step(threading.Thread):
    """Run `work(registration)` in its own app context and session; keep result or error."""

    def __init__(self, app, registration_id, work):
        super().__init__(daemon=True)
        self.app, self.registration_id, self.work = app, registration_id, work
        self.result = self.error = None

    def run(self):
        with self.app.app_context():
            try:
                registration = db.session.get(Registration, self.registration_id)
                self.result = self.work(registration)
            except Exception as exc:  # reported by the test
                db.session.rollback()
                self.error = exc
            finally:
                db.session.remove()


def _expire(registration):
    expired = capacity.expire_unpaid(registration.congress)
    db.session.commit()
    return [r.id for r in expired]


def _status(registration_id: int) -> tuple[RegistrationStatus, list]:
    db.session.expire_all()
    registration = db.session.get(Registration, registration_id)
    return registration.status, [(p.kind.value, str(p.amount)) for p in registration.payments]


@pytest.mark.parametrize("kind", ["bank_transfer", "waived"])
def test_expiry_never_cancels_a_registration_whose_payment_holds_its_row(
    pg_engine_url, app, register, organizer, kind
):
    """The payment's transaction has confirmed the registration but not committed yet when
    the expiry job runs: the job waits for the row, sees it paid, and leaves it alone."""
    registration_id, _ = _overdue(register)
    paid, release = threading.Event(), threading.Event()

    def pay(registration):
        amount = None if kind == "waived" else "450.00"
        record_payment(registration, kind=kind, amount=amount, note="Last-minute transfer")
        assert registration.status == RegistrationStatus.CONFIRMED
        paid.set()
        release.wait(20)
        db.session.commit()

    payment = Step(app, registration_id, pay)
    payment.start()
    assert paid.wait(20), payment.error
    expiry = Step(app, registration_id, _expire)
    expiry.start()
    _wait_until_someone_waits_for_a_lock()  # the job is blocked behind the payment
    release.set()
    payment.join(20)
    expiry.join(20)
    assert payment.error is None and expiry.error is None, (payment.error, expiry.error)
    assert expiry.result == []
    status, payments = _status(registration_id)
    assert status == RegistrationStatus.CONFIRMED
    assert len(payments) == 1


def test_a_payment_arriving_while_expiry_cancels_is_refused_cleanly(
    pg_engine_url, app, register, organizer
):
    """The expiry job has read the overdue registration when the payment arrives: one of
    them wins cleanly (no deadlock, no payment on a cancelled registration)."""
    registration_id, _ = _overdue(register)
    expiry_read, release = threading.Event(), threading.Event()
    expiry_thread: list[threading.Thread] = []

    def pause_after_reading_overdue(conn, cursor, statement, parameters, context, many):
        if (
            threading.current_thread() in expiry_thread
            and statement.lstrip().upper().startswith("SELECT")
            and "expires_at <=" in statement
            and "LIMIT" not in statement.upper()
            and not expiry_read.is_set()
        ):
            expiry_read.set()
            release.wait(20)

    event.listen(db.engine, "after_cursor_execute", pause_after_reading_overdue)
    try:
        expiry = Step(app, registration_id, _expire)
        expiry_thread.append(expiry)
        expiry.start()
        assert expiry_read.wait(20), expiry.error
        payment = Step(
            app,
            registration_id,
            lambda registration: (
                record_payment(registration, kind="bank_transfer", amount="450.00"),
                db.session.commit(),
            ),
        )
        payment.start()
        _wait_until_someone_waits_for_a_lock()  # the payment waits behind the job
        release.set()
        expiry.join(20)
        payment.join(20)
    finally:
        release.set()
        event.remove(db.engine, "after_cursor_execute", pause_after_reading_overdue)
    assert expiry.error is None, expiry.error
    assert expiry.result == [registration_id]
    assert isinstance(payment.error, Conflict), payment.error
    assert payment.error.code == "cancelled"
    status, payments = _status(registration_id)
    assert (status, payments) == (RegistrationStatus.CANCELLED, [])
