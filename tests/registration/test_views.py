"""Registration pages: the form, the private manage page, organizer pages, PDFs and CSV."""

from __future__ import annotations

import io
import json

import pytest
from flask import g
from pypdf import PdfReader

from conference.extensions import db
from conference.registration.models import Registration, RegistrationStatus
from conference.registration.payments import record_payment
from conference.registration.tokens import manage_path
from tests.conftest import deliver_outbox
from tests.registration.conftest import PDF_BYTES, ask_for_visa_letter


def _form(**overrides) -> dict:
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "affiliation": "Analytical Engines",
        "country": "GB",
        "category": "oncologist",
        "badge_name": "",
        "dietary": "",
        "accessibility": "",
        "accept_terms": "y",
        "submission_key": "form-key-1",
    }
    data.update(overrides)
    return data


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_register_page_shows_categories_with_fees(client, priced):
    page = client.get("/met26/register").get_data(as_text=True)
    assert "Oncologist - €450.00" in page
    assert "Student / trainee - €150.00 (proof of status needed)" in page


def test_register_page_says_not_yet_open_or_closed(client, priced):
    from datetime import timedelta

    from conference.models import utcnow

    congress = priced[0]
    congress.registration_opens_at = utcnow() + timedelta(days=3)
    db.session.commit()
    assert "not open yet: it opens" in client.get("/met26/register").get_data(as_text=True)
    congress.registration_opens_at = utcnow() - timedelta(days=300)
    congress.early_fee_closes_at = utcnow() - timedelta(days=200)
    congress.regular_fee_closes_at = utcnow() - timedelta(days=100)
    congress.ends_on = (utcnow() - timedelta(days=30)).date()
    congress.starts_on = congress.ends_on - timedelta(days=3)
    db.session.commit()
    html = client.get("/met26/register").get_data(as_text=True)
    assert "Registration is closed." in html and "not open yet" not in html


def test_register_form_registers_and_emails_the_manage_link(client, priced, smtp):
    response = client.post("/met26/register", data=_form())
    assert response.status_code == 302
    registration = db.session.query(Registration).one()
    assert response.headers["Location"].endswith(
        f"/met26/register/received/{registration.reference}"
    )
    manage = client.get(response.headers["Location"], follow_redirects=True)
    assert registration.reference in manage.get_data(as_text=True)
    deliver_outbox()
    [mail] = smtp.to("ada@example.org")
    assert manage_path(registration) in smtp.text_of(mail)


def test_double_submit_registers_once(client, priced):
    first = client.post("/met26/register", data=_form())
    second = client.post("/met26/register", data=_form())
    assert first.status_code == second.status_code == 302
    assert db.session.query(Registration).count() == 1


