"""Packages, sponsors, contacts, logos, benefits, the sponsor's invoice and the contract."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from conference import storage
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.industry import documents, queries, services
from conference.money.queries import get_active_invoice
from tests.factories import set_up_seller
from tests.industry.conftest import GOLD_BENEFITS, PNG


def test_package_needs_name_price_and_a_number(congress):
    with pytest.raises(ValidationFailed) as caught:
        services.create_package(congress, name="", price="abc", available=-1)
    assert set(caught.value.fields) == {"name", "price", "available"}


def test_package_names_are_unique_per_congress(congress, gold):
    with pytest.raises(Conflict) as caught:
        services.create_package(congress, name="gold", price="1", available=1)
    assert "name" in caught.value.fields


def test_sign_up_copies_the_benefits_and_counts_the_sale(congress, gold):
    sponsor = services.sign_up_sponsor(congress, gold, name="Oncora Therapeutics")
    db.session.commit()
    assert [b.name for b in sponsor.benefits] == GOLD_BENEFITS
    assert gold.sold == 1 and gold.remaining == 2


def test_a_package_is_never_sold_beyond_what_is_available(congress, silver):
    services.update_package(silver, available=2)
    for name in ("A", "B"):
        services.sign_up_sponsor(congress, silver, name=f"Company {name}")
        db.session.commit()
    with pytest.raises(Conflict) as caught:
        services.sign_up_sponsor(congress, silver, name="Company C")
    assert caught.value.code == "sold_out"
    db.session.rollback()
    db.session.refresh(silver)
    assert silver.sold == 2


def test_available_cannot_go_below_what_was_sold(congress, gold, sponsor_a):
    with pytest.raises(ValidationFailed) as caught:
        services.update_package(gold, available=0)
    assert "available" in caught.value.fields


def test_the_sponsors_invoice_is_issued_by_the_money_domain(congress, gold):
    set_up_seller(congress)
    sponsor = services.sign_up_sponsor(
        congress,
        gold,
        name="Oncora Therapeutics",
        legal_name="Oncora Therapeutics SAS",
        address="12 rue de la Paix\n75002 Paris",
        country="FR",
        vat_id="FR40303265045",
    )
    db.session.commit()
    invoice = get_active_invoice(congress, services.INVOICE_SOURCE, str(sponsor.id))
    assert invoice is not None and sponsor.invoice_number == invoice.number
    assert invoice.lines[0].item_type == "sponsorship"
    # A French company with a VAT id, an Austrian seller whose prices include 20 % VAT:
    # reverse charge, the net price without VAT (the money domain's rule).
    assert invoice.total_vat == Decimal("0.00")
    assert invoice.total_gross == Decimal("20833.33")
    # Issued once: asking again returns the same invoice.
    assert services.issue_sponsor_invoice(sponsor).number == invoice.number


def test_without_a_seller_profile_no_invoice_is_issued(congress, sponsor_a):
    assert sponsor_a.invoice_number is None


def test_contact_people_need_an_account(congress, sponsor_a):
    with pytest.raises(Conflict) as caught:
        services.add_contact(sponsor_a, "nobody@example.org")
    assert "email" in caught.value.fields


def test_contacts_change_only_the_public_profile(congress, sponsor_a):
    services.update_sponsor(
        sponsor_a, by_contact=True, description="Precision oncology.", name="Other", vat_id="X"
    )
    assert sponsor_a.description == "Precision oncology."
    assert sponsor_a.name == "Oncora Therapeutics" and sponsor_a.vat_id == "FR40303265045"


def test_website_must_be_a_web_address(congress, sponsor_a):
    with pytest.raises(ValidationFailed) as caught:
        services.update_sponsor(sponsor_a, website="javascript:alert(1)")
    assert "website" in caught.value.fields


def test_logo_is_stored_and_only_images_are_accepted(congress, sponsor_a):
    with pytest.raises(Conflict) as caught:
        services.set_logo(sponsor_a, b"<svg onload=alert(1)>")
    assert "logo" in caught.value.fields
    services.set_logo(sponsor_a, PNG)
    db.session.commit()
    assert sponsor_a.logo_key.startswith("sponsor-logos/")
    assert storage.get(sponsor_a.logo_key) == PNG


def test_benefits_checklist_records_delivery(congress, sponsor_a, organizer):
    benefit = sponsor_a.benefits[0]
    services.set_benefit_delivered(benefit, True, by=organizer)
    assert benefit.delivered_at is not None and benefit.delivered_by_id == organizer.id
    services.set_benefit_delivered(benefit, False)
    assert benefit.delivered_at is None


def test_contract_is_made_from_the_organizers_template(congress, sponsor_a):
    services.update_contract_template(
        congress, "Agreement\n\n{legal_name} buys {package} for {price}.\n\n{benefits}"
    )
    text = documents.contract_text(sponsor_a, "1 June 2026")
    assert "Oncora Therapeutics SAS buys Gold for 25,000.00 EUR." in text
    assert "• Bag insert" in text
    pdf = PdfReader(io.BytesIO(documents.contract_pdf(sponsor_a)))
    assert "Oncora Therapeutics SAS" in pdf.pages[0].extract_text()


def test_contract_template_refuses_unknown_placeholders(congress):
    with pytest.raises(ValidationFailed) as caught:
        services.update_contract_template(congress, "Dear {ceo_name}")
    assert "{ceo_name}" in caught.value.fields["contract_template"][0]


def test_sponsors_page_lists_by_tier(congress, gold, silver, sponsor_a, sponsor_b):
    tiers = queries.get_sponsors_by_tier(congress)
    assert [(p.name, [s.name for s in sponsors]) for p, sponsors in tiers] == [
        ("Gold", ["Oncora Therapeutics"]),
        ("Silver", ["Helix Biopharma GmbH"]),
    ]


def test_sponsors_managed_by_a_contact_are_only_their_own(congress, sponsor_a, sponsor_b):
    managed = queries.get_sponsors_managed_by(congress, sponsor_a.test_contact)
    assert [s.name for s in managed] == ["Oncora Therapeutics"]
