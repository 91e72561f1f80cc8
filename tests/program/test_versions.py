"""Organizers browse every published version: who, when, changes, acknowledged conflicts,
and an old version's program read from its snapshot."""

from __future__ import annotations

import pytest

from conference.extensions import db
from conference.program import sessions as services
from conference.program.conflicts import detect_conflicts
from conference.program.publishing import publish_program

NASTY = '<script>alert("v")</script> & co'


@pytest.fixture
def two_versions(congress, make_session, make_abstract, organizer, room_b):
    session = make_session(f"Opening {NASTY}")
    services.add_presentation(session, abstract=make_abstract(title="Kept talk"))
    make_session("Clash", start="10:00", end="11:00")  # a room overlap, acknowledged
    keys = [c.key for c in detect_conflicts(congress)]
    first = publish_program(congress, organizer, keys)
    db.session.commit()
    services.update_session(session, title="Renamed opening", room=room_b.id)
    db.session.commit()
    second = publish_program(congress, None, [c.key for c in detect_conflicts(congress)])
    db.session.commit()
    return first, second


@pytest.mark.parametrize(
    "path", ["/met26/manage/program/versions", "/met26/manage/program/versions/1"]
)
def test_versions_are_for_organizers_only(client, auth, create_user, two_versions, path):
    assert client.get(path).status_code == 302  # to login
    auth.login(create_user("reviewer"))
    assert client.get(path).status_code == 403
    auth.login(create_user("attendee"))
    assert client.get(path).status_code == 403


def test_the_list_shows_each_version_with_publisher_changes_and_conflicts(
    client, auth, organizer, two_versions
):
    auth.login(organizer)
    page = client.get("/met26/manage/program/versions").get_data(as_text=True)
    assert page.index('id="version-2"') < page.index('id="version-1"')  # newest first
    first = page[page.index('id="version-1"') :]
    second = page[page.index('id="version-2"') : page.index('id="version-1"')]
    assert organizer.name in first and organizer.email in first
    assert "First published version of the program." in first
    assert "Room double-booked" in first and "Acknowledged conflicts (1)" in first
    assert "Renamed opening" in second and "Acknowledged conflicts (0)" in second
    assert "command line" in second
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "/met26/manage/program/versions/1" in page


def test_an_old_version_shows_its_own_program(client, auth, organizer, two_versions):
    auth.login(organizer)
    old = client.get("/met26/manage/program/versions/1").get_data(as_text=True)
    assert "superseded" in old and "version 2" in old
    assert "Opening &lt;script&gt;" in old and "<script>alert" not in old
    assert "Renamed opening" not in old and "Kept talk" in old
    assert "Hall A" in old
    current = client.get("/met26/manage/program/versions/2").get_data(as_text=True)
    assert "Renamed opening" in current and "the current public version" in current
    assert "Hall B" in current


def test_an_old_version_by_day(client, auth, organizer, congress, two_versions):
    auth.login(organizer)
    day = congress.starts_on.isoformat()
    page = client.get(f"/met26/manage/program/versions/1?day={day}").get_data(as_text=True)
    assert "Kept talk" in page
    other = (congress.ends_on).isoformat()
    assert "Kept talk" not in client.get(f"/met26/manage/program/versions/1?day={other}").get_data(
        as_text=True
    )
    assert client.get("/met26/manage/program/versions/1?day=not-a-date").status_code == 200


@pytest.mark.parametrize("number", ["3", "0", "99999999999999999999999999", "-1", "x"])
def test_unknown_versions_are_404(client, auth, organizer, two_versions, number):
    auth.login(organizer)
    assert client.get(f"/met26/manage/program/versions/{number}").status_code == 404


def test_links_from_the_editor_and_publish_page(client, auth, organizer, two_versions):
    auth.login(organizer)
    assert "/met26/manage/program/versions" in client.get("/met26/manage/program").get_data(
        as_text=True
    )
    publish_page = client.get("/met26/manage/program/publish").get_data(as_text=True)
    assert 'id="versions-link"' in publish_page
    assert "/met26/manage/program/versions/2" in publish_page


def test_embargoed_titles_are_marked_for_organizers(
    client, auth, organizer, congress, make_session, make_abstract, publish
):
    session = make_session()
    services.add_presentation(session, abstract=make_abstract(title="Secret", public=False))
    publish()
    auth.login(organizer)
    page = client.get("/met26/manage/program/versions/1").get_data(as_text=True)
    assert "Secret" in page and "title embargoed" in page
    auth.logout()
    assert "Secret" not in client.get("/met26/program").get_data(as_text=True)


def test_no_versions_yet(client, auth, organizer, congress):
    auth.login(organizer)
    assert 'id="no-versions"' in client.get("/met26/manage/program/versions").get_data(as_text=True)
