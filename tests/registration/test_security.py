"""Attacks on registration, performed through HTTP: hoarding places, squatting an address,
refunding waivers, revoking someone's link, tokens in cookies and query strings."""

from __future__ import annotations

import base64
import io
from datetime import timedelta

from flask import g
from pypdf import PdfReader
from sqlalchemy import select

from conference.extensions import db
from conference.mail import OutboxMessage
from conference.registration import capacity, services
from conference.registration.models import (
    PaymentKind,
    Registration,
    RegistrationStatus,
)
from conference.registration.tokens import manage_path, manage_token
from tests.conftest import deliver_outbox
from tests.registration.conftest import PDF_BYTES, ask_for_visa_letter, attendee_data, make_pdf


def _proof_json(data: bytes = PDF_BYTES, filename: str = "letter.pdf") -> dict:
    return {"filename": filename, "content": base64.b64encode(data).decode()}


def _web_form(**overrides) -> dict:
    data = {
        "first_name": "Ewa",
        "last_name": "Kowalska",
        "email": "ewa.kowalska@umed.wroc.pl",
        "affiliation": "Uniwersytet Medyczny we Wrocławiu",
        "country": "PL",
        "category": "oncologist",
        "accept_terms": "y",
        "submission_key": "web-key-1",
    }
    data.update(overrides)
    return data


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _registration(email: str) -> Registration:
    db.session.expire_all()
    return db.session.scalar(
        select(Registration)
        .where(Registration.email_key == email.lower())
        .order_by(Registration.id.desc())
    )


# -- 1. hoarding places through the API ----------------------------------------------------------


def test_anonymous_api_registrations_are_rate_limited_like_the_web_form(
    client, priced, api_token, organizer
):
    codes = [
        client.post(
            "/api/v1/congresses/met26/registrations",
            json=attendee_data(email=f"hoarder{i}@example.org", category="oncologist"),
        ).status_code
        for i in range(31)
    ]
    assert codes[:30] == [201] * 30
    assert codes[30] == 429
    refused = client.post("/api/v1/congresses/met26/registrations", json=attendee_data())
    assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
    # The web form draws on the same budget of this client.
    assert client.post("/met26/register", data=_web_form()).status_code == 429
    # An organizer registering people in bulk is not limited.
    g.pop("api_user", None)
    bulk = client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(), headers=api_token(organizer)
    )
    assert bulk.status_code == 201


def test_api_refuses_a_proof_category_without_proof_so_it_cannot_fill_it(client, priced):
    _, _, student = priced
    services.set_category_rules(student, capacity=3)
    db.session.commit()
    for i in range(3):
        response = client.post(
            "/api/v1/congresses/met26/registrations",
            json=attendee_data(email=f"fake-student{i}@example.org", category="student-trainee"),
        )
        assert response.status_code == 422
        assert "proof" in response.json["error"]["fields"]
    broken = client.post(
        "/api/v1/congresses/met26/registrations",
        json={
            **attendee_data(category="student-trainee"),
            "proof": {"filename": "letter.pdf", "content": "%%%not base64"},
        },
    )
    assert broken.status_code == 422 and "proof.content" in broken.json["error"]["fields"]
    real = client.post(
        "/api/v1/congresses/met26/registrations",
        json={
            **attendee_data(email="real.student@uni-heidelberg.de", category="student-trainee"),
            "proof": _proof_json(),
        },
    )
    assert real.status_code == 201, real.json
    assert real.json["status"] == "awaiting_verification"
    assert real.json["proof_status"] == "pending"


def test_a_hold_whose_proof_was_refused_expires_after_a_reminder(
    client, register, api_token, organizer, smtp
):
    student = register(category="student-trainee", email="late.letter@example.org")
    congress = student.congress
    assert student.expires_at is None  # a document awaits the organizer: no time limit
    refused = client.post(
        f"/api/v1/congresses/met26/registrations/{student.reference}/verify",
        json={"decision": "refuse", "reason": "The letter is older than 6 months."},
        headers=api_token(organizer),
    )
    assert refused.status_code == 200
    assert refused.json["expires_at"] is not None
    db.session.refresh(student)
    hours = capacity.get_settings(congress).proof_hours
    assert hours == 48
    refused_at = student.proof_checked_at
    assert student.expires_at == refused_at + timedelta(hours=48)

    # Halfway: one reminder, however often the job runs.
    halfway = refused_at + timedelta(hours=25)
    assert capacity.remind_missing_proof(congress, now=halfway) == 1
    assert capacity.remind_missing_proof(congress, now=halfway + timedelta(hours=1)) == 0
    db.session.commit()
    assert capacity.expire_unpaid(congress, now=halfway) == []
    expired = capacity.expire_unpaid(congress, now=refused_at + timedelta(hours=48, minutes=1))
    db.session.commit()
    assert [r.id for r in expired] == [student.id]
    db.session.refresh(student)
    assert student.status == RegistrationStatus.CANCELLED
    deliver_outbox()
    subjects = [m["Subject"] for m in smtp.to("late.letter@example.org")]
    assert any("proof of status" in s and "held" in s for s in subjects)
    assert any("expired" in s for s in subjects)


