"""The abstracts API: role matrix, errors, blinded payloads."""

import json

import pytest

from conference.abstracts import review, services
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.abstracts.conftest import valid_payload


@pytest.fixture
def headers(api_token):
    return api_token


def author_strings(abstract) -> list[str]:
    values = []
    for a in abstract.authors:
        values += [a.name, a.email, a.affiliation]
    return values


def test_create_draft_then_submit(client, author, headers, congress):
    h = headers(author)
    response = client.post("/api/v1/congresses/met26/abstracts", json=valid_payload(), headers=h)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "draft" and body["number"] is None
    assert body["length"]["limit"] == 2000 and body["length"]["count"] > 0
    first = client.post(f"/api/v1/congresses/met26/abstracts/{body['id']}/submit", headers=h)
    second = client.post(f"/api/v1/congresses/met26/abstracts/{body['id']}/submit", headers=h)
    assert first.status_code == second.status_code == 200
    assert first.json["number"] == second.json["number"] == "A-0001"
    assert db.session.query(OutboxMessage).filter_by(kind="abstracts/submitted").count() == 1


def test_submit_answers_422_with_every_field(client, author, headers, congress):
    h = headers(author)
    data = valid_payload(trial_registration="ABC", attestations={}, kind="trials_in_progress")
    created = client.post("/api/v1/congresses/met26/abstracts", json=data, headers=h).json
    response = client.post(f"/api/v1/congresses/met26/abstracts/{created['id']}/submit", headers=h)
    assert response.status_code == 422
    fields = response.json["error"]["fields"]
    assert {"trial_registration", "sections.results", "attestations.will_present"} <= set(fields)


def test_schema_errors_are_422_json_not_500(client, author, headers, congress):
    response = client.post(
        "/api/v1/congresses/met26/abstracts",
        json={"title": 3, "table": "x", "surprise": 1},
        headers=headers(author),
    )
    assert response.status_code == 422
    assert {"title", "table", "surprise"} <= set(response.json["error"]["fields"])


def test_no_token_is_401(client, congress):
    assert client.post("/api/v1/congresses/met26/abstracts", json={}).status_code == 401


def test_someone_elses_abstract_is_404_and_a_coauthor_may_read_not_edit(
    client, make_abstract, create_user, headers
):
    coauthor = create_user(email="co@example.org")
    authors = valid_payload()["authors"]
    authors[1]["email"] = "co@example.org"
    abstract = make_abstract(authors=authors)
    stranger = create_user()
    assert (
        client.get(
            f"/api/v1/congresses/met26/abstracts/{abstract.id}", headers=headers(stranger)
        ).status_code
        == 404
    )
    assert (
        client.patch(
            f"/api/v1/congresses/met26/abstracts/{abstract.id}",
            json={"title": "x"},
            headers=headers(stranger),
        ).status_code
        == 404
    )
    h = headers(coauthor)
    assert (
        client.get(f"/api/v1/congresses/met26/abstracts/{abstract.id}", headers=h).status_code
        == 404
    )
    services.confirm_authorship(abstract, coauthor.email)  # by the emailed link
    db.session.commit()
    assert (
        client.get(f"/api/v1/congresses/met26/abstracts/{abstract.id}", headers=h).status_code
        == 200
    )
    assert (
        client.patch(
            f"/api/v1/congresses/met26/abstracts/{abstract.id}", json={"title": "x"}, headers=h
        ).status_code
        == 403
    )
    assert client.get("/api/v1/congresses/met26/abstracts/999999", headers=h).status_code == 404


def test_list_is_own_for_authors_and_all_for_organizers(
    client, make_abstract, create_user, organizer, headers, author
):
    make_abstract()
    make_abstract(submit=False)
    make_abstract(submitter=create_user())
    mine = client.get("/api/v1/congresses/met26/abstracts", headers=headers(author)).json
    assert mine["total"] == 2
    everything = client.get(
        "/api/v1/congresses/met26/abstracts?per_page=2", headers=headers(organizer)
    ).json
    assert everything["total"] == 3 and len(everything["items"]) == 2
    submitted = client.get(
        "/api/v1/congresses/met26/abstracts?status=submitted", headers=headers(organizer)
    ).json
    assert submitted["total"] == 2
    by_track = client.get(
        "/api/v1/congresses/met26/abstracts?track=cancer-immunology", headers=headers(organizer)
    ).json
    assert by_track["total"] == 0
    assert (
        client.get(
            "/api/v1/congresses/met26/abstracts?track=nope", headers=headers(organizer)
        ).status_code
        == 422
    )


