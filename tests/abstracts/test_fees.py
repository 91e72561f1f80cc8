"""The optional abstract fee: awaiting fee, paying by invoice, country and manual waivers."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from conference.abstracts import decisions, fees, review
from conference.abstracts.models import FeeStatus
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.money import services as money
from conference.program import services as program_services
from tests.factories import set_up_seller


@pytest.fixture
def seller(congress):
    return set_up_seller(congress)


@pytest.fixture
def with_fee(congress):
    program_services.update_congress(
        congress, abstract_fee="75", abstract_fee_waiver_countries=["UG", "MW"]
    )
    db.session.commit()
    return congress


BUYER = money.Buyer(
    name="Ana Author",
    address="Währinger Gürtel 18-20\n1090 Wien",
    country="AT",
    email="ana.author@example.org",
)


def test_without_a_fee_nothing_changes(make_abstract, pool, congress):
    abstract = make_abstract()
    assert abstract.fee_status == FeeStatus.NONE and abstract.is_complete
    assert review.assign_reviewers(congress).assigned == 3


def test_an_unpaid_abstract_is_not_assigned_reviewed_or_decided(
    with_fee, make_abstract, pool, congress
):
    abstract = make_abstract()
    assert abstract.fee_status == FeeStatus.AWAITING
    assert abstract.fee_amount == Decimal("75.00")
    assert not abstract.is_complete
    summary = review.assign_reviewers(congress)
    assert summary.assigned == 0
    with pytest.raises(Conflict) as caught:
        review.add_reviewer(abstract, pool[0])
    assert caught.value.code == "fee_unpaid"
    with pytest.raises(Conflict) as caught:
        decisions.decide_abstract(abstract, "oral", confirm_incomplete=True)
    assert caught.value.code == "fee_unpaid"


def test_recording_the_invoice_payment_makes_it_complete(
    with_fee, seller, make_abstract, pool, congress
):
    abstract = make_abstract()
    invoice = fees.invoice_fee(abstract, BUYER)
    db.session.commit()
    assert invoice.lines[0].item_type == "abstract_fee"
    assert invoice.total_gross == Decimal("75.00")
    assert abstract.fee_invoice_number == invoice.number
    assert fees.invoice_fee(abstract, BUYER).id == invoice.id  # once
    money.record_invoice_payment(invoice, "40.00", reference="part")
    db.session.commit()
    assert abstract.fee_status == FeeStatus.AWAITING  # partly paid is not paid
    money.record_invoice_payment(invoice, "35.00", reference="rest")
    db.session.commit()
    assert abstract.fee_status == FeeStatus.PAID and abstract.fee_paid_at is not None
    assert abstract.is_complete
    assert review.assign_reviewers(congress).assigned == 3


def test_invoice_needs_the_seller_profile(with_fee, make_abstract):
    abstract = make_abstract()
    with pytest.raises(Conflict) as caught:
        fees.invoice_fee(abstract, BUYER)
    assert caught.value.code == "seller_profile_incomplete"


def test_a_country_on_the_waiver_list_is_waived_at_once(with_fee, make_abstract, pool, congress):
    abstract = make_abstract(
        authors=[
            {
                "name": "Sarah Namukasa",
                "email": "ana.author@example.org",
                "affiliation": "Makerere University, Kampala",
                "country": "UG",
                "presenting": True,
                "disclosures": [],
                "nothing_to_disclose": True,
            }
        ]
    )
    assert abstract.fee_status == FeeStatus.WAIVED
    assert "UG" in abstract.fee_waiver_reason
    assert abstract.fee_waived_at is not None and abstract.fee_waived_by_id is None
    assert abstract.is_complete
    assert review.assign_reviewers(congress).assigned == 3


def test_the_default_waiver_list_is_the_world_bank_low_income_list(congress):
    program_services.update_congress(congress, abstract_fee="50")
    assert congress.abstract_fee_waiver_countries is None
    assert "MW" in fees.waiver_countries(congress) and "AT" not in fees.waiver_countries(congress)


def test_an_organizer_waives_by_hand_with_a_reason(
    with_fee, seller, make_abstract, organizer, congress
):
    abstract = make_abstract()
    invoice = fees.invoice_fee(abstract, BUYER)
    with pytest.raises(ValidationFailed) as caught:
        fees.waive_fee(abstract, organizer, "  ")
    assert "reason" in caught.value.fields
    fees.waive_fee(abstract, organizer, "Invited speaker")
    db.session.commit()
    assert abstract.fee_status == FeeStatus.WAIVED and abstract.is_complete
    assert abstract.fee_waived_by_id == organizer.id
    assert abstract.fee_waiver_reason == "Invited speaker"
    assert fees.fee_invoice(abstract) is None  # the unpaid invoice was cancelled
    assert invoice.credit_notes
    with pytest.raises(Conflict):
        fees.waive_fee(abstract, organizer, "again")


@pytest.mark.parametrize(
    "value, field",
    [("-1", "abstract_fee"), ("abc", "abstract_fee"), ("1.234", "abstract_fee")],
)
def test_bad_fee_settings_are_refused(congress, value, field):
    with pytest.raises(ValidationFailed) as caught:
        program_services.update_congress(congress, abstract_fee=value)
    assert field in caught.value.fields


def test_unknown_waiver_country_is_refused(congress):
    with pytest.raises(ValidationFailed) as caught:
        program_services.update_congress(congress, abstract_fee_waiver_countries=["XX"])
    assert "abstract_fee_waiver_countries" in caught.value.fields


# -- API ----------------------------------------------------------------------------------------


def test_organizer_sets_the_fee_through_the_congress_api(client, api_token, organizer, congress):
    response = client.patch(
        "/api/v1/congresses/met26/conference",
        json={"abstract_fee": "75", "abstract_fee_waiver_countries": ["ug", "MW"]},
        headers=api_token(organizer),
    )
    assert response.status_code == 200, response.json
    rules = response.json["abstract_rules"]
    assert rules["abstract_fee"] == "75.00"
    assert rules["abstract_fee_waiver_countries"] == ["MW", "UG"]
    bad = client.patch(
        "/api/v1/congresses/met26/conference",
        json={"abstract_fee": "-5"},
        headers=api_token(organizer),
    )
    assert bad.status_code == 422 and "abstract_fee" in json.dumps(bad.json)


def test_fee_fields_invoice_and_waiver_through_the_api(
    client, api_token, with_fee, seller, make_abstract, author, organizer, create_user
):
    abstract = make_abstract()
    own = client.get(f"/api/v1/congresses/met26/abstracts/{abstract.id}", headers=api_token(author))
    assert own.json["fee"]["status"] == "awaiting" and own.json["fee"]["amount"] == "75.00"
    assert own.json["fee"]["is_complete"] is False
    buyer = {"name": "Ana Author", "address": "Währinger Gürtel 18\n1090 Wien", "country": "AT"}
    stranger = create_user(name="Someone Else", email="someone@example.org")
    assert (
        client.post(
            f"/api/v1/congresses/met26/abstracts/{abstract.id}/fee/invoice",
            json=buyer,
            headers=api_token(stranger),
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/congresses/met26/abstracts/{abstract.id}/fee/invoice",
            json={},
            headers=api_token(author),
        ).status_code
        == 422
    )
    issued = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/fee/invoice",
        json=buyer,
        headers=api_token(author),
    )
    assert issued.status_code == 200, issued.json
    assert issued.json["fee"]["invoice_number"].startswith("MET26-")
    # Authors cannot waive their own fee.
    refused = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/fee/waiver",
        json={"reason": "please"},
        headers=api_token(author),
    )
    assert refused.status_code == 403
    waived = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/fee/waiver",
        json={"reason": "Invited speaker"},
        headers=api_token(organizer),
    )
    assert waived.status_code == 200, waived.json
    assert waived.json["fee"]["status"] == "waived"
    assert waived.json["fee"]["waiver_reason"] == "Invited speaker"
    again = client.post(
        f"/api/v1/congresses/met26/abstracts/{abstract.id}/fee/waiver",
        json={"reason": "twice"},
        headers=api_token(organizer),
    )
    assert again.status_code == 409


# -- pages --------------------------------------------------------------------------------------


def test_author_page_says_what_is_owed_and_issues_the_invoice(
    client, auth, with_fee, seller, make_abstract, author
):
    abstract = make_abstract()
    auth.login(author)
    page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
    assert "Abstract fee owed: 75.00" in page and 'id="fee-invoice-form"' in page
    missing = client.post(
        f"/met26/abstracts/{abstract.id}/fee/invoice",
        data={"buyer_name": "", "buyer_address": "Spitalgasse 23", "buyer_country": "AT"},
    )
    assert missing.status_code == 422
    assert "Spitalgasse 23" in missing.get_data(as_text=True)  # kept what was typed
    done = client.post(
        f"/met26/abstracts/{abstract.id}/fee/invoice",
        data={
            "buyer_name": "Ana Author",
            "buyer_address": "Währinger Gürtel 18\n1090 Wien",
            "buyer_country": "AT",
        },
    )
    assert done.status_code == 302
    page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
    assert abstract.fee_invoice_number in page and "AT611904300234573201" in page


def test_only_the_submitter_asks_for_the_invoice(
    client, auth, with_fee, seller, make_abstract, create_user
):
    abstract = make_abstract()
    auth.login(create_user(name="Not An Author", email="not.author@example.org"))
    response = client.post(
        f"/met26/abstracts/{abstract.id}/fee/invoice",
        data={"buyer_name": "X", "buyer_address": "Y", "buyer_country": "AT"},
    )
    assert response.status_code == 404


def test_organizer_sees_the_fee_status_and_waives_by_hand(
    client, auth, with_fee, make_abstract, organizer, author
):
    abstract = make_abstract()
    auth.login(organizer)
    listing = client.get("/met26/manage/abstracts").get_data(as_text=True)
    assert "awaiting fee" in listing
    empty = client.post(f"/met26/manage/abstracts/{abstract.id}/fee/waiver", data={"reason": ""})
    assert empty.status_code == 422 and "Give a reason" in empty.get_data(as_text=True)
    done = client.post(
        f"/met26/manage/abstracts/{abstract.id}/fee/waiver",
        data={"reason": "Invited <b>speaker</b>"},
    )
    assert done.status_code == 302
    detail = client.get(f"/met26/manage/abstracts/{abstract.id}").get_data(as_text=True)
    assert "Invited &lt;b&gt;speaker&lt;/b&gt;" in detail
    assert abstract.fee_status == FeeStatus.WAIVED


def test_authors_cannot_waive_on_the_organizer_page(client, auth, with_fee, make_abstract, author):
    abstract = make_abstract()
    auth.login(author)
    response = client.post(
        f"/met26/manage/abstracts/{abstract.id}/fee/waiver", data={"reason": "x"}
    )
    assert response.status_code in (403, 404)
    assert abstract.fee_status == FeeStatus.AWAITING


def test_settings_page_sets_the_fee_with_errors_by_the_field(client, auth, organizer, congress):
    auth.login(organizer)
    page = client.get("/met26/manage/congress").get_data(as_text=True)
    assert "MW" in page  # the default waiver list is shown


def test_organizer_records_the_payment_on_the_invoice_page(
    client, auth, with_fee, seller, make_abstract, organizer, pool, congress
):
    abstract = make_abstract()
    invoice = fees.invoice_fee(abstract, BUYER)
    db.session.commit()
    auth.login(organizer)
    response = client.post(
        f"/met26/manage/invoices/{invoice.number}/payments",
        data={
            "payment-amount": "75.00",
            "payment-method": "bank_transfer",
            "payment-reference": invoice.number,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert abstract.fee_status == FeeStatus.PAID and abstract.is_complete
    assert review.assign_reviewers(congress).assigned == 3


def test_withdrawing_cancels_an_unpaid_fee_invoice(with_fee, seller, make_abstract):
    from conference.abstracts import services

    abstract = make_abstract()
    invoice = fees.invoice_fee(abstract, BUYER)
    services.withdraw_abstract(abstract)
    db.session.commit()
    assert fees.fee_invoice(abstract) is None and invoice.credit_notes
