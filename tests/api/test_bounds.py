"""Numbers too large for the database or for dates are a 422 with the field, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conference.extensions import db
from conference.program.models import Room

HUGE = 10**22


@pytest.fixture
def headers(organizer, api_token):
    return api_token(organizer)


def _field_error(response, field):
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["status"] == 422
    assert field in str(error["fields"])


def test_room_capacity_too_large(client, congress, headers):
    room = congress.rooms[0]
    response = client.patch(
        f"/api/v1/congresses/met26/rooms/{room.id}", json={"capacity": HUGE}, headers=headers
    )
    _field_error(response, "capacity")
    response = client.patch(
        f"/api/v1/congresses/met26/rooms/{room.id}", json={"capacity": 2_000_000}, headers=headers
    )
    _field_error(response, "capacity")


def test_infinite_numbers_are_a_422(client, congress, headers):
    room = congress.rooms[0]
    response = client.patch(
        f"/api/v1/congresses/met26/rooms/{room.id}",
        data='{"capacity": Infinity, "position": -Infinity}',
        content_type="application/json",
        headers=headers,
    )
    _field_error(response, "capacity")


def test_reviewer_ids_too_large(client, congress, headers):
    slug = congress.tracks[0].slug
    response = client.put(
        f"/api/v1/congresses/met26/review/pools/{slug}",
        json={"reviewer_ids": [HUGE]},
        headers=headers,
    )
    _field_error(response, "reviewer_ids")
    response = client.post(
        "/api/v1/congresses/met26/abstracts/1/reviewers",
        json={"reviewer_id": HUGE},
        headers=headers,
    )
    _field_error(response, "reviewer_id")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"payment_days": 10**9}, "payment_days"),
        ({"offer_hours": 10**9}, "offer_hours"),
        ({"capacity": 10**9}, "capacity"),
    ],
)
def test_registration_settings_out_of_range(client, congress, headers, body, field):
    response = client.patch(
        "/api/v1/congresses/met26/registration/settings", json=body, headers=headers
    )
    _field_error(response, field)
    # and registering still works afterwards
    assert (
        client.get("/api/v1/congresses/met26/registration/settings", headers=headers).status_code
        == 200
    )


def test_room_form_keeps_typed_values_on_a_huge_capacity(client, auth, congress, organizer):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/rooms/new", data={"name": "Hall Z", "capacity": str(HUGE), "position": "1"}
    )
    assert response.status_code in (200, 422)
    html = response.get_data(as_text=True)
    assert "Hall Z" in html and "100000" in html
    assert db.session.scalar(select(Room).where(Room.name == "Hall Z")) is None
