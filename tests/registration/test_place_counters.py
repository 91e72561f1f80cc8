"""Place counters: taking a place updates a per-category and a congress counter row.

The counters must always equal COUNT(*) of what holds a place (registrations in a holding
status, unnamed unreleased group places), whatever happens; on PostgreSQL, concurrent
registrations never oversell, and registrations in different categories do not wait for
each other (one holding its category's row open does not delay another category).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from conference.extensions import db
from conference.models import utcnow
from conference.program.models import Congress
from conference.registration import capacity, group_orders, services
from conference.registration.models import (
    HOLDING_STATUSES,
    PlaceCounter,
    Registration,
    RegistrationStatus,
)
from conference.registration.queries import get_category_by_slug
from tests.registration.conftest import attendee_data
from tests.registration.test_card_payments import seller  # noqa: F401 - fixture
from tests.registration.test_group_orders import BUYER, PHARMA, delegate


@pytest.fixture
def two_categories(seller):  # noqa: F811
    """Oncologists (450) and students (150, no proof here), with an invoicing seller."""
    get_category_by_slug(seller, "student-trainee").requires_proof = False
    db.session.commit()
    return seller


def _register(congress, category="oncologist", confirm=True, **overrides):
    data = attendee_data(category=category, **overrides)
    registration, _ = services.register_attendee(congress, data)
    if confirm:
        services.confirm_email(registration)
    db.session.commit()
    return registration


def _counters(congress) -> dict:
    db.session.expire_all()
    return {
        row.category_id: row.taken
        for row in db.session.scalars(
            select(PlaceCounter).where(PlaceCounter.congress_id == congress.id)
        )
    }


def _consistent(congress) -> dict:
    """Assert the counters equal the counts; return the counts by category id."""
    counted = capacity.count_places(congress.id)
    counters = _counters(congress)
    for category in congress_categories(congress):
        assert counters.get(category.id, 0) == counted.get(category.id, 0), (
            category.slug,
            counters,
            counted,
        )
    if capacity.get_settings(congress).capacity is not None:
        assert counters[None] == sum(counted.values()), (counters, counted)
    assert capacity.recount(congress) == []
    return counted


def congress_categories(congress):
    from conference.registration.models import ProfessionalCategory

    return db.session.scalars(
        select(ProfessionalCategory).where(ProfessionalCategory.congress_id == congress.id)
    ).all()


def test_counters_equal_the_counts_after_a_mixed_sequence(two_categories, runner):
    congress = two_categories
    oncologist = get_category_by_slug(congress, "oncologist")
    student = get_category_by_slug(congress, "student-trainee")
    services.set_category_rules(oncologist, capacity=4)
    db.session.commit()
    a1, a2, a3 = (_register(congress) for _ in range(3))
    s1 = _register(congress, "student-trainee")
    _consistent(congress)
    # A total capacity set later starts the congress row from the categories.
    services.update_registration_settings(congress, capacity=6)
    db.session.commit()
    assert _consistent(congress) == {oncologist.id: 3, student.id: 1}

    # A group order takes the last two places; later registrations wait.
    placed, _ = group_orders.create_group_order(
        congress, BUYER, PHARMA, [{"category": "student-trainee", "quantity": 2}]
    )
    db.session.commit()
    a4 = _register(congress)
    s2 = _register(congress, "student-trainee")
    assert (a4.status, s2.status) == (RegistrationStatus.WAITLISTED,) * 2
    _consistent(congress)

    # A cancellation offers its place to the first person waiting.
    services.cancel_registration(a1, reason="Cannot come.")
    db.session.commit()
    assert a4.status == RegistrationStatus.AWAITING_PAYMENT and a4.offered_at is not None
    assert s2.status == RegistrationStatus.WAITLISTED
    _consistent(congress)

    # Expiry frees a2's place: s2 gets it.
    a2.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert capacity.expire_unpaid(congress) == [a2]
    db.session.commit()
    assert (a2.status, s2.status) == (
        RegistrationStatus.CANCELLED,
        RegistrationStatus.AWAITING_PAYMENT,
    )
    _consistent(congress)

    # Naming a delegate moves a group place to a registration: the counters do not move.
    before = _counters(congress)
    group_orders.fill_delegates(placed, [delegate(1, category="student-trainee")])
    db.session.commit()
    assert _counters(congress) == before
    _consistent(congress)

    # The deadline releases the other unnamed place; nobody waits: it stays free.
    deadline = group_orders.naming_deadline(congress)
    assert group_orders.release_unfilled(congress, now=deadline) == 1
    db.session.commit()
    counted = _consistent(congress)
    assert sum(counted.values()) == 5

    # A registration replacing an unconfirmed one under the same address keeps one place.
    first = _register(congress, "student-trainee", confirm=False, email="twice@example.org")
    assert first.holds_place
    second = _register(congress, "student-trainee", email="twice@example.org")
    assert first.status == RegistrationStatus.CANCELLED and second.holds_place
    assert sum(_consistent(congress).values()) == 6

    # Cancelling a waiting registration frees nothing; a held place is freed; capacity
    # changes (total dropped, then set again) restart the congress row from the categories.
    late = _register(congress)
    assert late.status == RegistrationStatus.WAITLISTED
    services.cancel_registration(late)
    services.cancel_registration(a3)
    db.session.commit()
    _consistent(congress)
    services.update_registration_settings(congress, capacity=None)
    services.cancel_registration(s1)
    db.session.commit()
    _consistent(congress)
    services.update_registration_settings(congress, capacity=10)
    db.session.commit()
    _consistent(congress)

    # The CLI finds a counter that drifted (a row changed behind the services' back)...
    db.session.execute(
        update(PlaceCounter)
        .where(PlaceCounter.category_id == oncologist.id)
        .values(taken=PlaceCounter.taken + 2)
    )
    db.session.commit()
    result = runner.invoke(args=["registration", "recount-places"])
    assert result.exit_code == 1, result.output
    assert "counter" in result.output and "1 counters differ" in result.output
    # ...and repairs it.
    result = runner.invoke(args=["registration", "recount-places", "--repair"])
    assert result.exit_code == 0, result.output
    _consistent(congress)
    assert runner.invoke(args=["registration", "recount-places"]).exit_code == 0


def test_an_order_larger_than_a_category_left_takes_nothing(two_categories):
    congress = two_categories
    services.set_category_rules(get_category_by_slug(congress, "oncologist"), capacity=2)
    db.session.commit()
    _register(congress)
    before = _counters(congress)
    with pytest.raises(Exception) as refused:
        group_orders.create_group_order(
            congress,
            BUYER,
            PHARMA,
            [
                {"category": "student-trainee", "quantity": 3},
                {"category": "oncologist", "quantity": 2},
            ],
        )
    db.session.rollback()
    assert "items[1].quantity" in refused.value.fields
    assert _counters(congress) == before
    _consistent(congress)


# -- PostgreSQL: real connections in threads ----------------------------------------------------


class Worker(threading.Thread):
    """Run `work(congress)` in its own app context, session and connection."""

    def __init__(self, app, congress_id, work):
        super().__init__(daemon=True)
        self.app, self.congress_id, self.work = app, congress_id, work
        self.result = self.error = None

    def run(self):
        with self.app.app_context():
            try:
                self.result = self.work(db.session.get(Congress, self.congress_id))
            except Exception as exc:  # reported by the test
                db.session.rollback()
                self.error = exc
            finally:
                db.session.remove()


def _waiting_for_a_lock() -> int:
    with db.engine.connect() as connection:
        return connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )


@pytest.mark.postgres
def test_concurrent_registrations_never_oversell_category_or_congress(
    pg_engine_url, app, two_categories
):
    congress = two_categories
    services.set_category_rules(get_category_by_slug(congress, "oncologist"), capacity=3)
    services.update_registration_settings(congress, capacity=5)
    db.session.commit()

    def burst(category: str, count: int) -> Counter:
        barrier = threading.Barrier(count)

        def work(congress):
            barrier.wait(20)
            registration, _ = services.register_attendee(congress, attendee_data(category=category))
            db.session.commit()
            return registration.status in HOLDING_STATUSES

        workers = [Worker(app, congress.id, work) for _ in range(count)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert [w.error for w in workers] == [None] * count
        return Counter(w.result for w in workers)

    # The category's limit (3 of 5) decides for oncologists...
    assert burst("oncologist", 8) == {True: 3, False: 5}
    # ...and the congress's (the 2 left) for students, who have no limit of their own.
    assert burst("student-trainee", 8) == {True: 2, False: 6}
    db.session.expire_all()
    holding = db.session.scalar(
        select(db.func.count(Registration.id)).where(Registration.status.in_(HOLDING_STATUSES))
    )
    assert holding == 5
    _consistent(congress)


@pytest.mark.postgres
def test_registrations_in_different_categories_do_not_wait_for_each_other(
    pg_engine_url, app, two_categories
):
    """One registration has taken its place and keeps its transaction open: another one in
    another category commits meanwhile; one in the same category waits (the test can see
    a lock, so it would see one in the first case too)."""
    congress = two_categories
    for slug in ("oncologist", "student-trainee"):
        services.set_category_rules(get_category_by_slug(congress, slug), capacity=10)
    db.session.commit()
    taken, release = threading.Event(), threading.Event()

    def slow(congress):
        registration, _ = services.register_attendee(
            congress, attendee_data(category="oncologist", email="slow@example.org")
        )
        taken.set()  # the place is taken: its counter row is locked until the commit
        release.wait(20)
        db.session.commit()
        return registration.status

    def quick(category, email):
        def work(congress):
            registration, _ = services.register_attendee(
                congress, attendee_data(category=category, email=email)
            )
            db.session.commit()
            return registration.status

        return work

    holder = Worker(app, congress.id, slow)
    holder.start()
    try:
        assert taken.wait(20), holder.error
        other = Worker(app, congress.id, quick("student-trainee", "other@example.org"))
        started = time.monotonic()
        other.start()
        other.join(10)
        assert not other.is_alive(), "a registration in another category waited"
        assert other.error is None and other.result == RegistrationStatus.AWAITING_PAYMENT
        assert time.monotonic() - started < 10
        assert holder.is_alive()  # still open: it did not commit first

        same = Worker(app, congress.id, quick("oncologist", "same@example.org"))
        same.start()
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _waiting_for_a_lock() == 1  # the same category waits for the counter row
        assert same.is_alive()
    finally:
        release.set()
    holder.join(20)
    same.join(20)
    assert (holder.error, same.error) == (None, None)
    assert same.result == RegistrationStatus.AWAITING_PAYMENT
    _consistent(congress)


@pytest.mark.postgres
def test_a_retried_submission_returns_the_same_registration_under_concurrency(
    pg_engine_url, app, two_categories
):
    congress = two_categories
    data = attendee_data(email="double@example.org")
    count = 4
    barrier = threading.Barrier(count)

    def submit(congress):
        barrier.wait(20)
        registration, created = services.register_attendee(
            congress, dict(data), submission_key="double-click-1"
        )
        db.session.commit()
        return registration.reference, created

    workers = [Worker(app, congress.id, submit) for _ in range(count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert [w.error for w in workers] == [None] * count
    assert len({w.result[0] for w in workers}) == 1
    assert sorted(w.result[1] for w in workers) == [False] * (count - 1) + [True]
    _consistent(congress)
