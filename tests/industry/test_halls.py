"""The exhibition hall is a room of kind "exhibition area"; a booth standing in a session room
is kept apart from accredited sessions by the program's separation rule."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.industry import exhibition
from conference.program import services as program_services
from conference.program import sessions as program_sessions
from conference.program.conflicts import detect_conflicts
from conference.program.publishing import publish_program
from conference.timeutil import local_to_utc


def _at(congress, day: int, hour: int, minute: int = 0) -> datetime:
    local = datetime.combine(congress.starts_on + timedelta(days=day), datetime.min.time())
    return local_to_utc(local.replace(hour=hour, minute=minute), congress.tz)


@pytest.fixture
def hall(congress):
    room = program_services.create_room(congress, name="Exhibition Hall A", kind="exhibition_area")
    db.session.commit()
    return room


def _exhibit_conflicts(congress):
    return [c for c in detect_conflicts(congress) if c.kind == "exhibit_too_close"]


def test_a_booth_stands_in_an_exhibition_area(congress, hall, sponsor_a):
    booth = exhibition.create_booth(
        congress, number="B07", room_id=hall.id, sponsor_id=sponsor_a.id
    )
    db.session.commit()
    assert booth.room_id == hall.id and booth.hall_name == "Exhibition Hall A"
    assert [b.number for b in exhibition.get_booths(congress, "exhibition hall")] == ["B07"]
    session_room = congress.rooms[0]
    with pytest.raises(ValidationFailed) as refused:
        exhibition.update_booth(booth, room_id=session_room.id)
    assert "room_id" in refused.value.fields
    assert "is not an exhibition area" in refused.value.fields["room_id"][0]
    poster = program_services.create_room(congress, name="Posters", kind="poster_area")
    with pytest.raises(ValidationFailed):
        exhibition.create_booth(congress, number="B08", room_id=poster.id)
    with pytest.raises(ValidationFailed):
        exhibition.create_booth(congress, number="B09", room_id=999999)


def test_a_free_text_hall_naming_an_exhibition_area_is_that_room(congress, hall):
    mapped = exhibition.create_booth(congress, number="C1", hall="exhibition hall a")
    label = exhibition.create_booth(congress, number="C2", hall="Tent by the river")
    db.session.commit()
    assert mapped.room_id == hall.id and mapped.hall == ""
    assert label.room_id is None and label.hall_name == "Tent by the river"


def test_the_booth_form_refuses_a_session_room_next_to_the_field(
    client, auth, organizer, congress, hall
):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/industry/booths",
        data={"number": "D1", "room_id": str(congress.rooms[0].id), "size": "3 x 3 m"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "is not an exhibition area" in page
    assert 'value="D1"' in page  # the input is kept
    form = client.get("/met26/manage/industry/booths").get_data(as_text=True)
    assert "Exhibition Hall A" in form
    assert f'<option value="{congress.rooms[0].id}"' not in form  # session rooms are not offered


def test_a_booth_in_a_session_room_is_a_conflict_until_moved(
    client, congress, hall, sponsor_a, organizer, api_token
):
    booth = exhibition.create_booth(
        congress, number="B07", room_id=hall.id, sponsor_id=sponsor_a.id
    )
    program_sessions.create_session(
        congress,
        title="Bone metastases: state of the art",
        format="plenary",
        room=hall,
        starts_at=_at(congress, 0, 9),
        ends_at=_at(congress, 0, 10),
        is_accredited=True,
    )
    db.session.commit()
    assert _exhibit_conflicts(congress) == []  # an exhibition area holds no accredited session
    # The organizers turn the hall into a session room: the booth is now in educational space.
    program_services.update_room(hall, kind="session_room")
    db.session.commit()
    [conflict] = _exhibit_conflicts(congress)
    assert "B07 · Oncora Therapeutics" in conflict.message
    assert "Bone metastases: state of the art" in conflict.message
    assert "within 30 minutes" in conflict.message
    assert not conflict.is_blocking
    # The publish gate waits for it, like for a satellite.
    others = [c.key for c in detect_conflicts(congress) if c.kind != "exhibit_too_close"]
    with pytest.raises(Conflict):
        publish_program(congress, None, others)
    db.session.rollback()
    # The API lists it.
    body = client.get(
        "/api/v1/congresses/met26/program/conflicts", headers=api_token(organizer)
    ).get_json()
    assert conflict.key in [c["key"] for c in body["conflicts"]]
    # A non-accredited session there is no conflict; moving the booth out resolves it.
    other = program_services.create_room(congress, name="Foyer", kind="exhibition_area")
    exhibition.update_booth(booth, room_id=other.id)
    db.session.commit()
    assert _exhibit_conflicts(congress) == []


def test_the_conflict_appears_in_the_schedule_editor(client, auth, congress, hall, organizer):
    exhibition.create_booth(congress, number="E2", room_id=hall.id)
    program_sessions.create_session(
        congress,
        title="Liquid biopsy in practice",
        format="educational",
        room=hall,
        starts_at=_at(congress, 0, 14),
        ends_at=_at(congress, 0, 15),
        is_accredited=True,
    )
    program_services.update_room(hall, kind="session_room")
    db.session.commit()
    auth.login(organizer)
    page = client.get("/met26/manage/program/conflicts").get_data(as_text=True)
    assert "Exhibit “E2” is in Exhibition Hall A" in page


def test_an_older_booth_keeps_its_hall_label_until_a_hall_is_chosen(
    client, auth, organizer, congress, hall
):
    booth = exhibition.create_booth(congress, number="F1", hall="Tent by the river")
    db.session.commit()
    auth.login(organizer)
    page = client.get(f"/met26/manage/industry/booths/{booth.id}").get_data(as_text=True)
    assert "was written as “Tent by the river”" in page
    assert "Tent by the river" in client.get("/met26/exhibition").get_data(as_text=True)
    response = client.post(
        f"/met26/manage/industry/booths/{booth.id}",
        data={"number": "F1", "room_id": str(hall.id), "size": ""},
    )
    assert response.status_code == 302
    db.session.refresh(booth)
    assert (booth.room_id, booth.hall, booth.hall_name) == (hall.id, "", "Exhibition Hall A")
