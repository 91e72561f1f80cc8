"""The program API: public published sessions, organizer schedule writes, conflicts, publish."""

from __future__ import annotations

import pytest

from conference.abstracts.models import Outcome


@pytest.fixture
def headers(organizer, api_token):
    return api_token(organizer)


def session_body(congress, **overrides):
    day = congress.starts_on.isoformat()
    body = {
        "title": "API session",
        "format": "oral",
        "track": congress.tracks[0].slug,
        "room": congress.rooms[0].id,
        "starts_at": f"{day}T09:00:00",  # no offset: congress time zone
        "ends_at": f"{day}T10:30:00",
        "chairs": ["Ann Chair <ann@example.org>"],
        "is_accredited": True,
    }
    body.update(overrides)
    return body


def test_organizer_creates_a_session_in_congress_time(client, congress, headers):
    response = client.post(
        "/api/v1/congresses/met26/sessions", json=session_body(congress), headers=headers
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["starts_at"].endswith("+00:00")
    assert data["starts_at"][11:16] in ("07:00", "08:00")  # 09:00 Vienna in UTC
    assert data["url"].endswith(f"/met26/program/sessions/{data['id']}")
    assert data["chairs"][0]["url"].endswith(f"/met26/program/speakers/{data['chairs'][0]['id']}")
    assert data["cme_credits"] == 1.5 and data["warnings"] == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_at": "2020-01-01T08:00:00"}, "ends_at"),
        ({"format": "party"}, "format"),
        ({"starts_at": "not a date"}, "starts_at"),
        ({"track": "no-such-track"}, "track"),
        ({"room": 9999}, "room"),
        ({"format": "industry_satellite"}, "is_accredited"),
        ({"chairs": ["unknown@example.org"]}, "chairs"),
        ({"capacity": -1}, "capacity"),
    ],
)
def test_bad_session_input_is_a_422_with_fields(client, congress, headers, overrides, field):
    response = client.post(
        "/api/v1/congresses/met26/sessions",
        json=session_body(congress, **overrides),
        headers=headers,
    )
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]


def test_writes_need_a_token(client, congress):
    assert (
        client.post("/api/v1/congresses/met26/sessions", json=session_body(congress)).status_code
        == 401
    )


def test_writes_need_an_organizer_token(client, congress, create_user, api_token):
    # (one request per kind of caller: the test's app context keeps `g` between requests)
    attendee = api_token(create_user())
    response = client.post(
        "/api/v1/congresses/met26/sessions", json=session_body(congress), headers=attendee
    )
    assert response.status_code == 403
    assert (
        client.get("/api/v1/congresses/met26/program/conflicts", headers=attendee).status_code
        == 403
    )


def test_patch_returns_warnings_and_delete(client, congress, headers):
    first = client.post(
        "/api/v1/congresses/met26/sessions", json=session_body(congress), headers=headers
    )
    second = client.post(
        "/api/v1/congresses/met26/sessions",
        json=session_body(
            congress,
            title="Second",
            chairs=[],
            starts_at=f"{congress.starts_on}T11:00:00",
            ends_at=f"{congress.starts_on}T12:00:00",
        ),
        headers=headers,
    )
    sid = second.get_json()["id"]
    response = client.patch(
        f"/api/v1/congresses/met26/sessions/{sid}",
        json={"starts_at": f"{congress.starts_on}T10:00:00"},
        headers=headers,
    )
    assert response.status_code == 200
    [warning] = response.get_json()["warnings"]
    assert warning["kind"] == "room_overlap"
    assert {o["id"] for o in warning["objects"] if o["type"] == "session"} == {
        first.get_json()["id"],
        sid,
    }
    assert (
        client.patch("/api/v1/congresses/met26/sessions/9999", json={}, headers=headers).status_code
        == 404
    )
    assert (
        client.delete(f"/api/v1/congresses/met26/sessions/{sid}", headers=headers).status_code
        == 200
    )
    assert (
        client.get("/api/v1/congresses/met26/program/conflicts", headers=headers).get_json()[
            "count"
        ]
        == 0
    )


