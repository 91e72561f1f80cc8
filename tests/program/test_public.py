"""Public program pages: published version only, embargo, search, agenda."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from conference.extensions import db
from conference.models import utcnow
from conference.program import sessions as services


def test_nothing_public_before_publishing(congress, make_session, client):
    session = make_session("Secret draft")
    assert "not been published" in client.get("/met26/program").get_data(as_text=True)
    assert client.get(f"/met26/program/sessions/{session.id}").status_code == 404
    assert client.get("/met26/program/schedule.ics").status_code == 404
    assert client.get("/api/v1/congresses/met26/sessions").get_json()["sessions"] == []


def test_public_program_shows_the_published_version_only(
    congress, make_session, client, publish, at
):
    session = make_session("Version one title")
    publish()
    services.update_session(session, title="Draft title")
    db.session.commit()
    page = client.get("/met26/program").get_data(as_text=True)
    assert "Version one title" in page and "Draft title" not in page
    publish()
    assert "Draft title" in client.get("/met26/program").get_data(as_text=True)


def test_session_page_with_presentations_chairs_and_disclosures(
    congress, make_session, make_abstract, client, publish
):
    session = make_session("Bone metastases", chairs=["Cleo Chair <cleo@example.org>"])
    abstract = make_abstract(title="Denosumab <b>bold</b> trial", disclosure=("Amgen", "honoraria"))
    services.add_presentation(session, abstract=abstract)
    publish()
    page = client.get(f"/met26/program/sessions/{session.id}").get_data(as_text=True)
    assert "Cleo Chair" in page and "Paola Presenter" in page
    assert "Amgen (Honoraria)" in page
    assert "Denosumab &lt;b&gt;bold&lt;/b&gt; trial" in page
    assert "CME: 1.5 credits" in page
    speaker_id = session.chairs[0].id
    speaker_page = client.get(f"/met26/program/speakers/{speaker_id}").get_data(as_text=True)
    assert "Bone metastases" in speaker_page


def test_embargo_on_pages_search_and_exports(
    congress, make_session, make_abstract, client, publish
):
    session = make_session()
    later = utcnow() + timedelta(days=3)
    hidden = make_abstract(
        title="Embargoed breakthrough",
        results="Zoledronate secret result",
        title_release_at=later,
        body_release_at=later,
    )
    shown = make_abstract(
        title="Public finding", results="Visible result text", body_release_at=later
    )
    services.add_presentation(session, abstract=hidden)
    services.add_presentation(session, abstract=shown)
    publish()
    pages = [
        client.get("/met26/program").get_data(as_text=True),
        client.get(f"/met26/program/sessions/{session.id}").get_data(as_text=True),
        client.get("/met26/program/schedule.xml").get_data(as_text=True),
        client.get("/met26/program/schedule.json").get_data(as_text=True),
        client.get("/met26/program/schedule.ics").get_data(as_text=True),
        client.get("/met26/program/schedule.csv").get_data(as_text=True),
        client.get(f"/api/v1/congresses/met26/sessions/{session.id}").get_data(as_text=True),
    ]
    for text in pages:
        assert "Embargoed breakthrough" not in text
        assert "Zoledronate" not in text
        assert "Visible result text" not in text
    assert "Public finding" in pages[1]
    assert "Zoledronate" not in client.get("/met26/program?q=zoledronate").get_data(as_text=True)
    assert "No session matches" in client.get("/met26/program?q=zoledronate").get_data(as_text=True)


def test_embargo_lifts_at_release_time(congress, make_session, make_abstract, client, publish):
    session = make_session()
    abstract = make_abstract(title="Soon public", results="Released result")
    abstract.body_release_at = utcnow() + timedelta(seconds=2)
    db.session.commit()
    services.add_presentation(session, abstract=abstract)
    publish()
    assert "Released result" not in client.get("/met26/program/schedule.json").get_data(
        as_text=True
    )
    from conference.program.published import get_published_program

    program = get_published_program(congress)
    future = utcnow() + timedelta(seconds=5)
    from conference.program.export_store import get_export

    assert b"Released result" in get_export(program, "json", future)


def test_search_by_title_speaker_and_abstract_text(
    congress, make_session, make_abstract, client, publish, room_b
):
    one = make_session("Lung session")
    services.add_presentation(
        one,
        abstract=make_abstract(
            title="Osimertinib study", presenter_name="Yara Quill", results="Plasma EGFR clearance"
        ),
    )
    make_session("Other session", room=room_b)
    publish()
    for query in ("osimertinib", "quill", "egfr clearance"):
        page = client.get(f"/met26/program?q={query}").get_data(as_text=True)
        assert "Lung session" in page and "Other session" not in page
    day = congress.starts_on.isoformat()
    track = congress.tracks[0].slug
    assert "Lung session" in client.get(f"/met26/program?day={day}&room={one.room_id}").get_data(
        as_text=True
    )
    assert "Lung session" not in client.get(f"/met26/program?track={track}").get_data(as_text=True)


def test_attendee_stars_sessions_and_gets_an_agenda_feed(
    congress, make_session, client, auth, create_user, publish
):
    session = make_session("Starred session")
    make_session("Not starred", start="11:00", end="12:00")
    publish()
    auth.login(create_user())
    response = client.post(
        f"/met26/program/sessions/{session.id}/star", data={"next": "/met26/program"}
    )
    assert response.headers["Location"].endswith("/met26/program")
    agenda = client.get("/met26/program/agenda").get_data(as_text=True)
    assert "Starred session" in agenda and "Not starred" not in agenda
    download = client.get("/met26/program/agenda.ics")
    assert "attachment" in download.headers["Content-Disposition"]
    events = Calendar.from_ical(download.data).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["Starred session"]
    token_url = agenda.split('id="feed-url">')[1].split("<")[0]
    auth.logout()
    feed = client.get(token_url.replace("http://localhost", ""))
    assert feed.status_code == 200 and b"Starred session" in feed.data
    assert client.get("/met26/program/agenda/wrong-token.ics").status_code == 404


def test_starring_needs_an_account(congress, make_session, client, publish):
    session = make_session()
    publish()
    response = client.post(f"/met26/program/sessions/{session.id}/star")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_public_pages_work_without_javascript_and_on_a_phone(
    congress, make_session, client, publish
):
    make_session()
    publish()
    page = client.get("/met26/program").get_data(as_text=True)
    assert 'name="viewport"' in page and '<form method="get"' in page


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "/\r\n/x"],
)
def test_star_never_redirects_off_site(
    congress, make_session, client, auth, create_user, publish, target
):
    session = make_session()
    publish()
    auth.login(create_user())
    response = client.post(f"/met26/program/sessions/{session.id}/star", data={"next": target})
    assert response.headers["Location"].endswith(f"/met26/program/sessions/{session.id}")