def test_uploading_a_new_proof_lifts_the_time_limit(client, register, api_token, organizer):
    student = register(category="student-trainee")
    client.post(
        f"/api/v1/congresses/met26/registrations/{student.reference}/verify",
        json={"decision": "refuse", "reason": "Unreadable scan."},
        headers=api_token(organizer),
    )
    g.pop("api_user", None)
    upload = client.post(
        f"/api/v1/congresses/met26/registrations/{student.reference}/proof",
        data={"proof": (io.BytesIO(PDF_BYTES), "new-letter.pdf")},
        headers={"X-Manage-Token": manage_token(student.reference, student.manage_salt)},
    )
    assert upload.status_code == 200 and upload.json["expires_at"] is None


# -- 2. registering under someone else's address -------------------------------------------------


def test_registering_shows_where_to_look_but_never_the_manage_link(client, priced):
    response = client.post("/met26/register", data=_web_form())
    assert response.status_code == 302
    registration = _registration("ewa.kowalska@umed.wroc.pl")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Check your email" in html and registration.reference in html
    token = manage_token(registration.reference, registration.manage_salt)
    assert token not in html and "Kowalska" not in html
    # Nor in the session cookie.
    cookie = client.get_cookie("session")
    assert cookie is None or token not in str(
        client.application.session_interface.get_signing_serializer(client.application).loads(
            cookie.value
        )
    )