def test_presentations_accept_only_accepted_abstracts_inside_the_session(
    client, congress, headers, make_abstract
):
    sid = client.post(
        "/api/v1/congresses/met26/sessions", json=session_body(congress), headers=headers
    ).get_json()["id"]
    day = congress.starts_on.isoformat()
    url = f"/api/v1/congresses/met26/sessions/{sid}/presentations"
    rejected = make_abstract(outcome=Outcome.REJECTED)
    response = client.post(url, json={"abstract": rejected.id}, headers=headers)
    assert response.status_code == 422 and "abstract" in response.get_json()["error"]["fields"]
    accepted = make_abstract()
    outside = {
        "abstract": accepted.id,
        "starts_at": f"{day}T10:20:00",
        "ends_at": f"{day}T10:45:00",
    }
    response = client.post(url, json=outside, headers=headers)
    assert response.status_code == 422
    inside = {**outside, "starts_at": f"{day}T09:00:00", "ends_at": f"{day}T09:12:00"}
    response = client.post(url, json=inside, headers=headers)
    assert response.status_code == 201
    presentation = response.get_json()["presentation"]
    assert presentation["abstract"] == accepted.id
    assert presentation["url"].endswith(f"/met26/program/sessions/{sid}#p{presentation['id']}")


def test_conflicts_and_publish_409_until_acknowledged(client, congress, headers):
    client.post("/api/v1/congresses/met26/sessions", json=session_body(congress), headers=headers)
    client.post(
        "/api/v1/congresses/met26/sessions",
        json=session_body(congress, title="Clash", chairs=[]),
        headers=headers,
    )
    conflicts = client.get("/api/v1/congresses/met26/program/conflicts", headers=headers).get_json()
    assert [c["kind"] for c in conflicts["conflicts"]] == ["room_overlap"]
    response = client.post("/api/v1/congresses/met26/program/publish", json={}, headers=headers)
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "unacknowledged_conflicts"
    assert error["conflicts"][0]["kind"] == "room_overlap"
    keys = [c["key"] for c in conflicts["conflicts"]]
    response = client.post(
        "/api/v1/congresses/met26/program/publish", json={"acknowledge": keys}, headers=headers
    )
    assert response.status_code == 201 and response.get_json()["version"] == 1


def test_public_sessions_are_the_published_ones(client, congress, headers, make_abstract, publish):
    sid = client.post(
        "/api/v1/congresses/met26/sessions", json=session_body(congress), headers=headers
    ).get_json()["id"]
    client.post(
        f"/api/v1/congresses/met26/sessions/{sid}/presentations",
        json={"abstract": make_abstract(title="Public talk").id},
        headers=headers,
    )
    assert client.get("/api/v1/congresses/met26/sessions").get_json()["sessions"] == []
    assert client.get(f"/api/v1/congresses/met26/sessions/{sid}").status_code == 404
    publish()
    listing = client.get(
        f"/api/v1/congresses/met26/sessions?day={congress.starts_on}&track="
        f"{congress.tracks[0].slug}&room={congress.rooms[0].id}"
    ).get_json()
    [item] = listing["sessions"]
    assert item["url"].endswith(f"/met26/program/sessions/{sid}")
    talk = item["presentations"][0]
    assert talk["title"] == "Public talk" and talk["url"] and talk["speakers"][0]["url"]
    detail = client.get(f"/api/v1/congresses/met26/sessions/{sid}").get_json()
    assert detail["presentations"][0]["sections"][0]["heading"] == "Background"
    other_day = client.get("/api/v1/congresses/met26/sessions?day=2000-01-01").get_json()
    assert other_day["sessions"] == []
    assert client.get("/api/v1/congresses/met26/sessions?day=nonsense").status_code == 422


def test_an_unconfirmed_sign_up_lends_no_name_or_affiliation_to_a_chair(
    client, congress, headers, create_user
):
    """Anyone can sign up under someone else's address; until the address is confirmed that
    account must not put its chosen name and affiliation on the public program."""
    create_user(
        email="squat@example.org", confirmed=False, name="Dr Impostor", affiliation="Fake Pharma"
    )
    bare = client.post(
        "/api/v1/congresses/met26/sessions",
        json=session_body(congress, chairs=["squat@example.org"]),
        headers=headers,
    )
    assert bare.status_code == 422 and "chairs" in bare.get_json()["error"]["fields"]

    named = client.post(
        "/api/v1/congresses/met26/sessions",
        json=session_body(congress, chairs=["Dana Real <squat@example.org>"]),
        headers=headers,
    )
    assert named.status_code == 201, named.get_json()
    chair = named.get_json()["chairs"][0]
    assert chair["name"] == "Dana Real"
    assert "Fake Pharma" not in str(named.get_json())


def test_a_confirmed_account_is_linked_as_chair_by_its_email(
    client, congress, headers, create_user
):
    create_user(email="cleo@example.org", name="Cleo Chair", affiliation="Karolinska Institutet")
    response = client.post(
        "/api/v1/congresses/met26/sessions",
        json=session_body(congress, chairs=["cleo@example.org"]),
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["chairs"][0]["name"] == "Cleo Chair"
