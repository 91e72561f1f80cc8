"""Demo group orders: two hospitals each order five places for their doctors on one invoice
and name them; the AKH Wien has paid by bank transfer, the Hôpital Saint-Louis (AP-HP) has
not yet (its invoice is outstanding). Loaded after the money demo (the invoices need the
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


SAINT_LOUIS = {
    "name": "Hôpital Saint-Louis, AP-HP",
    "address": "1 avenue Claude-Vellefaux\n75010 Paris",
    "country": "FR",
    "vat_id": "",
    "po_number": "APHP-SLS-2026-0412",
}
SAINT_LOUIS_DOCTORS = [
    ("Élodie", "Marchand"),
    ("Karim", "Benhaddou"),
    ("Thu Trang", "Nguyễn"),
    ("François", "Lefèvre-Duval"),
    ("Aïssatou", "Diallo"),
]


def load(result: DemoResult, size: str = "small") -> None:
    _load_akh(result)
    _load_saint_louis(result)
    db.session.flush()


def _load_saint_louis(result: DemoResult) -> None:
    """Five haematologists of the Hôpital Saint-Louis, named; the invoice is not paid yet."""
    group_orders.create_group_order(
        result.congress,
        {"name": SAINT_LOUIS["name"], "email": "congres.hematologie@aphp.example.fr"},
        SAINT_LOUIS,
        [{"category": "oncologist", "quantity": len(SAINT_LOUIS_DOCTORS)}],
        delegates=[
            {
                "first_name": first,
                "last_name": last,
                "email": f"hematologie.{index}@aphp.example.fr",
                "affiliation": "Service d'hématologie adultes, Hôpital Saint-Louis, AP-HP, Paris",
            }
            for index, (first, last) in enumerate(SAINT_LOUIS_DOCTORS, start=1)
        ],
    )


def _load_akh(result: DemoResult) -> None:
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
