"""The schedule editor's JSON calls validate with the same marshmallow schemas as /api/v1:
bad input is a 422 naming the fields, with the same messages as the API."""

from __future__ import annotations

import pytest

from conference.extensions import db
from conference.program import sessions as services
from conference.program.schedule_models import Presentation


@pytest.fixture
def editor(client, auth, organizer):
    auth.login(organizer)
    return client


def fields_of(response) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)
    return response.get_json()["error"]["fields"]


def test_a_bad_time_gets_the_same_field_error_as_the_api(
    editor, organizer, api_token, congress, make_session
):
    session = make_session()
    editor_fields = fields_of(
        editor.post(
            f"/met26/manage/program/editor/sessions/{session.id}/move",
            json={"starts_at": "half past nine"},
        )
    )
    api_fields = fields_of(
        editor.patch(
            f"/api/v1/congresses/met26/sessions/{session.id}",
            json={"starts_at": "half past nine"},
            headers=api_token(organizer),
        )
    )
    assert editor_fields == api_fields and "starts_at" in editor_fields


@pytest.mark.parametrize(
    "body, field",
    [
        ({"strats_at": "2030-01-01T09:00"}, "strats_at"),  # a typo is not silently ignored
        ({"room": "Hall A"}, "room"),
        ({"room": 2**40}, "room"),
        ({"ends_at": True}, "ends_at"),
    ],
)
def test_moving_a_session_with_bad_input_is_a_422_naming_the_field(
    editor, congress, make_session, body, field
):
    session = make_session()
    assert field in fields_of(
        editor.post(f"/met26/manage/program/editor/sessions/{session.id}/move", json=body)
    )


def test_a_body_that_is_not_a_json_object_is_a_422(editor, congress, make_session):
    session = make_session()
    response = editor.post(f"/met26/manage/program/editor/sessions/{session.id}/move", json=[1, 2])
    assert response.status_code == 422


@pytest.mark.parametrize(
    "body, field",
    [
        ({"abstract": True, "position": 0}, "abstract"),  # not read as abstract id 1
        ({"abstract": "12", "position": 0, "colour": "red"}, "colour"),
        ({"position": -3}, "position"),
    ],
)
def test_placing_an_abstract_with_bad_input_is_a_422_naming_the_field(
    editor, congress, make_session, make_abstract, body, field
):
    session = make_session()
    make_abstract()
    response = editor.post(
        f"/met26/manage/program/editor/sessions/{session.id}/presentations", json=body
    )
    assert field in fields_of(response)
    assert db.session.query(Presentation).count() == 0


@pytest.mark.parametrize(
    "body, field",
    [
        ({"position": 0}, "session"),
        ({"session": "next", "position": 0}, "session"),
        ({"session": 1, "position": -1}, "position"),
    ],
)
def test_moving_a_presentation_with_bad_input_is_a_422_naming_the_field(
    editor, congress, make_session, make_abstract, body, field
):
    session = make_session()
    presentation = services.add_presentation(session, abstract=make_abstract())
    db.session.commit()
    body = {**body, "session": session.id} if body.get("session") == 1 else body
    response = editor.post(
        f"/met26/manage/program/editor/presentations/{presentation.id}/move", json=body
    )
    assert field in fields_of(response)
