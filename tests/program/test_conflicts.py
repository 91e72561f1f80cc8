"""Every conflict kind is detected, and disappears once fixed."""

from __future__ import annotations

from conference.extensions import db
from conference.program import sessions as services
from conference.program.conflicts import detect_conflicts


def kinds(congress):
    return [c.kind for c in detect_conflicts(congress)]


def test_room_used_twice(congress, make_session, at):
    make_session("A")
    b = make_session("B", start="10:00", end="11:00")
    assert kinds(congress) == ["room_overlap"]
    services.update_session(b, starts_at=at(0, "10:30"))
    assert kinds(congress) == []


def test_chair_in_two_places(congress, make_session, room_b, at):
    make_session("A", chairs=["Carl Chair <carl@example.org>"])
    b = make_session("B", room=room_b, chairs=["carl@example.org"])
    conflicts = detect_conflicts(congress)
    assert [c.kind for c in conflicts] == ["person_overlap"]
    assert "Carl Chair" in conflicts[0].message
    services.update_session(b, starts_at=at(0, "11:00"))
    assert kinds(congress) == []


def test_presenting_author_with_two_talks_at_once(
    congress, make_session, make_abstract, room_b, at
):
    a = make_session("A")
    b = make_session("B", room=room_b)
    services.add_presentation(a, abstract=make_abstract(presenter_email="twice@example.org"))
    talk = services.add_presentation(b, abstract=make_abstract(presenter_email="twice@example.org"))
    conflicts = detect_conflicts(congress)
    assert [c.kind for c in conflicts] == ["person_overlap"]
    assert "two talks" in conflicts[0].message
    services.update_session(b, starts_at=at(0, "11:00"))
    assert talk.starts_at == at(0, "11:00")
    assert kinds(congress) == []


def test_chairing_and_presenting_in_the_same_session_is_fine(congress, make_session, make_abstract):
    session = make_session(chairs=["Paola <p@example.org>"])
    services.add_presentation(session, abstract=make_abstract(presenter_email="p@example.org"))
    assert kinds(congress) == []


def test_session_outside_congress_days(congress, make_session, at):
    session = make_session(day=-1)
    assert kinds(congress) == ["outside_congress"]
    services.update_session(session, starts_at=at(0, "09:00"))
    assert kinds(congress) == []


def test_presentation_outside_session(congress, make_session, make_abstract, at):
    session = make_session()
    talk = services.add_presentation(session, abstract=make_abstract())
    talk.starts_at, talk.ends_at = at(0, "11:00"), at(0, "11:15")  # e.g. an old import
    db.session.flush()
    assert kinds(congress) == ["outside_session"]
    services.update_presentation(talk, starts_at=at(0, "09:00"), ends_at=at(0, "09:15"))
    assert kinds(congress) == []


def test_expected_audience_above_room(congress, make_session):
    session = make_session("Meet the professor", format="meet_the_professor", expected_audience=600)
    assert kinds(congress) == ["over_capacity"]
    services.update_session(session, expected_audience=400)
    assert kinds(congress) == []


def test_satellite_too_close_to_accredited_session(congress, make_session, at):
    make_session("Accredited", start="09:00", end="10:30")
    satellite = make_session(
        "Satellite", format="industry_satellite", is_accredited=False, start="10:45", end="11:30"
    )
    assert kinds(congress) == ["satellite_too_close"]
    services.update_session(satellite, starts_at=at(0, "11:00"))
    assert kinds(congress) == []


def test_unscheduled_accepted_abstract(congress, make_session, make_abstract):
    abstract = make_abstract()
    make_abstract(outcome="rejected")
    assert kinds(congress) == ["unscheduled_abstract"]
    services.add_presentation(make_session(), abstract=abstract)
    assert kinds(congress) == []
