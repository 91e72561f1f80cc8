"""API base: tokens, the one error shape, public and organizer resources, OpenAPI."""

import pytest

from tests.factories import PASSWORD


def error_of(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()["error"]
    assert body["status"] == status
    assert body["code"] and body["message"]
    return body


def test_token_for_good_credentials(client, congress, create_user):
    create_user(email="api@example.org")
    response = client.post(
        "/api/v1/auth/token", json={"email": "API@example.org", "password": PASSWORD}
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["token"].startswith("ct_") and data["expires_at"]
    me = client.patch(
        "/api/v1/congresses/met26/conference",
        json={},
        headers={"Authorization": f"Bearer {data['token']}"},
    )
    assert me.status_code == 403  # valid token, but not an organizer


def test_token_refused_for_bad_credentials(client, congress, create_user):
    create_user(email="api@example.org")
    body = error_of(
        client.post(
            "/api/v1/auth/token", json={"email": "api@example.org", "password": "wrong-one-1"}
        ),
        401,
    )
    assert body["code"] == "unauthorized"


def test_token_endpoint_is_rate_limited(client, congress):
    statuses = [
        client.post(
            "/api/v1/auth/token", json={"email": "x@example.org", "password": "n-1"}
        ).status_code
        for _ in range(12)
    ]
    assert statuses[0] == 401
    body = error_of(
        client.post("/api/v1/auth/token", json={"email": "x@example.org", "password": "n-1"}), 429
    )
    assert body["code"] == "rate_limited"


def test_missing_fields_are_named(client, congress):
    body = error_of(client.post("/api/v1/auth/token", json={}), 422)
    assert set(body["fields"]) == {"email", "password"}


def test_malformed_json_is_400(client, congress):
    response = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert error_of(response, 400)["message"] == "Malformed JSON body."


def test_unknown_path_and_method_are_json(client, congress):
    assert error_of(client.get("/api/v1/nothing-here"), 404)["code"] == "not_found"
    assert (
        error_of(client.delete("/api/v1/congresses/met26/conference"), 405)["code"]
        == "method_not_allowed"
    )


def test_too_large_is_413(client, congress, app):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/v1/auth/token", data="x" * 5000, content_type="application/json")
    assert error_of(response, 413)["code"] == "too_large"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/api/v1/congresses/met26/conference", {"name": "X"}),
        ("post", "/api/v1/congresses/met26/tracks", {"name": "X"}),
        ("patch", "/api/v1/congresses/met26/tracks/cancer-metastasis", {"name": "X"}),
        ("post", "/api/v1/congresses/met26/rooms", {"name": "X"}),
        ("patch", "/api/v1/congresses/met26/rooms/1", {"name": "X"}),
    ],
)
def test_organizer_endpoints_need_token_and_role(
    client, congress, create_user, api_token, method, path, body
):
    assert error_of(getattr(client, method)(path, json=body), 401)["code"] == "unauthorized"
    bad = {"Authorization": "Bearer ct_not-a-token"}
    error_of(getattr(client, method)(path, json=body, headers=bad), 401)
    for role in ("attendee", "reviewer"):
        headers = api_token(create_user(role))
        assert error_of(getattr(client, method)(path, json=body, headers=headers), 403)


def test_public_conference(client, congress):
    data = client.get("/api/v1/congresses/met26/conference").get_json()
    assert data["name"] == congress.name
    assert data["short_name"] == "MET26"
    assert data["timezone"] == "Europe/Vienna"
    assert data["starts_on"] == congress.starts_on.isoformat()
    assert data["key_dates"]["abstract_submission_closes_at"].endswith("+00:00")
    assert data["abstract_rules"]["length_limit"] == 2000


def test_public_tracks_and_categories(client, congress):
    tracks = client.get("/api/v1/congresses/met26/tracks").get_json()
    assert [t["slug"] for t in tracks] == [
        "cancer-metastasis",
        "cancer-immunology",
        "surgical-oncology",
    ]
    categories = client.get("/api/v1/congresses/met26/categories").get_json()
    student = next(c for c in categories if c["slug"] == "student-trainee")
    assert student["requires_proof"] is True