def test_owner_registers_over_an_unconfirmed_registration_made_with_their_address(
    client, priced, smtp
):
    squatter = client.post(
        "/api/v1/congresses/met26/registrations",
        json=attendee_data(first_name="Not", last_name="Ewa", email="Ewa.Kowalska@umed.wroc.pl"),
    )
    assert squatter.status_code == 201
    response = client.post("/met26/register", data=_web_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    rows = db.session.scalars(
        select(Registration).where(Registration.email_key == "ewa.kowalska@umed.wroc.pl")
    ).all()
    by_reference = {r.reference: r for r in rows}
    assert by_reference[squatter.json["reference"]].status == RegistrationStatus.CANCELLED
    active = [r for r in rows if r.status != RegistrationStatus.CANCELLED]
    assert [r.last_name for r in active] == ["Kowalska"]
    deliver_outbox()
    owner_mail = smtp.text_of(smtp.to("ewa.kowalska@umed.wroc.pl")[-1])
    assert squatter.json["reference"] in owner_mail and manage_path(active[0]) in owner_mail


def test_opening_the_emailed_link_claims_the_registration(client, priced, smtp):
    client.post("/met26/register", data=_web_form())
    registration = _registration("ewa.kowalska@umed.wroc.pl")
    deliver_outbox()
    [mail] = smtp.to("ewa.kowalska@umed.wroc.pl")
    assert manage_path(registration) in smtp.text_of(mail)
    assert client.get(manage_path(registration)).status_code == 200
    db.session.refresh(registration)
    assert registration.email_confirmed_at is not None
    # Now nobody else can take the address over.
    again = client.post(
        "/api/v1/congresses/met26/registrations",
        json=attendee_data(first_name="Not", last_name="Ewa", email="ewa.kowalska@umed.wroc.pl"),
    )
    assert again.status_code == 409 and again.json["error"]["code"] == "already_registered"


def test_erasing_a_registration_redacts_only_its_own_messages(client, register, create_user, smtp):
    create_user(email="shared@example.org")
    registration = register(email="shared@example.org")
    assert client.post("/password/forgot", data={"email": "shared@example.org"}).status_code == 302
    deliver_outbox()
    assert len(smtp.to("shared@example.org")) == 2
    erased = client.post(f"{manage_path(registration)}/erase", data={"erase-confirm": "y"})
    assert erased.status_code == 302
    db.session.expire_all()
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    reset = [m for m in messages if m.kind == "accounts/reset_password"]
    assert len(reset) == 1 and reset[0].to_address == "shared@example.org"
    assert reset[0].body_text  # the owner's password reset is untouched
    received = [m for m in messages if m.kind == "registration/received"]
    assert received and all(m.to_address == "erased@invalid" for m in received)


# -- 3. a waived fee is not money ----------------------------------------------------------------


def test_a_waived_fee_is_never_refunded_nor_shown_as_paid(
    client, register, api_token, organizer, smtp
):
    registration = register(email="invited.speaker@karolinska.se")
    headers = api_token(organizer)
    waived = client.post(
        f"/api/v1/congresses/met26/registrations/{registration.reference}/payments",
        json={"kind": "waived", "note": "Invited speaker"},
        headers=headers,
    )
    assert waived.status_code == 201, waived.json
    body = waived.json["registration"]
    assert body["status"] == "confirmed"
    assert body["amount_paid"]["amount"] == "0.00"
    assert body["amount_waived"]["amount"] == "450.00"
    assert body["amount_due"]["amount"] == "0.00"

    path = manage_path(registration)
    receipt = _pdf_text(client.get(f"{path}/receipt.pdf").data)
    assert "Total paid: €0.00" in receipt and "Fee waived: €450.00" in receipt
    ask_for_visa_letter(registration)
    letter = _pdf_text(client.get(f"{path}/visa-letter.pdf").data)
    assert "waived" in letter and "paid in full" not in letter

    g.pop("api_user", None)
    cancelled = client.post(
        f"/api/v1/congresses/met26/registrations/{registration.reference}/cancel",
        json={"reason": "Cannot travel."},
        headers={"X-Manage-Token": manage_token(registration.reference, registration.manage_salt)},
    )
    assert cancelled.status_code == 200
    db.session.refresh(registration)
    assert [p.kind for p in registration.payments] == [PaymentKind.WAIVED]
    deliver_outbox()
    [mail] = [m for m in smtp.to("invited.speaker@karolinska.se") if "cancelled" in m["Subject"]]
    assert "refund" not in smtp.text_of(mail).lower()


# -- 6. tokens out of cookies and query strings; personal pages not cached -----------------------


def test_manage_token_in_a_query_string_is_refused(client, register):
    registration = register()
    token = manage_token(registration.reference, registration.manage_salt)
    url = f"/api/v1/congresses/met26/registrations/{registration.reference}"
    assert client.get(f"{url}?token={token}").status_code == 401
    assert client.get(url, headers={"X-Manage-Token": token}).status_code == 200


def test_pages_with_personal_data_are_never_stored(client, auth, organizer, register):
    registration = register()
    path = manage_path(registration)
    token = manage_token(registration.reference, registration.manage_salt)
    for url in (path, f"{path}/receipt.pdf", f"{path}/data.json"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    api = client.get(
        f"/api/v1/congresses/met26/registrations/{registration.reference}",
        headers={"X-Manage-Token": token},
    )
    assert api.headers["Cache-Control"] == "no-store"
    auth.login(organizer)
    for url in (
        "/met26/manage/registrations",
        f"/met26/manage/registrations/{registration.reference}",
        "/met26/manage/registrations.csv",
        "/met26/manage/check-in",
    ):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url


def test_registration_rate_limit_setting_is_read_per_request(client, priced, app):
    app.config["REGISTRATION_RATE_LIMIT"] = "2 per minute"
    codes = [
        client.post("/api/v1/congresses/met26/registrations", json=attendee_data()).status_code
        for _ in "abc"
    ]
    assert codes == [201, 201, 429]


def test_proof_hours_is_an_organizer_setting(client, priced, api_token, organizer):
    congress = priced[0]
    response = client.patch(
        "/api/v1/congresses/met26/registration/settings",
        json={"proof_hours": 24},
        headers=api_token(organizer),
    )
    assert response.status_code == 200 and response.json["proof_hours"] == 24
    bad = client.patch(
        "/api/v1/congresses/met26/registration/settings",
        json={"proof_hours": 0},
        headers=api_token(organizer),
    )
    assert bad.status_code == 422 and "proof_hours" in bad.json["error"]["fields"]
    assert capacity.get_settings(congress).proof_hours == 24


# -- 5. proof uploads with active content ----------------------------------------------------------


def test_register_form_refuses_a_proof_pdf_carrying_javascript(client, priced):
    letter = (io.BytesIO(make_pdf(javascript=True)), "head-of-department-letter.pdf")
    data = {**_web_form(category="student-trainee"), "proof": letter}
    response = client.post("/met26/register", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "contains JavaScript, attached files or embedded media" in page
    assert db.session.query(Registration).count() == 0


def test_api_refuses_a_proof_pdf_with_an_embedded_file(client, register, api_token, organizer):
    student = register(category="student-trainee")
    client.post(
        f"/api/v1/congresses/met26/registrations/{student.reference}/verify",
        json={"decision": "refuse", "reason": "Please send the signed letter."},
        headers=api_token(organizer),
    )
    g.pop("api_user", None)
    headers = {"X-Manage-Token": manage_token(student.reference, student.manage_salt)}
    upload = client.post(
        f"/api/v1/congresses/met26/registrations/{student.reference}/proof",
        data={"proof": (io.BytesIO(make_pdf(attachment=True)), "letter.pdf")},
        headers=headers,
    )
    assert upload.status_code == 422
    assert "attached files" in upload.json["error"]["fields"]["proof"][0]
    created = client.post(
        "/api/v1/congresses/met26/registrations",
        json={
            **attendee_data(category="student-trainee"),
            "proof": _proof_json(make_pdf(javascript=True)),
        },
    )
    assert created.status_code == 422 and "proof" in created.json["error"]["fields"]
    unreadable = client.post(
        f"/api/v1/congresses/met26/registrations/{student.reference}/proof",
        data={"proof": (io.BytesIO(b"%PDF-1.7 truncated download"), "letter.pdf")},
        headers=headers,
    )
    assert unreadable.status_code == 422
    assert "could not be read" in unreadable.json["error"]["fields"]["proof"][0]


def test_received_page_only_echoes_references(client, priced):
    assert client.get("/met26/register/received/MET26-7K3Q").status_code == 200
    assert client.get("/met26/register/received/<script>alert(1)</script>").status_code == 404
    assert client.get("/met26/register/received/" + "A" * 200).status_code == 404
