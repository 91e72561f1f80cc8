"""Fixtures of the money tests: a congress whose organizer has filled in the seller profile."""

from __future__ import annotations

from decimal import Decimal

import pytest

from conference.extensions import db
from conference.money import services
from conference.money.services import Buyer, LineIn
from tests.factories import set_up_seller

#: Real-looking, valid identifiers (check digits verified by python-stdnum).
SELLER_VAT_ID = "ATU13585627"
GERMAN_VAT_ID = "DE136695976"
AUSTRIAN_VAT_ID = "ATU10223006"
SELLER_IBAN = "AT611904300234573201"


@pytest.fixture
def seller(congress):
    """The congress with an Austrian organizer, fees VAT-inclusive at 20 %."""
    return set_up_seller(congress)


@pytest.fixture
def person():
    return Buyer(
        name="Zofia Łukasiewicz-Dąbrowska",
        address="ul. Marszałkowska 12/4\n00-590 Warszawa",
        country="PL",
        email="zofia@example.org",
    )


@pytest.fixture
def german_hospital():
    return Buyer(
        name="Universitätsklinikum Heidelberg, Nationales Centrum für Tumorerkrankungen",
        address="Im Neuenheimer Feld 460\n69120 Heidelberg",
        country="DE",
        vat_id=GERMAN_VAT_ID,
        email="kongresse@med.uni-heidelberg.example",
    )


def registration_line(amount="550.00", description="Registration MET26: Oncologist, regular fee"):
    return LineIn("registration", description, Decimal(amount))


@pytest.fixture
def invoice_for(seller):
    """Issue and commit an invoice for a buyer and lines (default: one 550.00 registration)."""

    counter = iter(range(1, 10_000))

    def make(buyer, lines=None, **kwargs):
        invoice = services.invoice_order(
            seller,
            buyer,
            lines or [registration_line()],
            source="registration",
            source_key=f"R-{next(counter):05d}",
            **kwargs,
        )
        db.session.commit()
        return invoice

    return make


# The books of the overview and reconciliation tests (tests/money/money_data.py).
from tests.money.money_data import books, categories, register  # noqa: E402, F401
