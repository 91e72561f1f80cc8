"""Released places of a group order are credited on its issued invoice (an issued invoice never
changes): at the naming deadline, by the organizer now, or when the whole order is cancelled."""

from __future__ import annotations

from decimal import Decimal

from conference.extensions import db
from conference.money import services as money
from conference.money.queries import get_balance
from conference.registration import capacity, group_orders
from conference.registration.models import RegistrationStatus
from tests.registration.test_card_payments import seller  # noqa: F401 - fixture
from tests.registration.test_group_orders import (  # noqa: F401 - fixtures
    delegate,
    order,
    two_categories,
)

MIXED = [{"category": "oncologist", "quantity": 3}, {"category": "student-trainee", "quantity": 2}]


def credit_notes(invoice):
    db.session.expire_all()
    return list(invoice.credit_notes)


def test_places_released_at_the_deadline_are_credited_on_the_issued_invoice(two_categories):  # noqa: F811
    congress = two_categories
    created, invoice = order(congress, MIXED)
    _kept, kept_invoice = order(
        congress, [{"category": "oncologist", "quantity": 1}], keep_unfilled=True
    )
    assert invoice.total_gross == Decimal("1650.00")  # 3 x 450 + 2 x 150
    group_orders.fill_delegates(
        created, [delegate(1, category="oncologist"), delegate(2, category="student-trainee")]
    )
    db.session.commit()
    deadline = group_orders.naming_deadline(congress)
    assert group_orders.release_unfilled(congress, now=deadline) == 3
    db.session.commit()
    (note,) = credit_notes(invoice)
    assert note.corrects_id == invoice.id and "-CN-" in note.number
    # Per category: two oncologist places and one student place, at their own price and VAT.
    assert [(line.position, line.quantity, line.gross_amount) for line in note.lines] == [
        (0, 2, Decimal("-900.00")),
        (1, 1, Decimal("-150.00")),
    ]
    assert note.total_gross == Decimal("-1050.00")
    assert note.total_net + note.total_vat == note.total_gross
    assert note.lines[0].vat_amount == Decimal("-150.00")  # 20 % included in 900
    # The invoice itself is unchanged; what it still owes dropped.
    db.session.refresh(invoice)
    assert invoice.total_gross == Decimal("1650.00")
    assert get_balance(invoice).outstanding == Decimal("600.00")
    # The kept order is neither released nor credited; a second run credits nothing more.
    assert credit_notes(kept_invoice) == []
    assert group_orders.release_unfilled(congress, now=deadline) == 0
    assert len(credit_notes(invoice)) == 1


def test_paying_what_is_left_after_the_release_confirms_the_named_delegates(two_categories):  # noqa: F811
    congress = two_categories
    created, invoice = order(congress, MIXED)
    (named,) = group_orders.fill_delegates(created, [delegate(1, category="oncologist")])
    money.record_invoice_payment(invoice, Decimal("450.00"), reference=created.reference)
    db.session.commit()
    assert named.status == RegistrationStatus.AWAITING_PAYMENT
    group_orders.release_unfilled(congress, now=group_orders.naming_deadline(congress))
    db.session.commit()
    assert get_balance(invoice).outstanding == Decimal("0.00")
    assert named.status == RegistrationStatus.CONFIRMED and created.paid_at is not None


def test_the_organizer_releases_unnamed_places_now_from_the_order_page(
    two_categories,  # noqa: F811
    client,
    auth,
    organizer,
):
    congress = two_categories
    created, invoice = order(congress, MIXED)
    group_orders.fill_delegates(created, [delegate(1, category="oncologist")])
    db.session.commit()
    before = capacity.places_taken(congress)
    auth.login(organizer)
    page = client.get(f"/met26/manage/group-orders/{created.reference}").get_data(as_text=True)
    assert 'id="release-form"' in page and "4 places not named yet" in page
    response = client.post(
        f"/met26/manage/group-orders/{created.reference}/release", follow_redirects=True
    )
    assert "4 unnamed places released" in response.get_data(as_text=True)
    assert capacity.places_taken(congress) == before - 4
    (note,) = credit_notes(invoice)
    assert note.total_gross == Decimal("-1200.00")  # 2 x 450 + 2 x 150
    assert get_balance(invoice).outstanding == Decimal("450.00")
    again = client.post(
        f"/met26/manage/group-orders/{created.reference}/release", follow_redirects=True
    )
    assert "Every place of this order is named or released" in again.get_data(as_text=True)
    assert len(credit_notes(invoice)) == 1


def test_cancelling_the_whole_order_cancels_delegates_and_credits_the_invoice_through_the_api(
    two_categories,  # noqa: F811
    client,
    api_token,
    organizer,
):
    congress = two_categories
    created, invoice = order(congress, MIXED)
    (named,) = group_orders.fill_delegates(created, [delegate(1, category="oncologist")])
    db.session.commit()
    url = f"/api/v1/congresses/met26/orders/{created.reference}/cancel"
    assert client.post(url, json={"reason": "x"}).status_code == 401
    missing = client.post(url, json={}, headers=api_token(organizer))
    assert missing.status_code == 422 and "reason" in missing.get_json()["error"]["fields"]
    response = client.post(
        url, json={"reason": "The hospital withdrew."}, headers=api_token(organizer)
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["cancelled_at"] is not None
    assert body["outstanding"] == {"amount": "0.00", "currency": "EUR"}
    assert {place["status"] for place in body["places"]} == {"named", "released"}
    db.session.expire_all()
    assert named.status == RegistrationStatus.CANCELLED
    (note,) = credit_notes(invoice)
    assert note.total_gross == Decimal("-1650.00")
    assert capacity.places_taken(congress) == 0
    again = client.post(url, json={"reason": "twice"}, headers=api_token(organizer))
    assert again.status_code == 409


def test_cancelling_an_order_with_money_received_leaves_the_refund_due(
    two_categories,  # noqa: F811
    client,
    api_token,
    organizer,
):
    congress = two_categories
    created, invoice = order(congress, MIXED)
    (named,) = group_orders.fill_delegates(created, [delegate(1, category="oncologist")])
    money.record_invoice_payment(invoice, Decimal("100.00"), reference=created.reference)
    db.session.commit()
    cancelled = client.post(
        f"/api/v1/congresses/met26/orders/{created.reference}/cancel",
        json={"reason": "Withdrew"},
        headers=api_token(organizer),
    )
    assert cancelled.status_code == 200, cancelled.get_json()
    body = cancelled.get_json()
    # One credit note for the whole invoice; the 100 received is owed to the buyer.
    (note,) = credit_notes(invoice)
    assert note.total_gross == Decimal("-1650.00")
    assert body["outstanding"]["amount"] == "-100.00"
    assert body["refund_due"]["amount"] == "100.00"
    assert named.status == RegistrationStatus.CANCELLED and named.amount_paid == 0
    assert capacity.places_taken(congress) == 0
    released = client.post(
        f"/api/v1/congresses/met26/orders/{created.reference}/release", headers=api_token(organizer)
    )
    assert released.status_code == 409
    refunded = client.post(
        f"/api/v1/congresses/met26/orders/{created.reference}/refund",
        json={"reference": "SEPA back"},
        headers=api_token(organizer),
    )
    assert refunded.status_code == 200
    assert refunded.get_json()["refund_due"]["amount"] == "0.00"
    assert get_balance(invoice).outstanding == Decimal("0.00")
