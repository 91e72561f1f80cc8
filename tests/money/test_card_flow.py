"""The money domain's one card-payment flow, for any sale, against the Stripe stand-in."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from conference.extensions import db
from conference.money import card
from conference.money.models import CardCheckout, InvoiceSeries, ProviderEvent
from conference.money.signals import card_payment_refunded, payment_recorded

WEBHOOK = "/api/v1/congresses/met26/payments/webhook/stripe"


def _open(congress, source: str) -> str:
    row, url = card.start_checkout(
        congress.id,
        source=source,
        source_key="42",
        amount=Decimal("12.50"),
        currency="EUR",
        email="buyer@example.org",
        description="A test sale",
        return_url="https://congress.example.org/back?session_id={CHECKOUT_SESSION_ID}",
        cancel_url="https://congress.example.org/gave-up",
    )
    db.session.commit()
    assert url.startswith("https://checkout.stripe.com/")
    return row.session_id


def _deliver(client, stripe_api, session_id: str):
    stripe_api.pay(session_id)
    payload = stripe_api.event(session_id)
    return client.post(
        WEBHOOK,
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": stripe_api.sign(payload)},
    ).get_json()["outcome"]


def test_a_sale_that_no_seller_takes_is_refunded_through_the_provider(client, congress, stripe_api):
    session_id = _open(congress, "nobody_sells_this")
    told = []

    def tell(source, **kwargs):
        told.append((source, kwargs["source_key"]))

    with card_payment_refunded.connected_to(tell, sender="nobody_sells_this"):
        assert _deliver(client, stripe_api, session_id) == "refunded"
    (refund,) = stripe_api.refunds
    assert refund["amount"] == 1250
    checkout = db.session.scalar(select(CardCheckout))
    assert checkout.status == "refunded" and checkout.refunded_amount == Decimal("12.50")
    assert told == [("nobody_sells_this", "42")]


def test_a_seller_that_refuses_the_payment_leaves_nothing_of_what_it_began(
    client, congress, stripe_api
):
    session_id = _open(congress, "refusing_seller")

    def refuse(source, *, congress_id, checkout, **kwargs):
        db.session.add(InvoiceSeries(congress_id=congress_id, code="HALFWAY"))
        db.session.flush()
        raise card.PaymentRefused("the sale was cancelled")

    with payment_recorded.connected_to(refuse, sender="refusing_seller"):
        assert _deliver(client, stripe_api, session_id) == "refunded"
    db.session.expire_all()
    assert db.session.scalar(select(InvoiceSeries).where(InvoiceSeries.code == "HALFWAY")) is None
    assert "the sale was cancelled" in db.session.scalar(select(CardCheckout)).note


def test_a_seller_that_takes_the_payment_is_told_once(client, congress, stripe_api):
    session_id = _open(congress, "taking_seller")
    taken = []

    def take(source, *, source_key, checkout, amount, invoice, **kwargs):
        assert invoice is None
        taken.append((source_key, amount, checkout.session_id))
        return True

    with payment_recorded.connected_to(take, sender="taking_seller"):
        assert _deliver(client, stripe_api, session_id) == "paid"
        payload = stripe_api.event(
            session_id, event_type="checkout.session.async_payment_succeeded"
        )
        again = client.post(
            WEBHOOK,
            data=payload,
            headers={
                "Content-Type": "application/json",
                "Stripe-Signature": stripe_api.sign(payload),
            },
        )
        assert again.get_json()["outcome"] == "duplicate"
    assert taken == [("42", Decimal("12.50"), session_id)]
    assert stripe_api.refunds == []
    outcomes = sorted(db.session.scalars(select(ProviderEvent.outcome)))
    assert outcomes == ["duplicate", "paid"]


def test_the_return_page_only_knows_the_sales_own_checkouts(app, congress, stripe_api):
    session_id = _open(congress, "taking_seller")
    mine = {"congress_id": congress.id, "source": "taking_seller", "source_key": "42"}
    assert card.confirm_on_return(session_id, **mine) == "pending"
    assert card.confirm_on_return(session_id, **{**mine, "source_key": "43"}) == "unknown"
    assert card.confirm_on_return("cs_test_nope", **mine) == "unknown"
