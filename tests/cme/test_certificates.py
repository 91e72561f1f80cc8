"""Claims and certificates: physicians claim up to what they attended (0.25 steps) after the
required evaluation, others get a certificate of attendance; a claim is corrected until the
window closes, then final; a public page and the API verify a certificate by its code."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from conference.accounts.models import User
from conference.cme import certificates, evaluations
from conference.cme import services as cme_services
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.registration import services as registration_services
from tests.conftest import deliver_outbox
from tests.registration.conftest import attendee_data

CONGRESS_SCORES = {
    "objectives": 5,
    "expectations": 4,
    "relevance": 5,
    "practice_change": 3,
    "time": 4,
    "overall": 5,
}


def test_claim_waits_for_the_evaluation_then_issues_a_verifiable_certificate(
    client, running, physician, smtp
):
    with pytest.raises(Conflict) as caught:
        certificates.claim_credits(running, physician)
    assert caught.value.code == "evaluation_required"
    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    with pytest.raises(ValidationFailed):
        certificates.claim_credits(running, physician, 1.75)  # more than attended
    with pytest.raises(ValidationFailed):
        certificates.claim_credits(running, physician, 1.1)  # not a 0.25 step
    certificate = certificates.claim_credits(running, physician, 1.25)
    db.session.commit()
    assert (str(certificate.kind), float(certificate.credits)) == ("cme", 1.25)
    # Corrected within the window: same certificate, same code.
    corrected = certificates.claim_credits(running, physician)
    db.session.commit()
    assert corrected.code == certificate.code and float(corrected.credits) == 1.5

    deliver_outbox()
    text = smtp.text_of(smtp.to("zofia@example.org")[-1])
    assert certificate.code in text and "1.5 credits" in text
    page = client.get(f"/met26/cme/verify/{certificate.code.lower()}").get_data(as_text=True)
    assert "Zofia Łukasiewicz-Dąbrowska" in page and "1.5 CME credits" in page
    assert "zofia@example.org" not in page  # nothing but name, congress and credits
    assert client.get("/met26/cme/verify/CME-NOTACODE").status_code == 404
    pdf = client.get(f"/met26/cme/certificates/{certificate.code}.pdf")
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.data))
    text = reader.pages[0].extract_text()
    assert len(reader.pages) == 1
    assert "Łukasiewicz-Dąbrowska" in text and certificate.code in text
    assert "1.5 CME credits" in text and "Austria Center Vienna" in text


def test_claims_are_final_after_the_window(running, physician):
    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    certificates.claim_credits(running, physician, 1.0)
    db.session.commit()
    later = certificates.window_closes_at(running) + timedelta(minutes=1)
    with pytest.raises(Conflict) as caught:
        certificates.claim_credits(running, physician, 1.5, now=later)
    assert caught.value.code == "claims_closed"


def test_others_get_a_certificate_of_attendance(running, priced, create_user):
    cme_services.update_settings(running, accreditor="eaccme")
    from conference.cme.queries import get_settings

    get_settings(running).requires_evaluation = False
    registration, _ = registration_services.register_attendee(
        running, attendee_data(email="press@example.org")
    )
    registration.category.is_cme_eligible = False
    db.session.commit()
    certificate = certificates.claim_credits(running, registration, 3)
    assert (str(certificate.kind), float(certificate.credits)) == ("attendance", 0.0)


def test_claim_and_verification_through_the_api(client, running, physician, api_token):
    headers = api_token(db.session.query(User).filter_by(email="zofia@example.org").one())
    response = client.post("/api/v1/congresses/met26/me/cme/claim", json={}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "evaluation_required"
    client.post(
        "/api/v1/congresses/met26/evaluations", json={"scores": CONGRESS_SCORES}, headers=headers
    )
    response = client.post(
        "/api/v1/congresses/met26/me/cme/claim", json={"credits": 2}, headers=headers
    )
    assert response.status_code == 422
    assert "credits" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/congresses/met26/me/cme/claim", json={}, headers=headers)
    assert response.status_code == 200
    code = response.get_json()["code"]
    body = client.get(f"/api/v1/congresses/met26/certificates/{code}").get_json()
    assert (body["name"], body["credits"], body["kind"]) == (
        "Zofia Łukasiewicz-Dąbrowska",
        1.5,
        "cme",
    )
    assert client.get("/api/v1/congresses/met26/certificates/CME-UNKNOWN").status_code == 404
    assert client.post("/api/v1/congresses/met26/me/cme/claim", json={}).status_code == 401


def test_erasing_the_learner_keeps_the_counts_and_the_verification(client, running, physician):
    """The right to erasure removes the person from the registration, while the accreditor's
    anonymous counts stay and the certificate can still be verified by its code."""
    from conference.cme.reports import event_report
    from conference.registration.privacy import erase_registration

    evaluations.submit_evaluation(running, physician.id, scores=CONGRESS_SCORES)
    certificate = certificates.claim_credits(running, physician, 1.25)
    db.session.commit()
    before = event_report(running)
    assert before["cme_certificates"] == 1 and sum(before["attendance_per_day"].values()) >= 1

    erase_registration(physician)
    db.session.commit()
    after = event_report(running)
    for figure in ("attendance_per_day", "cme_certificates", "credits_claimed"):
        assert after[figure] == before[figure], figure
    assert physician.email.endswith("@invalid")
    page = client.get(f"/met26/cme/verify/{certificate.code}").get_data(as_text=True)
    assert "Zofia Łukasiewicz-Dąbrowska" in page and "1.25 CME credits" in page