def test_withdraw(client, make_abstract, author, headers):
    abstract = make_abstract()
    response = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/withdraw", headers=headers(author)
    )
    assert response.status_code == 200 and response.json["status"] == "withdrawn"


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("post", "/api/v1/congresses/met26/review/assign", {}),
        ("post", "/api/v1/congresses/met26/abstracts/{id}/reviewers", {"reviewer_id": 1}),
        ("delete", "/api/v1/congresses/met26/abstracts/{id}/reviewers", {"reviewer_id": 1}),
        ("post", "/api/v1/congresses/met26/abstracts/{id}/decision", {"outcome": "oral"}),
        ("post", "/api/v1/congresses/met26/decisions/release", {}),
    ],
)
@pytest.mark.parametrize("role", ["attendee", "reviewer"])
def test_organizer_endpoints_refuse_other_roles(
    client, make_abstract, create_user, headers, method, path, body, role
):
    abstract = make_abstract()
    user = create_user(role)
    response = getattr(client, method)(
        path.format(id=abstract.id), json=body, headers=headers(user)
    )
    assert response.status_code == 403


def test_reviewer_endpoints_refuse_attendees(client, make_abstract, create_user, headers):
    abstract = make_abstract()
    h = headers(create_user())
    assert client.get("/api/v1/congresses/met26/review/assignments", headers=h).status_code == 403
    assert (
        client.put(
            f"/api/v1/congresses/met26/abstracts/{abstract.id}/review", json={}, headers=h
        ).status_code
        == 403
    )


def test_assignment_review_and_decision_through_the_api(
    client, make_abstract, pool, organizer, headers, congress
):
    authors = valid_payload()["authors"]
    authors[0]["country"], authors[1]["country"] = "NZ", "UY"
    abstract = make_abstract(authors=authors)
    org = headers(organizer)
    summary = client.post(
        "/api/v1/congresses/met26/review/assign", json={"reviews_per_abstract": 3}, headers=org
    )
    assert summary.status_code == 200 and summary.json == {"assigned": 3, "unassigned": []}
    db.session.expire_all()
    reviewer = next(u for u in pool if abstract.can_review(u))
    outsider = next(u for u in pool if not abstract.can_review(u))
    h = headers(reviewer)
    listing = client.get("/api/v1/congresses/met26/review/assignments", headers=h)
    assert listing.status_code == 200
    assert [item["number"] for item in listing.json["items"]] == [abstract.number]
    text = json.dumps(listing.json)
    keys = ['"authors"', '"email"', '"affiliation"', '"country"', '"group_name"']
    for value in author_strings(abstract) + keys + ['"NZ"', '"UY"']:
        assert value not in text
    review_body = {
        "scores": {"novelty": 4, "methods": 4, "results": 3, "relevance": 5},
        "overall": 4,
        "comment_to_committee": "fine",
        "comment_to_authors": "nice",
    }
    put = client.put(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/review", json=review_body, headers=h
    )
    assert put.status_code == 200 and put.json["review"]["overall"] == 4
    assert all(v not in json.dumps(put.json) for v in author_strings(abstract))
    bad = dict(review_body, overall=9)
    assert (
        client.put(
            f"/api/v1/congresses/met26/abstracts/{abstract.id}/review", json=bad, headers=h
        ).status_code
        == 422
    )
    not_assigned = client.put(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/review",
        json=review_body,
        headers=headers(outsider),
    )
    assert not_assigned.status_code == 403
    detail = client.get(f"/api/v1/congresses/met26/abstracts/{abstract.id}", headers=org).json
    assert detail["mean_score"] == 4.0
    assert detail["mean_is_incomplete"] is True  # one review of the three required
    assert (detail["completed_reviews"], detail["reviews_required"]) == (1, 3)
    # One completed review of the three required: the API asks for explicit confirmation.
    unconfirmed = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/decision",
        json={"outcome": "poster"},
        headers=org,
    )
    assert unconfirmed.status_code == 409
    assert unconfirmed.json["error"]["code"] == "incomplete_reviews"
    assert unconfirmed.json["error"]["abstract_ids"] == [abstract.id]
    decided = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/decision",
        json={"outcome": "poster", "confirm_incomplete_reviews": True},
        headers=org,
    )
    assert decided.status_code == 200 and decided.json["outcome"] == "poster"
    assert decided.json["decision"] is None
    released = client.post("/api/v1/congresses/met26/decisions/release", headers=org)
    assert released.json == {"dry_run": False, "released": 1, "messages": 3}
    again = client.post("/api/v1/congresses/met26/decisions/release", headers=org).json
    assert again == {"dry_run": False, "released": 0, "messages": 0}
    bad_outcome = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/decision",
        json={"outcome": "maybe"},
        headers=org,
    )
    assert bad_outcome.status_code == 422


