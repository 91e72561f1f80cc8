"""Pay by invoice: an invoice to the buyer's institution holds the place until its due date."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.mail import OutboxMessage
from conference.models import utcnow
from conference.money.models import Invoice
from conference.money.queries import get_active_invoice, get_balance
from conference.registration import capacity, invoicing, services
from conference.registration.cli import remind_invoices
from conference.registration.models import Registration
from conference.registration.payments import record_payment
from conference.registration.tokens import manage_path, manage_token
from conference.timeutil import to_local
from tests.registration.conftest import attendee_data
from tests.registration.test_card_payments import seller  # noqa: F401 - fixture

HEIDELBERG = {
    "name": "Universitätsklinikum Heidelberg, Nationales Centrum für Tumorerkrankungen",
    "address": "Im Neuenheimer Feld 460\n69120 Heidelberg",
    "country": "DE",
    "vat_id": "DE 136 695 976",
    "po_number": "4500123456",
}


def token_header(registration) -> dict:
    return {"X-Manage-Token": manage_token(registration.reference, registration.manage_salt)}


def mails(kind: str, registration) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == f"registration/{kind}",
                OutboxMessage.registration_id == registration.id,
            )
        )
    )


def test_registering_with_invoice_to_issues_a_reverse_charge_invoice_and_holds_the_place(
    client,
    seller,  # noqa: F811
):
    response = client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(invoice_to=HEIDELBERG)
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["invoice_requested_at"] is not None
    registration = db.session.scalar(select(Registration))
    invoice = get_active_invoice(seller, "registration", registration.reference)
    assert invoice.buyer_name == HEIDELBERG["name"]
    assert invoice.buyer_vat_id == "DE136695976"
    assert invoice.buyer_vat_id_check == "valid"
    # A German buyer with a valid VAT id, an Austrian seller: reverse charge (money's rule).
    assert invoice.is_reverse_charge
    assert invoice.total_vat == Decimal("0.00")
    assert "PO 4500123456" in invoice.lines[0].description
    assert registration.reference in invoice.lines[0].description
    # The place is held until the end of the due date, in the congress time zone.
    held_until = to_local(registration.expires_at, seller.tz)
    assert held_until.date() == invoice.due_date + timedelta(days=1)
    assert (held_until.hour, held_until.minute) == (0, 0)
    assert body["expires_at"] == registration.expires_at.isoformat()
    (received,) = mails("received", registration)
    assert invoice.number in received.body_text
    # How to pay quotes the invoice's number, as the invoice itself asks.
    assert f"Reference to quote: {invoice.number}" in received.body_text
    assert body["how_to_pay"]["reference"] == invoice.number


@pytest.mark.parametrize(
    ("invoice_to", "fields"),
    [
        ({**HEIDELBERG, "vat_id": "DE136695977"}, {"invoice_to.vat_id"}),
        ({**HEIDELBERG, "name": "  ", "address": ""}, {"invoice_to.name", "invoice_to.address"}),
        ({**HEIDELBERG, "country": "XX"}, {"invoice_to.country"}),
        ({**HEIDELBERG, "po_number": "9" * 61}, {"invoice_to.po_number"}),
    ],
    ids=["bad VAT check digits", "missing name and address", "unknown country", "long PO"],
)
def test_bad_invoice_details_are_422_naming_the_fields_and_register_nothing(
    client,
    seller,  # noqa: F811
    invoice_to,
    fields,
):
    response = client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(invoice_to=invoice_to)
    )
    assert response.status_code == 422
    assert fields <= set(response.get_json()["error"]["fields"])
    assert db.session.scalar(select(func.count(Registration.id))) == 0
    assert db.session.scalar(select(func.count(Invoice.id))) == 0


def test_missing_invoice_fields_are_422_from_the_schema(client, seller):  # noqa: F811
    response = client.post(
        "/api/v1/congresses/met26/registrations",
        json=attendee_data(invoice_to={"vat_id": "DE136695976"}),
    )
    assert response.status_code == 422
    assert {"invoice_to.name", "invoice_to.address", "invoice_to.country"} <= set(
        response.get_json()["error"]["fields"]
    )


def test_invoice_refused_while_the_congress_does_not_invoice(client, priced):
    response = client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(invoice_to=HEIDELBERG)
    )
    assert response.status_code == 422
    assert "invoice_to" in response.get_json()["error"]["fields"]


def test_asking_later_from_the_manage_page(client, seller, register):  # noqa: F811
    attendee = register()
    page = client.get(manage_path(attendee))
    assert b'id="invoice-request"' in page.data
    response = client.post(
        manage_path(attendee) + "/invoice",
        data={
            "invoice-invoice_name": "Karolinska Universitetssjukhuset",
            "invoice-invoice_address": "Eugeniavägen 3\n171 76 Solna",
            "invoice-invoice_country": "SE",
            "invoice-invoice_vat_id": "",
            "invoice-invoice_po_number": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    invoice = invoicing.get_invoice(attendee)
    assert invoice.buyer_name == "Karolinska Universitetssjukhuset"
    assert not invoice.is_reverse_charge  # no VAT id: VAT is charged
    assert attendee.invoice_requested_at is not None
    (issued,) = mails("invoice_issued", attendee)
    assert invoice.number in issued.body_text
    page = client.get(manage_path(attendee))
    assert invoice.number.encode() in page.data
    assert b'id="invoice-request"' not in page.data
    pdf = client.get(manage_path(attendee) + "/invoice.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_bad_input_on_the_manage_page_shows_next_to_the_field_and_keeps_what_was_typed(
    client,
    seller,  # noqa: F811
    register,
):
    attendee = register()
    response = client.post(
        manage_path(attendee) + "/invoice",
        data={
            "invoice-invoice_name": "Hôpital Européen Georges-Pompidou",
            "invoice-invoice_address": "20 rue Leblanc\n75015 Paris",
            "invoice-invoice_country": "FR",
            "invoice-invoice_vat_id": "FR00000000000",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This EU VAT id is not valid" in html
    assert "Hôpital Européen Georges-Pompidou" in html
    assert "FR00000000000" in html
    assert db.session.scalar(select(func.count(Invoice.id))) == 0


def test_asking_again_is_a_conflict(client, seller, register):  # noqa: F811
    attendee = register()
    url = f"/api/v1/congresses/met26/registrations/{attendee.reference}/invoice"
    first = client.post(url, json=HEIDELBERG, headers=token_header(attendee))
    assert first.status_code == 201
    assert first.get_json()["invoice"]["is_reverse_charge"] is True
    again = client.post(url, json=HEIDELBERG, headers=token_header(attendee))
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "invoiced"
    assert client.post(url, json=HEIDELBERG).status_code == 401


def test_paying_the_invoice_confirms_and_marks_it_paid(client, seller, register):  # noqa: F811
    attendee = register()
    invoice = invoicing.request_invoice(attendee, HEIDELBERG)
    db.session.commit()
    record_payment(attendee, kind="bank_transfer", amount=str(attendee.amount_due), note="SEPA")
    db.session.commit()
    assert attendee.status == "confirmed"
    assert get_balance(invoice).outstanding == Decimal("0.00")
    assert db.session.scalar(select(func.count(Invoice.id))) == 1  # no second invoice


def test_an_unpaid_invoice_expires_with_the_place_and_is_cancelled(
    client,
    seller,  # noqa: F811
    register,
):
    attendee = register()
    invoice = invoicing.request_invoice(attendee, HEIDELBERG)
    db.session.commit()
    assert capacity.expire_unpaid(seller, attendee.expires_at - timedelta(seconds=1)) == []
    assert capacity.expire_unpaid(seller, attendee.expires_at) == [attendee]
    db.session.commit()
    assert attendee.status == "cancelled"
    assert get_active_invoice(seller, "registration", attendee.reference) is None
    note = db.session.scalar(select(Invoice).where(Invoice.corrects_id == invoice.id))
    assert note.total_gross == -invoice.total_gross


def test_the_reminder_goes_once_shortly_before_the_due_date(
    app,
    seller,  # noqa: F811
    register,
):
    services.update_registration_settings(seller, invoice_reminder_days=5)
    attendee = register()
    invoice = invoicing.request_invoice(attendee, HEIDELBERG)
    db.session.commit()
    early = attendee.expires_at - timedelta(days=6)
    assert invoicing.remind_unpaid_invoices(seller, early) == 0
    soon = attendee.expires_at - timedelta(days=4)
    assert invoicing.remind_unpaid_invoices(seller, soon) == 1
    db.session.commit()
    assert invoicing.remind_unpaid_invoices(seller, soon + timedelta(hours=1)) == 0
    (reminder,) = mails("invoice_reminder", attendee)
    assert invoice.number in reminder.body_text
    # The periodic job (conference.jobs) finds nothing new either.
    attendee.expires_at = utcnow() + timedelta(days=2)
    db.session.commit()
    assert remind_invoices() == 1
    assert remind_invoices() == 0


def test_no_invoice_while_waitlisted_or_paid(client, seller, register):  # noqa: F811
    attendee = register()
    record_payment(attendee, kind="bank_transfer", amount=str(attendee.amount_due))
    db.session.commit()
    response = client.post(
        f"/api/v1/congresses/met26/registrations/{attendee.reference}/invoice",
        json=HEIDELBERG,
        headers=token_header(attendee),
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_payable"


def web_form(**overrides) -> dict:
    data = {
        "first_name": "Ingrid",
        "last_name": "Søndergaard",
        "email": "ingrid@example.org",
        "affiliation": "Rigshospitalet",
        "country": "DK",
        "category": "oncologist",
        "accept_terms": "y",
        "submission_key": "invoice-form-1",
        "pay_by_invoice": "y",
        "invoice_name": "Rigshospitalet, Region Hovedstaden",
        "invoice_address": "Blegdamsvej 9\n2100 København Ø",
        "invoice_country": "DK",
        "invoice_vat_id": "DK 24 25 67 90",
        "invoice_po_number": "PO-77",
    }
    data.update(overrides)
    return data


def test_the_registration_form_asks_for_an_invoice(client, seller):  # noqa: F811
    assert b"Pay by invoice" in client.get("/met26/register").data
    response = client.post("/met26/register", data=web_form())
    assert response.status_code == 302
    registration = db.session.scalar(select(Registration))
    invoice = invoicing.get_invoice(registration)
    assert invoice.buyer_name == "Rigshospitalet, Region Hovedstaden"
    assert invoice.buyer_vat_id == "DK24256790"
    assert invoice.is_reverse_charge  # Danish buyer, Austrian seller
    assert registration.invoice_requested_at is not None


def test_the_registration_form_shows_invoice_errors_next_to_the_fields(
    client,
    seller,  # noqa: F811
):
    response = client.post(
        "/met26/register", data=web_form(invoice_vat_id="DK 24 25 67 91", invoice_address="")
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This EU VAT id is not valid" in html
    assert "Enter the billing address." in html
    assert "Rigshospitalet, Region Hovedstaden" in html  # what was typed stays
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_the_form_hides_pay_by_invoice_while_the_congress_does_not_invoice(client, priced):
    assert b"Pay by invoice" not in client.get("/met26/register").data


def test_reminder_days_are_an_organizer_setting(client, priced, api_token, organizer, auth):
    congress = priced[0]
    url = "/api/v1/congresses/met26/registration/settings"
    response = client.patch(url, json={"invoice_reminder_days": 10}, headers=api_token(organizer))
    assert response.status_code == 200 and response.json["invoice_reminder_days"] == 10
    bad = client.patch(url, json={"invoice_reminder_days": 0}, headers=api_token(organizer))
    assert bad.status_code == 422 and "invoice_reminder_days" in bad.json["error"]["fields"]
    auth.login(organizer)
    form = {
        "capacity": "",
        "payment_days": "10",
        "offer_hours": "24",
        "proof_hours": "36",
        "visa_retention_days": "30",
    }
    page = client.post(
        "/met26/manage/registration/settings", data={**form, "invoice_reminder_days": "0"}
    )
    assert "Number must be between 1 and 365" in page.get_data(as_text=True)
    ok = client.post(
        "/met26/manage/registration/settings", data={**form, "invoice_reminder_days": "3"}
    )
    assert ok.status_code == 302
    settings = capacity.get_settings(congress)
    db.session.refresh(settings)
    assert settings.invoice_reminder_days == 3


def test_paying_a_reverse_charge_invoice_in_full_confirms_the_registration(
    client,
    seller,  # noqa: F811
):
    """Under reverse charge the buyer owes the invoice's net total, not the fee with VAT: the
    hospital that pays its invoice must not be left owing the VAT and lose the place."""
    response = client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(invoice_to=HEIDELBERG)
    )
    assert response.status_code == 201, response.get_json()
    registration = db.session.scalar(select(Registration))
    invoice = get_active_invoice(seller, "registration", registration.reference)
    # The fee is 450.00 including 20 % Austrian VAT; reverse charge invoices the net.
    assert invoice.is_reverse_charge and invoice.total_gross == Decimal("375.00")
    assert registration.amount_due == invoice.total_gross
    assert response.get_json()["how_to_pay"]["amount"] == str(invoice.total_gross)

    record_payment(registration, kind="bank_transfer", amount=str(invoice.total_gross))
    db.session.commit()
    assert registration.status == "confirmed"
    assert get_balance(invoice).outstanding == Decimal("0.00")
