"""Demo data of the money domain: the organizer's seller profile and a few invoices."""

from __future__ import annotations

from decimal import Decimal

from conference.demo import DemoResult
from conference.money import services
from conference.money.services import Buyer, LineIn


def load(result: DemoResult, size: str = "small") -> None:
    """The Viennese organizer (Austrian VAT, 20 % on fees, VAT-inclusive) and three invoices."""
    congress = result.congress
    services.update_seller_profile(
        congress,
        legal_name="Metastasis Research Society Kongress GmbH",
        address="Bruno-Kreisky-Platz 1\n1220 Wien",
        country="AT",
        vat_id="ATU13585627",
        registration_number="FN 123456a, Handelsgericht Wien",
        account_holder="Metastasis Research Society Kongress GmbH",
        iban="AT611904300234573201",
        bic="BKAUATWW",
        bank_name="UniCredit Bank Austria AG",
        payment_terms_days=30,
        prices_include_vat=True,
        vat_rate_registration="20",
        vat_rate_abstract_fee="20",
        vat_rate_sponsorship="20",
        invoice_series=congress.short_name.upper()[:12] or "INV",
    )
    hospital = Buyer(
        name="Universitätsklinikum Heidelberg",
        address="Im Neuenheimer Feld 460\n69120 Heidelberg",
        country="DE",
        vat_id="DE136695976",
        email="kongresse@example.org",
    )
    group = services.invoice_order(
        congress,
        hospital,
        [
            LineIn(
                "registration",
                "Registration: oncologist, early fee (3 staff members)",
                Decimal("480.00"),
                quantity=3,
            )
        ],
        source="demo",
        source_key="group-heidelberg",
    )
    services.record_invoice_payment(group, "1200.00", reference="SEPA HD-2026-118")
    person = Buyer(
        name="Zofia Łukasiewicz",
        address="ul. Marszałkowska 12/4\n00-590 Warszawa",
        country="PL",
        email="zofia@example.org",
    )
    single = services.invoice_order(
        congress,
        person,
        [LineIn("registration", "Registration: oncologist, early fee", Decimal("480.00"))],
        source="demo",
        source_key="single-warsaw",
    )
    services.record_invoice_payment(single, "480.00", method="card")
    services.refund_invoice(single, "408.00", "Cancelled before the refund deadline.")
    services.invoice_order(
        congress,
        Buyer(
            name="Oncora Therapeutics SAS",
            address="12 rue de la Paix\n75002 Paris",
            country="FR",
            vat_id="FR40303265045",
        ),
        [LineIn("sponsorship", "Satellite symposium slot, day 2", Decimal("15000.00"))],
        source="demo",
        source_key="sponsor-oncora",
    )
    # Individual invoices, some paid: enough rows for the list pages to show their query counts.
    people = (
        ("Ingrid Øvergaard", "Sognsvannsveien 20\n0372 Oslo", "NO"),
        ("Javier Muñoz Ortega", "Calle de Alcalá 45\n28014 Madrid", "ES"),
        ("Chen Jing 陈静", "Xueyuan Road 38\n100191 Beijing", "CN"),
        ("Léa Dubois", "12 avenue Jean Jaurès\n69007 Lyon", "FR"),
        ("Oleksandr Kovalenko", "vul. Khreshchatyk 22\n01001 Kyiv", "UA"),
    )
    for index in range(len(people) * (8 if size == "large" else 1)):
        name, address, country = people[index % len(people)]
        invoice = services.invoice_order(
            congress,
            Buyer(name=name, address=address, country=country),
            [LineIn("abstract_fee", "Abstract submission fee", Decimal("75.00"))],
            source="demo",
            source_key=f"abstract-fee-{index + 1}",
        )
        if index % 2 == 0:
            services.record_invoice_payment(invoice, "75.00", method="card")
