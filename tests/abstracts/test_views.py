"""Abstract pages: role matrix, form errors by field, blinded reviewer pages, escaping."""

import re

import pytest

from conference.abstracts import decisions, review, services
from conference.extensions import db
from conference.mail import OutboxMessage


def form_fields(**overrides) -> dict:
    data = {
        "title": "Serial liquid biopsy in stage IV disease",
        "track": "cancer-metastasis",
        "kind": "regular",
        "background": "Background text.",
        "methods": "Methods text.",
        "results": "Results text.",
        "conclusions": "Conclusions text.",
        "keywords": "ctDNA, relapse",
        "table": "Arm | N\nA | 12",
        "trial_registration": "",
        "authors-0-name": "Paula Presenter",
        "authors-0-email": "paula@example.org",
        "authors-0-affiliation": "Hospital Clinic de Barcelona",
        "authors-0-country": "ES",
        "authors-0-presenting": "y",
        "authors-0-nothing_to_disclose": "y",
        "authors-1-name": "Carl Coauthor",
        "authors-1-email": "carl@example.org",
        "authors-1-affiliation": "Institut Curie",
        "authors-1-country": "FR",
        "authors-1-disclosures": "Novartis: consulting/advisory",
        "attest_ethics_approval": "y",
        "attest_not_previously_published": "y",
        "attest_coauthors_agree": "y",
        "attest_will_present": "y",
        "submit": "Submit abstract",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    "path",
    [
        "/met26/abstracts/",
        "/met26/abstracts/new",
        "/met26/review/",
        "/met26/manage/abstracts",
        "/met26/manage/review",
    ],
)
def test_pages_need_login(client, congress, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "path, allowed",
    [
        ("/met26/abstracts/", {"attendee", "reviewer", "organizer"}),
        ("/met26/abstracts/new", {"attendee", "reviewer", "organizer"}),
        ("/met26/review/", {"reviewer"}),
        ("/met26/review/assignments.csv", {"reviewer"}),
        ("/met26/manage/abstracts", {"organizer"}),
        ("/met26/manage/review", {"organizer"}),
        ("/met26/manage/decisions/templates", {"organizer"}),
    ],
)
@pytest.mark.parametrize("role", ["attendee", "reviewer", "organizer"])
def test_role_matrix(client, auth, create_user, congress, path, allowed, role):
    auth.login(create_user(role))
    assert client.get(path).status_code == (200 if role in allowed else 403)


def test_submit_from_the_form(client, auth, author, congress):
    auth.login(author)
    response = client.post("/met26/abstracts/new", data=form_fields())
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A-0001" in page and "submitted" in page
    from conference.abstracts.queries import get_own_abstracts

    (abstract,) = get_own_abstracts(congress, author)
    assert abstract.table == [["Arm", "N"], ["A", "12"]]
    assert abstract.authors[1].disclosures[0].relationship_type == "consulting_advisory"
    assert db.session.query(OutboxMessage).filter_by(kind="abstracts/submitted").count() == 1


