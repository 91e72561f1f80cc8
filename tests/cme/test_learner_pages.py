"""The learner's CME pages: the record (sessions, minutes, credits per day, total), the
session and congress evaluations with their field errors, the claim with its attestation and
the evaluation gate, the certificate download; only the learner reaches them."""

from __future__ import annotations

import re

import pytest

from conference.accounts.models import User
from conference.cme import certificates, evaluations
from conference.cme.models import Evaluation, EvaluationReceipt
from conference.extensions import db
from conference.registration import services as registration_services
from conference.registration.models import RegistrationStatus
from conference.registration.tokens import manage_path, manage_token
from tests.registration.conftest import attendee_data

CONGRESS_FORM = {
    "score_objectives": "5",
    "score_expectations": "4",
    "score_relevance": "5",
    "score_practice_change": "3",
    "score_time": "4",
    "score_overall": "5",
}


def _zofia():
    return db.session.scalar(db.select(User).where(User.email == "zofia@example.org"))


def _base(registration) -> str:
    return f"/{registration.congress.slug}/cme/learners/{registration.reference}"


@pytest.fixture
def zofia_client(client, auth, physician):
    auth.login(_zofia())
    return client


def test_record_shows_sessions_minutes_day_credits_and_total(zofia_client, physician, running):
    page = zofia_client.get(_base(physician))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Plenary: liver metastases" in html
    assert ">90<" in html  # minutes attended
    assert 'class="day-credits">1.5<' in html
    assert "Credits you can claim: 1.5" in html
    assert "at most 3 credits per half day and 6 per day" in html
    # The evaluation gate: no claim form before the congress evaluation.
    assert 'id="evaluation-first"' in html and 'id="claim-form"' not in html


def test_the_account_menu_leads_to_the_record(zofia_client, physician):
    home = zofia_client.get(f"/{physician.congress.slug}/cme/me")
    assert home.status_code == 302
    assert home.headers["Location"].endswith(_base(physician))
    page = zofia_client.get(f"/{physician.congress.slug}/program").get_data(as_text=True)
    assert 'id="nav-my-cme"' in page


def test_the_manage_page_links_to_the_record_with_its_token(client, physician):
    physician.status = RegistrationStatus.CONFIRMED
    db.session.commit()
    manage = client.get(manage_path(physician)).get_data(as_text=True)
    token = manage_token(physician.reference, physician.manage_salt)
    assert f'/cme/learners/{physician.reference}?token={token}"' in manage
    token = manage_token(physician.reference, physician.manage_salt)
    page = client.get(f"{_base(physician)}?token={token}")
    assert page.status_code == 200
    assert "Plenary: liver metastases" in page.get_data(as_text=True)


def test_another_learner_gets_403_and_an_unknown_record_404(
    client, auth, physician, create_user, running
):
    other = create_user(email="someone.else@example.org")
    auth.login(other)
    assert client.get(_base(physician)).status_code == 403
    assert client.get(f"{_base(physician)}/evaluation").status_code == 403
    response = client.post(f"{_base(physician)}/claim", data={"attest": "y", "credits": "1"})
    assert response.status_code == 403
    assert client.get(f"/{running.slug}/cme/learners/NOPE-0000").status_code == 404
    # A wrong token is no key either.
    auth.logout()
    anonymous = client.get(f"{_base(physician)}?token=forged")
    assert anonymous.status_code == 302 and "login" in anonymous.headers["Location"]


def test_congress_evaluation_errors_sit_next_to_their_fields_with_input_kept(
    zofia_client, physician
):
    form = dict(CONGRESS_FORM)
    del form["score_time"]
    form["comment"] = "Excellent liver session"
    page = zofia_client.post(f"{_base(physician)}/evaluation", data=form)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'id="score_time-error"' in html
    assert 'aria-describedby="score_time-error"' in html
    assert "Excellent liver session" in html  # kept
    assert re.search(r'value="3"[^>]*checked|checked[^>]*value="3"', html)  # kept
    assert db.session.scalar(db.select(db.func.count(Evaluation.id))) == 0