def test_form_keeps_input_and_shows_errors_next_to_fields(client, priced):
    response = client.post(
        "/met26/register", data=_form(email="not-an-email", accept_terms="", first_name="Ada<b>")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="Ada&lt;b&gt;"' in page
    assert "invalid-feedback" in page and "accept the terms" in page


def test_duplicate_email_links_to_managing_the_existing_one(client, register):
    register(email="ada@example.org")
    page = client.post("/met26/register", data=_form(email="ADA@example.org")).get_data(
        as_text=True
    )
    assert "already has a registration" in page
    assert "/met26/registration/link" in page


def test_student_must_upload_proof_checked_by_content(client, priced):
    page = client.post("/met26/register", data=_form(category="student-trainee")).get_data(
        as_text=True
    )
    assert "needs proof of status" in page
    fake = (io.BytesIO(b"<html>not a pdf</html>"), "letter.pdf")
    data = {**_form(category="student-trainee"), "proof": fake}
    page = client.post("/met26/register", data=data, content_type="multipart/form-data")
    assert "Upload a PDF, PNG or JPEG file." in page.get_data(as_text=True)
    good = {**_form(category="student-trainee"), "proof": (io.BytesIO(PDF_BYTES), "letter.pdf")}
    response = client.post("/met26/register", data=good, content_type="multipart/form-data")
    assert response.status_code == 302
    registration = db.session.query(Registration).one()
    assert registration.status == RegistrationStatus.AWAITING_VERIFICATION
    assert "static" not in registration.proof_file


def test_manage_page_needs_the_right_token(client, register):
    registration = register()
    assert client.get(manage_path(registration)).status_code == 200
    assert (
        client.get(f"/met26/registration/manage/{registration.reference}/nope").status_code == 404
    )


def test_attendee_updates_details_downloads_data_and_cancels(client, register):
    registration = register()
    path = manage_path(registration)
    response = client.post(
        f"{path}/details",
        data={
            "details-first_name": "Marie",
            "details-last_name": "Skłodowska",
            "details-country": "PL",
            "details-affiliation": "Sorbonne",
            "details-badge_name": "Dr Marie",
        },
    )
    assert response.status_code == 302
    assert registration.last_name == "Skłodowska" and registration.country == "PL"
    data = json.loads(client.get(f"{path}/data.json").get_data())
    assert data["badge_name"] == "Dr Marie"
    refused = client.post(f"{path}/cancel", data={"cancel-confirm": ""})
    assert refused.status_code == 422
    client.post(f"{path}/cancel", data={"cancel-confirm": "y"})
    assert registration.status == RegistrationStatus.CANCELLED


def test_attendee_erases_their_data(client, register):
    registration = register(email="gone@example.org")
    client.post(f"{manage_path(registration)}/erase", data={"erase-confirm": "y"})
    db.session.refresh(registration)
    assert registration.erased_at is not None and registration.email_key is None


def test_badge_receipt_and_visa_letter_pdfs(client, register):
    registration = register(badge_name="Dr Marie Curie", affiliation="Institut Curie")
    path = manage_path(registration)
    assert client.get(f"{path}/badge.pdf").status_code == 409
    assert client.get(f"{path}/visa-letter.pdf").status_code == 409
    statement = _pdf_text(client.get(f"{path}/receipt.pdf").data)
    assert "Amount due: €450.00" in statement
    record_payment(registration, kind="bank_transfer", amount="450.00", note="SEPA 123")
    db.session.commit()
    badge = client.get(f"{path}/badge.pdf")
    assert badge.mimetype == "application/pdf"
    text = _pdf_text(badge.data)
    for expected in ("Dr Marie Curie", "Institut Curie", "France", "Oncologist", "PRESCRIBER"):
        assert expected in text
    assert registration.reference in text
    receipt = _pdf_text(client.get(f"{path}/receipt.pdf").data)
    assert "Receipt MET26-R00001" in receipt and "Total paid: €450.00" in receipt
    assert client.get(f"{path}/visa-letter.pdf").status_code == 409  # not requested
    ask_for_visa_letter(registration)
    letter = _pdf_text(client.get(f"{path}/visa-letter.pdf").data)
    assert "Letter of invitation" in letter and registration.full_name in letter


@pytest.mark.parametrize(
    "path",
    [
        "/met26/manage/registrations",
        "/met26/manage/registrations.csv",
        "/met26/manage/registrations/totals",
        "/met26/manage/registrations/proofs",
        "/met26/manage/registrations/badges.pdf",
        "/met26/manage/check-in",
        "/met26/manage/registration/settings",
        "/met26/manage/categories",
    ],
)
def test_organizer_pages_are_for_organizers(client, auth, priced, create_user, path):
    assert client.get(path).status_code == 302  # to login
    g.pop("_login_user", None)  # the test app context (and its g) outlives each request
    auth.login(create_user())
    assert client.get(path).status_code == 403
    g.pop("_login_user", None)
    auth.login(create_user("organizer"))
    assert client.get(path).status_code == 200


def test_list_filters_sorts_and_exports_csv(client, auth, organizer, register):
    register(last_name="Alpha", country="DE")
    register(last_name="=HYPERLINK(1)", country="FR")
    register(last_name="Gamma", country="FR", category="student-trainee")
    auth.login(organizer)
    page = client.get("/met26/manage/registrations?country=FR&sort=name&direction=asc").get_data(
        as_text=True
    )
    assert "Gamma" in page and "Alpha" not in page
    assert page.index("=HYPERLINK(1)") < page.index("Gamma")  # sorted by name, ascending
    assert "sort=name&amp;direction=desc" in page  # the header link reverses the order
    csv_text = client.get("/met26/manage/registrations.csv?country=FR").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in csv_text and "Alpha" not in csv_text
    totals = client.get("/met26/manage/registrations/totals").get_data(as_text=True)
    assert "Student / trainee" in totals


def test_organizer_checks_proof_records_payment_and_checks_in(client, auth, organizer, register):
    student = register(category="student-trainee", proof=("letter.pdf", PDF_BYTES))
    auth.login(organizer)
    queue = client.get("/met26/manage/registrations/proofs").get_data(as_text=True)
    assert student.reference in queue
    proof = client.get(f"/met26/manage/registrations/{student.reference}/proof-file")
    assert proof.data == PDF_BYTES and proof.mimetype == "application/pdf"
    base = f"/met26/manage/registrations/{student.reference}"
    client.post(f"{base}/verify", data={"verify-decision": "approve"})
    assert student.status == RegistrationStatus.AWAITING_PAYMENT
    payment = {
        "payment-kind": "bank_transfer",
        "payment-amount": "150.00",
        "payment-idempotency_key": "x1",
    }
    assert client.post(f"{base}/payment", data=payment).status_code == 302
    assert client.post(f"{base}/payment", data=payment).status_code == 302  # double-click
    assert len(student.payments) == 1 and student.status == RegistrationStatus.CONFIRMED
    desk = client.post("/met26/manage/check-in", data={"query": student.reference.lower()})
    assert desk.status_code == 200 and "Checked in" in desk.get_data(as_text=True)
    again = client.post("/met26/manage/check-in", data={"query": student.reference})
    assert again.status_code == 409 and "Already checked in at" in again.get_data(as_text=True)
    assert client.get("/met26/manage/check-in/counts").json == {"confirmed": 1, "checked_in": 1}


def test_check_in_desk_refuses_unpaid_and_finds_by_name(client, auth, organizer, register):
    unpaid = register(last_name="Unpaidson")
    auth.login(organizer)
    page = client.post("/met26/manage/check-in", data={"query": "unpaidson"})
    assert page.status_code == 409 and "still due" in page.get_data(as_text=True)
    assert unpaid.checked_in_at is None
    missing = client.post("/met26/manage/check-in", data={"query": "nobody here"})
    assert missing.status_code == 404


def test_category_form_sets_fees_and_keeps_bad_input(client, auth, organizer, priced):
    _, oncologist, _ = priced
    auth.login(organizer)
    url = f"/met26/manage/categories/{oncologist.id}"
    form = {
        "name": "Oncologist",
        "slug": "oncologist",
        "fee_early": "4x0",
        "fee_regular": "500",
        "fee_onsite": "",
        "capacity": "",
        "cancellation_fee": "25",
        "is_active": "y",
    }
    page = client.post(url, data=form).get_data(as_text=True)
    assert 'value="4x0"' in page and "Enter an amount such as 450" in page
    response = client.post(url, data={**form, "fee_early": "400", "capacity": "12"})
    assert response.status_code == 302
    db.session.refresh(oncologist)
    assert str(oncologist.fee_for("early")) == "400.00" and oncologist.fee_for("onsite") is None
    assert oncologist.capacity == 12


def test_settings_form_changes_capacity(client, auth, organizer, priced):
    from conference.registration.capacity import get_settings

    auth.login(organizer)
    form = {
        "capacity": "250",
        "payment_days": "10",
        "offer_hours": "24",
        "proof_hours": "36",
        "visa_signatory_name": " Prof. Zofia Kowalska ",
        "visa_signatory_title": "Congress President",
        "visa_retention_days": "14",
    }
    assert client.post("/met26/manage/registration/settings", data=form).status_code == 302
    settings = get_settings(priced[0])
    db.session.refresh(settings)
    assert (settings.capacity, settings.payment_days, settings.offer_hours) == (250, 10, 24)
    assert settings.proof_hours == 36
    assert settings.visa_signatory_name == "Prof. Zofia Kowalska"
    assert (settings.visa_signatory_title, settings.visa_retention_days) == (
        "Congress President",
        14,
    )
    page = client.post(
        "/met26/manage/registration/settings", data={**form, "visa_retention_days": "-1"}
    )
    assert page.status_code == 200 and "Number must be between 0 and 365" in page.get_data(
        as_text=True
    )
    page = client.post("/met26/manage/registration/settings", data={**form, "payment_days": "0"})
    assert "Number must be between 1 and 365" in page.get_data(as_text=True)


def test_asking_for_a_link_never_invalidates_the_existing_one(client, register, smtp):
    """Anyone can ask for a registrant's link: it must not lock the registrant out."""
    registration = register(email="lost@example.org")
    old_path = manage_path(registration)
    client.post("/met26/registration/link", data={"email": "LOST@example.org"})
    client.post("/met26/registration/link", data={"email": "nobody@example.org"})
    db.session.refresh(registration)
    assert client.get(old_path).status_code == 200
    deliver_outbox()
    links = [m for m in smtp.to("lost@example.org") if "link" in m["Subject"]]
    assert old_path in smtp.text_of(links[0])
    assert smtp.to("nobody@example.org") == []


def test_registrant_and_organizer_can_replace_a_leaked_link(
    client, auth, organizer, register, smtp
):
    registration = register(email="leak@example.org")
    old_path = manage_path(registration)
    response = client.post(f"{old_path}/link", data={})
    assert response.status_code == 302
    db.session.refresh(registration)
    assert client.get(old_path).status_code == 404
    second_path = manage_path(registration)
    assert client.get(second_path).status_code == 200
    auth.login(organizer)
    response = client.post(f"/met26/manage/registrations/{registration.reference}/replace-link")
    assert response.status_code == 302
    db.session.refresh(registration)
    assert client.get(second_path).status_code == 404
    deliver_outbox()
    links = [smtp.text_of(m) for m in smtp.to("leak@example.org") if "link" in m["Subject"]]
    assert len(links) == 2 and manage_path(registration) in links[-1]


def test_list_page_query_count_does_not_grow_with_registrations(client, auth, organizer, register):
    from sqlalchemy import event

    auth.login(organizer)

    def queries_for(path: str) -> int:
        statements: list[str] = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    for _ in range(2):
        register()
    few = queries_for("/met26/manage/registrations")
    for _ in range(6):
        record_payment(register(), kind="bank_transfer", amount="450.00")
    db.session.commit()
    assert queries_for("/met26/manage/registrations") == few


def test_a_signed_in_user_is_linked_to_their_registration(client, auth, priced, create_user):
    user = create_user(email="member@example.org", name="Mem Ber", country="DE")
    auth.login(user)
    form = client.get("/met26/register").get_data(as_text=True)
    assert 'value="member@example.org"' in form
    client.post("/met26/register", data=_form(email="member@example.org", submission_key="m1"))
    assert db.session.query(Registration).one().user_id == user.id


def test_batch_badges_print_four_per_a4_page(client, auth, organizer, register):
    for index in range(5):
        record_payment(register(last_name=f"Printed{index}"), kind="waived")
    register(last_name="Unpaid")
    db.session.commit()
    auth.login(organizer)
    reader = PdfReader(io.BytesIO(client.get("/met26/manage/registrations/badges.pdf").data))
    assert len(reader.pages) == 2
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4 portrait
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert all(f"Printed{index}" in text for index in range(5))
    assert "Unpaid" not in text


def test_each_action_has_its_own_handler_and_unknown_ones_are_not_found(
    client, auth, organizer, register
):
    from flask import current_app

    rules = {rule.rule for rule in current_app.url_map.iter_rules()}
    assert not any("<action>" in rule for rule in rules)
    registration = register()
    assert client.post(f"{manage_path(registration)}/transfer").status_code in (404, 405)
    auth.login(organizer)
    response = client.post(f"/met26/manage/registrations/{registration.reference}/refund-all")
    assert response.status_code in (404, 405)
    cancelled = client.post(
        f"/met26/manage/registrations/{registration.reference}/cancel",
        data={"cancel-confirm": "y", "cancel-reason": "Duplicate booking."},
    )
    assert cancelled.status_code == 302
    db.session.refresh(registration)
    assert registration.status == RegistrationStatus.CANCELLED
