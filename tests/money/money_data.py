"""Shared data for the overview and reconciliation tests: registrations in two categories,
paid in every way, a waiver, a refund, a reverse-charge pay-by-invoice, a sponsorship."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from conference.extensions import db
from conference.money import services as money
from conference.money.services import Buyer, LineIn
from conference.registration import invoicing
from conference.registration import services as registration
from conference.registration.payments import record_payment
from conference.registration.queries import get_category_by_slug

FEES = {"early": "450.00", "regular": "550.00", "onsite": "650.00"}
NURSE_FEES = {"early": "180.00", "regular": "220.00", "onsite": "260.00"}
HEIDELBERG = {
    "name": "Universitätsklinikum Heidelberg, Nationales Centrum für Tumorerkrankungen",
    "address": "Im Neuenheimer Feld 460\n69120 Heidelberg",
    "country": "DE",
    "vat_id": "DE 136 695 976",
}

PEOPLE = [
    ("Αικατερίνη", "Παπαδοπούλου", "GR"),
    ("Zofia", "Łukasiewicz-Dąbrowska", "PL"),
    ("Jean-Baptiste", "Lefèvre", "FR"),
    ("Siobhán", "Ní Bhriain", "IE"),
    ("Mehmet", "Y\u0131lmaz", "TR"),
    ("Ingrid", "Østergaard", "DK"),
    ("Nguyễn", "Thị Lan", "VN"),
    ("Hans-Jürgen", "Müller-Lüdenscheidt", "DE"),
    ("Ana", "García Pérez", "ES"),
]


@pytest.fixture
def register(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    counter = iter(range(len(PEOPLE) * 10))

    def make(congress, category="oncologist"):
        index = next(counter)
        first, last, country = PEOPLE[index % len(PEOPLE)]
        created, _ = registration.register_attendee(
            congress,
            {
                "first_name": first,
                "last_name": last,
                "email": f"person{index}@klinik.example.org",
                "affiliation": "Evangelismos General Hospital, Athens",
                "country": country,
                "category": category,
                "accept_terms": True,
            },
        )
        db.session.commit()
        return created

    return make


@pytest.fixture
def categories(seller):
    oncologist = get_category_by_slug(seller, "oncologist")
    registration.set_category_rules(oncologist, fees=FEES, cancellation_fee="50.00")
    nurse = registration.create_category(seller, name="Oncology nurse")
    registration.set_category_rules(nurse, fees=NURSE_FEES)
    db.session.commit()
    return oncologist, nurse


@pytest.fixture
def books(seller, categories, register, organizer):
    """Money of every kind; returns the registrations by role."""
    people = {}
    people["bank"] = register(seller)
    record_payment(people["bank"], kind="bank_transfer", amount=str(people["bank"].fee_amount))
    people["cash"] = register(seller, "oncology-nurse")
    record_payment(people["cash"], kind="cash", amount="180.00")
    people["card"] = register(seller)
    record_payment(people["card"], kind="card_on_site", amount="450.00")
    people["online"] = register(seller, "oncology-nurse")
    record_payment(people["online"], kind="online", online=True, amount="180.00")
    people["waived"] = register(seller, "oncology-nurse")
    record_payment(people["waived"], kind="waived")
    people["partly_waived"] = register(seller)
    record_payment(people["partly_waived"], kind="waived", amount="100.00")
    record_payment(people["partly_waived"], kind="cash", amount="350.00")
    people["refunded"] = register(seller)
    record_payment(people["refunded"], kind="bank_transfer", amount="450.00")
    db.session.commit()
    registration.cancel_registration(people["refunded"], by=organizer, reason="Ill")
    people["reverse_charge"] = register(seller)
    invoicing.request_invoice(people["reverse_charge"], HEIDELBERG)
    people["pay_by_invoice"] = register(seller, "oncology-nurse")
    invoicing.request_invoice(
        people["pay_by_invoice"],
        {"name": "Charité Berlin", "address": "Charitéplatz 1\n10117 Berlin", "country": "AT"},
    )
    db.session.commit()
    sponsor = money.invoice_order(
        seller,
        Buyer(name="Roche Austria GmbH", address="Engelhorngasse 3\n1210 Wien", country="AT"),
        [LineIn("sponsorship", "Gold sponsorship package", Decimal("12000.00"))],
        source="sponsorship",
        source_key="gold-1",
    )
    money.record_invoice_payment(sponsor, "5000.00", method="bank_transfer")
    db.session.commit()
    people["sponsor_invoice"] = sponsor
    return people


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def column_sum(rows: list[dict], column: str) -> Decimal:
    return sum((Decimal(row[column]) for row in rows), Decimal("0.00"))
