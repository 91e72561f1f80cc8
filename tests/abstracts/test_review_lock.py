"""Reviews lock when the decision is released (web, API and service)."""

import pytest

from conference.abstracts import decisions, review
from conference.errors import Conflict
from conference.extensions import db

SCORES = {"scores": {"novelty": 5, "methods": 4, "results": 4, "relevance": 5}, "overall": 5}


@pytest.fixture
def released(make_abstract, make_reviewer, organizer, congress):
    """An abstract reviewed by Dr Ngozi Okafor, accepted as a poster, decision released."""
    abstract = make_abstract()
    reviewer = make_reviewer(
        affiliation="Department of Oncology, Lagos University Teaching Hospital",
        name="Ngozi Okafor",
    )
    assignment = review.add_reviewer(abstract, reviewer)
    review.save_review(assignment, dict(SCORES, comment_to_authors="Clear and useful."))
    decisions.decide_abstract(abstract, "poster", organizer, confirm_incomplete=True)
    decisions.release_decisions(congress)
    db.session.commit()
    return abstract, reviewer, assignment


def test_saving_a_review_after_release_is_refused(released):
    _abstract, _reviewer, assignment = released
    with pytest.raises(Conflict) as exc:
        review.save_review(assignment, dict(SCORES, overall=1))
    assert exc.value.code == "review_locked"
    assert "released" in exc.value.message


def test_api_review_after_release_is_409_and_changes_nothing(client, api_token, released):
    abstract, reviewer, _assignment = released
    response = client.put(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/review",
        json=dict(SCORES, overall=1, comment_to_authors="Changed my mind."),
        headers=api_token(reviewer),
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "review_locked"
    db.session.expire_all()
    assert abstract.reviews[0].overall == 5
    assert abstract.reviews[0].comment_to_authors == "Clear and useful."


def test_review_form_after_release_is_locked(client, auth, released):
    abstract, reviewer, _assignment = released
    auth.login(reviewer)
    page = client.get(f"/met26/review/{abstract.id}").get_data(as_text=True)
    assert "its reviews are locked" in page and "<fieldset disabled" in page
    assert 'id="declare-conflict"' not in page
    response = client.post(
        f"/met26/review/{abstract.id}",
        data={"novelty": "1", "methods": "1", "results": "1", "relevance": "1", "overall": "1"},
    )
    assert response.status_code == 200
    db.session.expire_all()
    assert abstract.reviews[0].overall == 5


def test_a_conflict_cannot_be_declared_after_release(released):
    _abstract, _reviewer, assignment = released
    with pytest.raises(Conflict):
        review.declare_conflict(assignment, "Too late.")


def test_reviews_stay_editable_while_the_decision_is_internal(
    make_abstract, make_reviewer, organizer
):
    abstract = make_abstract()
    assignment = review.add_reviewer(abstract, make_reviewer(name="Mateus Oliveira"))
    decisions.decide_abstract(abstract, "oral", organizer, confirm_incomplete=True)
    review.save_review(assignment, SCORES)
    assert assignment.overall == 5


def test_affiliation_change_after_release_keeps_the_locked_review_and_logs_it(
    client, auth, organizer, released
):
    abstract, reviewer, _assignment = released
    # The abstract's second author is at the Istituto Europeo di Oncologia (see valid_payload).
    author_affiliation = abstract.authors[1].affiliation
    auth.login(reviewer)
    client.post(
        "/profile",
        data={
            "name": reviewer.name,
            "affiliation": f"Divisione di Senologia, {author_affiliation}, Milano",
            "country": "IT",
            "category_id": 0,
        },
    )
    db.session.expire_all()
    assert [r.reviewer_id for r in abstract.reviews] == [reviewer.id]
    auth.login(organizer)
    page = client.get("/met26/manage/review").get_data(as_text=True)
    assert "kept because the decision was already released, although the reviewer shares" in page
