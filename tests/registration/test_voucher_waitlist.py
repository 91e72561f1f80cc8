"""A waiting registration holds no voucher use: the code stays usable by others, and the use is
taken when a place is offered (at the voucher's price while a use is left, else at the fee)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from conference.extensions import db
from conference.money import vouchers
from conference.money.models import Voucher, VoucherRedemption
from conference.registration import services
from conference.registration.models import Registration, RegistrationStatus
from tests.registration.conftest import attendee_data
from tests.registration.test_concurrency import _post


def _voucher(congress, **kw) -> Voucher:
    kw.setdefault("kind", "percent")
    kw.setdefault("percent", "50")
    voucher = vouchers.create_vouchers(congress, **kw)[0]
    db.session.commit()
    return voucher


def _oncologists_full(priced, register) -> Registration:
    """One oncologist place, taken: the next oncologist waits."""
    _congress, oncologist, _student = priced
    oncologist.capacity = 1
    db.session.commit()
    return register()


def test_a_waiting_registration_takes_its_voucher_use_only_when_offered_a_place(priced, register):
    congress = priced[0]
    holder = _oncologists_full(priced, register)
    voucher = _voucher(congress, max_uses=1)
    waiting = register(voucher=voucher.code)
    assert waiting.status == RegistrationStatus.WAITLISTED
    assert waiting.voucher_code == voucher.code and waiting.fee_amount == Decimal("225.00")
    db.session.refresh(voucher)
    assert voucher.uses == 0  # the code stays usable while they wait
    services.cancel_registration(holder)
    db.session.commit()
    db.session.refresh(voucher)
    assert waiting.status == RegistrationStatus.AWAITING_PAYMENT and waiting.offered_at
    assert voucher.uses == 1 and waiting.amount_due == Decimal("225.00")
    # Cancelling the offered registration gives the use back, as for anyone.
    services.cancel_registration(waiting)
    db.session.commit()
    db.session.refresh(voucher)
    assert voucher.uses == 0


def test_when_others_used_the_code_meanwhile_the_place_is_offered_at_the_fee(priced, register):
    congress = priced[0]
    holder = _oncologists_full(priced, register)
    voucher = _voucher(congress, max_uses=1, kind="free_place", percent=None)
    waiting = register(voucher=voucher.code)
    # A student (places left) uses the code's only use while the oncologist waits.
    student = register(category="student-trainee", voucher=voucher.code)
    assert student.voucher_code == voucher.code and student.fee_amount == Decimal("0.00")
    services.cancel_registration(holder)
    db.session.commit()
    assert waiting.status == RegistrationStatus.AWAITING_PAYMENT
    assert waiting.voucher_code is None and waiting.voucher_discount is None
    assert waiting.amount_due == Decimal("450.00")
    db.session.refresh(voucher)
    assert voucher.uses == 1


@pytest.mark.postgres
def test_an_offer_and_a_new_registration_never_use_a_one_use_code_twice_on_postgresql(
    pg_engine_url, app, priced, register, live_server_factory
):
    """A place frees up for a waiting registration with the code while a student registers
    with the same one-use code, at the same moment: exactly one of them gets the discount."""
    congress = priced[0]
    # A congress capacity too: both requests then lock its total counter row as well as the
    # voucher's row, in the same order (counters first), so neither waits for the other in
    # a cycle (PostgreSQL would abort one with a deadlock).
    services.update_registration_settings(congress, capacity=50)
    db.session.commit()
    holder = _oncologists_full(priced, register)
    voucher = _voucher(congress, max_uses=1)
    waiting = register(voucher=voucher.code)
    holder_id, waiting_id, code, voucher_id = holder.id, waiting.id, voucher.code, voucher.id
    server = live_server_factory(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 5, "max_overflow": 5, "pool_timeout": 30},
        REGISTRATION_RATE_LIMIT="1000 per minute",
    )
    barrier = threading.Barrier(2)
    results: dict = {}

    def offer() -> None:
        with app.app_context():
            try:
                registration = db.session.get(Registration, holder_id)
                barrier.wait(timeout=30)
                services.cancel_registration(registration)
                db.session.commit()
                results["offer"] = "ok"
            except BaseException as exc:  # pragma: no cover - reported below
                results["offer"] = exc
            finally:
                db.session.remove()

    def student() -> None:
        body = attendee_data(
            email="rush.student@example.org", category="student-trainee", voucher=code
        )
        barrier.wait(timeout=30)
        results["student"] = _post(f"{server.url}/api/v1/congresses/met26/registrations", body)

    threads = [threading.Thread(target=offer), threading.Thread(target=student)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results["offer"] == "ok"
    status, _body = results["student"]
    db.session.expire_all()
    voucher = db.session.get(Voucher, voucher_id)
    waiting = db.session.get(Registration, waiting_id)
    active = db.session.scalars(
        select(VoucherRedemption).where(VoucherRedemption.released_at.is_(None))
    ).all()
    assert voucher.uses == 1 and len(active) == 1
    with_code = db.session.scalars(
        select(Registration).where(
            Registration.voucher_code == code,
            Registration.status != RegistrationStatus.CANCELLED,
        )
    ).all()
    assert len(with_code) == 1 and with_code[0].reference == active[0].source_key
    if status == 201:
        assert waiting.voucher_code is None and waiting.amount_due == Decimal("450.00")
    else:
        assert status == 422 and waiting.voucher_code == code