def test_manual_assignment_conflict_is_409(
    client, make_abstract, make_reviewer, organizer, headers
):
    authors = valid_payload()["authors"]
    colleague = make_reviewer(affiliation=authors[0]["affiliation"])
    abstract = make_abstract(authors=authors)
    org = headers(organizer)
    path = f"/api/v1/congresses/met26/abstracts/{abstract.id}/reviewers"
    response = client.post(path, json={"reviewer_id": colleague.id}, headers=org)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "conflict_of_interest"
    fine = make_reviewer()
    assert client.post(path, json={"email": fine.email}, headers=org).status_code == 201
    assert client.delete(path, json={"reviewer_id": fine.id}, headers=org).status_code == 204
    db.session.expire_all()
    assert not abstract.reviews
    assert client.post(path, json={"reviewer_id": fine.id}, headers=org).status_code == 201
    assert client.delete(f"{path}/{fine.id}", headers=org).status_code == 204
    db.session.expire_all()
    assert not abstract.reviews
    assert client.post(path, json={"reviewer_id": 999999}, headers=org).status_code == 422


def test_authors_never_see_internal_outcomes(client, make_abstract, organizer, headers, author):
    from conference.abstracts import decisions

    abstract = make_abstract()
    decisions.decide_abstract(abstract, "oral", organizer, confirm_incomplete=True)
    db.session.commit()
    body = client.get(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}", headers=headers(author)
    ).json
    assert body["decision"] is None and "outcome" not in body and "reviews" not in body


def test_review_after_withdrawal_is_refused(client, make_abstract, make_reviewer, headers):
    abstract = make_abstract()
    reviewer = make_reviewer()
    review.add_reviewer(abstract, reviewer)
    db.session.commit()
    from conference.abstracts import services

    services.withdraw_abstract(abstract)
    db.session.commit()
    h = headers(reviewer)
    assert client.get("/api/v1/congresses/met26/review/assignments", headers=h).json["items"] == []
    body = {"scores": {"novelty": 4, "methods": 4, "results": 3, "relevance": 5}, "overall": 4}
    assert (
        client.put(
            f"/api/v1/congresses/met26/abstracts/{abstract.id}/review", json=body, headers=h
        ).status_code
        == 409
    )


def test_retried_create_with_idempotency_key_makes_one_draft(client, author, headers, congress):
    h = {**headers(author), "Idempotency-Key": "retry-123"}
    first = client.post("/api/v1/congresses/met26/abstracts", json=valid_payload(), headers=h)
    second = client.post("/api/v1/congresses/met26/abstracts", json=valid_payload(), headers=h)
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"]
    other = client.post(
        "/api/v1/congresses/met26/abstracts", json=valid_payload(), headers=headers(author)
    )
    assert other.json["id"] != first.json["id"]


def test_pools_progress_and_track_moves(
    client, make_abstract, make_reviewer, organizer, headers, congress
):
    org = headers(organizer)
    reviewers = [make_reviewer() for _ in range(3)]
    ids = [r.id for r in reviewers]
    response = client.put(
        "/api/v1/congresses/met26/review/pools/cancer-metastasis",
        json={"reviewer_ids": ids},
        headers=org,
    )
    assert response.status_code == 200 and response.json["reviewer_ids"] == sorted(ids)
    bad = client.put(
        "/api/v1/congresses/met26/review/pools/cancer-immunology",
        json={"reviewer_ids": ids},
        headers=org,
    )
    assert bad.status_code == 422  # no declared expertise in that track
    assert (
        client.put(
            "/api/v1/congresses/met26/review/pools/cancer-metastasis",
            json={"reviewer_ids": [999999]},
            headers=org,
        ).status_code
        == 422
    )
    abstract = make_abstract()
    client.post("/api/v1/congresses/met26/review/assign", json={}, headers=org)
    progress = client.get("/api/v1/congresses/met26/review/progress", headers=org).json
    assert progress["tracks"] == [{"track": "Cancer metastasis", "assigned": 3, "done": 0}]
    moved = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/track",
        json={"track": "surgical-oncology"},
        headers=org,
    )
    assert moved.status_code == 200 and moved.json["track"] == "surgical-oncology"
    assert len(moved.json["reviews"]) == 3
    assert (
        client.get(
            "/api/v1/congresses/met26/review/progress", headers=headers(reviewers[0])
        ).status_code
        == 403
    )
