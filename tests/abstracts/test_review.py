"""Review: conflicts of interest, automatic and manual assignment, scoring."""

import math
from datetime import timedelta

import pytest

from conference.abstracts import review
from conference.abstracts.models import ReviewAssignment
from conference.errors import Conflict, NotAllowed, ValidationFailed
from conference.extensions import db
from conference.institutions.matching import institution_keys
from conference.models import utcnow


def reviewer_ids(abstract):
    db.session.expire(abstract, ["reviews"])
    return {r.reviewer_id for r in abstract.reviews}


@pytest.mark.parametrize(
    "a, b",
    [
        ("Karolinska Institutet", "Dept. of Oncology, Karolinska Institutet, Stockholm"),
        ("Charité \u2013 Universitätsmedizin Berlin", "charite universitatsmedizin berlin"),
        ("Univ. of Milan", "University of Milan"),
        ("Institut Curie; Hôpital Saint-Louis", "Hopital Saint Louis"),
        ("Centre Léon Bérard", "Center Leon Berard"),
    ],
)
def test_affiliations_are_normalised(a, b):
    assert institution_keys(a) & institution_keys(b)


def test_different_institutions_do_not_match():
    assert not institution_keys("Karolinska Institutet") & institution_keys("Uppsala University")


def test_automatic_assignment_gives_n_conflict_free_reviewers(make_abstract, pool, congress):
    abstracts = [make_abstract() for _ in range(4)]
    summary = review.assign_reviewers(congress)
    db.session.commit()
    assert summary.assigned == 12 and summary.unassigned == []
    for abstract in abstracts:
        assert len(reviewer_ids(abstract)) == 3
    loads = list(summary.per_reviewer.values())
    assert max(loads) <= math.ceil(12 / 4) + 1
    assert max(loads) - min(loads) <= 1


def test_assignment_never_picks_a_coauthor(make_abstract, pool, congress):
    coauthor = pool[0]
    data = {
        "name": coauthor.name,
        "email": coauthor.email,
        "affiliation": "Somewhere Else",
        "country": "AT",
        "presenting": False,
        "nothing_to_disclose": True,
    }
    from tests.abstracts.conftest import valid_payload

    authors = valid_payload()["authors"] + [data]
    abstract = make_abstract(authors=authors)
    review.assign_reviewers(congress)
    assert coauthor.id not in reviewer_ids(abstract)
    assert len(reviewer_ids(abstract)) == 3


def test_assignment_never_picks_a_colleague_of_an_author(make_abstract, pool, congress):
    colleague = pool[1]
    colleague.affiliation = "Dept. of Surgery, Medical University of Vienna 999, Vienna"
    from tests.abstracts.conftest import valid_payload

    authors = valid_payload()["authors"]
    authors[0]["affiliation"] = "Medical Univ. of Vienna 999"
    abstract = make_abstract(authors=authors)
    review.assign_reviewers(congress)
    assert colleague.id not in reviewer_ids(abstract)


def test_abstracts_short_of_reviewers_are_listed_with_the_reason(
    make_abstract, make_reviewer, track, congress
):
    reviewers = [make_reviewer(), make_reviewer(affiliation="Shared Institute")]
    review.set_track_reviewers(track, reviewers)
    from tests.abstracts.conftest import valid_payload

    authors = valid_payload()["authors"]
    authors[1]["affiliation"] = "Shared Institute"
    abstract = make_abstract(authors=authors)
    other_track = make_abstract(track="cancer-immunology")
    summary = review.assign_reviewers(congress)
    reasons = {a.id: reason for a, reason in summary.unassigned}
    assert "1 of 3 reviewers" in reasons[abstract.id]
    assert "conflict of interest" in reasons[abstract.id]
    assert "no reviewers are set" in reasons[other_track.id]


def test_load_cap_holds_unless_the_organizer_allows_more(
    make_abstract, make_reviewer, track, congress
):
    reviewers = [make_reviewer() for _ in range(3)]
    review.set_track_reviewers(track, reviewers)
    for _ in range(6):
        make_abstract()
    summary = review.assign_reviewers(congress, reviews_per_abstract=2)
    assert max(summary.per_reviewer.values()) <= math.ceil(12 / 3) + 1


def test_assignment_is_idempotent(make_abstract, pool, congress):
    make_abstract()
    review.assign_reviewers(congress)
    again = review.assign_reviewers(congress)
    assert again.assigned == 0
    assert db.session.query(ReviewAssignment).count() == 3


def test_assignment_can_be_limited_to_a_track(make_abstract, pool, congress, track):
    make_abstract()
    other = make_abstract(track="cancer-immunology")
    summary = review.assign_reviewers(congress, track=track)
    assert summary.assigned == 3
    assert other.id not in {a.id for a, _ in summary.unassigned}


