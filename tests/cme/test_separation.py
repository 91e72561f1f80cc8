"""Separation of promotion from accredited education: rooms have a kind, and an industry
satellite in a session room within the congress's separation time of an accredited session
there is a conflict (`satellite_too_close`)."""

from __future__ import annotations

from conference.cme import services as cme_services
from conference.extensions import db
from conference.program import services as program_services
from conference.program.conflicts import detect_conflicts


def _too_close(congress):
    return [c for c in detect_conflicts(congress) if c.kind == "satellite_too_close"]


def _satellite(make_session, **kw):
    return make_session("Sponsored lunch", format="industry_satellite", is_accredited=False, **kw)


def test_separation_time_is_a_congress_setting(congress, make_session):
    make_session("Accredited", start="09:00", end="10:00")
    _satellite(make_session, start="10:40", end="11:30")
    assert _too_close(congress) == []  # 40 minutes apart: the default 30 is kept
    cme_services.update_settings(congress, separation_minutes=45)
    db.session.commit()
    [conflict] = _too_close(congress)
    assert "within 45 minutes" in conflict.message


def test_only_session_rooms_are_kept_apart(congress, make_session):
    area = program_services.create_room(congress, name="Exhibition hall", kind="exhibition_area")
    db.session.commit()
    make_session("Poster walk", room=area, start="09:00", end="10:00")
    _satellite(make_session, room=area, start="10:00", end="11:00")
    assert _too_close(congress) == []
    make_session("Plenary", start="09:00", end="10:00")
    _satellite(make_session, start="10:10", end="11:00")
    assert len(_too_close(congress)) == 1


def test_room_kind_through_the_form_and_the_api(client, auth, congress, organizer, api_token):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/rooms/new", data={"name": "Foyer", "capacity": "", "kind": "exhibition_area"}
    )
    assert response.status_code == 302
    headers = api_token(organizer)
    rooms = {r["name"]: r for r in client.get("/api/v1/congresses/met26/rooms").get_json()}
    assert rooms["Foyer"]["kind"] == "exhibition_area"
    assert rooms["Hall A"]["kind"] == "session_room"
    response = client.post(
        "/api/v1/congresses/met26/rooms",
        json={"name": "Posters", "kind": "garden"},
        headers=headers,
    )
    assert response.status_code == 422
    assert "kind" in response.get_json()["error"]["fields"]
    response = client.post(
        "/api/v1/congresses/met26/rooms",
        json={"name": "Posters", "kind": "poster_area"},
        headers=headers,
    )
    assert response.status_code == 201 and response.get_json()["kind"] == "poster_area"


def test_separation_setting_is_checked(client, auth, congress, organizer):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/cme/settings",
        data={
            "accreditor": "eaccme",
            "link_days": "60",
            "reminder_days": "7",
            "separation_minutes": "-5",
        },
    )
    assert response.status_code == 422
