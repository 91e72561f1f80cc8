"""Owners and employees of ineligible companies (ACCME Standard 3): a disclosure states it; such
a person blocks the publication of their accredited sessions until the CME officer records an
allowed case (with who and when), in the reader's language; naming another company drops it."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from conference.cme import services
from conference.cme.models import Disclosure
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.program.conflicts import detect_conflicts


@pytest.fixture
def accredited(make_session):
    return make_session("Liver metastases", chairs=["Ana Souza <ana@example.org>"])


def _gate(congress):
    return [c for c in detect_conflicts(congress) if c.kind == "unmitigated_disclosure"]


def _submit(disclosure, owner, nothing=False, relationships=()):
    services.submit_disclosure(
        disclosure,
        nothing_to_disclose=nothing,
        relationships=list(relationships),
        owner_employee_of=owner,
    )
    db.session.commit()


def test_an_employee_of_an_ineligible_company_blocks_until_an_allowed_case_is_recorded(
    congress, cme_settings, accredited, officer, publish
):
    disclosure = services.ensure_disclosure(congress, "ana@example.org", "Ana Souza")
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        _submit(disclosure, "Hoffmann-La Roche AG", nothing=True)
    assert "owner_employee_of" in caught.value.fields
    db.session.rollback()
    _submit(disclosure, "  Hoffmann-La   Roche AG ")  # the company is the whole disclosure
    assert disclosure.owner_employee_of == "Hoffmann-La Roche AG"

    [conflict] = _gate(congress)
    assert conflict.is_blocking and conflict.params["problem"] == "owner_employee"
    assert "owns or works for an ineligible company" in conflict.message
    with force_locale("fr"):
        [french] = _gate(congress)
        assert "entreprise non éligible" in french.message
    with pytest.raises(Conflict):
        publish()

    with pytest.raises(ValidationFailed) as caught:
        services.record_owner_exception(disclosure, officer, exception="because")
    assert "exception" in caught.value.fields
    services.record_owner_exception(
        disclosure, officer, exception="research_presenter", note="Phase I data, no advice"
    )
    db.session.commit()
    saved = db.session.get(Disclosure, disclosure.id)
    assert saved.owner_exception_by_name == officer.display_name
    assert saved.owner_exception_at is not None
    assert _gate(congress) == []
    assert publish().number == 1

    # Another company: the recorded case no longer applies.
    _submit(saved, "Novartis Pharma")
    assert saved.owner_exception is None and _gate(congress)
    # No longer an owner or employee: nothing to record, nothing blocks.
    _submit(saved, "", nothing=True)
    assert _gate(congress) == []
    with pytest.raises(ValidationFailed):
        services.record_owner_exception(saved, officer, exception="not_related")


def test_the_officer_records_the_case_on_the_review_page(
    client, auth, congress, cme_settings, accredited, officer
):
    disclosure = services.ensure_disclosure(congress, "ana@example.org", "Ana Souza")
    _submit(disclosure, "Ipsen Pharma")
    auth.login(officer)
    page = client.get(f"/met26/manage/cme/disclosures/{disclosure.id}").get_data(as_text=True)
    assert "Owner or employee of Ipsen Pharma" in page and "No allowed case recorded" in page
    url = f"/met26/manage/cme/disclosures/{disclosure.id}/owner-exception"
    response = client.post(url, data={"owner-exception": "nonsense", "owner-note": "kept"})
    assert response.status_code == 422 and "kept" in response.get_data(as_text=True)
    response = client.post(url, data={"owner-exception": "not_related", "owner-note": ""})
    assert response.status_code == 302
    page = client.get(f"/met26/manage/cme/disclosures/{disclosure.id}").get_data(as_text=True)
    assert "not related to the business lines" in page and officer.display_name in page
    assert client.post("/met26/manage/cme/disclosures/999999/owner-exception").status_code == 404


def test_the_person_states_it_in_their_disclosure_through_the_api(client, congress, disclose):
    disclosure = disclose("ana@example.org", "Ana Souza", nothing=True)
    token = services.disclosure_token(disclosure)
    response = client.put(
        f"/api/v1/congresses/met26/me/disclosure?token={token}",
        json={"nothing_to_disclose": False, "owner_employee_of": "AstraZeneca"},
    )
    assert response.status_code == 200, response.json
    assert response.json["owner_employee_of"] == "AstraZeneca"


def test_the_officer_records_the_case_through_the_api(
    client, congress, cme_settings, accredited, officer, organizer, api_token, create_user
):
    disclosure = services.ensure_disclosure(congress, "ana@example.org", "Ana Souza")
    db.session.commit()
    _submit(disclosure, "Hoffmann-La Roche AG")
    url = f"/api/v1/congresses/met26/disclosures/{disclosure.id}/owner-exception"
    body = {"exception": "not_related", "note": "Talk on surgical technique only"}
    assert client.post(url, json=body).status_code == 401
    assert client.post(url, json=body, headers=api_token(create_user())).status_code == 403
    wrong = client.post(url, json={"exception": "because"}, headers=api_token(officer))
    assert wrong.status_code == 422 and "exception" in wrong.get_json()["error"]["fields"]
    assert _gate(congress)
    done = client.post(url, json=body, headers=api_token(officer))
    assert done.status_code == 200, done.get_json()
    assert _gate(congress) == []
    missing = client.post(
        "/api/v1/congresses/met26/disclosures/999999/owner-exception",
        json=body,
        headers=api_token(officer),
    )
    assert missing.status_code == 404
    withdrawn = client.post(url, json={"exception": None}, headers=api_token(officer))
    assert withdrawn.status_code == 200 and _gate(congress)