def test_manual_assignment_refuses_conflicts_clearly(make_abstract, make_reviewer):
    colleague = make_reviewer(affiliation="Istituto Europeo di Oncologia 1")
    from tests.abstracts.conftest import valid_payload

    authors = valid_payload()["authors"]
    authors[1]["affiliation"] = "Istituto Europeo di Oncologia 1, Milan"
    abstract = make_abstract(authors=authors)
    with pytest.raises(Conflict) as exc:
        review.add_reviewer(abstract, colleague)
    assert exc.value.code == "conflict_of_interest"
    assert "shares an institution" in exc.value.message
    ok = make_reviewer()
    review.add_reviewer(abstract, ok)
    review.add_reviewer(abstract, ok)  # repeat: no duplicate
    assert reviewer_ids(abstract) == {ok.id}
    review.remove_reviewer(abstract, ok)
    assert reviewer_ids(abstract) == set()


def test_manual_assignment_refuses_an_author(make_abstract, make_reviewer, author):
    author_reviewer = make_reviewer()
    abstract = make_abstract(submitter=author_reviewer)
    with pytest.raises(Conflict, match="is an author"):
        review.add_reviewer(abstract, author_reviewer)


def test_pool_members_need_expertise(track, make_reviewer, congress):
    outsider = make_reviewer(tracks=[congress.tracks[1]])
    with pytest.raises(ValidationFailed):
        review.set_track_reviewers(track, [outsider])


def test_review_scores_are_checked_and_revisable_until_close(make_abstract, make_reviewer):
    abstract = make_abstract()
    assignment = review.add_reviewer(abstract, make_reviewer())
    with pytest.raises(ValidationFailed) as exc:
        review.save_review(assignment, {"scores": {"novelty": 6, "methods": "x"}, "overall": 0})
    assert {"scores.novelty", "scores.methods", "scores.results", "overall"} <= set(
        exc.value.fields
    )
    good = {
        "scores": {"novelty": 4, "methods": 3, "results": 5, "relevance": 4},
        "overall": 4,
        "comment_to_committee": "Solid.",
        "comment_to_authors": "Please add follow-up data.",
    }
    review.save_review(assignment, good)
    review.save_review(assignment, dict(good, overall=5))
    assert assignment.overall == 5
    abstract.congress.review_closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(NotAllowed):
        review.save_review(assignment, good)


def test_mean_spread_and_disagreement(make_abstract, make_reviewer):
    abstract = make_abstract()
    for overall in (1, 4, 5):
        assignment = review.add_reviewer(abstract, make_reviewer())
        review.save_review(
            assignment,
            {
                "scores": {"novelty": 3, "methods": 3, "results": 3, "relevance": 3},
                "overall": overall,
            },
        )
    assert abstract.mean_score == pytest.approx(3.33)
    assert abstract.score_spread == 4 and abstract.has_large_disagreement


def test_moving_track_keeps_reviews(make_abstract, make_reviewer, congress):
    abstract = make_abstract()
    review.add_reviewer(abstract, make_reviewer())
    review.move_abstract_track(abstract, congress.tracks[1])
    db.session.commit()
    assert abstract.track == congress.tracks[1] and len(abstract.reviews) == 1


def test_review_is_closed_is_the_one_deadline_rule(app, congress):
    """The score form and save_review read the review deadline from the same function."""
    now = utcnow()
    congress.review_closes_at = None
    assert not review.review_is_closed(congress, now)
    congress.review_closes_at = now + timedelta(minutes=1)
    assert not review.review_is_closed(congress, now)
    congress.review_closes_at = now
    assert review.review_is_closed(congress, now)
    congress.review_closes_at = now - timedelta(minutes=1)
    assert review.review_is_closed(congress)


def test_assignment_candidates_have_the_track_expertise_and_are_not_assigned(
    make_abstract, make_reviewer, congress, track
):
    from tests.abstracts.conftest import valid_payload

    other_track = next(t for t in congress.tracks if t.id != track.id)
    colleague = make_reviewer(affiliation="Istituto Europeo di Oncologia 1")
    ok = make_reviewer()
    assigned = make_reviewer()
    elsewhere = make_reviewer(tracks=[other_track])
    authors = valid_payload()["authors"]
    authors[1]["affiliation"] = "Istituto Europeo di Oncologia 1, Milan"
    abstract = make_abstract(authors=authors)
    assert abstract.track == track
    review.add_reviewer(abstract, assigned)
    candidates = review.assignment_candidates(abstract, [colleague, ok, assigned, elsewhere])
    assert [user for user, _ in candidates] == [colleague, ok]
    assert "shares an institution" in candidates[0][1]
    assert candidates[1][1] is None
