"""Organizer pages of the schedule: forms (no JavaScript), JSON calls of the editor,
publishing with acknowledgements, and access control."""

from __future__ import annotations

import json

import pytest

from conference.extensions import db
from conference.program.schedule_models import Presentation, ProgramSession, ProgramVersion

MANAGE_PAGES = [
    "/met26/manage/program",
    "/met26/manage/program/sessions/new",
    "/met26/manage/program/conflicts",
    "/met26/manage/program/publish",
    "/met26/manage/program/import",
]


@pytest.mark.parametrize("path", MANAGE_PAGES)
def test_organizer_pages_are_for_organizers(client, auth, create_user, organizer, path):
    assert client.get(path).status_code == 302  # to login
    auth.login(create_user("reviewer"))
    assert client.get(path).status_code == 403
    auth.login(organizer)
    assert client.get(path).status_code == 200


def form_data(congress, **overrides):
    day = congress.starts_on.isoformat()
    data = {
        "title": "Form session",
        "format": "oral",
        "track": str(congress.tracks[0].id),
        "room": str(congress.rooms[0].id),
        "starts_at": f"{day}T09:00",
        "ends_at": f"{day}T10:30",
        "chairs": "Fiona Form <fiona@example.org>",
        "discussants": "",
        "is_accredited": "y",
        "expected_audience": "",
        "ticketed_seats": "",
        "description": "",
    }
    data.update(overrides)
    return data


def test_create_and_edit_a_session_with_forms(client, auth, organizer, congress):
    auth.login(organizer)
    response = client.post("/met26/manage/program/sessions/new", data=form_data(congress))
    assert response.status_code == 302
    session = db.session.query(ProgramSession).one()
    assert session.chairs[0].name == "Fiona Form"
    page = client.get(f"/met26/manage/program/sessions/{session.id}").get_data(as_text=True)
    assert "Fiona Form &lt;fiona@example.org&gt;" in page and 'value="' in page
    response = client.post(
        f"/met26/manage/program/sessions/{session.id}", data=form_data(congress, title="Renamed")
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ProgramSession, session.id).title == "Renamed"


