"""The industry API: public sponsors list, organizer packages and sponsors."""

from __future__ import annotations

from conference.extensions import db
from conference.industry import services
from tests.industry.conftest import PNG


def test_public_sponsor_list(client, sponsor_a, sponsor_b):
    services.set_logo(sponsor_a, PNG)
    db.session.commit()
    body = client.get("/api/v1/congresses/met26/sponsors").get_json()
    assert [(s["name"], s["tier"]) for s in body] == [
        ("Oncora Therapeutics", "Gold"),
        ("Helix Biopharma GmbH", "Silver"),
    ]
    assert body[0]["logo_url"].endswith(f"/met26/sponsors/{sponsor_a.id}/logo")
    assert "vat_id" not in body[0] and "invoice_number" not in body[0]


def test_organizer_creates_packages_and_sponsors(client, api_token, organizer, congress):
    headers = api_token(organizer)
    response = client.post(
        "/api/v1/congresses/met26/packages",
        json={"name": "Gold", "price": "25000.00", "available": 1, "benefits": ["Booth"]},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    package_id = response.get_json()["id"]
    response = client.post(
        "/api/v1/congresses/met26/sponsors",
        json={"name": "Oncora", "package_id": package_id},
        headers=headers,
    )
    assert response.status_code == 201
    sponsor = response.get_json()
    assert sponsor["benefits"] == [{"name": "Booth", "delivered": False}]
    sold_out = client.post(
        "/api/v1/congresses/met26/sponsors",
        json={"name": "Helix", "package_id": package_id},
        headers=headers,
    )
    assert sold_out.status_code == 409
    assert sold_out.get_json()["error"]["code"] == "sold_out"
    patched = client.patch(
        f"/api/v1/congresses/met26/sponsors/{sponsor['id']}",
        json={"website": "not a url"},
        headers=headers,
    )
    assert patched.status_code == 422
    assert "website" in patched.get_json()["error"]["fields"]


def test_unknown_package_is_a_field_error(client, api_token, organizer, congress):
    response = client.post(
        "/api/v1/congresses/met26/sponsors",
        json={"name": "Oncora", "package_id": 999},
        headers=api_token(organizer),
    )
    assert response.status_code == 422
    assert "package_id" in response.get_json()["error"]["fields"]


def test_sponsor_contacts_cannot_use_organizer_calls(client, api_token, sponsor_a, sponsor_b):
    headers = api_token(sponsor_a.test_contact)
    assert (
        client.patch(
            f"/api/v1/congresses/met26/sponsors/{sponsor_b.id}",
            json={"name": "Mine"},
            headers=headers,
        ).status_code
        == 403
    )
    assert client.get("/api/v1/congresses/met26/packages", headers=headers).status_code == 403
