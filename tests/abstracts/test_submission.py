"""Submission rules (services, real database)."""

from datetime import timedelta

import pytest

from conference.abstracts import services
from conference.abstracts.models import AbstractStatus
from conference.errors import Conflict, NotAllowed, ValidationFailed
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.models import utcnow
from tests.abstracts.conftest import valid_payload


def problems(exc) -> dict:
    return exc.value.fields


def test_draft_can_be_saved_incomplete(congress, author):
    abstract = services.create_abstract(congress, author, {"title": "Half an idea"})
    db.session.commit()
    assert abstract.status == AbstractStatus.DRAFT and abstract.number is None


def test_malformed_draft_input_is_refused_by_field(congress, author):
    with pytest.raises(ValidationFailed) as exc:
        services.create_abstract(
            congress,
            author,
            {
                "kind": "poem",
                "track": "no-such-track",
                "authors": [
                    {
                        "name": "A",
                        "email": "a@x.org",
                        "disclosures": [{"company": "X", "relationship": "bribes"}],
                    }
                ],
            },
        )
    assert {"kind", "track", "authors.0.disclosures"} <= set(problems(exc))


def test_submit_gives_a_number_and_one_email(make_abstract, author):
    abstract = make_abstract()
    assert abstract.status == AbstractStatus.SUBMITTED
    assert abstract.number == "A-0001"
    services.submit_abstract(abstract)  # a double click
    db.session.commit()
    assert abstract.number == "A-0001"
    mails = db.session.query(OutboxMessage).filter_by(kind="abstracts/submitted").all()
    assert [m.to_address for m in mails] == [author.email]
    assert "A-0001" in mails[0].body_text


def test_numbers_are_unique_and_increasing(make_abstract):
    numbers = [make_abstract().number for _ in range(3)]
    assert numbers == ["A-0001", "A-0002", "A-0003"]


def test_submit_reports_every_problem_at_once(congress, author):
    data = valid_payload(
        sections={"background": "", "methods": "m", "results": "r", "conclusions": ""},
        is_clinical_trial=True,
        trial_registration="NCT123",
        attestations={"ethics_approval": True},
    )
    data["authors"][1]["disclosures"] = []
    data["authors"][1]["presenting"] = True
    abstract = services.create_abstract(congress, author, data)
    with pytest.raises(ValidationFailed) as exc:
        services.submit_abstract(abstract)
    fields = problems(exc)
    assert "sections.background" in fields and "sections.conclusions" in fields
    assert "NCT123" in fields["trial_registration"][0]
    assert "authors.1.disclosures" in fields
    assert "exactly one presenting author" in " ".join(fields["authors"])
    assert {"attestations.not_previously_published", "attestations.coauthors_agree"} <= set(fields)
    assert "attestations.ethics_approval" not in fields


def test_length_over_limit_says_the_count(congress, author):
    congress.length_limit = 100
    abstract = services.create_abstract(congress, author, valid_payload())
    with pytest.raises(ValidationFailed) as exc:
        services.submit_abstract(abstract)
    count = services.length_of(abstract)
    assert count > 100
    assert f"{count} characters; the limit is 100" in problems(exc)["length"][0]


def test_trials_in_progress_refuses_results_and_needs_registration(congress, author):
    abstract = services.create_abstract(congress, author, valid_payload(kind="trials_in_progress"))
    with pytest.raises(ValidationFailed) as exc:
        services.submit_abstract(abstract)
    fields = problems(exc)
    assert "sections.results" in fields and "sections.conclusions" in fields
    assert "trial_registration" in fields
    services.update_abstract(
        abstract,
        {
            "sections": {"results": "", "conclusions": ""},
            "trial_registration": " nct 0123 4567 ",
        },
    )
    services.submit_abstract(abstract)
    assert abstract.trial_registration == "NCT01234567"


def test_an_author_without_disclosure_blocks_submission(congress, author):
    data = valid_payload()
    data["authors"][0]["nothing_to_disclose"] = False
    abstract = services.create_abstract(congress, author, data)
    with pytest.raises(ValidationFailed) as exc:
        services.submit_abstract(abstract)
    assert list(problems(exc)) == ["authors.0.disclosures"]


