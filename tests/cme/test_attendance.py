"""Attendance from door scans and the credits it earns, against hand-computed cases: 0.25
steps, concurrent sessions once, half-day and day caps, verified and self-reported; the scan
batch API (idempotent, answers per item)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from conference.cme import attendance
from conference.cme import services as cme_services
from conference.cme.attendance import day_credits, presences, quarter_credits
from conference.cme.models import AttendanceScan
from conference.extensions import db
from conference.models import utcnow
from conference.registration.models import Registration
from tests.program.test_query_counts import count_queries
from tests.registration.conftest import attendee_data


@pytest.fixture
def room_b(congress):
    from conference.program import services as program_services

    room = program_services.create_room(congress, name="Hall B", capacity=200)
    db.session.commit()
    return room


@pytest.fixture
def registration(congress, priced, create_user):
    from conference.registration import services as registration_services

    create_user(email="learner@example.org", name="Lea Learner")
    reg, _ = registration_services.register_attendee(
        congress, attendee_data(email="learner@example.org", first_name="Lea")
    )
    db.session.commit()
    return reg


_numbers = itertools.count(1)


def _scan(registration, room, when, direction):
    return {
        "client_id": f"dev1-{next(_numbers)}",
        "reference": registration.reference,
        "room": room.id,
        "scanned_at": when,
        "direction": direction,
    }


@pytest.mark.parametrize(
    ("minutes", "credits"),
    [(0, 0), (14, 0), (15, 0.25), (59, 0.75), (60, 1), (89, 1.25), (90, 1.5), (181, 3)],
)
def test_one_credit_per_hour_in_quarter_steps(minutes, credits):
    assert quarter_credits(minutes) == credits


def test_half_day_and_day_caps(congress, at):
    tz = congress.tz
    # 08:00-12:30 (4.5 h, morning) and 13:30-18:30 (5 h, afternoon): 3 + 3 = 6, not 9.5.
    day = [(at(0, "08:00"), at(0, "12:30")), (at(0, "13:30"), at(0, "18:30"))]
    assert day_credits(day, tz) == {congress.starts_on: 6.0}
    # A session across noon counts in both halves: 11:00-14:00 -> 2 h + 1 h = 3.
    assert day_credits([(at(0, "11:00"), at(0, "14:00"))], tz)[congress.starts_on] == 3.0
    # Caps are settings: 2 per half day, 3 per day.
    capped = day_credits(day, tz, half_day_cap=2, day_cap=3)
    assert capped[congress.starts_on] == 3.0
    # Concurrent intervals count once: two overlapping hours are 1.5 h, not 2 h.
    concurrent = [(at(1, "09:00"), at(1, "10:00")), (at(1, "09:30"), at(1, "10:30"))]
    assert day_credits(concurrent, tz) == {congress.starts_on + timedelta(days=1): 1.5}


def test_presence_from_scans(congress, at, room_b):
    a, b = congress.rooms[0].id, room_b.id
    scans = [
        (at(0, "09:05"), a, "in"),
        (at(0, "09:10"), a, "in"),  # scanned again at the same door: still there
        (at(0, "10:00"), b, "in"),  # next scan elsewhere: left room A
        (at(0, "10:45"), b, "out"),
        (at(0, "11:00"), a, "in"),  # never scanned out: until the end of the day
    ]
    stays = presences(scans, congress.tz)
    assert [(p.room_id, p.start, p.end) for p in stays[:2]] == [
        (a, at(0, "09:05"), at(0, "10:00")),
        (b, at(0, "10:00"), at(0, "10:45")),
    ]
    assert stays[2].end.astimezone(congress.tz).hour == 0  # midnight, local


def test_learner_credits_from_scans_verified(congress, at, room_b, make_session, registration):
    # 09:00-10:30 in Hall A (1.5 credits), 09:00-10:30 in Hall B at the same time,
    # 11:00-12:00 in Hall B (1 credit); a satellite earns nothing.
    plenary = make_session("Plenary", start="09:00", end="10:30")
    make_session("Parallel", room=room_b, start="09:00", end="10:30")
    make_session("Late morning", room=room_b, start="11:00", end="12:00")
    make_session(
        "Sponsored", format="industry_satellite", is_accredited=False, start="12:15", end="13:00"
    )
    room_a = congress.rooms[0]
    items = [
        _scan(registration, room_a, at(0, "08:55"), "in"),
        _scan(registration, room_b, at(0, "10:00"), "in"),  # left the plenary at 10:00
        _scan(registration, room_b, at(0, "11:40"), "out"),
        _scan(registration, room_a, at(0, "12:15"), "in"),
        _scan(registration, room_a, at(0, "13:00"), "out"),
    ]
    answers = attendance.record_scans(congress, items, now=at(1, "00:00"))
    db.session.commit()
    assert [a.status for a in answers] == ["stored"] * 5
    result = attendance.learner_credits(congress, registration.id)
    minutes = {a.slot.title: a.minutes for a in result.sessions}
    # Plenary 09:00-10:00 = 60; Parallel 10:00-10:30 = 30; Late morning 11:00-11:40 = 40.
    assert minutes == {"Plenary": 60, "Parallel": 30, "Late morning": 40}
    # 130 minutes -> 2.0 credits (2 h 10 min, rounded down to 0.25).
    assert result.by_day == {congress.starts_on: 2.0}
    assert result.claimable == 2.0
    assert plenary.id in {a.slot.session_id for a in result.sessions}


def test_self_reported_claims_are_capped_by_what_could_be_attended(
    congress, at, room_b, make_session, registration
):
    make_session("Plenary", start="09:00", end="10:30")
    make_session("Parallel", room=room_b, start="09:00", end="10:30")  # concurrent: once
    make_session("Afternoon", start="14:00", end="15:00")
    cme_services.update_settings(congress, accreditor="accme")
    from conference.cme.queries import get_settings

    get_settings(congress).credit_mode = "self_reported"
    db.session.commit()
    result = attendance.learner_credits(congress, registration.id)
    assert result.mode == "self_reported"
    assert result.claimable == 2.5  # 1.5 (either morning session) + 1


def test_scan_batch_is_idempotent_and_answers_per_item(
    client, congress, at, registration, organizer, api_token, create_user
):
    headers = api_token(organizer)
    room = congress.rooms[0]
    good = {
        "client_id": "door-A-0001",
        "reference": registration.reference.lower(),  # typed by hand: case does not matter
        "room": room.id,
        "scanned_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "direction": "in",
    }
    batch = {
        "scans": [
            good,
            dict(good, client_id="door-A-0002", reference="MET26-ZZZZ"),
            dict(good, client_id="door-A-0003", room=999999),
            dict(good, client_id="door-A-0004", scanned_at="2099-01-01T00:00:00+00:00"),
        ]
    }
    response = client.post("/api/v1/congresses/met26/attendance/scans", json=batch, headers=headers)
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == ["stored", "rejected", "rejected", "rejected"]
    assert "reference" in results[1]["errors"] and "room" in results[2]["errors"]
    assert "scanned_at" in results[3]["errors"]
    again = client.post(
        "/api/v1/congresses/met26/attendance/scans", json={"scans": [good, good]}, headers=headers
    )
    assert [r["status"] for r in again.get_json()["results"]] == ["duplicate", "duplicate"]
    assert db.session.query(AttendanceScan).count() == 1
    # Authorization and schema.
    assert client.post("/api/v1/congresses/met26/attendance/scans", json=batch).status_code == 401
    attendee = api_token(create_user())
    assert (
        client.post(
            "/api/v1/congresses/met26/attendance/scans", json=batch, headers=attendee
        ).status_code
        == 403
    )
    response = client.post(
        "/api/v1/congresses/met26/attendance/scans",
        json={"scans": [dict(good, scanned_at="2026-04-02T09:00:00")]},  # no offset
        headers=headers,
    )
    assert response.status_code == 422


def test_a_scan_batch_costs_three_statements_whatever_its_size(congress, registration, room_b):
    """The congress's rooms, the badges named and one INSERT: the same for 1 scan or 50, and
    for a batch sent again (its scans answered as duplicates by the INSERT itself)."""
    start = utcnow() - timedelta(hours=1)
    rooms = [congress.rooms[0].id, room_b.id]

    def batch(size: int, tag: str) -> list[dict]:
        return [
            {
                "client_id": f"{tag}-{n}",
                "reference": registration.reference,
                "room": rooms[n % 2],
                "scanned_at": start + timedelta(minutes=n),
                "direction": "in",
            }
            for n in range(size)
        ]

    counts, answers = [], []
    for items in (batch(1, "one"), batch(50, "many"), batch(50, "many")):
        with count_queries() as statements:
            answers.append(attendance.record_scans(congress, items))
        counts.append(len(statements))
    db.session.commit()
    assert counts == [3, 3, 3]
    assert [a.status for a in answers[1]] == ["stored"] * 50
    assert [a.status for a in answers[2]] == ["duplicate"] * 50
    assert db.session.query(AttendanceScan).count() == 51


def test_learner_sees_their_minutes_and_credits(
    client, congress, at, make_session, registration, api_token
):
    make_session("Plenary", start="09:00", end="10:30")
    room = congress.rooms[0]
    attendance.record_scans(
        congress,
        [
            _scan(registration, room, at(0, "09:00"), "in"),
            _scan(registration, room, at(0, "10:30"), "out"),
        ],
        now=at(1, "00:00"),
    )
    db.session.commit()
    user = db.session.query(Registration).one()
    from conference.accounts.models import User

    headers = api_token(db.session.query(User).filter_by(email=user.email).one())
    body = client.get("/api/v1/congresses/met26/me/cme", headers=headers).get_json()
    assert body["sessions"][0]["minutes"] == 90
    assert body["claimable"] == 1.5
    assert client.get("/api/v1/congresses/met26/me/cme").status_code == 401


def test_scan_page_posts_need_the_door_staff_and_a_list(
    client, auth, congress, officer, create_user
):
    auth.login(create_user("reviewer"))
    assert client.get("/met26/manage/cme/scan").status_code == 403
    assert client.post("/met26/manage/cme/scans", json={"scans": []}).status_code == 403
    auth.login(officer)
    assert client.get("/met26/manage/cme/scan").status_code == 200
    assert client.post("/met26/manage/cme/scans", json={"scans": []}).status_code == 422
    assert client.post("/met26/manage/cme/scans", data="not json").status_code == 422
    response = client.post("/met26/manage/cme/scans", json={"scans": [{"client_id": "x"}, 7]})
    assert [r["status"] for r in response.get_json()["results"]] == ["rejected", "rejected"]


@pytest.mark.postgres
def test_the_same_batch_from_two_devices_at_once_is_stored_once(
    pg_engine_url, app, congress, registration
):
    """A phone that lost its answer resends its queue while its first request is still being
    written: each scan is stored once, and answered "stored" by exactly one of the requests."""
    import threading

    from conference.program.models import Congress

    room_id = congress.rooms[0].id
    reference = registration.reference
    start = utcnow() - timedelta(hours=2)
    batch = [
        {
            "client_id": f"door-C-{index:04d}",
            "reference": reference,
            "room": room_id,
            "scanned_at": start + timedelta(minutes=index),
            "direction": "in" if index % 2 == 0 else "out",
        }
        for index in range(25)
    ]
    barrier = threading.Barrier(2)
    answers: list[list] = []
    errors: list[BaseException] = []

    def send() -> None:
        with app.app_context():
            try:
                mine = db.session.get(Congress, congress.id)
                barrier.wait(timeout=30)
                result = attendance.record_scans(mine, [dict(item) for item in batch])
                db.session.commit()
                answers.append(result)
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    stored = [a.client_id for result in answers for a in result if a.status == "stored"]
    assert sorted(stored) == sorted(item["client_id"] for item in batch)
    assert db.session.query(AttendanceScan).count() == 25
