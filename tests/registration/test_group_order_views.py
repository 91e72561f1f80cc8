"""Group order pages: the buyer's form, the buyer's private page, the organizers' pages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.money.models import Invoice
from conference.registration import group_orders
from conference.registration.models import GroupOrder, RegistrationStatus
from tests.registration.test_card_payments import seller  # noqa: F401 - fixture
from tests.registration.test_group_orders import BUYER, PHARMA


def form_data(**overrides) -> dict:
    data = {
        "quantity-oncologist": "2",
        "buyer_name": BUYER["name"],
        "buyer_email": BUYER["email"],
        "invoice_name": PHARMA["name"],
        "invoice_address": PHARMA["address"],
        "invoice_country": "AT",
        "invoice_vat_id": "",
        "invoice_po_number": "PO-77",
        "is_industry": "y",
    }
    data.update(overrides)
    return data


def test_the_buyer_orders_on_the_page_and_names_delegates_on_the_private_page(
    client,
    seller,  # noqa: F811
):
    page = client.get("/met26/register/group").get_data(as_text=True)
    assert 'name="quantity-oncologist"' in page
    assert 'name="quantity-student-trainee"' not in page  # needs a personal proof
    response = client.post("/met26/register/group", data=form_data())
    assert response.status_code == 302
    order = db.session.scalar(select(GroupOrder))
    assert order.is_industry and len(order.places) == 2
    url = f"/met26/register/group/{order.reference}/{group_orders.order_token(order)}"
    assert "Not named yet" in client.get(url).get_data(as_text=True)
    place = order.places[0]
    bad = client.post(
        f"{url}/places/{place.id}",
        data={f"p{place.id}-first_name": "Ana", f"p{place.id}-email": "nope"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "This field is required." in text and "not valid" in text
    assert 'value="Ana"' in text  # what was typed stays
    good = client.post(
        f"{url}/places/{place.id}",
        data={
            f"p{place.id}-first_name": "Ana",
            f"p{place.id}-last_name": "Müller",
            f"p{place.id}-email": "ana@uni.example",
        },
    )
    assert good.status_code == 302
    db.session.expire_all()
    assert place.registration.full_name == "Ana Müller"
    # Another order's token, or a wrong one: 404.
    assert client.get(f"/met26/register/group/{order.reference}/wrong").status_code == 404


def test_a_too_large_order_shows_the_error_next_to_the_quantity_and_keeps_the_form(
    client,
    seller,  # noqa: F811
):
    from conference.registration import capacity

    capacity.get_settings(seller).capacity = 1
    db.session.commit()
    response = client.post("/met26/register/group", data=form_data(buyer_email="not-an-email"))
    text = response.get_data(as_text=True)
    assert "not valid" in text
    response = client.post("/met26/register/group", data=form_data())
    text = response.get_data(as_text=True)
    assert "Only 1 places are left" in text
    assert 'value="2"' in text and "Roche Austria GmbH" in text
    assert db.session.scalar(select(func.count(Invoice.id))) == 0


def test_organizer_records_the_bank_transfer_and_the_delegates_are_confirmed(
    client,
    seller,  # noqa: F811
    auth,
    create_user,
):
    order, invoice = group_orders.create_group_order(
        seller, BUYER, PHARMA, [{"category": "oncologist", "quantity": 2}], is_industry=True
    )
    (delegate,) = group_orders.fill_delegates(
        order, [{"first_name": "Ana", "last_name": "B", "email": "ana@uni.example"}]
    )
    db.session.commit()
    auth.login(create_user("organizer"))
    listing = client.get("/met26/manage/group-orders").get_data(as_text=True)
    assert order.reference in listing and "Industry" in listing
    detail = client.get(f"/met26/manage/group-orders/{order.reference}").get_data(as_text=True)
    assert "Industry paying for healthcare professionals" in detail
    response = client.post(
        f"/met26/manage/invoices/{invoice.number}/payments",
        data={
            "payment-amount": str(invoice.total_gross),
            "payment-method": "bank_transfer",
            "payment-reference": order.reference,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert delegate.status == RegistrationStatus.CONFIRMED
    assert delegate.amount_paid == Decimal("450.00")
    # The organizer keeps the unnamed place past the deadline.
    client.post(f"/met26/manage/group-orders/{order.reference}", data={"keep_unfilled": "y"})
    db.session.expire_all()
    assert order.keep_unfilled


@pytest.mark.parametrize("path", ["/met26/manage/group-orders", "/met26/manage/group-orders/X"])
def test_organizer_pages_are_for_organizers(client, seller, auth, create_user, path):  # noqa: F811
    auth.login(create_user())
    assert client.get(path).status_code == 403