def test_organizer_patches_conference(client, congress, organizer, api_token):
    headers = api_token(organizer)
    response = client.patch(
        "/api/v1/congresses/met26/conference",
        json={
            "timezone": "America/Chicago",
            "counting_preset": "sabcs",
            "abstract_submission_closes_at": "2030-01-10T17:00:00",
        },
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["timezone"] == "America/Chicago"
    assert data["abstract_rules"]["length_limit"] == 3400
    assert data["abstract_rules"]["table_counting"] == "flat"
    # A time without offset is read in the congress's zone (Chicago: UTC-6 in January).
    assert data["key_dates"]["abstract_submission_closes_at"] == "2030-01-10T23:00:00+00:00"


def test_conference_patch_reports_every_bad_field(client, congress, organizer, api_token):
    body = error_of(
        client.patch(
            "/api/v1/congresses/met26/conference",
            json={
                "timezone": "Mars/Olympus",
                "currency": "euro",
                "length_limit": 0,
                "ends_on": "2000-01-01",
            },
            headers=api_token(organizer),
        ),
        422,
    )
    assert {"timezone", "currency", "length_limit"} <= set(body["fields"])


def test_conference_patch_checks_date_order(client, congress, organizer, api_token):
    body = error_of(
        client.patch(
            "/api/v1/congresses/met26/conference",
            json={"ends_on": "2000-01-01"},
            headers=api_token(organizer),
        ),
        422,
    )
    assert "ends_on" in body["fields"]


def test_tracks_create_patch_and_duplicates(client, congress, organizer, api_token):
    headers = api_token(organizer)
    response = client.post(
        "/api/v1/congresses/met26/tracks",
        json={"name": "Radiation oncology", "colour": "#123456"},
        headers=headers,
    )
    assert response.status_code == 201
    assert response.get_json()["slug"] == "radiation-oncology"
    body = error_of(
        client.post(
            "/api/v1/congresses/met26/tracks", json={"name": "radiation ONCOLOGY"}, headers=headers
        ),
        409,
    )
    assert "name" in body["fields"] or "slug" in body["fields"]
    response = client.patch(
        "/api/v1/congresses/met26/tracks/radiation-oncology",
        json={"is_active": False},
        headers=headers,
    )
    assert response.status_code == 200
    assert "radiation-oncology" not in [
        t["slug"] for t in client.get("/api/v1/congresses/met26/tracks").get_json()
    ]
    error_of(client.patch("/api/v1/congresses/met26/tracks/nope", json={}, headers=headers), 404)
    body = error_of(
        client.post(
            "/api/v1/congresses/met26/tracks",
            json={"name": "Bad", "colour": "red"},
            headers=headers,
        ),
        422,
    )
    assert "colour" in body["fields"]


def test_rooms_create_and_patch(client, congress, organizer, api_token):
    headers = api_token(organizer)
    response = client.post(
        "/api/v1/congresses/met26/rooms", json={"name": "Hall Z", "capacity": 120}, headers=headers
    )
    assert response.status_code == 201
    room_id = response.get_json()["id"]
    response = client.patch(
        f"/api/v1/congresses/met26/rooms/{room_id}", json={"capacity": 150}, headers=headers
    )
    assert response.get_json()["capacity"] == 150
    body = error_of(
        client.patch(
            f"/api/v1/congresses/met26/rooms/{room_id}", json={"capacity": -1}, headers=headers
        ),
        422,
    )
    assert "capacity" in body["fields"]
    error_of(
        client.post("/api/v1/congresses/met26/rooms", json={"name": "hall z"}, headers=headers), 409
    )
    assert "Hall Z" in [r["name"] for r in client.get("/api/v1/congresses/met26/rooms").get_json()]


def test_openapi_document_and_docs(client, congress):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in spec["paths"]
    assert "/api/v1/congresses/{congress}/conference" in spec["paths"]
    assert "requestBody" in spec["paths"]["/api/v1/congresses/{congress}/tracks"]["post"]
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "swagger-ui" in html and "<script>" not in html


def test_unexpected_errors_are_json_500_without_details(client, congress, app, monkeypatch):
    from conference.api import congress as module

    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(module, "get_tracks", lambda *a, **k: boom())
    body = error_of(client.get("/api/v1/congresses/met26/tracks"), 500)
    assert "secret" not in body["message"]


def test_token_use_is_recorded_even_on_read_only_calls(client, congress, create_user, api_token):
    from conference.accounts.models import ApiToken
    from conference.extensions import db

    headers = api_token(create_user())
    assert client.get("/api/v1/congresses/met26/tracks", headers=headers).status_code == 200
    client.patch("/api/v1/congresses/met26/conference", json={}, headers=headers)  # 403, also a use
    db.session.expire_all()
    token = db.session.scalar(db.select(ApiToken))
    assert token.last_used_at is not None
