"""Vouchers at registration: the fee reduced or free, refusals as `voucher` field errors, the
use given back on cancellation, and no voucher used too often under concurrent requests."""

from __future__ import annotations

import io
import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conference.extensions import db
from conference.models import utcnow
from conference.money import vouchers
from conference.money.models import Voucher
from conference.registration import services
from conference.registration.documents import receipt_pdf
from conference.registration.models import Registration, RegistrationStatus
from conference.registration.tokens import manage_path
from tests.registration.conftest import attendee_data
from tests.registration.test_concurrency import _post


def _code(congress, **kw) -> str:
    kw.setdefault("kind", "free_place")
    voucher = vouchers.create_vouchers(congress, **kw)[0]
    db.session.commit()
    return voucher.code


@pytest.mark.parametrize(
    ("kind", "extra", "due", "discount"),
    [
        ("percent", {"percent": "20"}, "360.00", "90.00"),
        ("fixed", {"amount": "100.00"}, "350.00", "100.00"),
        ("fixed", {"amount": "1000.00"}, "0.00", "450.00"),
        ("free_place", {}, "0.00", "450.00"),
    ],
)
def test_a_voucher_reduces_the_fee_in_the_api(client, priced, kind, extra, due, discount):
    congress = priced[0]
    code = _code(congress, kind=kind, **extra)
    # People type codes in lower case, with spaces.
    typed = " " + code.lower()[:4] + " " + code.lower()[4:]
    response = client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(voucher=typed)
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["amount_due"]["amount"] == due
    assert body["fee"]["amount"] == due
    assert body["voucher"] == {
        "code": code,
        "amount": discount,
        "currency": "EUR",
        "fee_before": "450.00",
    }
    free = due == "0.00"
    assert body["status"] == ("confirmed" if free else "awaiting_payment")
    assert db.session.get(Voucher, db.session.scalar(select(Voucher.id))).uses == 1


def test_without_a_voucher_the_api_says_none(client, priced):
    body = client.post("/api/v1/congresses/met26/registrations", json=attendee_data()).json
    assert body["voucher"] is None and body["amount_due"]["amount"] == "450.00"


def test_the_discount_shows_on_the_manage_page_receipt_and_organizer_page(
    client, auth, organizer, priced
):
    congress = priced[0]
    code = _code(congress, kind="percent", percent="10")
    registration, _ = services.register_attendee(congress, attendee_data(voucher=code))
    db.session.commit()
    assert registration.fee_amount == Decimal("405.00")
    page = client.get(manage_path(registration)).get_data(as_text=True)
    assert code in page and "&minus;€45.00" in page and "€405.00" in page
    extracted = PdfReader(io.BytesIO(receipt_pdf(registration, str))).pages[0].extract_text()
    assert f"Voucher {code}: -€45.00" in extracted and "Category fee: €450.00" in extracted
    auth.login(organizer)
    detail = client.get(f"/met26/manage/registrations/{registration.reference}").get_data(
        as_text=True
    )
    assert code in detail
    listing = client.get("/met26/manage/vouchers").get_data(as_text=True)
    assert registration.reference in listing


def test_the_web_form_applies_a_voucher_and_keeps_a_bad_one(client, priced):
    congress = priced[0]
    form = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "affiliation": "Analytical Engines",
        "country": "GB",
        "category": "oncologist",
        "accept_terms": "y",
        "submission_key": "voucher-form-1",
        "voucher": "NOPE-2345",
    }
    refused = client.post("/met26/register", data=form)
    assert refused.status_code == 200
    page = refused.get_data(as_text=True)
    assert "This voucher code is not valid" in page and 'value="NOPE-2345"' in page
    assert db.session.scalar(select(Registration.id)) is None
    code = _code(congress)
    accepted = client.post("/met26/register", data={**form, "voucher": code})
    assert accepted.status_code == 302
    registration = db.session.scalar(select(Registration))
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.amount_due == 0 and registration.voucher_code == code


def test_wrong_category_expired_future_and_used_up_codes_are_refused(client, priced):
    congress, _, student = priced
    now = utcnow()
    cases = {
        "for students only": _code(congress, category_ids=[student.id]),
        "expired": _code(congress, valid_until=now - timedelta(minutes=1)),
        "not yet valid": _code(congress, valid_from=now + timedelta(days=1)),
        "unknown": "ZZZZ-ZZZZZZZZ",
    }
    used = _code(congress)
    assert (
        client.post(
            "/api/v1/congresses/met26/registrations", json=attendee_data(voucher=used)
        ).status_code
        == 201
    )
    cases["used up"] = used
    for why, code in cases.items():
        response = client.post(
            "/api/v1/congresses/met26/registrations", json=attendee_data(voucher=code)
        )
        assert response.status_code == 422, why
        assert "voucher" in response.json["error"]["fields"], why
    assert (
        db.session.scalar(select(Registration.id).where(Registration.voucher_code != used)) is None
    )


def test_a_multi_use_code_counts_its_uses(client, priced):
    code = _code(priced[0], kind="percent", percent="50", max_uses=2)
    first = client.post("/api/v1/congresses/met26/registrations", json=attendee_data(voucher=code))
    second = client.post("/api/v1/congresses/met26/registrations", json=attendee_data(voucher=code))
    third = client.post("/api/v1/congresses/met26/registrations", json=attendee_data(voucher=code))
    assert [first.status_code, second.status_code, third.status_code] == [201, 201, 422]


def test_cancelling_gives_the_use_back(priced, register):
    congress = priced[0]
    code = _code(congress)
    registration = register(voucher=code)
    assert registration.status == RegistrationStatus.CONFIRMED
    services.cancel_registration(registration)
    db.session.commit()
    voucher = db.session.scalar(select(Voucher))
    assert voucher.uses == 0
    assert voucher.redemptions[0].released_at is not None
    again = register(voucher=code)
    assert again.voucher_code == code and voucher.uses == 1


@pytest.mark.postgres
def test_a_one_use_code_is_used_once_under_concurrent_requests_on_postgresql(
    pg_engine_url, priced, live_server_factory
):
    code = _code(priced[0], kind="percent", percent="50")
    server = live_server_factory(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 10, "pool_timeout": 30},
        REGISTRATION_RATE_LIMIT="1000 per minute",
    )
    count = 8
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(index: int) -> None:
        body = attendee_data(email=f"rush{index}@example.org", voucher=code)
        barrier.wait()
        results[index] = _post(f"{server.url}/api/v1/congresses/met26/registrations", body)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 422: count - 1}, statuses
    for status, body in results:
        if status == 422:
            assert "voucher" in body["error"]["fields"]
    db.session.expire_all()
    voucher = db.session.scalar(select(Voucher))
    assert voucher.uses == 1 and len(voucher.redemptions) == 1
    assert db.session.scalar(select(Registration.voucher_code)) == code


def test_a_registration_expiring_unpaid_gives_the_use_back(priced, register):
    from conference.registration import capacity

    congress = priced[0]
    code = _code(congress, kind="percent", percent="50")
    registration = register(voucher=code)
    assert registration.status == RegistrationStatus.AWAITING_PAYMENT
    capacity.expire_unpaid(congress, registration.expires_at + timedelta(minutes=1))
    db.session.commit()
    assert registration.status == RegistrationStatus.CANCELLED
    assert db.session.scalar(select(Voucher)).uses == 0
