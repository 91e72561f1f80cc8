"""Submission rules (services, real database)."""

import re
from datetime import timedelta

import pytest

from conference.abstracts import services
from conference.abstracts.models import AbstractStatus
from conference.errors import Conflict, NotAllowed, ValidationFailed
from conference.extensions import db
from conference.mail import OutboxMessage, delivery_bodies, write_pending
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
    assert write_pending() >= 1  # the worker writes the receipt's text
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


def _as_first_author(person: dict, **overrides) -> dict:
    data = valid_payload(**overrides)
    data["authors"][0] = dict(person)
    return data


def _self(user, email=None) -> dict:
    return {
        "name": user.name,
        "email": email or user.email,
        "affiliation": "Charité - Universitätsmedizin Berlin",
        "country": "DE",
        "presenting": True,
        "nothing_to_disclose": True,
    }


def test_first_author_quota_counts_late_breaking_and_exempts_only_trials_in_progress(
    congress, author
):
    congress.first_author_quota = 2
    congress.late_breaking_opens_at = utcnow() - timedelta(days=1)
    me = _self(author, email="  Ana.Author@Example.ORG ")  # the same person, typed differently
    services.submit_abstract(services.create_abstract(congress, author, _as_first_author(me)))
    late = _as_first_author(me, kind="late_breaking")
    services.submit_abstract(services.create_abstract(congress, author, late))
    third = services.create_abstract(congress, author, _as_first_author(me))
    with pytest.raises(ValidationFailed) as exc:
        services.submit_abstract(third)
    assert "You are already first author of 2 abstracts" in problems(exc)["first_author"][0]
    tip = _as_first_author(
        me,
        kind="trials_in_progress",
        sections={"background": "b", "methods": "m"},
        trial_registration="NCT01234567",
    )
    services.submit_abstract(services.create_abstract(congress, author, tip))


def test_naming_someone_as_first_author_does_not_spend_their_quota(congress, author, create_user):
    congress.first_author_quota = 2
    victim = create_user(name="Zofia Kowalska", email="zofia.kowalska@umed.example")
    named = _self(victim) | {"affiliation": "Medical University of Lodz", "country": "PL"}
    for _ in range(2):  # someone else types Zofia's email as first author
        services.submit_abstract(
            services.create_abstract(congress, author, _as_first_author(named))
        )
    # Zofia's own two abstracts still go in: the others count against their submitter.
    for _ in range(2):
        services.submit_abstract(
            services.create_abstract(congress, victim, _as_first_author(named))
        )
    db.session.commit()
    assert services.first_author_count(congress, victim.email) == 2
    assert services.first_author_count(congress, author.email) == 2


def test_naming_other_first_authors_does_not_escape_the_submitters_quota(congress, author):
    congress.first_author_quota = 2
    for _ in range(2):
        services.submit_abstract(services.create_abstract(congress, author, valid_payload()))
    third = services.create_abstract(congress, author, valid_payload())
    with pytest.raises(ValidationFailed) as exc:
        services.submit_abstract(third)
    message = problems(exc)["first_author"][0]
    assert "counts against your own quota" in message and "confirms" in message


def test_a_confirming_first_author_takes_the_abstract_onto_their_quota(
    congress, author, create_user
):
    congress.first_author_quota = 1
    colleague = create_user(name="Kenji Watanabe", email="k.watanabe@ncc.example")
    named = _self(colleague) | {"affiliation": "National Cancer Center Tokyo", "country": "JP"}
    secretary_first = services.create_abstract(congress, author, _as_first_author(named))
    services.submit_abstract(secretary_first)
    assert services.quota_holder(secretary_first) == author.email
    services.confirm_authorship(secretary_first, colleague.email)
    db.session.commit()
    assert services.quota_holder(secretary_first) == colleague.email
    # The submitter's quota is free again; the colleague's is now full.
    second = services.create_abstract(congress, author, _as_first_author(named))
    services.submit_abstract(second)
    db.session.commit()
    with pytest.raises(Conflict) as exc:
        services.confirm_authorship(second, colleague.email)
    assert "already first author of 1" in exc.value.message
    db.session.rollback()
    assert services.quota_holder(second) == author.email


