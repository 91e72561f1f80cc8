"""The public session page says only what is true: no claim that relationships were mitigated
while nothing is recorded, and "Ticketed" only for sessions that need a ticket (the expected
audience is a separate number, compared with the room's seats)."""

from __future__ import annotations

import pytest

from conference.extensions import db
from conference.program import sessions as services
from conference.program.conflicts import detect_conflicts
from conference.program.schedule_models import ProgramSession
from tests.program.test_views import form_data


@pytest.fixture
def headers(organizer, api_token):
    return api_token(organizer)


def test_accredited_session_never_claims_an_unrecorded_mitigation(
    client, congress, make_session, make_abstract, publish
):
    session = make_session(
        "Immunotherapy for melanoma metastases",
        is_accredited=True,
        chairs=["Ana Souza <ana@example.org>"],
    )
    abstract = make_abstract(disclosure=("Bristol Myers Squibb", "consulting_advisory"))
    services.add_presentation(session, abstract=abstract)
    publish()
    page = client.get(f"/met26/program/sessions/{session.id}").get_data(as_text=True)
    assert "CME: 1.5 credits" in page
    assert "Bristol Myers Squibb (Consulting or advisory role)" in page
    assert "mitigated" not in page


def test_expected_audience_is_not_shown_as_ticketed_seats(client, congress, make_session, publish):
    plenary = make_session("Opening plenary", format="plenary", expected_audience=90)
    meet = make_session(
        "Meet the professor: bone metastases",
        format="meet_the_professor",
        start="11:00",
        end="12:00",
        expected_audience=25,
        ticketed_seats=25,
    )
    publish()
    plenary_page = client.get(f"/met26/program/sessions/{plenary.id}").get_data(as_text=True)
    assert "Ticketed" not in plenary_page
    meet_page = client.get(f"/met26/program/sessions/{meet.id}").get_data(as_text=True)
    assert "Ticketed: 25 seats" in meet_page
    listing = client.get("/api/v1/congresses/met26/sessions").get_json()["sessions"]
    by_title = {s["title"]: s for s in listing}
    assert by_title["Opening plenary"]["ticketed_seats"] is None
    assert by_title["Meet the professor: bone metastases"]["ticketed_seats"] == 25


def test_room_capacity_conflict_uses_the_expected_audience(congress, make_session):
    room = congress.rooms[0]
    room.capacity = 100
    db.session.commit()
    crowded = make_session("Crowded", expected_audience=150, ticketed_seats=40)
    kinds = [(c.kind, c.key) for c in detect_conflicts(congress)]
    assert ("over_capacity", f"over_capacity:{crowded.id}:{room.id}") in kinds
    services.update_session(crowded, expected_audience=80, ticketed_seats=120)
    db.session.commit()
    assert "over_capacity" not in [c.kind for c in detect_conflicts(congress)]


def test_api_keeps_expected_audience_and_ticketed_seats_apart(client, congress, headers):
    day = congress.starts_on.isoformat()
    body = {
        "title": "Meet the professor: liver metastases",
        "format": "meet_the_professor",
        "room": congress.rooms[0].id,
        "starts_at": f"{day}T12:00:00",
        "ends_at": f"{day}T13:00:00",
        "expected_audience": 30,
        "ticketed_seats": 20,
    }
    response = client.post("/api/v1/congresses/met26/sessions", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["expected_audience"], created["ticketed_seats"]) == (30, 20)
    response = client.patch(
        f"/api/v1/congresses/met26/sessions/{created['id']}",
        json={"ticketed_seats": -1},
        headers=headers,
    )
    assert response.status_code == 422
    assert "ticketed_seats" in response.get_json()["error"]["fields"]


def test_session_form_sets_expected_audience_and_ticketed_seats(client, auth, organizer, congress):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/program/sessions/new",
        data=form_data(congress, expected_audience="300", ticketed_seats=""),
    )
    assert response.status_code == 302
    session = db.session.query(ProgramSession).one()
    assert (session.expected_audience, session.ticketed_seats) == (300, None)
