"""Organizer pages and API of the money domain: seller profile, invoice list, CSV, PDF."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.money import services
from conference.money.models import Invoice
from conference.money.queries import get_seller_profile

from .conftest import SELLER_IBAN, registration_line


@pytest.fixture
def ledger(invoice_for, person, german_hospital):
    """Three invoices, one paid, one refunded in part, one cancelled."""
    paid = invoice_for(person)
    services.record_invoice_payment(paid, "550.00", reference="SEPA 1")
    refunded = invoice_for(german_hospital)
    services.record_invoice_payment(refunded, "458.33")
    services.refund_invoice(refunded, "100.00", "Goodwill refund.")
    cancelled = invoice_for(person, [registration_line("200.00", "Student registration")])
    services.cancel_invoice(cancelled, "Registration cancelled.")
    db.session.commit()
    return paid, refunded, cancelled


# -- seller profile -----------------------------------------------------------------------------


SELLER_FORM = {
    "legal_name": "Wiener Onkologie-Kongressgesellschaft mbH",
    "address": "Bruno-Kreisky-Platz 1\n1220 Wien",
    "country": "AT",
    "vat_id": "ATU 1358 5627",
    "registration_number": "FN 123456a",
    "account_holder": "Wiener Onkologie-Kongressgesellschaft mbH",
    "iban": "AT61 1904 3002 3457 3201",
    "bic": "BKAUATWW",
    "bank_name": "UniCredit Bank Austria AG",
    "payment_terms_days": "30",
    "prices_include_vat": "y",
    "vat_rate_registration": "20",
    "vat_rate_abstract_fee": "20",
    "vat_rate_sponsorship": "20",
    "invoice_series": "met26",
}


def test_organizer_saves_the_seller_profile_in_compact_form(client, auth, organizer):
    auth.login(organizer)
    response = client.post("/met26/manage/money/seller", data=SELLER_FORM)
    assert response.status_code == 302
    profile = get_seller_profile(organizer_congress())
    assert (profile.iban, profile.vat_id, profile.invoice_series) == (
        SELLER_IBAN,
        "ATU13585627",
        "MET26",
    )
    assert profile.is_complete


def organizer_congress():
    from conference.program.queries import get_current_congress

    return get_current_congress()


def test_bad_iban_bic_and_vat_id_are_shown_next_to_their_fields_and_kept(client, auth, organizer):
    auth.login(organizer)
    data = {
        **SELLER_FORM,
        "iban": "AT61 1904 3002 3457 3202",
        "bic": "BKAU-AT",
        "vat_id": "ATU13585628",
    }
    response = client.post("/met26/manage/money/seller", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "This IBAN is not valid" in page
    assert "This BIC is not valid" in page
    assert "This EU VAT id is not valid" in page
    assert 'value="AT61 1904 3002 3457 3202"' in page  # what was typed stays
    assert get_seller_profile(organizer_congress()) is None


def test_seller_page_is_for_organizers_only(client, auth, create_user, congress):
    auth.login(create_user())
    assert client.get("/met26/manage/money/seller").status_code == 403
    assert client.get("/met26/manage/invoices").status_code == 403
    assert client.get("/met26/manage/invoices.csv").status_code == 403


def test_api_puts_and_gets_the_seller_profile(client, organizer, api_token):
    headers = api_token(organizer)
    payload = {**SELLER_FORM, "payment_terms_days": 14, "prices_include_vat": False}
    response = client.put("/api/v1/congresses/met26/money/seller", json=payload, headers=headers)
    assert response.status_code == 200, response.get_json()
    body = client.get("/api/v1/congresses/met26/money/seller", headers=headers).get_json()
    assert body["iban"] == SELLER_IBAN and body["payment_terms_days"] == 14
    assert body["prices_include_vat"] is False and body["is_complete"] is True


def test_api_refuses_a_bad_iban_naming_the_field(client, organizer, api_token):
    response = client.put(
        "/api/v1/congresses/met26/money/seller",
        json={"iban": "DE89370400440532013001", "vat_rate_sponsorship": "120"},
        headers=api_token(organizer),
    )
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {"iban", "vat_rate_sponsorship"}


def test_api_seller_needs_an_organizer_token(client, create_user, api_token, congress):
    assert client.get("/api/v1/congresses/met26/money/seller").status_code == 401
    headers = api_token(create_user())
    assert (
        client.put("/api/v1/congresses/met26/money/seller", json={}, headers=headers).status_code
        == 403
    )


# -- invoice list, detail, CSV, PDF --------------------------------------------------------------


def test_invoice_list_shows_paid_and_outstanding(client, auth, organizer, ledger):
    auth.login(organizer)
    page = client.get("/met26/manage/invoices").get_data(as_text=True)
    for invoice in ledger:
        assert invoice.number in page
    assert "CN-" in page
    only_open = client.get("/met26/manage/invoices?state=open&kind=invoice").get_data(as_text=True)
    assert ledger[0].number not in only_open  # fully paid
    assert client.get("/met26/manage/invoices?date_from=not-a-date").status_code == 200


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_sums_equal_the_invoices(client, auth, organizer, ledger, seller):
    auth.login(organizer)
    response = client.get("/met26/manage/invoices.csv")
    assert response.mimetype == "text/csv"
    rows = _csv(response.get_data(as_text=True))
    assert len(rows) == 5  # three invoices, two credit notes
    for column, attribute in (("net", "total_net"), ("vat", "total_vat"), ("gross", "total_gross")):
        expected = db.session.scalar(
            select(func.sum(getattr(Invoice, attribute))).where(Invoice.congress_id == seller.id)
        )
        assert sum(Decimal(row[column]) for row in rows) == Decimal(expected).quantize(
            Decimal("0.01")
        )
    by_number = {row["number"]: row for row in rows}
    paid, refunded, cancelled = ledger
    assert (by_number[paid.number]["paid"], by_number[paid.number]["outstanding"]) == (
        "550.00",
        "0.00",
    )
    assert by_number[refunded.number]["paid"] == "358.33"
    assert by_number[refunded.number]["outstanding"] == "0.00"
    assert by_number[cancelled.number]["outstanding"] == "0.00"
    notes = [row for row in rows if row["type"] == "credit_note"]
    assert {row["refers_to"] for row in notes} == {refunded.number, cancelled.number}


def test_csv_buyer_cannot_inject_a_formula(client, auth, organizer, invoice_for, person):
    person.name = '=HYPERLINK("http://evil.example","Click")'
    invoice_for(person)
    auth.login(organizer)
    rows = _csv(client.get("/met26/manage/invoices.csv").get_data(as_text=True))
    assert rows[0]["buyer"].startswith("'=")


def test_organizer_downloads_the_pdf_and_cancels_with_a_credit_note(
    client, auth, organizer, invoice_for, person
):
    invoice = invoice_for(person)
    auth.login(organizer)
    pdf = client.get(f"/met26/manage/invoices/{invoice.number}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    response = client.post(
        f"/met26/manage/invoices/{invoice.number}/cancel", data={"cancel-reason": "Cancelled."}
    )
    assert response.status_code == 302
    page = client.get(f"/met26/manage/invoices/{invoice.number}").get_data(as_text=True)
    assert "CN-" in page and "outstanding: <strong>0.00" in page


def test_payment_form_refuses_a_negative_amount_next_to_the_field(
    client, auth, organizer, invoice_for, person
):
    invoice = invoice_for(person)
    auth.login(organizer)
    response = client.post(
        f"/met26/manage/invoices/{invoice.number}/payments",
        data={"payment-amount": "-550.00", "payment-method": "bank_transfer"},
    )
    assert response.status_code == 422
    assert "Enter a positive amount" in response.get_data(as_text=True)
    assert invoice.payments == []


def test_invoice_of_another_congress_is_not_found(client, auth, organizer, invoice_for, person):
    auth.login(organizer)
    assert client.get("/met26/manage/invoices/MET26-2026-99999").status_code == 404
    assert client.get("/met26/manage/invoices/nope.pdf").status_code == 404


def test_api_lists_invoices_and_exports_csv(client, organizer, api_token, ledger):
    headers = api_token(organizer)
    body = client.get("/api/v1/congresses/met26/invoices?kind=invoice", headers=headers).get_json()
    assert body["total"] == 3
    assert {item["number"] for item in body["invoices"]} == {i.number for i in ledger}
    response = client.get("/api/v1/congresses/met26/invoices?format=csv", headers=headers)
    assert response.mimetype == "text/csv"
    assert len(_csv(response.get_data(as_text=True))) == 5
    bad = client.get("/api/v1/congresses/met26/invoices?format=xls&date_from=x", headers=headers)
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) >= {"format", "date_from"}


def test_api_serves_the_invoice_pdf_and_detail(client, organizer, api_token, ledger):
    headers = api_token(organizer)
    number = ledger[0].number
    pdf = client.get(f"/api/v1/congresses/met26/invoices/{number}.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    detail = client.get(f"/api/v1/congresses/met26/invoices/{number}", headers=headers).get_json()
    assert detail["lines"][0]["vat_rate"] == "20.00" and detail["outstanding"] == "0.00"
    assert (
        client.get("/api/v1/congresses/met26/invoices/NOPE.pdf", headers=headers).status_code == 404
    )
    assert client.get(f"/api/v1/congresses/met26/invoices/{number}.pdf").status_code == 401


def test_organizer_corrects_the_buyer_by_credit_note_and_new_invoice(
    client, auth, organizer, invoice_for, person
):
    invoice = invoice_for(person)
    auth.login(organizer)
    data = {
        "correct-buyer_name": "Universitätsklinikum Heidelberg",
        "correct-buyer_address": "Im Neuenheimer Feld 460\n69120 Heidelberg",
        "correct-buyer_country": "DE",
        "correct-buyer_vat_id": "DE136695976",
        "correct-reason": "The hospital pays this registration.",
    }
    response = client.post(f"/met26/manage/invoices/{invoice.number}/correct", data=data)
    assert response.status_code == 302
    new = db.session.scalars(select(Invoice).order_by(Invoice.id.desc())).first()
    assert new.kind == "invoice" and new.is_reverse_charge
    assert response.headers["Location"].endswith(f"/met26/manage/invoices/{new.number}")
    assert invoice.credit_notes[0].total_gross == -invoice.total_gross


def test_correction_with_a_bad_vat_id_shows_the_error_by_the_field(
    client, auth, organizer, invoice_for, person
):
    invoice = invoice_for(person)
    auth.login(organizer)
    data = {
        "correct-buyer_name": "Universitätsklinikum Heidelberg",
        "correct-buyer_country": "DE",
        "correct-buyer_vat_id": "DE136695977",
        "correct-reason": "The hospital pays this registration.",
    }
    response = client.post(f"/met26/manage/invoices/{invoice.number}/correct", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This EU VAT id is not valid" in page and 'value="DE136695977"' in page
    assert db.session.scalar(select(func.count(Invoice.id))) == 1  # nothing issued
