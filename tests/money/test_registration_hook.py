"""A registration that costs money gets its invoice when it is paid (registration's hook)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from conference.extensions import db
from conference.money.models import Invoice
from conference.money.queries import get_active_invoice, get_balance
from conference.registration import services as registration
from conference.registration.payments import record_payment
from conference.registration.queries import get_category_by_slug

FEES = {"early": "450.00", "regular": "550.00", "onsite": "650.00"}


@pytest.fixture
def register(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)

    def make(congress, **overrides):
        oncologist = get_category_by_slug(congress, "oncologist")
        registration.set_category_rules(oncologist, fees=FEES)
        data = {
            "first_name": "Αικατερίνη",
            "last_name": "Παπαδοπούλου",
            "email": "a.papadopoulou@example.org",
            "affiliation": "Evangelismos General Hospital, Athens",
            "country": "GR",
            "category": "oncologist",
            "accept_terms": True,
            **overrides,
        }
        created, _ = registration.register_attendee(congress, data)
        db.session.commit()
        return created

    return make


def test_paid_registration_gets_an_invoice_with_the_payment(seller, register):
    attendee = register(seller)
    record_payment(attendee, kind="bank_transfer", amount=str(attendee.fee_amount))
    db.session.commit()
    invoice = get_active_invoice(seller, "registration", attendee.reference)
    assert invoice is not None
    assert invoice.buyer_name == "Αικατερίνη Παπαδοπούλου"
    assert invoice.total_gross == attendee.fee_amount
    assert attendee.reference in invoice.lines[0].description
    assert get_balance(invoice).outstanding == Decimal("0.00")


def test_cash_taken_at_the_desk_is_invoiced_as_cash(seller, register, client, auth, organizer):
    attendee = register(seller)
    auth.login(organizer)
    taken = client.post(
        f"/met26/manage/check-in/{attendee.reference}/payment",
        data={"pay-kind": "cash", "pay-amount": "", "pay-idempotency_key": "desk-1"},
    )
    assert taken.status_code == 302
    invoice = get_active_invoice(seller, "registration", attendee.reference)
    assert invoice is not None and invoice.total_gross == attendee.fee_amount
    assert [payment.method for payment in invoice.payments] == ["cash"]
    assert get_balance(invoice).outstanding == Decimal("0.00")


def test_waived_registration_gets_no_invoice(seller, register):
    attendee = register(seller)
    record_payment(attendee, kind="waived")
    db.session.commit()
    assert db.session.query(Invoice).count() == 0


def test_no_invoice_while_the_seller_profile_is_missing(congress, register):
    attendee = register(congress)
    record_payment(attendee, kind="bank_transfer", amount=str(attendee.fee_amount))
    db.session.commit()
    assert attendee.status == "confirmed"
    assert db.session.query(Invoice).count() == 0


def test_cancelling_a_paid_registration_issues_a_credit_note_for_the_refund(seller, register):
    attendee = register(seller)
    record_payment(attendee, kind="bank_transfer", amount=str(attendee.fee_amount))
    db.session.commit()
    invoice = get_active_invoice(seller, "registration", attendee.reference)
    registration.cancel_registration(attendee, reason="Cannot travel")
    db.session.commit()
    refund = attendee.fee_amount - attendee.category.cancellation_fee
    notes = db.session.query(Invoice).filter(Invoice.id != invoice.id).all()
    assert len(notes) == 1
    assert notes[0].kind == "credit_note" and notes[0].corrects_id == invoice.id
    assert abs(notes[0].total_gross) == refund


def _receipt_text(attendee) -> str:
    from pypdf import PdfReader

    from conference.registration.documents import receipt_pdf

    pdf = receipt_pdf(attendee, lambda value: str(value))
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_receipt_shows_the_seller_legal_entity_and_the_vat_in_the_fee(seller, register):
    attendee = register(seller)
    record_payment(attendee, kind="bank_transfer", amount=str(attendee.fee_amount))
    db.session.commit()
    text = _receipt_text(attendee)
    assert "Wiener Onkologie-Kongressgesellschaft mbH" in text
    assert "VAT id: ATU" in text and "FN 123456a" in text
    # 450.00 gross at 20 % (VAT-inclusive fees): 375.00 net + 75.00 VAT.
    assert "Net amount: €375.00" in text
    assert "VAT 20.00 %: €75.00" in text


def test_receipt_without_a_seller_profile_shows_no_vat_lines(congress, register):
    attendee = register(congress)
    assert "VAT" not in _receipt_text(attendee)
