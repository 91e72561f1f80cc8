"""Invoices and credit notes through the money services: numbers, VAT, immutability."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.money import services
from conference.money.models import DocumentKind, Invoice, InvoiceImmutable, OrderStatus, VatIdCheck
from conference.money.queries import get_balance
from conference.money.services import Buyer, LineIn
from conference.money.vat import REVERSE_CHARGE_MENTION, line_amounts

from .conftest import AUSTRIAN_VAT_ID, registration_line


def test_invoice_numbers_follow_each_other_in_the_series(invoice_for, person):
    first = invoice_for(person)
    second = invoice_for(person)
    year = first.issue_date.year
    assert first.number == f"MET26-{year}-00001"
    assert second.number == f"MET26-{year}-00002"


def test_each_series_counts_on_its_own(invoice_for, person):
    fees = invoice_for(person)
    sponsorship = invoice_for(
        person,
        [LineIn("sponsorship", "Gold sponsorship package", Decimal("12000.00"))],
        series_code="MET26S",
    )
    assert fees.sequence == 1 and sponsorship.sequence == 1
    assert sponsorship.number.startswith("MET26S-")


def test_a_rolled_back_issue_leaves_no_gap(invoice_for, seller, person):
    invoice_for(person)
    services.invoice_order(
        seller, person, [registration_line()], source="registration", source_key="R-X"
    )
    db.session.rollback()
    third = invoice_for(person)
    assert third.sequence == 2


def test_vat_inclusive_fee_keeps_the_gross_and_derives_the_net(invoice_for, person):
    invoice = invoice_for(person)
    line = invoice.lines[0]
    assert (line.gross_amount, line.net_amount, line.vat_amount) == (
        Decimal("550.00"),
        Decimal("458.33"),
        Decimal("91.67"),
    )
    assert line.vat_rate == Decimal("20.00")
    assert invoice.total_gross == invoice.total_net + invoice.total_vat == Decimal("550.00")


def test_net_prices_add_vat_rounded_half_up_per_line(seller, invoice_for, person):
    services.update_seller_profile(seller, prices_include_vat=False, vat_rate_abstract_fee="10")
    db.session.commit()
    invoice = invoice_for(
        person,
        [
            LineIn("abstract_fee", "Abstract submission fee", Decimal("0.05"), quantity=1),
            LineIn("abstract_fee", "Abstract submission fee (second abstract)", Decimal("0.15")),
        ],
    )
    # 0.05 * 10 % = 0.005 -> 0.01 and 0.015 -> 0.02 (half up, per line, then summed)
    assert [line.vat_amount for line in invoice.lines] == [Decimal("0.01"), Decimal("0.02")]
    assert invoice.total_vat == Decimal("0.03")
    assert invoice.total_gross == Decimal("0.23")


def test_rates_follow_the_item_type(seller, invoice_for, person):
    services.update_seller_profile(seller, vat_rate_sponsorship="20", vat_rate_registration="10")
    db.session.commit()
    invoice = invoice_for(
        person,
        [
            registration_line("110.00"),
            LineIn("sponsorship", "Satellite symposium slot", Decimal("1200.00")),
        ],
    )
    assert [line.vat_rate for line in invoice.lines] == [Decimal("10.00"), Decimal("20.00")]
    assert [line.vat_amount for line in invoice.lines] == [Decimal("10.00"), Decimal("200.00")]


def test_invoice_keeps_the_seller_as_it_was_when_issued(seller, invoice_for, person):
    invoice = invoice_for(person)
    services.update_seller_profile(seller, legal_name="Renamed Congress GmbH")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).seller_name.startswith("Wiener Onkologie")


# -- reverse charge -----------------------------------------------------------------------------


def test_business_in_another_eu_country_with_valid_vat_id_gets_reverse_charge(
    invoice_for, german_hospital
):
    invoice = invoice_for(german_hospital)
    assert invoice.is_reverse_charge
    assert invoice.buyer_vat_id == "DE136695976"
    assert invoice.buyer_vat_id_check == VatIdCheck.VALID
    assert invoice.legal_mention == REVERSE_CHARGE_MENTION
    line = invoice.lines[0]
    assert (line.vat_rate, line.vat_amount) == (Decimal("0.00"), Decimal("0.00"))
    assert invoice.total_gross == invoice.total_net == Decimal("458.33")


def test_business_in_the_sellers_own_country_pays_vat(invoice_for):
    vienna = Buyer(
        name="Medizinische Universität Wien",
        address="Spitalgasse 23\n1090 Wien",
        country="AT",
        vat_id=AUSTRIAN_VAT_ID,
    )
    invoice = invoice_for(vienna)
    assert not invoice.is_reverse_charge
    assert invoice.buyer_vat_id_check == VatIdCheck.VALID
    assert invoice.total_vat == Decimal("91.67")


def test_private_person_abroad_pays_vat(invoice_for, person):
    invoice = invoice_for(person)
    assert not invoice.is_reverse_charge
    assert invoice.buyer_vat_id_check == VatIdCheck.NONE
    assert invoice.total_vat == Decimal("91.67")


def test_vat_id_with_wrong_check_digits_is_refused(seller, german_hospital):
    german_hospital.vat_id = "DE136695977"
    with pytest.raises(ValidationFailed) as caught:
        services.invoice_order(
            seller, german_hospital, [registration_line()], source="registration", source_key="1"
        )
    assert "buyer_vat_id" in caught.value.fields


def test_vat_id_outside_the_eu_gets_no_reverse_charge(invoice_for):
    basel = Buyer(
        name="Universitätsspital Basel",
        address="Petersgraben 4\n4031 Basel",
        country="CH",
        vat_id="CHE-116.281.710 MWST",
    )
    invoice = invoice_for(basel)
    assert not invoice.is_reverse_charge
    assert invoice.buyer_vat_id_check == VatIdCheck.UNCHECKED
    assert invoice.total_vat == Decimal("91.67")


def test_line_amounts_under_reverse_charge_with_net_prices():
    amounts = line_amounts(
        Decimal("100.00"), 3, Decimal("20"), prices_include_vat=False, reverse_charge=True
    )
    assert (amounts.net, amounts.vat, amounts.gross) == (
        Decimal("300.00"),
        Decimal("0.00"),
        Decimal("300.00"),
    )


# -- credit notes -------------------------------------------------------------------------------


def test_cancellation_issues_a_credit_note_negating_every_line(invoice_for, person):
    invoice = invoice_for(
        person,
        [registration_line(), LineIn("registration", "Gala dinner ticket", Decimal("85.00"))],
    )
    note = services.cancel_invoice(invoice, "Registration cancelled by the attendee.")
    db.session.commit()
    assert note.kind == DocumentKind.CREDIT_NOTE
    assert note.corrects_id == invoice.id
    assert note.number == f"MET26-CN-{note.issue_date.year}-00001"
    assert [line.gross_amount for line in note.lines] == [Decimal("-550.00"), Decimal("-85.00")]
    assert note.total_net == -invoice.total_net
    assert note.total_vat == -invoice.total_vat
    assert invoice.order.status == OrderStatus.CANCELLED
    balance = get_balance(invoice)
    assert (balance.outstanding, balance.creditable) == (Decimal("0.00"), Decimal("0.00"))


def test_an_invoice_cannot_be_cancelled_twice(invoice_for, person):
    invoice = invoice_for(person)
    services.cancel_invoice(invoice, "Cancelled.")
    with pytest.raises(Conflict):
        services.cancel_invoice(invoice, "Cancelled again.")


def test_refund_issues_a_credit_note_for_the_refunded_amount(invoice_for, person):
    invoice = invoice_for(person)
    services.record_invoice_payment(invoice, "550.00", method="bank_transfer", reference="SEPA")
    note = services.refund_invoice(invoice, "500.00", "Cancellation before the deadline.")
    db.session.commit()
    assert note.total_gross == Decimal("-500.00")
    assert (note.total_net, note.total_vat) == (Decimal("-416.67"), Decimal("-83.33"))
    assert note.lines[0].vat_rate == Decimal("20.00")
    balance = get_balance(invoice)
    assert balance.paid == Decimal("50.00")
    assert balance.credited == Decimal("500.00")
    assert balance.outstanding == Decimal("0.00")


def test_refund_spreads_over_lines_keeping_their_rates(seller, invoice_for, person):
    services.update_seller_profile(seller, vat_rate_sponsorship="10")
    db.session.commit()
    invoice = invoice_for(
        person,
        [
            registration_line("600.00"),
            LineIn("sponsorship", "Exhibitor listing", Decimal("400.00")),
        ],
    )
    services.record_invoice_payment(invoice, "1000.00")
    note = services.refund_invoice(invoice, "100.00", "Goodwill refund.")
    assert [line.gross_amount for line in note.lines] == [Decimal("-60.00"), Decimal("-40.00")]
    assert [line.vat_rate for line in note.lines] == [Decimal("20.00"), Decimal("10.00")]


def test_cancelling_after_a_partial_refund_credits_what_remains(invoice_for, person):
    invoice = invoice_for(person)
    services.record_invoice_payment(invoice, "550.00")
    services.refund_invoice(invoice, "110.00", "Dinner not attended.")
    note = services.cancel_invoice(invoice, "Registration cancelled.")
    assert note.total_gross == Decimal("-440.00")
    assert get_balance(invoice).creditable == Decimal("0.00")
    with pytest.raises(Conflict):
        services.cancel_invoice(invoice, "Again.")


def test_refund_beyond_what_was_paid_is_refused(invoice_for, person):
    invoice = invoice_for(person)
    services.record_invoice_payment(invoice, "100.00")
    with pytest.raises(ValidationFailed) as caught:
        services.refund_invoice(invoice, "200.00", "Too much.")
    assert "amount" in caught.value.fields


def test_correction_cancels_and_reissues_with_the_payment_moved(
    invoice_for, person, german_hospital
):
    invoice = invoice_for(person)
    services.record_invoice_payment(invoice, "550.00")
    note, new = services.correct_invoice(
        invoice, german_hospital, "The hospital pays, not Dr Łukasiewicz."
    )
    db.session.commit()
    assert note.corrects_id == invoice.id
    assert new.buyer_name.startswith("Universitätsklinikum") and new.is_reverse_charge
    assert get_balance(invoice).outstanding == Decimal("0.00")
    assert get_balance(new).paid == Decimal("550.00")


def test_free_order_gets_no_invoice(seller, person):
    invoice = services.invoice_order(
        seller,
        person,
        [registration_line("0.00", "Invited faculty registration")],
        source="registration",
        source_key="R-FREE",
    )
    assert invoice is None


def test_no_invoice_without_a_complete_seller_profile(congress, person):
    with pytest.raises(Conflict) as caught:
        services.invoice_order(
            congress, person, [registration_line()], source="registration", source_key="R-1"
        )
    assert caught.value.code == "seller_profile_incomplete"


def test_bad_order_lines_are_refused_with_field_errors(seller, person):
    with pytest.raises(ValidationFailed) as caught:
        services.invoice_order(
            seller,
            person,
            [LineIn("hotel", "Hotel night", Decimal("100")), registration_line("-5.00")],
            source="registration",
            source_key="R-1",
        )
    assert set(caught.value.fields) == {"lines.0", "lines.1"}


# -- immutability -------------------------------------------------------------------------------


def test_service_refuses_to_change_an_issued_invoice(invoice_for, person):
    invoice = invoice_for(person)
    invoice.buyer_name = "Someone else"
    with pytest.raises(InvoiceImmutable):
        db.session.flush()
    db.session.rollback()
    invoice = db.session.get(Invoice, invoice.id)
    invoice.lines[0].net_amount = Decimal("1.00")
    with pytest.raises(InvoiceImmutable):
        db.session.flush()


def test_service_refuses_a_line_added_to_an_issued_invoice(invoice_for, person):
    from conference.money.models import InvoiceLine

    invoice = invoice_for(person)
    invoice.lines.append(
        InvoiceLine(
            position=9,
            item_type="registration",
            description="Extra",
            quantity=1,
            unit_price=Decimal("1.00"),
            net_amount=Decimal("1.00"),
            vat_rate=Decimal("0.00"),
            vat_amount=Decimal("0.00"),
            gross_amount=Decimal("1.00"),
        )
    )
    with pytest.raises(InvoiceImmutable):
        db.session.flush()


def test_database_refuses_to_update_an_issued_invoice(invoice_for, person):
    invoice = invoice_for(person)
    with pytest.raises(Exception, match="never change"), db.engine.begin() as connection:
        connection.execute(
            text("UPDATE money_invoices SET buyer_name = 'x' WHERE id = :id"),
            {"id": invoice.id},
        )
    with pytest.raises(Exception, match="never change"), db.engine.begin() as connection:
        connection.execute(
            text("UPDATE money_invoice_lines SET net_amount = 0 WHERE invoice_id = :id"),
            {"id": invoice.id},
        )


def _second_congress(short_name="SAB27"):
    """Another congress on the installation, e.g. the same organizer's sister meeting."""
    from datetime import date

    from conference.congresses.copying import new_congress

    congress = new_congress(
        copy_from=None,
        slug=short_name.lower(),
        name="Symposium on Bone Metastases 2027",
        short_name=short_name,
        starts_on=date(2027, 3, 4),
        ends_on=date(2027, 3, 5),
    )
    db.session.commit()
    return congress