def test_evaluation_then_claim_then_certificate_download(zofia_client, physician, running):
    done = zofia_client.post(f"{_base(physician)}/evaluation", data=CONGRESS_FORM)
    assert done.status_code == 302
    record = zofia_client.get(_base(physician)).get_data(as_text=True)
    assert 'id="claim-form"' in record and 'value="1.50"' in record
    # Without the attestation: the error next to the checkbox, the amount kept.
    refused = zofia_client.post(f"{_base(physician)}/claim", data={"credits": "1.25"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="attest-error"' in html and 'value="1.25"' in html
    # Above what was attended: the service's message beside the credits field.
    too_many = zofia_client.post(
        f"{_base(physician)}/claim", data={"credits": "1.75", "attest": "y"}
    )
    assert too_many.status_code == 422
    assert 'id="credits-error"' in too_many.get_data(as_text=True)
    claimed = zofia_client.post(
        f"{_base(physician)}/claim", data={"credits": "1.25", "attest": "y"}
    )
    assert claimed.status_code == 302
    certificate = certificates.get_certificate(running, physician.id)
    assert float(certificate.credits) == 1.25
    record = zofia_client.get(_base(physician)).get_data(as_text=True)
    assert certificate.code in record and 'id="certificate-download"' in record
    pdf = zofia_client.get(f"/{running.slug}/cme/certificates/{certificate.code}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_session_evaluation_only_for_attended_sessions(
    zofia_client, physician, running, make_session
):
    attended = evaluations.evaluated_scopes(physician.id)
    assert attended == set()
    record = zofia_client.get(_base(physician)).get_data(as_text=True)
    link = re.search(r'href="([^"]+/sessions/(\d+)/evaluation)"', record)
    assert link is not None
    session_id = int(link.group(2))
    missing_bias = zofia_client.post(
        f"{_base(physician)}/sessions/{session_id}/evaluation",
        data={"score_content": "5", "score_speakers": "4", "score_relevance": "4"},
    )
    assert missing_bias.status_code == 422
    assert 'id="is_bias_free-error"' in missing_bias.get_data(as_text=True)
    sent = zofia_client.post(
        f"{_base(physician)}/sessions/{session_id}/evaluation",
        data={
            "score_content": "5",
            "score_speakers": "4",
            "score_relevance": "4",
            "is_bias_free": "yes",
        },
    )
    assert sent.status_code == 302
    assert evaluations.evaluated_scopes(physician.id) == {session_id}
    receipt = db.session.scalar(db.select(EvaluationReceipt))
    assert receipt.scope == f"session:{session_id}"
    other = make_session("Not attended", start="14:00", end="15:00")
    assert zofia_client.get(f"{_base(physician)}/sessions/{other.id}/evaluation").status_code == 404


def test_a_registrant_without_a_record_is_told_so(client, auth, running, create_user):
    auth.login(create_user(email="nobody@example.org"))
    page = client.get(f"/{running.slug}/cme/me")
    assert page.status_code == 200
    assert 'id="not-registered"' in page.get_data(as_text=True)


def test_others_claim_a_certificate_of_attendance(client, auth, running, priced, create_user):
    user = create_user(email="press@example.org")
    registration, _ = registration_services.register_attendee(
        running, attendee_data(email="press@example.org")
    )
    registration.category.is_cme_eligible = False
    db.session.commit()
    auth.login(user)
    evaluations.submit_evaluation(
        running, registration.id, scores={k[6:]: int(v) for k, v in CONGRESS_FORM.items()}
    )
    db.session.commit()
    page = client.get(_base(registration)).get_data(as_text=True)
    assert 'name="credits"' not in page and 'name="attest"' in page
    done = client.post(f"{_base(registration)}/claim", data={"attest": "y"})
    assert done.status_code == 302
    assert str(certificates.get_certificate(running, registration.id).kind) == "attendance"