def test_changing_a_confirmed_authors_listing_asks_them_again(make_abstract):
    abstract = make_abstract()
    coauthor = abstract.authors[1]
    services.confirm_authorship(abstract, coauthor.email)
    payload = valid_payload()
    payload["authors"] = [
        {
            "name": a.name,
            "email": a.email,
            "affiliation": a.affiliation,
            "country": a.country,
            "presenting": a.is_presenting,
            "nothing_to_disclose": True,
        }
        for a in abstract.authors
    ]
    services.update_abstract(abstract, {"authors": payload["authors"]})
    assert abstract.authors[1].confirmed_at is not None  # unchanged listing: still confirmed
    # Adding an institution to a co-author (to keep its reviewers away) needs their word.
    payload["authors"][1]["affiliation"] += "; Gustave Roussy"
    services.update_abstract(abstract, {"authors": payload["authors"]})
    db.session.commit()
    assert abstract.authors[1].confirmed_at is None
    write_pending()
    requests = (
        db.session.query(OutboxMessage)
        .filter_by(kind="abstracts/authorship_request", to_address=coauthor.email)
        .order_by(OutboxMessage.id)
        .all()
    )
    assert len(requests) == 2 and "Gustave Roussy" in requests[1].body_text


def test_rejecting_authorship_removes_the_author_and_tells_the_submitter(make_abstract, author):
    abstract = make_abstract(confirm_first=False)
    first, second = abstract.authors
    services.confirm_authorship(abstract, second.email)
    services.reject_authorship(abstract, first.email)
    db.session.commit()
    assert [a.email for a in abstract.authors] == [second.email]
    # The co-author moved up to first author: they agreed to another role, so they confirm again.
    assert abstract.authors[0].position == 0 and abstract.authors[0].confirmed_at is None
    assert services.quota_holder(abstract) == author.email
    told = db.session.query(OutboxMessage).filter_by(kind="abstracts/authorship_rejected").one()
    assert told.to_address == author.email and first.email in told.body_text
    assert "presenting author" in told.body_text
    with pytest.raises(Conflict):
        services.confirm_authorship(abstract, first.email)


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
    abstract = make_abstract(authors=[data_author], confirm_first=False)
    assert abstract.authors[0].user_id == user.id
    assert not abstract.can_view(user)  # named only: not until they confirm
    services.confirm_authorship(abstract, user.email)
    assert abstract.can_view(user) and not abstract.can_edit(user)


def test_can_change_is_the_submitter_until_withdrawal(make_abstract, author, organizer):
    abstract = make_abstract()
    assert abstract.can_change(author) and not abstract.can_change(organizer)
    services.withdraw_abstract(abstract)
    assert abstract.can_edit(author) and not abstract.can_change(author)
    with pytest.raises(Conflict):
        services.update_abstract(abstract, valid_payload())


def test_coauthor_answers_the_emailed_link_without_an_account_and_only_by_post(
    client, make_abstract
):
    abstract = make_abstract(confirm_first=False)
    first, second = abstract.authors
    write_pending()
    mails = {
        m.to_address: m
        for m in db.session.query(OutboxMessage).filter_by(kind="abstracts/authorship_request")
    }
    assert set(mails) == {first.email, second.email}  # the submitter is not an author here
    link = re.search(
        r"https?://\S+/abstracts/authorship/\S+", delivery_bodies(mails[second.email])[0]
    )[0]
    path = "/" + link.split("/", 3)[3]

    page = client.get(path)  # what a mail scanner does: it changes nothing
    assert page.status_code == 200
    assert second.affiliation in page.text and "I am an author as listed" in page.text
    db.session.refresh(abstract)
    assert abstract.authors[1].confirmed_at is None

    assert client.post(path + "/confirm").status_code == 302
    db.session.expire_all()
    assert abstract.authors[1].confirmed_at is not None

    first_link = re.search(
        r"https?://\S+/abstracts/authorship/\S+", delivery_bodies(mails[first.email])[0]
    )[0]
    first_path = "/" + first_link.split("/", 3)[3]
    assert client.post(first_path + "/reject").status_code == 302
    db.session.expire_all()
    assert [a.email for a in abstract.authors] == [second.email]
    assert "not listed" in client.get(first_path).text

    assert client.get(path[:-3] + "xyz").status_code == 404  # a forged token


