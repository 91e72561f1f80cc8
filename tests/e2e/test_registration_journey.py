"""In Chromium: a student registers with proof, an organizer approves it and records the
payment, the confirmation email arrives, and the attendee is checked in by reference."""

from __future__ import annotations

import re

from conference.extensions import db
from conference.registration import services
from conference.registration.queries import get_category_by_slug
from tests.conftest import deliver_outbox
from tests.factories import PASSWORD

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
)


def test_student_registration_to_check_in(
    page, congress, organizer, smtp, live_server_factory, tmp_path, app
):
    app.config["MAIL_SUPPRESS_SEND"] = False
    app.extensions["mail"].suppress = False
    student = get_category_by_slug(congress, "student-trainee")
    services.set_category_rules(student, fees={"early": "150", "regular": "200", "onsite": "250"})
    db.session.commit()
    server = live_server_factory(UPLOAD_DIR=str(tmp_path / "uploads"))
    proof = tmp_path / "letter.pdf"
    proof.write_bytes(PDF)

    # The student registers, with proof of status.
    page.goto(f"{server.url}/met26/register")
    page.fill("#first_name", "Sofia")
    page.fill("#last_name", "Student")
    page.fill("#email", "sofia@example.org")
    page.fill("#affiliation", "Medical University of Vienna")
    page.select_option("#country", "AT")
    page.select_option("#category", "student-trainee")
    page.set_input_files("#proof", str(proof))
    page.check("#accept_terms")
    page.click("button[type=submit], input[type=submit][value=Register]")
    page.wait_for_selector("#reference")
    reference = page.inner_text("#reference")
    assert re.fullmatch(r"MET26-[2-9A-Z]{4}", reference)
    assert "Check your email" in page.content()  # the manage link goes only by email

    # She opens the link from the email: her registration waits for the proof check.
    deliver_outbox()
    [received] = smtp.to("sofia@example.org")
    link = re.search(r"https?://\S+/registration/manage/\S+", smtp.text_of(received)).group(0)
    page.goto(server.url + link[link.index("/met26/registration/manage/") :])
    page.wait_for_selector("#reference")
    assert "Awaiting verification" in page.content()

    # The organizer logs in, approves the proof and records the payment.
    page.goto(f"{server.url}/login")
    page.fill("#email", organizer.email)
    page.fill("#password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(f"{server.url}/met26/manage/registrations/proofs")
    page.click(f"tr:has-text('{reference}') >> text=Check")
    page.check("#verify-decision-0")
    page.click("#verify input[type=submit]")
    page.wait_for_selector("text=Proof approved.")
    page.fill("#payment-note", "SEPA transfer 2026-001")
    page.click("#payment input[type=submit]")
    page.wait_for_selector("text=Payment recorded.")
    assert "Confirmed" in page.content()

    # The confirmation email arrives, with the reference and a link to the badge and QR code.
    deliver_outbox()
    confirmations = [m for m in smtp.to("sofia@example.org") if "confirmed" in m["Subject"]]
    assert confirmations, [m["Subject"] for m in smtp.messages]
    body = smtp.text_of(confirmations[0])
    assert reference in body and "/badge.pdf" in body

    # At the door: typed reference, then a second attempt is refused.
    page.goto(f"{server.url}/met26/manage/check-in")
    page.fill("#query", reference)
    page.click("#checkin-form input[type=submit]")
    page.wait_for_selector("#checkin-result")
    assert "Checked in" in page.inner_text("#checkin-result")
    assert page.inner_text("#count-checked-in") == "1"
    page.fill("#query", reference)
    page.click("#checkin-form input[type=submit]")
    assert "Already checked in at" in page.inner_text("#checkin-result")
    assert page.js_errors == []
