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
    "faculty": "Chair: Prof. Ingrid Øvergaard (Oslo); Dr Javier Muñoz Ortega (Madrid)",
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
        satellites.request_slot(slot, sponsor_a, {"title": "", "faculty": ""})
    assert set(caught.value.fields) == {"title", "faculty"}


def test_approved_satellite_is_a_labelled_non_accredited_session(
    congress, slot, sponsor_a, organizer
):
    satellites.request_slot(slot, sponsor_a, REQUEST)
    session = satellites.approve_slot(slot)
    db.session.commit()
    session = get_session(congress, session.id)
    assert session.format == "industry_satellite" and session.is_accredited is False
    assert LABEL in session.title
    assert "Ingrid Øvergaard" in session.description


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
    response = client.post(
        f"/met26/sponsor/{sponsor_a.id}/satellites", data={"slot_id": str(slot.id), **REQUEST}
    )
    assert response.status_code == 302
    page = client.get(f"/met26/sponsor/{sponsor_a.id}/satellites").get_data(as_text=True)
    assert "awaiting the organizers" in page
    assert client.get(f"/met26/sponsor/{sponsor_b.id}/satellites").status_code == 404
    bad = client.post(f"/met26/sponsor/{sponsor_a.id}/satellites", data={"slot_id": "x", **REQUEST})
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
