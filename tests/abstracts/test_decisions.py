"""Decisions: internal until released, one email per recipient, corrections, confirmation."""

import pytest

from conference.abstracts import decisions, review, services
from conference.abstracts.queries import get_accepted_abstracts
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.mail import OutboxMessage
from tests.conftest import deliver_outbox


def decision_mails():
    return db.session.query(OutboxMessage).filter_by(kind="abstracts/decision").all()


def test_decisions_stay_internal_until_released(make_abstract, organizer, congress):
    abstract = make_abstract()
    decisions.decide_abstract(abstract, "oral", organizer, confirm_incomplete=True)
    db.session.commit()
    assert abstract.released_outcome is None and decision_mails() == []
    assert get_accepted_abstracts(congress) == []


def test_release_sends_one_email_per_recipient_greeting_each_by_name_over_smtp(
    make_abstract, organizer, congress, smtp, author, make_reviewer
):
    oral, rejected = make_abstract(), make_abstract()
    assignment = review.add_reviewer(oral, make_reviewer())
    review.save_review(
        assignment,
        {
            "scores": {"novelty": 5, "methods": 4, "results": 4, "relevance": 5},
            "overall": 5,
            "comment_to_committee": "Committee-only remark",
            "comment_to_authors": "Great work, show the survival curves.",
        },
    )
    decisions.decide_abstracts([oral], "oral", organizer, confirm_incomplete=True)
    decisions.decide_abstract(rejected, "rejected", organizer, confirm_incomplete=True)
    assert decisions.release_decisions(congress) == 2
    assert decisions.release_decisions(congress) == 0  # a second click
    db.session.commit()
    deliver_outbox()
    messages = [m for m in smtp.to(author.email) if "received" not in m["Subject"]]
    assert len(messages) == 2
    texts = {m["Subject"]: smtp.text_of(m) for m in messages}
    oral_text = next(t for s, t in texts.items() if oral.number in s)
    assert "accepted as an oral presentation" in next(s for s in texts if oral.number in s)
    assert "show the survival curves" in oral_text
    assert "Committee-only remark" not in oral_text
    assert "/met26/abstracts/confirm/" in oral_text
    assert get_accepted_abstracts(congress) == [oral]
    # One message per recipient (submitter and every author), each greeting them by name.
    oral_messages = [
        m for m in smtp.messages if oral.number in m["Subject"] and "received" not in m["Subject"]
    ]
    people = {author.email: author.display_name} | {a.email.lower(): a.name for a in oral.authors}
    assert len(oral_messages) == len(people) == 3
    for message in oral_messages:
        (address,) = message["X-Envelope-To"].split(", ")
        assert smtp.text_of(message).startswith(f"Dear {people.pop(address)},")
    assert people == {}


def test_changed_decision_sends_one_correction(make_abstract, organizer, congress, smtp, author):
    abstract = make_abstract()
    decisions.decide_abstract(abstract, "poster", organizer, confirm_incomplete=True)
    decisions.release_decisions(congress)
    decisions.decide_abstract(abstract, "rejected", organizer, confirm_incomplete=True)
    decisions.decide_abstract(abstract, "oral", organizer, confirm_incomplete=True)
    decisions.release_decisions(congress)
    decisions.release_decisions(congress)
    db.session.commit()
    deliver_outbox()
    subjects = [m["Subject"] for m in smtp.to(author.email) if "Abstract" in m["Subject"]]
    decision_subjects = [s for s in subjects if "received" not in s]
    assert len(decision_subjects) == 2
    assert decision_subjects[1].startswith("Correction:")
    assert "oral" in decision_subjects[1]


def test_changed_back_before_release_sends_nothing_more(make_abstract, organizer, congress):
    abstract = make_abstract()
    decisions.decide_abstract(abstract, "poster", organizer, confirm_incomplete=True)
    decisions.release_decisions(congress)
    decisions.decide_abstract(abstract, "rejected", organizer, confirm_incomplete=True)
    decisions.decide_abstract(abstract, "poster", organizer, confirm_incomplete=True)
    assert decisions.release_decisions(congress) == 0
    assert len(decision_mails()) == 3  # the first release: submitter and two authors


def test_only_submitted_abstracts_are_decided(make_abstract, organizer):
    draft = make_abstract(submit=False)
    with pytest.raises(Conflict):
        decisions.decide_abstract(draft, "oral", organizer, confirm_incomplete=True)
    with pytest.raises(ValidationFailed):
        decisions.decide_abstract(make_abstract(), "maybe", organizer, confirm_incomplete=True)


def test_organizer_template_is_used(make_abstract, organizer, congress):
    decisions.update_decision_template(
        congress, "poster", subject="Poster {{ number }}", body="Dear all, {{ title }} is a poster."
    )
    abstract = make_abstract()
    decisions.decide_abstract(abstract, "poster", organizer, confirm_incomplete=True)
    decisions.release_decisions(congress)
    (mail,) = [m for m in decision_mails() if m.to_address == abstract.submitter.email]
    assert mail.subject == f"Poster {abstract.number}"
    assert f"{abstract.title} is a poster." in mail.body_text


def test_template_refuses_unknown_placeholders(congress):
    with pytest.raises(ValidationFailed) as exc:
        decisions.update_decision_template(
            congress, "oral", subject="Hi {{ config }}", body="{{ __class__ }}"
        )
    assert set(exc.value.fields) == {"subject", "body"}


def test_presenter_confirms_an_accepted_abstract(make_abstract, organizer, congress):
    abstract = make_abstract()
    decisions.decide_abstract(abstract, "oral", organizer, confirm_incomplete=True)
    with pytest.raises(Conflict):
        services.confirm_presentation(abstract)  # not released yet
    decisions.release_decisions(congress)
    token = services.presenter_confirm_token(abstract)
    assert services.abstract_for_confirm_token(token) == abstract
    services.confirm_presentation(abstract)
    first = abstract.presenter_confirmed_at
    services.confirm_presentation(abstract)
    assert abstract.presenter_confirmed_at == first
    assert get_accepted_abstracts(congress, confirmed_only=True) == [abstract]
