"""The check-in desk finishes the job: payments (card, cash), single badges, badge names."""

from __future__ import annotations

import io
import re

import pytest
from flask import g
from pypdf import PdfReader
from reportlab.lib.pagesizes import A6

from conference.extensions import db
from conference.registration.models import PaymentKind, RegistrationStatus
from conference.registration.payments import record_payment
from conference.registration.tokens import manage_path


def _pdf(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def _key(page: str) -> str:
    return re.search(r'name="pay-idempotency_key"[^>]*value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("kind", ["card_on_site", "cash"])
def test_desk_takes_a_payment_and_the_registration_becomes_paid(
    client, auth, organizer, register, kind
):
    person = register(last_name="Payatdesk")
    assert person.status == RegistrationStatus.AWAITING_PAYMENT
    auth.login(organizer)
    # The scanner types the reference and presses Enter: not paid, so not let in yet.
    lookup = client.post("/met26/manage/check-in", data={"query": person.reference})
    page = lookup.get_data(as_text=True)
    assert lookup.status_code == 409 and "still due" in page
    assert 'id="desk-payment"' in page and "Take 450.00 EUR" in page
    form = {
        "pay-kind": kind,
        "pay-amount": "",
        "pay-note": "slip 0042",
        "pay-idempotency_key": _key(page),
    }
    taken = client.post(f"/met26/manage/check-in/{person.reference}/payment", data=form)
    assert taken.status_code == 302, re.findall(
        r"invalid-feedback[^<]*<", taken.get_data(as_text=True)
    )
    assert taken.location.startswith("/met26/manage/check-in?")  # back to the desk, showing them
    again = client.post(f"/met26/manage/check-in/{person.reference}/payment", data=form)
    assert again.status_code == 302  # a double tap records one payment
    db.session.refresh(person)
    assert person.status == RegistrationStatus.CONFIRMED and person.amount_due == 0
    assert [p.kind for p in person.payments] == [PaymentKind(kind)]
    assert person.receipts and person.receipts[0].amount == person.fee_amount
    desk = client.get(taken.location).get_data(as_text=True)
    assert "Payment taken." in desk and person.reference in desk
    assert 'id="desk-check-in"' in desk and 'id="desk-payment"' not in desk
    assert 'id="checkin-form"' in desk and "autofocus" in desk
    # Then the check-in button (the same lookup form) lets them in.
    checked = client.post("/met26/manage/check-in", data={"query": person.reference})
    assert checked.status_code == 200 and "Checked in" in checked.get_data(as_text=True)


def test_desk_payment_refuses_bank_transfers_and_too_much(client, auth, organizer, register):
    person = register()
    auth.login(organizer)
    url = f"/met26/manage/check-in/{person.reference}/payment"
    wrong_kind = client.post(url, data={"pay-kind": "bank_transfer", "pay-idempotency_key": "k1"})
    assert wrong_kind.status_code == 422 and "Not a valid choice" in wrong_kind.get_data(
        as_text=True
    )
    too_much = client.post(
        url, data={"pay-kind": "cash", "pay-amount": "999.00", "pay-idempotency_key": "k2"}
    )
    page = too_much.get_data(as_text=True)
    assert too_much.status_code == 409 and "Only 450.00 EUR is due." in page
    assert 'value="999.00"' in page  # what was typed stays
    assert not person.payments


def test_desk_prints_one_a6_badge_inline_with_the_badge_name(client, auth, organizer, register):
    person = register(first_name="Zofia", last_name="Kowalska", badge_name="Dr Zosia Kowalska")
    record_payment(person, kind="bank_transfer", amount="450.00")
    db.session.commit()
    auth.login(organizer)
    desk = client.get(f"/met26/manage/check-in?ref={person.reference}").get_data(as_text=True)
    url = f"/met26/manage/registrations/{person.reference}/badge.pdf"
    assert url in desk
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")
    reader = _pdf(response.data)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == tuple(round(v) for v in A6)
    assert "Dr Zosia Kowalska" in reader.pages[0].extract_text()


def test_badge_name_correction_shows_on_the_next_badge(client, auth, organizer, register):
    person = register(first_name="Jose", last_name="Garcia", badge_name="Jose Garcia")
    record_payment(person, kind="bank_transfer", amount="450.00")
    db.session.commit()
    auth.login(organizer)
    url = f"/met26/manage/check-in/{person.reference}/badge-name"
    too_long = client.post(url, data={"badge-badge_name": "x" * 101})
    assert too_long.status_code == 422 and "Field cannot be longer than 100" in too_long.get_data(
        as_text=True
    )
    fixed = client.post(url, data={"badge-badge_name": " José García-Márquez "})
    assert fixed.status_code == 302
    desk = client.get(fixed.location).get_data(as_text=True)
    assert "Badge name corrected." in desk and "José García-Márquez" in desk
    badge = client.get(f"/met26/manage/registrations/{person.reference}/badge.pdf").data
    assert "José García-Márquez" in _pdf(badge).pages[0].extract_text()
    sheet = client.get("/met26/manage/registrations/badges.pdf").data  # the bulk sheet too
    assert "José García-Márquez" in _pdf(sheet).pages[0].extract_text()
    attendee = client.get(f"{manage_path(person)}/badge.pdf").data  # and the attendee's
    assert "José García-Márquez" in _pdf(attendee).pages[0].extract_text()


def test_receipt_never_shows_internal_payment_notes(client, auth, organizer, register):
    person = register()
    record_payment(person, kind="card_on_site", amount="450.00", note="SLIP-7781 grumpy customer")
    db.session.commit()
    text = _pdf(client.get(f"{manage_path(person)}/receipt.pdf").data).pages[0].extract_text()
    assert "Card on site" in text and "€450.00" in text
    assert "SLIP-7781" not in text and "grumpy" not in text
    auth.login(organizer)
    organizer_copy = client.get(f"/met26/manage/registrations/{person.reference}/receipt.pdf").data
    assert "grumpy" not in _pdf(organizer_copy).pages[0].extract_text()


def test_detail_page_links_badge_receipt_and_requested_visa_letter(
    client, auth, organizer, register
):
    from tests.registration.conftest import ask_for_visa_letter

    person = register()
    auth.login(organizer)
    base = f"/met26/manage/registrations/{person.reference}"
    page = client.get(base).get_data(as_text=True)
    assert f"{base}/receipt.pdf" in page
    assert f"{base}/badge.pdf" not in page and f"{base}/visa-letter.pdf" not in page
    record_payment(person, kind="bank_transfer", amount="450.00")
    db.session.commit()
    ask_for_visa_letter(person)
    page = client.get(base).get_data(as_text=True)
    assert f"{base}/badge.pdf" in page and f"{base}/visa-letter.pdf" in page
    assert client.get(f"{base}/visa-letter.pdf").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/met26/manage/check-in?ref={ref}"),
        ("POST", "/met26/manage/check-in/{ref}/payment"),
        ("POST", "/met26/manage/check-in/{ref}/badge-name"),
        ("GET", "/met26/manage/registrations/{ref}/badge.pdf"),
        ("GET", "/met26/manage/registrations/{ref}/receipt.pdf"),
        ("GET", "/met26/manage/registrations/{ref}/visa-letter.pdf"),
    ],
)
def test_attendees_cannot_use_the_desk(client, auth, register, create_user, method, path):
    person = register(badge_name="Unchanged")
    record_payment(person, kind="bank_transfer", amount="200.00")
    db.session.commit()
    url = path.format(ref=person.reference)
    data = {"pay-kind": "cash", "pay-amount": "250.00", "badge-badge_name": "Hacked"}
    assert client.open(url, method=method, data=data).status_code == 302  # to login
    g.pop("_login_user", None)
    auth.login(create_user(email=person.email))  # even the person themselves
    assert client.open(url, method=method, data=data).status_code == 403
    db.session.refresh(person)
    assert person.badge_name == "Unchanged" and len(person.payments) == 1