def test_bad_session_form_shows_errors_next_to_fields_and_keeps_values(
    client, auth, organizer, congress
):
    auth.login(organizer)
    day = congress.starts_on.isoformat()
    response = client.post(
        "/met26/manage/program/sessions/new",
        data=form_data(
            congress, title="Kept title", ends_at=f"{day}T08:00", chairs="stranger@example.org"
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The session must end after it starts." in page
    assert "Nobody is known with the email stranger@example.org" in page
    assert 'value="Kept title"' in page
    response = client.post(
        "/met26/manage/program/sessions/new", data=form_data(congress, starts_at="nonsense")
    )
    assert response.status_code == 422 and "invalid-feedback" in response.get_data(as_text=True)


def test_presentations_with_forms(client, auth, organizer, congress, make_session, make_abstract):
    session = make_session()
    abstract = make_abstract()
    auth.login(organizer)
    page = client.get(f"/met26/manage/program/sessions/{session.id}").get_data(as_text=True)
    assert abstract.title in page
    url = f"/met26/manage/program/sessions/{session.id}/presentations"
    response = client.post(url, data={"add-abstract": str(abstract.id)})
    assert response.status_code == 302
    response = client.post(
        url,
        data={
            "add-abstract": "0",
            "add-title": "Invited overview",
            "add-speakers": "Ivo Invited <ivo@example.org>",
        },
    )
    assert response.status_code == 302
    talks = db.session.query(Presentation).order_by(Presentation.position).all()
    assert [t.display_title for t in talks] == [abstract.title, "Invited overview"]
    day = congress.starts_on.isoformat()
    response = client.post(
        url,
        data={
            "add-abstract": "0",
            "add-title": "Too late",
            "add-starts_at": f"{day}T11:00",
            "add-ends_at": f"{day}T11:15",
        },
    )
    assert response.status_code == 422
    assert "must fit inside" in response.get_data(as_text=True)
    client.post(f"/met26/manage/program/presentations/{talks[1].id}", data={"action": "up"})
    db.session.expire_all()
    assert db.session.get(Presentation, talks[1].id).position == 0
    client.post(f"/met26/manage/program/presentations/{talks[0].id}", data={"action": "remove"})
    assert db.session.query(Presentation).count() == 1


def test_place_abstract_without_javascript(
    client, auth, organizer, congress, make_session, make_abstract
):
    session = make_session()
    abstract = make_abstract()
    auth.login(organizer)
    page = client.get("/met26/manage/program").get_data(as_text=True)
    assert f'id="abstract-{abstract.id}"' in page and "Accepted abstract not scheduled" in page
    client.post(
        f"/met26/manage/program/abstracts/{abstract.id}/place", data={"session": session.id}
    )
    assert db.session.query(Presentation).one().abstract_id == abstract.id
    assert "Every accepted abstract has a slot" in client.get("/met26/manage/program").get_data(
        as_text=True
    )


def test_editor_json_calls(client, auth, organizer, congress, make_session, make_abstract, room_b):
    a = make_session("A")
    b = make_session("B", room=room_b, start="11:00", end="12:00")
    abstract = make_abstract()
    auth.login(organizer)
    response = client.post(
        f"/met26/manage/program/editor/sessions/{a.id}/presentations",
        json={"abstract": abstract.id, "position": 0},
    )
    assert response.status_code == 200 and response.get_json()["ok"]
    day = congress.starts_on.isoformat()
    response = client.post(
        f"/met26/manage/program/editor/sessions/{b.id}/move",
        json={"room": congress.rooms[0].id, "starts_at": f"{day}T10:00"},
    )
    assert [w["kind"] for w in response.get_json()["warnings"]] == ["room_overlap"]
    response = client.post(
        f"/met26/manage/program/editor/sessions/{b.id}/move", json={"ends_at": f"{day}T09:00"}
    )
    assert response.status_code == 422 and "ends_at" in response.get_json()["error"]["fields"]
    presentation = db.session.query(Presentation).one()
    response = client.post(
        f"/met26/manage/program/editor/presentations/{presentation.id}/move",
        json={"session": b.id, "position": 0},
    )
    assert response.status_code == 200
    db.session.expire_all()
    moved = db.session.get(Presentation, presentation.id)
    assert (
        moved.session_id == b.id
        and moved.starts_at == db.session.get(ProgramSession, b.id).starts_at
    )


def test_publish_page_requires_each_acknowledgement(
    client, auth, organizer, congress, make_session, smtp
):
    make_session("A")
    make_session("B", start="10:00", end="11:00")
    auth.login(organizer)
    page = client.get("/met26/manage/program/publish").get_data(as_text=True)
    assert 'name="acknowledge"' in page
    assert "First published version" in page  # the pending changes are listed
    response = client.post("/met26/manage/program/publish", data={})
    assert response.status_code == 409 and db.session.query(ProgramVersion).count() == 0
    key = page.split('name="acknowledge" value="')[1].split('"')[0]
    # Acknowledged, it shows the preview first: nothing is published yet.
    preview = client.post("/met26/manage/program/publish/preview", data={"acknowledge": key})
    assert preview.status_code == 200 and db.session.query(ProgramVersion).count() == 0
    token = preview.get_data(as_text=True).split('name="preview_token" value="')[1].split('"')[0]
    response = client.post(
        "/met26/manage/program/publish", data={"acknowledge": key, "preview_token": token}
    )
    assert response.status_code == 302
    assert db.session.query(ProgramVersion).count() == 1
    page = client.get("/met26/manage/program/publish").get_data(as_text=True)
    assert "Version 1" in page
    db.session.query(ProgramSession).filter_by(title="B").one().title = "B renamed"
    db.session.commit()
    page = client.get("/met26/manage/program/publish").get_data(as_text=True)
    assert "title “B” → “B renamed”" in page


def test_edit_a_person_and_their_disclosures(
    client, auth, organizer, congress, make_session, publish
):
    session = make_session(chairs=["Cleo Chair <cleo@example.org>"])
    speaker = session.chairs[0]
    auth.login(organizer)
    assert "Cleo Chair" in client.get("/met26/manage/program/speakers?q=cleo").get_data(
        as_text=True
    )
    url = f"/met26/manage/program/speakers/{speaker.id}"
    bad = client.post(
        url,
        data={
            "name": "Cleo Chair",
            "email": "cleo@example.org",
            "disclosures": "Helix Pharma: bribes",
        },
    )
    assert bad.status_code == 422 and "Helix Pharma: bribes" in bad.get_data(as_text=True)
    good = client.post(
        url,
        data={
            "name": "Cleo Chair",
            "email": "cleo@example.org",
            "affiliation": "Karolinska",
            "disclosures": "Helix Pharma: honoraria\nMedora Bio: research funding",
        },
    )
    assert good.status_code == 302
    publish()
    page = client.get(f"/met26/program/sessions/{session.id}").get_data(as_text=True)
    assert "Helix Pharma (Honoraria)" in page and "Medora Bio (Research funding)" in page


def test_editor_json_calls_need_the_csrf_header(
    app, client, auth, organizer, congress, make_session
):
    app.config["WTF_CSRF_ENABLED"] = True
    session = make_session()
    auth.login(organizer)
    page = client.get("/met26/manage/program").get_data(as_text=True)
    token = page.split('name="csrf-token" content="')[1].split('"')[0]
    url = f"/met26/manage/program/editor/sessions/{session.id}/move"
    body = {"starts_at": f"{congress.starts_on.isoformat()}T11:00"}
    assert client.post(url, json=body).status_code == 400
    assert db.session.get(ProgramSession, session.id).starts_at == session.starts_at
    response = client.post(url, json=body, headers={"X-CSRFToken": token})
    assert response.status_code == 200


def test_publish_from_the_command_line(runner, congress, make_session):
    make_session("A")
    make_session("B", start="10:00", end="11:00")
    refused = runner.invoke(args=["program", "publish"])
    assert refused.exit_code != 0 and "acknowledged" in refused.output
    result = runner.invoke(args=["program", "publish", "--acknowledge-all"])
    assert result.exit_code == 0 and "Published version 1" in result.output


def test_editor_json_calls_refuse_odd_bodies_without_a_500(
    client, auth, organizer, congress, make_session
):
    session = make_session("A")
    auth.login(organizer)
    base = "/met26/manage/program/editor"
    calls = [
        (f"{base}/sessions/{session.id}/move", [1, 2]),
        (f"{base}/sessions/{session.id}/move", {"room": 10**30}),
        (f"{base}/sessions/{session.id}/move", {"room": 1e308 * 10}),
        (f"{base}/sessions/{session.id}/presentations", {"abstract": 10**30, "position": 1e400}),
        (f"{base}/sessions/{session.id}/presentations", "text"),
        (f"{base}/presentations/1/move", {"session": 10**30}),
    ]
    for url, body in calls:
        response = client.post(url, data=json.dumps(body), content_type="application/json")
        assert response.status_code in (200, 404, 422), (url, body, response.status_code)
