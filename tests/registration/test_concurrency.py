"""No overselling: many simultaneous HTTP registrations for the last places of a real server."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.registration import services
from conference.registration.models import (
    ACTIVE_STATUSES,
    HOLDING_STATUSES,
    Receipt,
    Registration,
)
from tests.registration.conftest import attendee_data

PLACES = 7
REQUESTS = 80


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _burst(server_url: str, count: int) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(count)
    results: list[tuple[int, dict]] = [(0, {})] * count

    def worker(index: int) -> None:
        body = attendee_data(email=f"burst{index}@example.org")
        barrier.wait()
        results[index] = _post(f"{server_url}/api/v1/congresses/met26/registrations", body)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.postgres
def test_simultaneous_registrations_never_oversell_on_postgresql(
    pg_engine_url, priced, live_server_factory, api_token, organizer
):
    congress, *_ = priced
    services.update_registration_settings(congress, capacity=PLACES)
    db.session.commit()
    server = live_server_factory(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 10, "pool_timeout": 30},
        # One client sends them all: lift the per-client registration limit for this burst.
        REGISTRATION_RATE_LIMIT="1000 per minute",
    )
    results = _burst(server.url, REQUESTS)
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: REQUESTS}, statuses
    outcome = Counter(body["status"] for _, body in results)
    assert outcome == {"awaiting_payment": PLACES, "waitlisted": REQUESTS - PLACES}
    holding = db.session.scalar(
        select(func.count(Registration.id)).where(Registration.status.in_(HOLDING_STATUSES))
    )
    assert holding == PLACES

    # Paying all of them at once numbers their receipts 1..PLACES, without gaps or repeats.
    headers = {**api_token(organizer), "Content-Type": "application/json"}
    references = [body["reference"] for _, body in results if body["status"] != "waitlisted"]
    barrier = threading.Barrier(len(references))
    codes: list[int] = []

    def pay(reference: str) -> None:
        request = urllib.request.Request(
            f"{server.url}/api/v1/congresses/met26/registrations/{reference}/payments",
            data=json.dumps({"kind": "bank_transfer", "amount": "450.00"}).encode(),
            headers=headers,
            method="POST",
        )
        barrier.wait()
        with urllib.request.urlopen(request, timeout=30) as response:
            codes.append(response.status)

    threads = [threading.Thread(target=pay, args=(ref,)) for ref in references]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert codes == [201] * PLACES
    numbers = db.session.scalars(select(Receipt.number)).all()
    assert sorted(numbers) == list(range(1, PLACES + 1))


def test_simultaneous_registrations_never_oversell_on_sqlite_either(
    database_url, priced, live_server_factory
):
    if database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL test above covers this database")
    congress, *_ = priced
    services.update_registration_settings(congress, capacity=3)
    db.session.commit()
    server = live_server_factory()
    results = _burst(server.url, 16)
    assert Counter(status for status, _ in results) == {201: 16}
    outcome = Counter(body["status"] for _, body in results)
    assert outcome == {"awaiting_payment": 3, "waitlisted": 13}


def _duplicate_burst(server_url: str, body: dict, count: int) -> list[int]:
    barrier = threading.Barrier(count)
    codes: list[int] = []

    def worker(index: int) -> None:
        payload = {**body, "email": body["email"].upper() if index % 2 else body["email"]}
        barrier.wait()
        codes.append(_post(f"{server_url}/api/v1/congresses/met26/registrations", payload)[0])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return codes


def _active_for(email: str) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.email_key == email, Registration.status.in_(ACTIVE_STATUSES)
        )
    )


def test_simultaneous_duplicates_keep_one_active_registration(priced, live_server_factory):
    server = live_server_factory()
    # Unconfirmed: each newer registration replaces the older one, or meets the unique index.
    codes = _duplicate_burst(server.url, attendee_data(email="same@example.org"), 12)
    assert set(codes) <= {201, 409} and 201 in codes
    assert _active_for("same@example.org") == 1
    # Confirmed by its owner: every further attempt is refused.
    registration = db.session.scalar(
        select(Registration).where(
            Registration.email_key == "same@example.org",
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )
    services.confirm_email(registration)
    db.session.commit()
    codes = _duplicate_burst(server.url, attendee_data(email="same@example.org"), 12)
    assert codes == [409] * 12
    assert _active_for("same@example.org") == 1


def test_simultaneous_identical_payments_record_once(
    register, live_server_factory, api_token, organizer
):
    registration = register()
    url = f"/api/v1/congresses/met26/registrations/{registration.reference}/payments"
    server = live_server_factory()
    headers = {**api_token(organizer), "Content-Type": "application/json"}
    body = json.dumps({"kind": "bank_transfer", "amount": "100.00", "idempotency_key": "dbl"})
    count = 8
    barrier = threading.Barrier(count)
    codes: list[int] = []

    def pay() -> None:
        request = urllib.request.Request(
            f"{server.url}{url}",
            data=body.encode(),
            headers=headers,
            method="POST",
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                codes.append(response.status)
        except urllib.error.HTTPError as exc:
            codes.append(exc.code)

    threads = [threading.Thread(target=pay) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert codes == [201] * count
    db.session.expire_all()
    assert [p.amount for p in db.session.get(Registration, registration.id).payments] == [
        Decimal("100.00")
    ]
