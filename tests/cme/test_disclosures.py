"""Disclosures of financial relationships: who must disclose, invitations and reminders by
email with a signed link, the person's own form, and its rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from conference.cme import queries, services
from conference.cme.models import Disclosure, Relevance
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.models import utcnow
from conference.program import sessions as session_services
from tests.conftest import deliver_outbox


@pytest.fixture
def faculty(congress, make_session, make_abstract, create_user):
    """A chair, a discussant, an invited speaker, a presenting author, a reviewer, an organizer."""
    session = make_session(
        "Oligometastatic disease",
        chairs=["Ana Souza <ana@example.org>"],
        discussants=["Dimitrios Papadopoulos <dimitrios@example.org>"],
    )
    invited = session_services.ensure_speaker(
        congress, name="Ines Invited", email="ines@example.org"
    )
    session_services.add_presentation(session, title="State of the art", speakers=[invited])
    abstract = make_abstract(presenter_name="Paola Presenter", presenter_email="paola@example.org")
    session_services.add_presentation(session, abstract=abstract)
    create_user("reviewer", name="Rita Reviewer", email="rita@example.org")
    create_user("organizer", name="Olga Organizer", email="olga@example.org")
    db.session.commit()
    return session


def _link_of(smtp, address):
    text = smtp.text_of(smtp.to(address)[-1])
    return next(line.strip() for line in text.splitlines() if "/met26/cme/disclosure/" in line)


def test_everyone_in_control_of_content_must_disclose_once_with_all_roles(congress, faculty):
    people = {p.email: p.ordered_roles for p in queries.get_required_people(congress)}
    assert people["ana@example.org"] == ["chair"]
    assert people["dimitrios@example.org"] == ["discussant"]
    assert people["ines@example.org"] == ["invited_speaker"]
    assert people["paola@example.org"] == ["presenting_author"]
    assert people["rita@example.org"] == ["reviewer"]
    assert people["olga@example.org"] == ["organizer"]


def test_invitations_go_once_through_the_outbox_with_a_working_signed_link(
    client, congress, faculty, smtp
):
    result = services.send_invitations(congress)
    db.session.commit()
    assert result.invited == 6
    assert services.send_invitations(congress).invited == 0  # nobody twice
    db.session.commit()
    deliver_outbox()
    assert len(smtp.to("ana@example.org")) == 1
    text = smtp.text_of(smtp.to("ana@example.org")[0])
    assert "Chair" in text and "24 months" in text
    link = _link_of(smtp, "ana@example.org")
    page = client.get(link.replace("http://localhost", ""))
    assert page.status_code == 200
    assert "Ana Souza" in page.get_data(as_text=True)
    # The stored body never holds the private link.
    stored = db.session.scalars(select(OutboxMessage.body_text)).all()
    assert not any("/met26/cme/disclosure/" in body for body in stored)


def test_reminders_only_to_those_invited_who_have_not_disclosed(congress, faculty, disclose):
    start = utcnow()
    services.send_invitations(congress, now=start)
    db.session.commit()
    disclose("ana@example.org", nothing=True)
    assert services.send_reminders(congress, now=start + timedelta(days=1)).reminded == 0
    later = start + timedelta(days=8)
    assert services.send_reminders(congress, now=later).reminded == 5
    assert services.send_reminders(congress, now=later + timedelta(hours=1)).reminded == 0
    db.session.commit()
    reminded = db.session.scalars(
        select(OutboxMessage.to_address).where(OutboxMessage.kind == "cme/reminder")
    ).all()
    assert "ana@example.org" not in reminded and "paola@example.org" in reminded


def test_one_disclosure_is_reused_across_roles_and_keeps_reviews_of_unchanged_relationships(
    congress, faculty, disclose, officer
):
    disclosure = disclose(
        "ana@example.org", relationships=[("Roche", "consulting_advisory"), ("Novartis", "travel")]
    )
    roche = disclosure.relationships[0]
    services.review_relationship(roche, officer, relevance="relevant", mitigation="recusal")
    db.session.commit()
    # Updated: Roche unchanged, Novartis dropped, Pfizer added.
    services.submit_disclosure(
        disclosure,
        nothing_to_disclose=False,
        relationships=[
            {"company": "Roche", "nature": "consulting_advisory", "started_on": "2026-01-15"},
            {"company": "Pfizer", "nature": "honoraria", "started_on": "2026-03-01"},
        ],
    )
    db.session.commit()
    by_company = {r.company: r for r in disclosure.relationships}
    assert set(by_company) == {"Roche", "Pfizer"}
    assert by_company["Roche"].mitigation == "recusal"
    assert by_company["Pfizer"].relevance == Relevance.PENDING
    assert db.session.scalar(select(db.func.count(Disclosure.id))) == 1


@pytest.mark.parametrize(
    ("nothing", "items", "field"),
    [
        (False, [], "nothing_to_disclose"),
        (
            True,
            [{"company": "Roche", "nature": "stock", "started_on": "2026-01-01"}],
            "nothing_to_disclose",
        ),
        (
            False,
            [{"company": "", "nature": "stock", "started_on": "2026-01-01"}],
            "relationships.0.company",
        ),
        (
            False,
            [{"company": "Roche", "nature": "bribe", "started_on": "2026-01-01"}],
            "relationships.0.nature",
        ),
        (
            False,
            [{"company": "Roche", "nature": "stock", "started_on": "2099-01-01"}],
            "relationships.0.started_on",
        ),
        (
            False,
            [{"company": "Roche", "nature": "stock", "started_on": "not a date"}],
            "relationships.0.started_on",
        ),
        (
            False,
            [
                {
                    "company": "Roche",
                    "nature": "stock",
                    "started_on": "2026-05-01",
                    "ended_on": "2026-02-01",
                }
            ],
            "relationships.0.ended_on",
        ),
        (
            False,
            [
                {
                    "company": "Roche",
                    "nature": "stock",
                    "started_on": "2020-01-01",
                    "ended_on": "2021-01-01",
                }
            ],
            "relationships.0.ended_on",
        ),
    ],
)
def test_bad_disclosures_are_refused_with_the_field_named(congress, nothing, items, field):
    disclosure = services.ensure_disclosure(congress, "x@example.org", "X")
    with pytest.raises(ValidationFailed) as caught:
        services.submit_disclosure(disclosure, nothing_to_disclose=nothing, relationships=items)
    assert field in caught.value.fields


def test_disclosure_can_be_updated_until_the_persons_last_session_starts(
    congress, faculty, disclose
):
    disclosure = disclose("ana@example.org", nothing=True)
    with pytest.raises(Conflict):
        services.submit_disclosure(
            disclosure,
            nothing_to_disclose=True,
            relationships=[],
            now=faculty.starts_at + timedelta(minutes=1),
        )


def test_forged_expired_and_replaced_links_are_refused(app, client, congress, faculty):
    disclosure = services.ensure_disclosure(congress, "ana@example.org", "Ana Souza")
    db.session.commit()
    token = services.disclosure_token(disclosure)
    assert client.get(f"/met26/cme/disclosure/{token}").status_code == 200
    forged = URLSafeTimedSerializer("another secret", salt=services.LINK_SALT).dumps(
        [disclosure.id, 0]
    )
    assert client.get(f"/met26/cme/disclosure/{forged}").status_code == 404
    assert client.get(f"/met26/cme/disclosure/{token[:-3]}xyz").status_code == 404
    # Expired: the settings allow 1 day and the token is older.
    services.update_settings(congress, link_days=1)
    db.session.commit()

    class SignedLongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int((utcnow() - timedelta(days=2)).timestamp())

    old = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt=services.LINK_SALT, signer=SignedLongAgo
    )
    expired = old.dumps([disclosure.id, 0])
    response = client.get(f"/met26/cme/disclosure/{expired}")
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    # Replaced: raising the link version stops the old link.
    disclosure.link_version += 1
    db.session.commit()
    assert client.get(f"/met26/cme/disclosure/{token}").status_code == 404


def test_a_link_opens_only_its_own_persons_disclosure(client, congress, faculty, disclose):
    disclose("ana@example.org", "Ana Souza", relationships=[("Roche", "stock")])
    dimitrios = disclose("dimitrios@example.org", "Dimitrios", relationships=[("Bayer", "travel")])
    page = client.get(f"/met26/cme/disclosure/{services.disclosure_token(dimitrios)}")
    text = page.get_data(as_text=True)
    assert "Bayer" in text and "Roche" not in text and "Ana Souza" not in text
    assert page.headers["Cache-Control"].startswith("no-store")


def test_form_records_the_disclosure_and_keeps_typed_values_on_error(client, congress, faculty):
    disclosure = services.ensure_disclosure(congress, "ana@example.org", "Ana Souza")
    db.session.commit()
    url = f"/met26/cme/disclosure/{services.disclosure_token(disclosure)}"
    bad = {
        "relationships-0-company": "AstraZeneca",
        "relationships-0-nature": "honoraria",
        "relationships-0-started_on": "2026-13-45",
        "relationships-1-company": "",
    }
    response = client.post(url, data=bad)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="AstraZeneca"' in page and "YYYY-MM-DD" in page
    assert db.session.get(Disclosure, disclosure.id).submitted_at is None
    good = dict(bad, **{"relationships-0-started_on": "2026-02-01"})
    response = client.post(url, data=good)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Disclosure, disclosure.id)
    assert saved.is_submitted
    assert [(r.company, r.nature) for r in saved.relationships] == [("AstraZeneca", "honoraria")]
    assert client.post(url, data={"nothing_to_disclose": "y"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Disclosure, disclosure.id).nothing_to_disclose


def test_signed_in_person_reaches_their_own_disclosure(
    client, auth, congress, faculty, create_user
):
    ana = create_user(email="ana@example.org", name="Ana Souza")
    auth.login(ana)
    response = client.get("/met26/cme/my-disclosure")
    assert response.status_code == 302
    assert "/met26/cme/disclosure/" in response.headers["Location"]
    nobody = create_user(email="attendee@example.org")
    auth.login(nobody)
    response = client.get("/met26/cme/my-disclosure")
    assert response.status_code == 200
    assert "no role" in response.get_data(as_text=True)


def test_new_link_request_answers_the_same_for_anyone(client, congress, faculty):
    for address in ("ana@example.org", "stranger@example.org"):
        response = client.post("/met26/cme/disclosure-link", data={"email": address})
        assert response.status_code == 302
    sent = db.session.scalars(select(OutboxMessage.to_address)).all()
    assert sent == ["ana@example.org"]


def test_relationships_declared_on_abstracts_are_offered_once(
    client, congress, make_session, make_abstract
):
    make_abstract(presenter_email="paola@example.org", disclosure=("Bristol Myers Squibb", "stock"))
    make_abstract(presenter_email="paola@example.org", disclosure=("Bristol Myers Squibb", "stock"))
    disclosure = services.ensure_disclosure(congress, "paola@example.org", "Paola Presenter")
    db.session.commit()
    page = client.get(f"/met26/cme/disclosure/{services.disclosure_token(disclosure)}")
    text = page.get_data(as_text=True)
    assert text.count('value="Bristol Myers Squibb"') == 1
    assert 'id="suggested"' in text
    # Once disclosed, what the person submitted is shown, not the suggestion.
    services.submit_disclosure(disclosure, nothing_to_disclose=True, relationships=[])
    db.session.commit()
    text = client.get(f"/met26/cme/disclosure/{services.disclosure_token(disclosure)}").get_data(
        as_text=True
    )
    assert "Bristol Myers Squibb" not in text
