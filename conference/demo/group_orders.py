"""Demo group order: a hospital orders five places for its oncologists on one invoice, names
them, and pays the invoice by bank transfer. Loaded after the money demo (the invoice needs the
organizer's seller profile)."""

from __future__ import annotations

from conference.demo import DemoResult
from conference.extensions import db
from conference.money import services as money
from conference.registration import group_orders

HOSPITAL = {
    "name": "Allgemeines Krankenhaus der Stadt Wien (AKH)",
    "address": "Währinger Gürtel 18-20\n1090 Wien",
    "country": "AT",
    "vat_id": "",
    "po_number": "AKH-ONK-2026-031",
}
DOCTORS = [
    ("Katharina", "Hofbauer"),
    ("Mehmet", "Y\u0131lmaz"),
    ("Dragana", "Petrović"),
    ("Lukas", "Wagner"),
    ("Αικατερίνη", "Παπαδοπούλου"),
]


def load(result: DemoResult, size: str = "small") -> None:
    congress = result.congress
    _order, invoice = group_orders.create_group_order(
        congress,
        {"name": HOSPITAL["name"], "email": "kongressreisen@akh.example.org"},
        HOSPITAL,
        [{"category": "oncologist", "quantity": len(DOCTORS)}],
        delegates=[
            {
                "first_name": first,
                "last_name": last,
                "email": f"oncology.{index}@akh.example.org",
                "affiliation": "Universitätsklinik für Innere Medizin I, AKH Wien",
            }
            for index, (first, last) in enumerate(DOCTORS, start=1)
        ],
    )
    if invoice is not None:
        # The hospital's accounts department pays the invoice by bank transfer.
        money.record_invoice_payment(
            invoice,
            invoice.total_gross,
            method="bank_transfer",
            reference=f"{HOSPITAL['po_number']} {invoice.number}",
        )
    db.session.flush()
