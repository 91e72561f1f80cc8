"""Reviewers are emailed when they receive assignments: one message per run, blinded."""

from datetime import UTC, datetime

from conference.abstracts import review
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.abstracts.conftest import valid_payload


def assignment_mails(reviewer=None):
    query = db.session.query(OutboxMessage).filter_by(kind="abstracts/review_assigned")
    if reviewer is not None:
        query = query.filter_by(to_address=reviewer.email)
    return query.order_by(OutboxMessage.id).all()


def author_strings(abstract) -> list[str]:
    values = []
    for a in abstract.authors:
        values += [a.name, a.email, a.affiliation]
    return values


def test_automatic_assignment_emails_each_reviewer_once_listing_all_their_abstracts(
    congress, make_abstract, pool
):
    congress.review_closes_at = datetime(2026, 3, 15, 22, 59, tzinfo=UTC)
    abstracts = [make_abstract() for _ in range(3)]
    summary = review.assign_reviewers(congress, reviews_per_abstract=3)
    db.session.commit()
    assert summary.assigned == 9
    mails = assignment_mails()
    # One message per reviewer who got work, not one per abstract.
    assert sorted(m.to_address for m in mails) == sorted(
        r.email for r in pool if summary.per_reviewer.get(r.id)
    )
    for reviewer in pool:
        if not summary.per_reviewer.get(reviewer.id):
            continue
        (mail,) = assignment_mails(reviewer)
        mine = [a for a in abstracts if any(r.reviewer_id == reviewer.id for r in a.reviews)]
        assert len(mine) == summary.per_reviewer[reviewer.id]
        noun = "abstract" if len(mine) == 1 else "abstracts"
        assert f"{len(mine)} {noun} assigned to you" in mail.subject
        assert mail.body_text.startswith(f"Dear {reviewer.display_name},")
        for abstract in mine:
            assert abstract.number in mail.body_text and abstract.title in mail.body_text
        # The review deadline, in the congress's time zone.
        assert "Please submit your reviews by 15 March 2026" in mail.body_text
        # Blinded: no author names, emails or institutions.
        for abstract in abstracts:
            for value in author_strings(abstract):
                assert value not in mail.body_text
    # A second run that assigns nothing new sends nothing.
    review.assign_reviewers(congress, reviews_per_abstract=3)
    assert len(assignment_mails()) == len(mails)


def test_manual_assignment_emails_the_reviewer(
    client, auth, organizer, make_abstract, make_reviewer
):
    abstract = make_abstract()
    reviewer = make_reviewer(name="Kwame Mensah")
    auth.login(organizer)
    client.post(
        f"/met26/manage/abstracts/{abstract.id}/reviewers", data={"reviewer_id": reviewer.id}
    )
    (mail,) = assignment_mails(reviewer)
    assert abstract.number in mail.body_text
    assert "Please submit your reviews by " in mail.body_text
    for value in author_strings(abstract):
        assert value not in mail.body_text
    # Assigning the same reviewer again is no new assignment and no new message.
    client.post(
        f"/met26/manage/abstracts/{abstract.id}/reviewers", data={"reviewer_id": reviewer.id}
    )
    assert len(assignment_mails(reviewer)) == 1


def test_replacement_reviewer_after_a_conflict_gets_one_message_for_the_whole_recheck(
    congress, track, make_abstract, make_reviewer
):
    moving = make_reviewer(affiliation="Institut Curie, Paris", name="Élodie Martin")
    replacement = make_reviewer(affiliation="Karolinska University Hospital", name="Lars Berg")
    review.set_track_reviewers(track, [moving, replacement])
    authors = valid_payload()["authors"]
    authors[1].update(name="Núria Puig i Ferrer", affiliation="Gustave Roussy", country="FR")
    first, second = make_abstract(authors=authors), make_abstract(authors=authors)
    review.add_reviewer(first, moving)
    review.add_reviewer(second, moving)
    db.session.commit()
    assert len(assignment_mails(moving)) == 2  # two manual assignments: two runs
    assert assignment_mails(replacement) == []

    previous = moving.affiliation
    moving.affiliation = "Institut Gustave Roussy, Villejuif"
    removed = review.recheck_conflicts(user=moving, previous_affiliation=previous)
    db.session.commit()
    assert len(removed) == 2
    (mail,) = assignment_mails(replacement)
    assert first.number in mail.body_text and second.number in mail.body_text
    assert "Gustave Roussy" not in mail.body_text and "Núria" not in mail.body_text
