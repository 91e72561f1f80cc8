"""API of CME disclosures: PUT /me/disclosure (account token or signed link) and
GET/POST /disclosures/{id}/mitigation (CME officer)."""

from __future__ import annotations

import pytest

from conference.cme import services
from conference.extensions import db


@pytest.fixture
def ana_session(make_session):
    return make_session("Liver metastases", chairs=["Ana Souza <ana@example.org>"])


BODY = {
    "relationships": [
        {"company": "Roche", "nature": "consulting_advisory", "started_on": "2026-01-15"},
        {
            "company": "Bayer",
            "nature": "research_funding",
            "started_on": "2025-02-01",
            "ended_on": "2025-12-31",
        },
    ]
}


def test_person_discloses_with_their_account_token(
    client, congress, ana_session, create_user, api_token
):
    ana = create_user(email="ana@example.org", name="Ana Souza")
    headers = api_token(ana)
    assert client.get("/api/v1/congresses/met26/me/disclosure", headers=headers).status_code == 404
    response = client.put("/api/v1/congresses/met26/me/disclosure", json=BODY, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [r["company"] for r in body["relationships"]] == ["Roche", "Bayer"]
    assert body["submitted_at"] and body["closes_at"]
    again = client.get("/api/v1/congresses/met26/me/disclosure", headers=headers).get_json()
    assert again["id"] == body["id"]


def test_person_discloses_by_signed_link_without_an_account(client, congress, ana_session):
    disclosure = services.ensure_disclosure(congress, "ana@example.org", "Ana Souza")
    db.session.commit()
    token = services.disclosure_token(disclosure)
    response = client.put(
        f"/api/v1/congresses/met26/me/disclosure?token={token}", json={"nothing_to_disclose": True}
    )
    assert response.status_code == 200
    assert response.get_json()["nothing_to_disclose"] is True
    assert (
        client.put("/api/v1/congresses/met26/me/disclosure?token=forged", json=BODY).status_code
        == 404
    )
    assert client.put("/api/v1/congresses/met26/me/disclosure", json=BODY).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"relationships": [{"company": "Roche", "nature": "gift"}]}, "relationships"),
        ({"relationships": "Roche"}, "relationships"),
        ({}, "nothing_to_disclose"),
        (
            {
                "relationships": [
                    {"company": "Roche", "nature": "stock", "started_on": "2099-01-01"}
                ]
            },
            "relationships.0.started_on",
        ),
    ],
)
def test_bad_disclosures_are_422_naming_the_field(client, congress, ana_session, body, field):
    disclosure = services.ensure_disclosure(congress, "ana@example.org", "Ana Souza")
    db.session.commit()
    token = services.disclosure_token(disclosure)
    response = client.put(f"/api/v1/congresses/met26/me/disclosure?token={token}", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert any(name.startswith(field) for name in error["fields"]), error


def test_someone_without_a_role_cannot_disclose(client, congress, create_user, api_token):
    headers = api_token(create_user(email="attendee@example.org"))
    assert (
        client.put("/api/v1/congresses/met26/me/disclosure", json=BODY, headers=headers).status_code
        == 404
    )


def test_officer_reviews_and_mitigates_through_the_api(
    client, congress, ana_session, officer, create_user, api_token, disclose
):
    disclosure = disclose("ana@example.org", "Ana Souza", relationships=[("Roche", "stock")])
    rid = disclosure.relationships[0].id
    url = f"/api/v1/congresses/met26/disclosures/{disclosure.id}/mitigation"
    for role in ("reviewer", None):
        headers = api_token(create_user(role))
        assert client.get(url, headers=headers).status_code == 403
        assert client.post(url, json={}, headers=headers).status_code == 403
    assert client.get(url).status_code == 401
    headers = api_token(officer)
    assert client.get(url, headers=headers).get_json()["relationships"][0]["relevance"] == "pending"
    response = client.post(
        url,
        json={"relationship_id": rid, "relevance": "relevant", "mitigation": "peer_review"},
        headers=headers,
    )
    assert response.status_code == 422
    assert "peer_reviewer" in response.get_json()["error"]["fields"]
    response = client.post(
        url, json={"relationship_id": rid + 1000, "relevance": "not_relevant"}, headers=headers
    )
    assert response.status_code == 422
    assert "relationship_id" in response.get_json()["error"]["fields"]
    response = client.post(
        url,
        json={
            "relationship_id": rid,
            "relevance": "relevant",
            "mitigation": "peer_review",
            "peer_reviewer": "Dr Jan Nowak",
        },
        headers=headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["is_cleared"] is True
    [item] = body["relationships"]
    assert (item["mitigation"], item["peer_reviewer"]) == ("peer_review", "Dr Jan Nowak")
    assert item["reviewed_by"] == officer.display_name and item["reviewed_at"]
    assert (
        client.get(
            "/api/v1/congresses/met26/disclosures/999999/mitigation", headers=headers
        ).status_code
        == 404
    )