def test_the_same_legal_entity_cannot_number_two_congresses_in_one_series(invoice_for, person):
    from tests.factories import SELLER

    invoice_for(person)  # MET26 issued by the seller of the first congress
    sister = _second_congress()
    with pytest.raises(ValidationFailed) as refused:
        services.update_seller_profile(sister, **SELLER)  # same VAT id, same series MET26
    db.session.rollback()
    [message] = refused.value.fields["invoice_series"]
    assert "International Congress on Cancer Metastasis" in message
    # Another series, or another legal entity with the same code, is fine.
    services.update_seller_profile(sister, **{**SELLER, "invoice_series": "SAB27"})
    db.session.commit()
    third = _second_congress("LYM27")
    services.update_seller_profile(
        third, **{**SELLER, "vat_id": AUSTRIAN_VAT_ID, "invoice_series": "MET26"}
    )
    db.session.commit()
    # Moving the sister meeting onto the first congress's series is refused too.
    with pytest.raises(ValidationFailed):
        services.update_seller_profile(sister, invoice_series="met26")
    db.session.rollback()


def test_an_invoice_is_refused_while_another_congress_of_the_entity_numbers_its_series(
    invoice_for, seller, person
):
    from conference.money.models import SellerProfile
    from tests.factories import SELLER

    first = invoice_for(person)
    sister = _second_congress()
    services.update_seller_profile(sister, **{**SELLER, "invoice_series": "SAB27"})
    db.session.commit()
    # A clash made before the check existed (or behind the services' back).
    db.session.execute(
        SellerProfile.__table__.update()
        .where(SellerProfile.congress_id == sister.id)
        .values(invoice_series="MET26")
    )
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(Conflict) as refused:
        services.invoice_order(
            sister, person, [registration_line()], source="registration", source_key="S-1"
        )
    assert refused.value.code == "invoice_series_in_use"
    db.session.rollback()
    services.update_seller_profile(sister, invoice_series="SAB27")
    db.session.commit()
    invoice = services.invoice_order(
        sister, person, [registration_line()], source="registration", source_key="S-1"
    )
    db.session.commit()
    assert invoice.number.startswith("SAB27-") and invoice.sequence == 1
    assert first.number.startswith("MET26-")
