"""Ids beyond what an INTEGER column holds are 404/422, never a database error (500)."""

from __future__ import annotations

import pytest

HUGE = "99999999999999999999999"


@pytest.fixture
def setup(congress, make_session, publish, auth, organizer):
    session = make_session()
    publish()
    auth.login(organizer)
    return session


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", f"/met26/manage/program/sessions/{HUGE}"),
        ("get", f"/met26/manage/program/speakers/{HUGE}"),
        ("get", f"/met26/manage/program/versions/{HUGE}"),
        ("post", f"/met26/manage/program/presentations/{HUGE}"),
        ("post", f"/met26/manage/program/sessions/{HUGE}/delete"),
        ("post", f"/met26/program/sessions/{HUGE}/star"),
        ("get", f"/met26/program/sessions/{HUGE}"),
        ("get", f"/met26/program/speakers/{HUGE}"),
    ],
)
def test_huge_ids_in_pages(client, setup, method, path):
    assert getattr(client, method)(path).status_code == 404


def test_huge_ids_in_editor_calls(client, setup):
    for path, body in [
        (f"/met26/manage/program/editor/sessions/{setup.id}/move", {"room": int(HUGE)}),
        (
            f"/met26/manage/program/editor/sessions/{setup.id}/presentations",
            {"abstract": int(HUGE)},
        ),
        (f"/met26/manage/program/abstracts/{HUGE}/place", None),
    ]:
        response = client.post(path, json=body) if body else client.post(path, data={})
        assert response.status_code in (302, 404, 422), path


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("get", f"/api/v1/congresses/met26/sessions/{HUGE}", None),
        ("patch", f"/api/v1/congresses/met26/sessions/{HUGE}", {"title": "x"}),
        ("delete", f"/api/v1/congresses/met26/sessions/{HUGE}", None),
        ("post", f"/api/v1/congresses/met26/sessions/{HUGE}/presentations", {"title": "x"}),
        ("get", f"/api/v1/congresses/met26/sessions?room={HUGE}", None),
    ],
)
def test_huge_ids_in_the_api(client, organizer, api_token, setup, method, path, body):
    response = getattr(client, method)(path, json=body, headers=api_token(organizer))
    assert response.status_code in (200, 404, 422), response.get_json()


def test_huge_ids_in_api_bodies(client, organizer, api_token, setup):
    headers = api_token(organizer)
    response = client.patch(
        f"/api/v1/congresses/met26/sessions/{setup.id}", json={"room": int(HUGE)}, headers=headers
    )
    assert response.status_code == 422 and "room" in response.get_json()["error"]["fields"]
    response = client.post(
        f"/api/v1/congresses/met26/sessions/{setup.id}/presentations",
        json={"abstract": int(HUGE)},
        headers=headers,
    )
    assert response.status_code == 422
