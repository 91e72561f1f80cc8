"""No overselling: simultaneous sign-ups to the last packages of a real server."""

from __future__ import annotations

import json
import threading
import urllib.request
from collections import Counter

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.industry import services
from conference.industry.models import Sponsor

AVAILABLE = 3
REQUESTS = 24


def _post(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def burst(url: str, bodies: list[dict], headers: dict) -> list[tuple[int, dict]]:
    """POST every body at once (threads released together by a barrier)."""
    barrier = threading.Barrier(len(bodies))
    results: list[tuple[int, dict]] = [(0, {})] * len(bodies)

    def worker(index: int) -> None:
        barrier.wait()
        results[index] = _post(url, bodies[index], headers)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _sign_ups(server, package, headers, count):
    bodies = [{"name": f"Company {i}", "package_id": package.id} for i in range(count)]
    return burst(f"{server.url}/api/v1/congresses/met26/sponsors", bodies, headers)


@pytest.mark.postgres
def test_simultaneous_sign_ups_never_oversell_a_package_on_postgresql(
    pg_engine_url, congress, live_server_factory, api_token, organizer
):
    package = services.create_package(congress, name="Gold", price="0", available=AVAILABLE)
    db.session.commit()
    headers = api_token(organizer)
    server = live_server_factory(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 20, "pool_timeout": 30}
    )
    results = _sign_ups(server, package, headers, REQUESTS)
    assert Counter(status for status, _ in results) == {201: AVAILABLE, 409: REQUESTS - AVAILABLE}
    assert {body["error"]["code"] for status, body in results if status == 409} == {"sold_out"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Sponsor.id))) == AVAILABLE
    db.session.refresh(package)
    assert package.sold == AVAILABLE


def test_simultaneous_sign_ups_never_oversell_on_sqlite_either(
    database_url, congress, live_server_factory, api_token, organizer
):
    if database_url.startswith("postgresql"):
        pytest.skip("the PostgreSQL test above covers this database")
    package = services.create_package(congress, name="Gold", price="0", available=2)
    db.session.commit()
    server = live_server_factory()
    results = _sign_ups(server, package, api_token(organizer), 8)
    assert Counter(status for status, _ in results) == {201: 2, 409: 6}


@pytest.mark.postgres
def test_simultaneous_pass_registrations_never_exceed_the_package_on_postgresql(
    pg_engine_url, congress, live_server_factory, api_token, sponsor_a, industry_category
):
    from conference.registration.models import Registration
    from tests.industry.conftest import staff

    included = sponsor_a.package.exhibitor_passes  # 4
    headers = api_token(sponsor_a.test_contact)
    server = live_server_factory(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 20, "pool_timeout": 30},
        REGISTRATION_RATE_LIMIT="1000 per minute",
    )
    bodies = [staff(100 + i) for i in range(16)]
    results = burst(
        f"{server.url}/api/v1/congresses/met26/sponsors/{sponsor_a.id}/passes", bodies, headers
    )
    assert Counter(status for status, _ in results) == {201: included, 409: 16 - included}
    db.session.expire_all()
    db.session.refresh(sponsor_a)
    assert sponsor_a.passes_used == included
    registered = db.session.scalar(
        select(func.count(Registration.id)).where(Registration.affiliation == sponsor_a.name)
    )
    assert registered == included


@pytest.mark.postgres
def test_simultaneous_satellite_requests_give_the_slot_and_its_faculty_to_one_sponsor(
    pg_engine_url, app, congress
):
    from datetime import datetime, time, timedelta

    from conference.errors import Conflict
    from conference.industry import satellites
    from conference.industry.models import SatelliteFaculty, SatelliteSlot
    from conference.program.queries import get_rooms
    from conference.timeutil import local_to_utc

    package = services.create_package(congress, name="Gold", price="0", available=6)
    ids = [services.sign_up_sponsor(congress, package, name=f"Company {i}").id for i in range(6)]
    starts = local_to_utc(datetime.combine(congress.starts_on, time(12, 30)), congress.tz)
    slot_id = satellites.create_slot(
        congress,
        room_id=get_rooms(congress)[0].id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    ).id
    db.session.commit()
    barrier = threading.Barrier(len(ids))
    outcomes = {}

    def request(sponsor_id: int) -> None:
        with app.app_context():
            sponsor = db.session.get(Sponsor, sponsor_id)
            slot = db.session.get(SatelliteSlot, slot_id)
            data = {
                "title": f"Symposium of company {sponsor_id}",
                "speakers": [
                    {"name": f"Speaker {sponsor_id}", "email": f"s{sponsor_id}@x.example"}
                ],
            }
            barrier.wait()
            try:
                satellites.request_slot(slot, sponsor, data)
                db.session.commit()
                outcomes[sponsor_id] = "won"
            except Conflict as exc:
                db.session.rollback()
                outcomes[sponsor_id] = exc.code

    threads = [threading.Thread(target=request, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert Counter(outcomes.values()) == {"won": 1, "slot_taken": len(ids) - 1}
    [winner] = [i for i, outcome in outcomes.items() if outcome == "won"]
    db.session.expire_all()
    slot = db.session.get(SatelliteSlot, slot_id)
    assert slot.sponsor_id == winner
    names = db.session.scalars(select(SatelliteFaculty.name)).all()
    assert names == [f"Speaker {winner}"]
