"""Group orders, finished: a delegate who cancels gives the place back to the order while it is
open (pretix keeps a cancelled attendee's position for the buyer to re-personalize); places
given back after payment leave a refund due that the organizer records; the buyer cancels the
whole order when the congress allows it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from conference.extensions import db
from conference.money import services as money
from conference.money.queries import get_balance
from conference.registration import capacity, group_orders
from conference.registration.models import RegistrationStatus
from conference.registration.services import cancel_registration
from conference.registration.tokens import manage_token
from tests.conftest import deliver_outbox
from tests.money.test_done_when import csv_sums, overview_csv
from tests.registration.test_card_payments import seller  # noqa: F401 - fixture
from tests.registration.test_group_orders import (  # noqa: F401 - fixtures
    delegate,
    order,
    two_categories,
)

THREE = [{"category": "oncologist", "quantity": 3}]


def notes(invoice):
    db.session.expire_all()
    return list(invoice.credit_notes)


def test_a_delegate_who_cancels_gives_the_place_back_to_the_order_for_someone_else(
    two_categories,  # noqa: F811
    client,
    smtp,
):
    congress = two_categories
    created, invoice = order(congress, THREE)
    first, _second = group_orders.fill_delegates(created, [delegate(1), delegate(2)])
    money.record_invoice_payment(invoice, invoice.total_gross, reference=created.reference)
    db.session.commit()
    assert first.status == RegistrationStatus.CONFIRMED
    taken = capacity.places_taken(congress)
    # The delegate cancels from their own manage page.
    token = manage_token(first.reference, first.manage_salt)
    page = client.post(
        f"/met26/registration/manage/{first.reference}/{token}/cancel",
        data={"cancel-reason": "Cannot travel", "cancel-confirm": "y"},
        follow_redirects=True,
    )
    assert page.status_code == 200
    db.session.expire_all()
    assert first.status == RegistrationStatus.CANCELLED
    # The place stays the order's (not the general pool's): unnamed, nothing credited or
    # refunded to the delegate (the hospital paid, not them).
    assert capacity.places_taken(congress) == taken
    assert sum(1 for place in created.places if place.is_held) == 2
    assert notes(invoice) == []
    # The order's payment allocated to them goes back to the order with the place: the
    # registration totals count the place's money once, on whoever holds it.
    assert first.amount_paid == Decimal("0.00")
    assert get_balance(invoice).outstanding == Decimal("0.00")
    # The buyer is told, with the order's private link to name someone else.
    deliver_outbox()
    (told,) = [m for m in smtp.to("events@roche.example") if "free to name again" in m["Subject"]]
    body = smtp.text_of(told)
    assert first.reference in body and group_orders.order_token(created) in body
    # The buyer names a colleague on it: confirmed at once (the order is paid).
    (colleague,) = group_orders.fill_delegates(created, [delegate(7)])
    db.session.commit()
    assert colleague.status == RegistrationStatus.CONFIRMED
    assert colleague.amount_paid == Decimal("450.00")
    assert capacity.places_taken(congress) == taken


def test_after_the_deadline_a_cancelled_delegate_frees_the_place_and_is_credited(
    two_categories,  # noqa: F811
):
    congress = two_categories
    from conference.i18n import in_language

    with in_language("fr"):  # a French buyer: the invoice and its credit notes are in French
        created, invoice = order(congress, THREE, keep_unfilled=True)
    assert invoice.language == "fr"
    (named,) = group_orders.fill_delegates(created, [delegate(1)])
    db.session.commit()
    taken = capacity.places_taken(congress)
    after = group_orders.naming_deadline(created) + timedelta(hours=1)
    cancel_registration(named, reason="Ill", now=after)
    db.session.commit()
    assert capacity.places_taken(congress) == taken - 1
    (note,) = notes(invoice)
    assert note.total_gross == Decimal("-450.00") and note.lines[0].quantity == 1
    assert get_balance(invoice).outstanding == Decimal("900.00")
    assert note.reason == (
        f"Commande groupée {created.reference} : le délégué {named.reference} a annulé après "
        "la date limite des noms."
    )


def test_places_given_back_after_payment_leave_a_refund_the_organizer_records(
    two_categories,  # noqa: F811
    client,
    api_token,
    organizer,
    auth,
):
    congress = two_categories
    created, invoice = order(congress, THREE)
    group_orders.fill_delegates(created, [delegate(1)])
    money.record_invoice_payment(invoice, Decimal("1350.00"), reference=created.reference)
    db.session.commit()
    assert group_orders.release_unfilled(congress, now=group_orders.naming_deadline(congress)) == 2
    db.session.commit()
    (note,) = notes(invoice)
    assert note.total_gross == Decimal("-900.00")
    assert note.reason == (
        f"Group order {created.reference}: 2 unnamed places released at the naming deadline."
    )
    assert group_orders.refund_due(created) == Decimal("900.00")
    url = f"/api/v1/congresses/met26/orders/{created.reference}"
    body = client.get(url, headers=api_token(organizer)).get_json()
    assert body["refund_due"] == {"amount": "900.00", "currency": "EUR"}
    assert body["outstanding"]["amount"] == "-900.00"
    auth.login(organizer)
    page = client.get(f"/met26/manage/group-orders/{created.reference}").get_data(as_text=True)
    assert 'id="refund-due"' in page and 'id="refund-form"' in page
    done = client.post(
        url + "/refund", json={"reference": "SEPA RF-2231"}, headers=api_token(organizer)
    )
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["refund_due"]["amount"] == "0.00"
    assert done.get_json()["outstanding"]["amount"] == "0.00"
    assert len(notes(invoice)) == 1  # no second credit note: the first already says why
    # The accountant's CSV and the money overview agree on it to the cent.
    sums = csv_sums(client)
    total, _categories = overview_csv(client)
    assert sums["paid"] == total["paid"] == Decimal("450.00")
    assert sums["outstanding"] == total["outstanding"] == Decimal("0.00")
    assert total["refunded"] == Decimal("900.00")
    again = client.post(url + "/refund", json={}, headers=api_token(organizer))
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "nothing_to_refund"
    # The buyer is told, once, with the amount and the order's private link.
    from conference.mail import OutboxMessage

    told = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.kind == "registration/group_order_refund")
    ).all()
    assert len(told) == 1 and told[0].to_address == created.buyer_email
    assert "900.00" in told[0].body_text and "SEPA RF-2231" in told[0].body_text
    assert invoice.number in told[0].body_text


def test_the_buyer_cancels_the_whole_order_only_when_the_congress_allows_it(
    two_categories,  # noqa: F811
    client,
):
    congress = two_categories
    created, invoice = order(congress, THREE)
    (named,) = group_orders.fill_delegates(created, [delegate(1)])
    db.session.commit()
    token = group_orders.order_token(created)
    page_url = f"/met26/register/group/{created.reference}/{token}"
    assert 'id="buyer-cancel-form"' not in client.get(page_url).get_data(as_text=True)
    api_url = f"/api/v1/congresses/met26/orders/{created.reference}/cancel"
    refused = client.post(api_url, json={"reason": "Budget cut"}, headers={"X-Order-Token": token})
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "cancel_not_allowed"

    capacity.get_settings(congress).group_buyer_can_cancel = True
    db.session.commit()
    assert 'id="buyer-cancel-form"' in client.get(page_url).get_data(as_text=True)
    empty = client.post(page_url + "/cancel", data={"reason": ""})
    assert empty.status_code == 422 and "is-invalid" in empty.get_data(as_text=True)
    done = client.post(page_url + "/cancel", data={"reason": "Budget cut"}, follow_redirects=True)
    assert done.status_code == 200
    db.session.expire_all()
    assert created.cancelled_at is not None
    assert named.status == RegistrationStatus.CANCELLED
    assert capacity.places_taken(congress) == 0  # back to everyone, not to the order
    (note,) = notes(invoice)
    assert note.total_gross == -invoice.total_gross
    # A cancelled order takes no more delegates.
    renamed = client.patch(
        f"/api/v1/congresses/met26/orders/{created.reference}/delegates",
        json={"delegates": [delegate(3)]},
        headers={"X-Order-Token": token},
    )
    assert renamed.status_code == 409
