"""Organizers set a track's reviewer pool through the API by id, by email, or both."""

from conference.abstracts.queries import get_pool_ids
from conference.extensions import db

URL = "/api/v1/congresses/met26/review/pools/cancer-metastasis"


def test_pool_by_email_as_well_as_by_id(
    client, api_token, organizer, make_reviewer, track, congress
):
    kowalska = make_reviewer(
        name="Agnieszka Kowalska",
        email="a.kowalska@nio.gov.example",
        affiliation="Narodowy Instytut Onkologii, Warszawa",
    )
    tanaka = make_reviewer(
        name="田中 優子",
        email="y.tanaka@ncc.go.example",
        affiliation="National Cancer Center Japan, Tokyo",
    )
    haddad = make_reviewer(
        name="سارة حداد",
        email="s.haddad@aub.example",
        affiliation="American University of Beirut Medical Center",
    )
    headers = api_token(organizer)
    response = client.put(
        URL,
        json={"reviewer_emails": ["A.Kowalska@NIO.gov.example ", "y.tanaka@ncc.go.example"]},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    assert response.json["reviewer_ids"] == sorted([kowalska.id, tanaka.id])
    assert get_pool_ids(congress)[track.id] == {kowalska.id, tanaka.id}

    both = client.put(
        URL,
        json={
            "reviewer_ids": [haddad.id],
            "reviewer_emails": ["s.haddad@aub.example", "y.tanaka@ncc.go.example"],
        },
        headers=headers,
    )
    assert both.status_code == 200
    db.session.expire_all()
    assert get_pool_ids(congress)[track.id] == {haddad.id, tanaka.id}


def test_unknown_emails_are_422_naming_the_field(
    client, api_token, organizer, make_reviewer, congress
):
    make_reviewer(email="l.moreau@gustaveroussy.example")
    response = client.put(
        URL,
        json={"reviewer_emails": ["l.moreau@gustaveroussy.example", "nobody@nowhere.example"]},
        headers=api_token(organizer),
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"]["reviewer_emails"] == [
        "No user with the email nobody@nowhere.example."
    ]


def test_a_pool_needs_ids_or_emails(client, api_token, organizer, congress):
    response = client.put(URL, json={}, headers=api_token(organizer))
    assert response.status_code == 422
    assert "reviewer_ids" in response.json["error"]["fields"]
    bad = client.put(URL, json={"reviewer_emails": "x@y.example"}, headers=api_token(organizer))
    assert bad.status_code == 422 and "reviewer_emails" in bad.json["error"]["fields"]


def test_reviewers_cannot_set_pools_by_email(client, api_token, make_reviewer, congress):
    reviewer = make_reviewer(email="k.nowak@example.org")
    response = client.put(
        URL, json={"reviewer_emails": ["k.nowak@example.org"]}, headers=api_token(reviewer)
    )
    assert response.status_code == 403
