"""Browser test of a learner's CME journey on the demo congress: a physician scanned into two
accredited sessions opens their CME page, evaluates a session and the congress, claims their
credits, downloads the certificate (the PDF stored when it was issued) and checks its public
verification page."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conference import storage
from conference.accounts.models import User
from conference.cme import attendance, certificates
from conference.cme.models import AttendanceScan, Certificate
from conference.extensions import db
from conference.models import utcnow
from conference.program.faculty import get_accredited_slots
from conference.registration.models import Registration, RegistrationStatus
from tests.factories import PASSWORD


@pytest.fixture
def learner(app, tmp_path, demo_copy, create_user):
    """A demo physician with an account, scanned in and out of the first two accredited
    sessions of day one; the congress is under way (it started yesterday), so claims are open."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    app.config["STORAGE_DIR"] = str(tmp_path / "storage")
    congress = demo_copy().congress
    scanned = set(db.session.scalars(select(AttendanceScan.registration_id)))
    accounts = {email.lower() for email in db.session.scalars(select(User.email))}
    physician = next(
        registration
        for registration in db.session.scalars(
            select(Registration)
            .where(
                Registration.congress_id == congress.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(Registration.id)
        )
        if registration.category.is_cme_eligible
        and registration.id not in scanned
        and registration.email.lower() not in accounts
    )
    create_user(email=physician.email, name=physician.full_name)
    day_one = congress.starts_on
    slots = [
        s
        for s in get_accredited_slots(congress)
        if s.starts_at.astimezone(congress.tz).date() == day_one and s.room_id is not None
    ][:2]
    attendance.record_scans(
        congress,
        [
            {
                "client_id": f"e2e-{slot.session_id}-{direction}",
                "reference": physician.reference,
                "room": slot.room_id,
                "scanned_at": moment,
                "direction": direction,
            }
            for slot in slots
            for moment, direction in ((slot.starts_at, "in"), (slot.ends_at, "out"))
        ],
        now=slots[-1].ends_at,
    )
    congress.starts_on = utcnow().astimezone(congress.tz).date() - timedelta(days=1)
    db.session.commit()
    return congress, physician, slots


def _answer_every_question(page) -> None:
    """The best answer to each question of the evaluation form, then send it."""
    form = page.locator("#evaluation-form")
    for fieldset in form.locator("fieldset").all():
        for value in ("5", "yes"):
            choice = fieldset.locator(f"input[type=radio][value='{value}']")
            if choice.count():
                choice.check()
                break
    for text in form.locator("textarea").all():
        text.fill("Clear, balanced and useful for my practice.")
    form.locator("[type=submit]").click()
    page.wait_for_load_state()


def test_physician_evaluates_claims_downloads_and_verifies_their_certificate(
    app, page, live_server_factory, learner
):
    congress, physician, slots = learner
    server = live_server_factory(
        UPLOAD_DIR=app.config["UPLOAD_DIR"], STORAGE_DIR=app.config["STORAGE_DIR"]
    )
    page.goto(f"{server.url}/login")
    page.fill("input[name=email]", physician.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{server.url}/met26/cme/me")
    assert f"/cme/learners/{physician.reference}" in page.url
    attended = page.locator("table[aria-describedby=attended]").inner_text()
    assert all(slot.title in attended for slot in slots)
    claimable = page.locator("#claimable").inner_text()
    credits = re.search(r"(\d+(?:[.,]\d+)?)\s*$", claimable).group(1).replace(",", ".")
    assert float(credits) > 0
    assert page.locator("#evaluation-first").is_visible()

    page.locator(".session-evaluation-link").first.click()
    page.wait_for_load_state()
    _answer_every_question(page)
    assert "evaluated, thank you" in page.content()
    page.click("#congress-evaluation-link")
    page.wait_for_load_state()
    _answer_every_question(page)
    assert "Congress evaluation: done, thank you." in page.content()

    claim = page.locator("#claim-form")
    assert float(claim.locator("input[name=credits]").input_value()) == float(credits)
    claim.locator("input[name=attest]").check()
    claim.locator("[type=submit]").click()
    page.wait_for_load_state()
    issued = page.locator("#certificate-issued").inner_text()
    code = re.search(r"CME-[0-9A-Z]+", issued).group(0)

    # The download is the PDF stored when the claim issued it.
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code))
    stored = storage.get(certificates.pdf_key(certificate))
    href = page.locator("#certificate-download").get_attribute("href")
    response = page.context.request.get(f"{server.url}{href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    data = response.body()
    assert data == stored
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    assert physician.full_name in text
    assert f"awarded {float(credits):g} CME credits" in text and code in text

    page.get_by_role("link", name="Its verification page").click()
    page.wait_for_load_state()
    verification = " ".join(page.locator("main").inner_text().split())
    assert physician.full_name in verification and congress.name in verification
    assert f"{float(credits):g} CME credits" in verification
    assert physician.email not in page.content()
    assert not page.js_errors