def test_a_submitted_abstract_cannot_become_late_breaking_before_that_window(make_abstract):
    abstract = make_abstract()
    congress = abstract.congress
    congress.late_breaking_opens_at = utcnow() + timedelta(days=30)
    congress.late_breaking_closes_at = utcnow() + timedelta(days=40)
    with pytest.raises(ValidationFailed) as exc:
        services.update_abstract(abstract, {"kind": "late_breaking"})
    assert "cannot be changed" in problems(exc)["kind"][0]
    db.session.rollback()
    assert abstract.kind == "regular"
    services.update_abstract(abstract, {"kind": "regular", "title": "Same kind, new title"})


def test_a_submitted_trials_in_progress_cannot_become_regular_beyond_the_quota(congress, author):
    congress.first_author_quota = 1
    me = _self(author)
    services.submit_abstract(services.create_abstract(congress, author, _as_first_author(me)))
    tip = services.create_abstract(
        congress,
        author,
        _as_first_author(
            me,
            kind="trials_in_progress",
            sections={"background": "b", "methods": "m"},
            trial_registration="NCT01234567",
        ),
    )
    services.submit_abstract(tip)
    with pytest.raises(ValidationFailed) as exc:
        services.update_abstract(
            tip,
            {
                "kind": "regular",
                "sections": {"results": "r", "conclusions": "c"},
            },
        )
    assert "kind" in problems(exc)


def test_the_edit_form_shows_the_fixed_type_next_to_its_field(client, auth, author, congress):
    from tests.abstracts.test_views import form_fields

    congress.late_breaking_opens_at = utcnow() - timedelta(days=1)
    db.session.commit()
    auth.login(author)
    response = client.post("/met26/abstracts/new", data=form_fields())
    assert response.status_code == 302
    abstract_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    response = client.post(
        f"/met26/abstracts/{abstract_id}/edit",
        data=form_fields(kind="late_breaking", submit=None, save="Save draft"),
    )
    assert response.status_code == 422
    assert (
        re.search(r'id="kind"[^>]*is-invalid|is-invalid[^>]*id="kind"', response.text)
        and "cannot be changed" in response.text
    )
    assert db.session.get(services.Abstract, abstract_id).kind == "regular"


def test_a_named_but_unconfirmed_coauthor_cannot_open_the_abstract(
    client, auth, make_abstract, create_user, api_token
):
    named = create_user(name="Dmitri Volkov", email="d.volkov@blokhin.example")
    data = valid_payload()
    data["authors"][1] |= {"name": named.name, "email": named.email}
    abstract = make_abstract(authors=data["authors"])
    auth.login(named)
    assert client.get(f"/met26/abstracts/{abstract.id}").status_code == 404
    mine = client.get("/met26/abstracts/").text
    assert f'href="/met26/abstracts/{abstract.id}"' not in mine
    assert "/met26/abstracts/authorship/" in mine  # where they can answer
    headers = api_token(named)
    assert (
        client.get(f"/api/v1/congresses/met26/abstracts/{abstract.id}", headers=headers).status_code
        == 404
    )
    services.confirm_authorship(abstract, named.email)
    db.session.commit()
    assert client.get(f"/met26/abstracts/{abstract.id}").status_code == 200
    assert (
        client.get(f"/api/v1/congresses/met26/abstracts/{abstract.id}", headers=headers).status_code
        == 200
    )