def test_submit_errors_show_by_field_and_keep_what_was_typed(client, auth, author, congress):
    auth.login(author)
    response = client.post(
        "/met26/abstracts/new",
        data=form_fields(
            methods="",
            trial_registration="NCT12",
            is_clinical_trial="y",
            **{"authors-1-disclosures": "", "attest_will_present": None},
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Write the methods section." in page
    assert "NCT12" in page and "is not a valid identifier" in page
    assert "Carl Coauthor has no disclosure" in page
    assert "Confirm: The presenting author will register and present." in page
    assert "Serial liquid biopsy in stage IV disease" in page  # typed text kept
    # the draft itself was saved, so nothing typed is lost
    from conference.abstracts.queries import get_own_abstracts

    (draft,) = get_own_abstracts(congress, author)
    assert draft.status == "draft"


def test_counter_gets_the_rule_without_inline_script(client, auth, author, congress):
    auth.login(author)
    page = client.get("/met26/abstracts/new").get_data(as_text=True)
    assert 'id="length-counter"' in page and 'data-limit="2000"' in page
    assert 'data-count-spaces="0"' in page and "js/abstract-counter.js" in page
    assert "<script>" not in page


def test_user_text_is_escaped(client, auth, make_abstract, author):
    abstract = make_abstract(title="<script>alert(1)</script> in metastasis")
    auth.login(author)
    page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_other_peoples_abstracts_are_404(client, auth, make_abstract, create_user):
    abstract = make_abstract()
    auth.login(create_user())
    assert client.get(f"/met26/abstracts/{abstract.id}").status_code == 404
    assert client.get(f"/met26/abstracts/{abstract.id}/edit").status_code == 404
    assert client.post(f"/met26/abstracts/{abstract.id}/withdraw").status_code == 404


def test_withdraw_from_the_page(client, auth, make_abstract, author):
    abstract = make_abstract()
    auth.login(author)
    client.post(f"/met26/abstracts/{abstract.id}/withdraw")
    client.post(f"/met26/abstracts/{abstract.id}/withdraw")
    db.session.expire_all()
    assert abstract.status == "withdrawn"
    assert db.session.query(OutboxMessage).filter_by(kind="abstracts/withdrawn").count() == 1


def test_reviewer_pages_and_download_are_blinded(client, auth, make_abstract, make_reviewer):
    from tests.abstracts.conftest import valid_payload

    authors = valid_payload()["authors"]
    authors[0]["country"], authors[1]["country"] = "NZ", "UY"
    abstract = make_abstract(group_name="The SECRET-GROUP Consortium", authors=authors)
    reviewer = make_reviewer()
    review.add_reviewer(abstract, reviewer)
    db.session.commit()
    auth.login(reviewer)
    secrets = [abstract.group_name, abstract.submitter.name, abstract.submitter.email]
    secrets += ["New Zealand", "Uruguay"]
    for author in abstract.authors:
        secrets += [author.name, author.email, author.affiliation]
    pages = {
        "list": client.get("/met26/review/"),
        "detail": client.get(f"/met26/review/{abstract.id}"),
        "csv": client.get("/met26/review/assignments.csv"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = response.get_data(as_text=True)
        assert abstract.title in text, name
        for secret in secrets:
            assert secret not in text, (name, secret)
        for code in ("NZ", "UY"):
            assert not re.search(rf"\b{code}\b", text), (name, code)
    assert pages["csv"].mimetype == "text/csv"


def test_reviewer_scores_from_the_page(client, auth, make_abstract, make_reviewer, create_user):
    abstract = make_abstract()
    reviewer = make_reviewer()
    assignment = review.add_reviewer(abstract, reviewer)
    db.session.commit()
    auth.login(reviewer)
    bad = client.post(f"/met26/review/{abstract.id}", data={"novelty": "7", "overall": ""})
    assert "Give a score from 1 to 5." in bad.get_data(as_text=True)
    good = {"novelty": "4", "methods": "4", "results": "3", "relevance": "5", "overall": "4"}
    assert client.post(f"/met26/review/{abstract.id}", data=good).status_code == 302
    db.session.expire_all()
    assert assignment.overall == 4
    other = make_reviewer()
    auth.login(other)
    assert client.get(f"/met26/review/{abstract.id}").status_code == 403


def test_organizer_decides_in_bulk_and_releases(client, auth, make_abstract, organizer, congress):
    first, second = make_abstract(), make_abstract()
    auth.login(organizer)
    page = client.get("/met26/manage/abstracts?sort=mean").get_data(as_text=True)
    assert first.number in page and second.number in page
    ticked = {"abstract_ids": [str(first.id), str(second.id)], "outcome": "poster"}
    asked = client.post("/met26/manage/abstracts/decide", data=ticked)
    assert asked.status_code == 409  # no reviews yet: the organizer must confirm
    assert "0 of 3 required reviews completed" in asked.get_data(as_text=True)
    db.session.expire_all()
    assert first.outcome is None and second.outcome is None
    client.post("/met26/manage/abstracts/decide", data=dict(ticked, confirm_incomplete="1"))
    db.session.expire_all()
    assert first.outcome == second.outcome == "poster"
    page = client.get("/met26/manage/abstracts").get_data(as_text=True)
    assert page.count("decided on 0 of 3 reviews") == 2
    # Releasing is a preview first, then a confirmation (see test_release.py).
    client.post("/met26/manage/decisions/release")
    assert db.session.query(OutboxMessage).filter_by(kind="abstracts/decision").count() == 0
    preview = decisions.preview_release(congress)
    confirm = {"fingerprint": preview.fingerprint, "release_ids": preview.abstract_ids}
    client.post("/met26/manage/decisions/release", data=confirm)
    client.post("/met26/manage/decisions/release", data=confirm)
    assert db.session.query(OutboxMessage).filter_by(kind="abstracts/decision").count() == 6


def test_organizer_detail_assigns_and_refuses_conflicts(
    client, auth, make_abstract, make_reviewer, organizer
):
    abstract = make_abstract()
    colleague = make_reviewer(affiliation=abstract.authors[0].affiliation)
    auth.login(organizer)
    page = client.get(f"/met26/manage/abstracts/{abstract.id}").get_data(as_text=True)
    assert "conflict: the reviewer shares an institution" in page
    response = client.post(
        f"/met26/manage/abstracts/{abstract.id}/reviewers",
        data={"reviewer_id": colleague.id},
        follow_redirects=True,
    )
    assert "cannot review" in response.get_data(as_text=True)
    db.session.expire_all()
    assert abstract.reviews == []


def test_pool_and_assignment_pages(client, auth, make_abstract, make_reviewer, organizer, track):
    reviewers = [make_reviewer() for _ in range(3)]
    make_abstract()
    auth.login(organizer)
    client.post(
        f"/met26/manage/review/pools/{track.id}",
        data={"reviewer_ids": [str(r.id) for r in reviewers]},
    )
    page = client.post(
        "/met26/manage/review", data={"reviews_per_abstract": "3", "track": ""}
    ).get_data(as_text=True)
    assert "3</strong> assignments made" in page
    assert "Progress per reviewer" in page


def test_decision_template_page(client, auth, organizer, congress):
    auth.login(organizer)
    response = client.post(
        "/met26/manage/decisions/templates?outcome=poster",
        data={"subject": "Poster {{ bogus }}", "body": "Hello"},
    )
    assert "Unknown placeholder" in response.get_data(as_text=True)
    client.post(
        "/met26/manage/decisions/templates?outcome=poster",
        data={"subject": "Poster {{ number }}", "body": "Hello {{ title }}"},
    )
    assert decisions.get_template(congress, "poster").subject == "Poster {{ number }}"


def test_presenter_confirms_through_the_link(client, make_abstract, organizer, congress):
    abstract = make_abstract()
    decisions.decide_abstract(abstract, "oral", organizer, confirm_incomplete=True)
    decisions.release_decisions(congress)
    db.session.commit()
    path = f"/met26/abstracts/confirm/{services.presenter_confirm_token(abstract)}"
    assert "I confirm" in client.get(path).get_data(as_text=True)
    client.post(path)
    db.session.expire_all()
    assert abstract.presenter_confirmed_at is not None
    assert client.get("/met26/abstracts/confirm/forged").status_code == 404


def test_double_click_on_submit_makes_one_abstract(client, auth, author, congress):
    auth.login(author)
    fields = form_fields(creation_key="a" * 32)
    first = client.post("/met26/abstracts/new", data=fields)
    second = client.post("/met26/abstracts/new", data=fields)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    from conference.abstracts.queries import get_own_abstracts

    (abstract,) = get_own_abstracts(congress, author)
    assert abstract.number == "A-0001"
    assert db.session.query(OutboxMessage).filter_by(kind="abstracts/submitted").count() == 1


def test_review_form_is_read_only_after_review_closes(client, auth, make_abstract, make_reviewer):
    from datetime import timedelta

    from conference.models import utcnow

    abstract = make_abstract()
    reviewer = make_reviewer()
    review.add_reviewer(abstract, reviewer)
    abstract.congress.review_closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    auth.login(reviewer)
    page = client.get(f"/met26/review/{abstract.id}").get_data(as_text=True)
    assert "your scores can no longer be changed" in page and "<fieldset disabled" in page
    good = {"novelty": "4", "methods": "4", "results": "3", "relevance": "5", "overall": "4"}
    refused = client.post(f"/met26/review/{abstract.id}", data=good).get_data(as_text=True)
    assert "Review has closed" in refused


def test_submitter_confirms_from_the_abstract_page(
    client, auth, make_abstract, organizer, author, congress
):
    abstract = make_abstract()
    decisions.decide_abstract(abstract, "poster", organizer, confirm_incomplete=True)
    decisions.release_decisions(congress)
    db.session.commit()
    auth.login(author)
    page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
    assert "Decision: <strong>Poster</strong>" in page and "will register and present" in page
    client.post(f"/met26/abstracts/confirm/{services.presenter_confirm_token(abstract)}")
    db.session.expire_all()
    assert abstract.presenter_confirmed_at is not None
    assert "presentation confirmed" in client.get(f"/met26/abstracts/{abstract.id}").get_data(
        as_text=True
    )


def test_reviewer_csv_cells_neutralise_every_formula_prefix():
    """Same prefixes as the registrations and program CSVs (tab and CR included)."""
    from conference.spreadsheet import safe_cell

    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Plain") == "Plain" and safe_cell(None) == ""


def test_author_rows_with_non_ascii_digit_index_are_ignored(client, auth, author, congress):
    auth.login(author)
    response = client.post(
        "/met26/abstracts/new", data={"authors-\u00b2-name": "x", "title": "Kept"}
    )
    assert response.status_code in (200, 302, 422)
    if response.status_code != 302:
        assert "Kept" in response.get_data(as_text=True)


def test_a_withdrawn_abstract_leaves_the_reviewers_page(client, auth, make_abstract, make_reviewer):
    abstract = make_abstract()
    reviewer = make_reviewer()
    review.add_reviewer(abstract, reviewer)
    db.session.commit()
    auth.login(reviewer)
    assert client.get(f"/met26/review/{abstract.id}").status_code == 200
    services.withdraw_abstract(abstract)
    db.session.commit()
    assert client.get(f"/met26/review/{abstract.id}").status_code == 403


def test_an_author_listed_with_other_case_sees_the_abstract(
    client, auth, make_abstract, create_user
):
    abstract = make_abstract()
    abstract.authors[1].email = "Bruno.Coauthori@Unimi.example"  # as the submitter typed it
    db.session.commit()
    auth.login(create_user(email="bruno.coauthori@unimi.example"))
    assert abstract.title in client.get("/met26/abstracts/").get_data(as_text=True)