def test_more_than_the_allowed_authors_is_refused(congress, author):
    congress.max_authors = 2
    data = valid_payload()
    data["authors"].append(dict(data["authors"][1], email="third@example.org", name="Third"))
    abstract = services.create_abstract(congress, author, data)
    with pytest.raises(ValidationFailed) as exc:
        services.submit_abstract(abstract)
    assert "at most 2 authors" in problems(exc)["authors"][0]


def test_first_author_quota_applies_to_regular_abstracts_only(congress, author):
    congress.first_author_quota = 2
    first = valid_payload()["authors"][0]
    for _ in range(2):
        data = valid_payload()
        data["authors"][0] = first
        services.submit_abstract(services.create_abstract(congress, author, data))
    data = valid_payload()
    data["authors"][0] = first
    third = services.create_abstract(congress, author, data)
    with pytest.raises(ValidationFailed) as exc:
        services.submit_abstract(third)
    assert "already first author of 2" in problems(exc)["first_author"][0]
    tip = valid_payload(
        kind="trials_in_progress",
        sections={"background": "b", "methods": "m"},
        trial_registration="NCT01234567",
    )
    tip["authors"][0] = first
    services.submit_abstract(services.create_abstract(congress, author, tip))


def test_submission_outside_the_window_is_refused(congress, author):
    congress.abstract_submission_closes_at = utcnow() - timedelta(hours=1)
    abstract = services.create_abstract(congress, author, valid_payload())
    with pytest.raises(ValidationFailed) as exc:
        services.submit_abstract(abstract)
    assert "deadline has passed" in problems(exc)["submission"][0]


def test_late_breaking_uses_its_own_window(congress, author):
    abstract = services.create_abstract(congress, author, valid_payload(kind="late_breaking"))
    with pytest.raises(ValidationFailed) as exc:
        services.submit_abstract(abstract)
    assert "late-breaking" in problems(exc)["submission"][0]
    congress.late_breaking_opens_at = utcnow() - timedelta(days=1)
    services.submit_abstract(abstract)
    assert abstract.status == AbstractStatus.SUBMITTED


def test_editing_after_submission_keeps_the_rules_and_stops_at_the_deadline(make_abstract):
    abstract = make_abstract()
    services.update_abstract(abstract, {"title": "A better title"})
    with pytest.raises(ValidationFailed):
        services.update_abstract(abstract, {"sections": {"methods": ""}})
    db.session.rollback()
    abstract.congress.abstract_submission_closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(NotAllowed):
        services.update_abstract(abstract, {"title": "Too late"})


def test_withdrawal_until_its_deadline_with_one_email(make_abstract):
    abstract = make_abstract()
    services.withdraw_abstract(abstract)
    services.withdraw_abstract(abstract)
    db.session.commit()
    assert abstract.status == AbstractStatus.WITHDRAWN
    assert db.session.query(OutboxMessage).filter_by(kind="abstracts/withdrawn").count() == 1
    with pytest.raises(Conflict):
        services.submit_abstract(abstract)


def test_withdrawal_after_the_deadline_is_refused(make_abstract):
    abstract = make_abstract()
    abstract.congress.abstract_withdrawal_closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(NotAllowed):
        services.withdraw_abstract(abstract)


def test_patient_identifiers_warn_but_do_not_block(make_abstract):
    abstract = make_abstract(
        sections={
            "background": "Mrs. Jones, born on 3 May 1950, had liver metastases.",
            "methods": "m",
            "results": "r",
            "conclusions": "c",
        }
    )
    assert abstract.status == AbstractStatus.SUBMITTED
    assert services.warnings_for(abstract)


def test_authors_link_to_existing_accounts(make_abstract, create_user):
    user = create_user(email="linked@example.org")
    data_author = {
        "name": "Linked",
        "email": "Linked@Example.org",
        "affiliation": "X",
        "country": "AT",
        "presenting": True,
        "nothing_to_disclose": True,
    }
    abstract = make_abstract(authors=[data_author])
    assert abstract.authors[0].user_id == user.id
    assert abstract.can_view(user) and not abstract.can_edit(user)


def test_can_change_is_the_submitter_until_withdrawal(make_abstract, author, organizer):
    abstract = make_abstract()
    assert abstract.can_change(author) and not abstract.can_change(organizer)
    services.withdraw_abstract(abstract)
    assert abstract.can_edit(author) and not abstract.can_change(author)
    with pytest.raises(Conflict):
        services.update_abstract(abstract, valid_payload())
