"""GET /api/v1/congresses/{slug}/dashboard: organizers only, the page's figures, in the OpenAPI."""

from __future__ import annotations

import pytest

from conference.accounts.services import get_user_by_email


@pytest.fixture
def demo(app, tmp_path, demo_copy):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    return demo_copy()


def test_dashboard_api_needs_a_token(client, demo):
    response = client.get("/api/v1/congresses/met26/dashboard")
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401


@pytest.mark.parametrize("role", [None, "reviewer"])
def test_dashboard_api_refuses_who_is_not_an_organizer(client, create_user, api_token, demo, role):
    user = create_user(role=role) if role else create_user()
    response = client.get("/api/v1/congresses/met26/dashboard", headers=api_token(user))
    assert response.status_code == 403


def test_dashboard_api_gives_the_figures_behind_every_chart(client, api_token, demo):
    organizer = get_user_by_email("organizer@example.org")
    response = client.get("/api/v1/congresses/met26/dashboard", headers=api_token(organizer))
    assert response.status_code == 200
    body = response.get_json()
    registrations = body["registrations"]
    assert registrations["capacity"] == 3000
    assert registrations["totals"]["holding"] == registrations["places_per_day"][-1]["cumulative"]
    # The demo's payments less refunds: 2385.00, and the hospital's group order of five
    # oncologists paid by invoice (5 x 580.00).
    assert registrations["totals"]["paid"] == "5285.00"
    assert {c["slug"] for c in registrations["categories"]} >= {"oncologist", "press"}
    press = next(c for c in registrations["categories"] if c["slug"] == "press")
    assert (press["capacity"], press["holding"], press["waitlisted"]) == (2, 2, 1)
    assert press["list_url"] == "/met26/manage/registrations?category=press&status=holding"
    abstracts = body["abstracts"]
    assert [d["outcome"] for d in abstracts["decisions"]][-1] == "undecided"
    assert abstracts["accepted"] == body["program"]["accepted"]
    assert body["program"]["scheduled"] + body["program"]["unscheduled"] == abstracts["accepted"]
    assert set(body["outbox"]["counts"]) == {"queued", "sending", "sent", "failed"}


def test_dashboard_api_is_documented_with_its_response_schema(client, congress):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/congresses/{congress}/dashboard"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/Dashboard")
    properties = spec["components"]["schemas"]["Dashboard"]["properties"]
    assert set(properties) >= {"registrations", "abstracts", "program", "outbox"}
    assert operation["security"] == [{"bearerAuth": []}]
