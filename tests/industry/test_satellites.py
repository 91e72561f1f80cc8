"""Satellite symposia: slots offered, requested by one sponsor only, approved into the program
as non-accredited industry satellites labelled with their sponsor in every export."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.industry import satellites
from conference.program.publishing import publish_program
from conference.program.queries import get_rooms
from conference.program.schedule_queries import get_session
from conference.timeutil import local_to_utc

REQUEST = {
    "title": "Antibody-drug conjugates after CDK4/6 inhibitors",
    "chairs": [
        {
            "name": "Prof. Ingrid Øvergaard",
            "affiliation": "Oslo University Hospital",
            "email": "ingrid.overgaard@ous.example",
        }
    ],
    "speakers": [
        {
            "name": "Dr Javier Muñoz Ortega",
            "affiliation": "Hospital Universitario 12 de Octubre, Madrid",
            "email": "jmunoz@h12o.example",
        },
        {
            "name": "Dr 王芳",
            "affiliation": "Fudan University Shanghai Cancer Center",
            "email": "wang.fang@fudan.example",
        },
    ],
    "description": "Case-based discussion.",
}
#: The same people as the sponsor's form takes them: one a line.
FORM = {
    "title": REQUEST["title"],
    "chairs": "Prof. Ingrid Øvergaard; Oslo University Hospital; ingrid.overgaard@ous.example",
    "speakers": (
        "Dr Javier Muñoz Ortega; Hospital Universitario 12 de Octubre, Madrid; "
        "jmunoz@h12o.example\n\nwang.fang@fudan.example; Dr 王芳; "
        "Fudan University Shanghai Cancer Center"
    ),
    "description": "Case-based discussion.",
}
LABEL = "not accredited — organized by Oncora Therapeutics"


@pytest.fixture
def slot(congress):
    starts = local_to_utc(datetime.combine(congress.starts_on, time(12, 30)), congress.tz)
    slot = satellites.create_slot(
        congress,
        room_id=get_rooms(congress)[0].id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=60),
    )
    db.session.commit()
    return slot


def test_a_slot_is_requested_by_one_sponsor_only(congress, slot, sponsor_a, sponsor_b):
    satellites.request_slot(slot, sponsor_a, REQUEST)
    db.session.commit()
    with pytest.raises(Conflict) as caught:
        satellites.request_slot(slot, sponsor_b, REQUEST)
    assert caught.value.code == "slot_taken"


def test_a_request_needs_title_and_faculty(congress, slot, sponsor_a):
    with pytest.raises(ValidationFailed) as caught:
        satellites.request_slot(slot, sponsor_a, {"title": "", "speakers": []})
    assert set(caught.value.fields) == {"title", "speakers"}
    with pytest.raises(ValidationFailed) as caught:
        satellites.request_slot(
            slot,
            sponsor_a,
            {
                **REQUEST,
                "chairs": [{"name": "Dr Nobody", "email": "not-an-email"}],
                "speakers": [{"name": "", "email": "a@b.example"}],
            },
        )
    fields = caught.value.fields
    assert fields["chairs"] == ["Dr Nobody: enter a valid email address."]
    assert fields["speakers"] == ["Person 1: enter a name (at most 200 characters)."]
    assert slot.status == "open"


def test_faculty_lines_are_read_in_any_order():
    assert satellites.parse_faculty_lines(FORM["speakers"]) == REQUEST["speakers"]
    assert satellites.parse_faculty_lines(" \n") == []


def test_approved_satellite_is_a_labelled_non_accredited_session(
    congress, slot, sponsor_a, organizer
):
    satellites.request_slot(slot, sponsor_a, REQUEST)
    session = satellites.approve_slot(slot)
    db.session.commit()
    session = get_session(congress, session.id)
    assert session.format == "industry_satellite" and session.is_accredited is False
    assert LABEL in session.title
    assert "Faculty:" not in session.description  # the faculty are people of the program


def test_approved_faculty_become_speakers_of_the_program(
    client, congress, slot, sponsor_a, organizer
):
    satellites.request_slot(slot, sponsor_a, REQUEST)
    assert [m.name for m in slot.members] == [
        "Prof. Ingrid Øvergaard",
        "Dr Javier Muñoz Ortega",
        "Dr 王芳",
    ]
    session = satellites.approve_slot(slot)
    db.session.commit()
    session = get_session(congress, session.id)
    [chair] = [p.speaker for p in session.people if p.role == "chair"]
    assert (chair.name, chair.affiliation, chair.email) == (
        "Prof. Ingrid Øvergaard",
        "Oslo University Hospital",
        "ingrid.overgaard@ous.example",
    )
    [talk] = session.presentations
    assert LABEL in talk.title  # every export of the talk carries the label too
    assert [s.speaker.name for s in talk.speakers] == ["Dr Javier Muñoz Ortega", "Dr 王芳"]
    publish_program(congress, organizer)
    db.session.commit()
    page = client.get(f"/met26/program/sessions/{session.id}").get_data(as_text=True)
    assert "Dr 王芳" in page and "Ingrid Øvergaard" in page and LABEL in page
    csv = client.get("/met26/program/schedule.csv").get_data(as_text=True)
    assert "Dr Javier Muñoz Ortega; Dr 王芳" in csv
    wang = talk.speakers[1].speaker
    speaker_page = client.get(f"/met26/program/speakers/{wang.id}").get_data(as_text=True)
    assert "Dr 王芳" in speaker_page and LABEL in speaker_page


def test_satellite_label_is_in_every_export(client, congress, slot, sponsor_a, organizer):
    satellites.request_slot(slot, sponsor_a, REQUEST)
    satellites.approve_slot(slot)
    db.session.commit()
    publish_program(congress, organizer)
    db.session.commit()
    page = client.get("/met26/program").get_data(as_text=True)
    assert LABEL in page
    for kind in ("ics", "xml", "json", "csv"):
        response = client.get(f"/met26/program/schedule.{kind}")
        assert response.status_code == 200, kind
        text = response.get_data(as_text=True)
        if kind == "ics":  # folded lines of 75 octets
            text = text.replace("\r\n ", "")
        if kind == "json":
            text = text.encode().decode("unicode_escape", errors="ignore")
        assert "organized by Oncora Therapeutics" in text, kind


def test_release_removes_the_session_and_reopens_the_slot(congress, slot, sponsor_a):
    satellites.request_slot(slot, sponsor_a, REQUEST)
    session = satellites.approve_slot(slot)
    db.session.commit()
    satellites.release_slot(slot)
    db.session.commit()
    assert slot.status == "open" and slot.sponsor_id is None
    assert get_session(congress, session.id) is None


def test_sponsor_requests_through_its_page(client, auth, congress, slot, sponsor_a, sponsor_b):
    auth.login(sponsor_a.test_contact)
    bad_line = {**FORM, "speakers": "Dr Javier Muñoz Ortega; Madrid"}
    response = client.post(
        f"/met26/sponsor/{sponsor_a.id}/satellites", data={"slot_id": str(slot.id), **bad_line}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Dr Javier Muñoz Ortega: enter a valid email address." in page
    assert "Dr Javier Muñoz Ortega; Madrid</textarea>" in page  # the input is kept
    response = client.post(
        f"/met26/sponsor/{sponsor_a.id}/satellites", data={"slot_id": str(slot.id), **FORM}
    )
    assert response.status_code == 302
    page = client.get(f"/met26/sponsor/{sponsor_a.id}/satellites").get_data(as_text=True)
    assert "awaiting the organizers" in page and "Speaker: Dr 王芳" in page
    assert client.get(f"/met26/sponsor/{sponsor_b.id}/satellites").status_code == 404
    bad = client.post(f"/met26/sponsor/{sponsor_a.id}/satellites", data={"slot_id": "x", **FORM})
    assert bad.status_code == 422


def test_organizer_offers_and_approves(client, auth, organizer, congress, slot, sponsor_a):
    satellites.request_slot(slot, sponsor_a, REQUEST)
    db.session.commit()
    auth.login(organizer)
    room = get_rooms(congress)[0]
    day = congress.starts_on.isoformat()
    response = client.post(
        "/met26/manage/industry/satellites",
        data={"room_id": str(room.id), "starts_at": f"{day}T18:00", "ends_at": f"{day}T17:00"},
    )
    assert response.status_code == 422
    assert "The end must come after the start." in response.get_data(as_text=True)
    response = client.post(f"/met26/manage/industry/satellites/{slot.id}/approve")
    assert response.status_code == 302
    db.session.refresh(slot)
    assert slot.status == "approved" and slot.session_id


def test_the_sponsor_changes_its_faculty_before_approval(congress, slot, sponsor_a):
    satellites.request_slot(slot, sponsor_a, REQUEST)
    changed = {**REQUEST, "chairs": [], "speakers": REQUEST["speakers"][1:]}
    satellites.update_request(slot, changed)
    db.session.commit()
    assert [(m.role, m.name) for m in slot.members] == [("speaker", "Dr 王芳")]
    satellites.approve_slot(slot)
    with pytest.raises(Conflict):
        satellites.update_request(slot, REQUEST)
