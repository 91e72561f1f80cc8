"""Online card payment through Stripe Checkout, against a local stand-in of Stripe's API."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from conference.extensions import db
from conference.mail import OutboxMessage, write_pending
from conference.models import utcnow
from conference.money.models import CardCheckout, Invoice
from conference.money.queries import get_active_invoice, get_balance
from conference.registration import capacity, services
from conference.registration.models import Payment, PaymentKind
from conference.registration.tokens import manage_path, manage_token
from tests.factories import set_up_seller
from tests.stripe_standin import SECRET_KEY, WEBHOOK_SECRET

WEBHOOK = "/api/v1/congresses/met26/payments/webhook/stripe"


@pytest.fixture
def seller(priced):
    """The congress invoices (Austrian organizer, fees including 20 % VAT)."""
    congress = priced[0]
    return set_up_seller(congress)


def token_header(registration) -> dict:
    return {"X-Manage-Token": manage_token(registration.reference, registration.manage_salt)}


def start(client, registration) -> dict:
    response = client.post(
        f"/api/v1/congresses/met26/registrations/{registration.reference}/checkout",
        headers=token_header(registration),
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def deliver(client, payload: str, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post(WEBHOOK, data=payload, headers=headers)


def paid_event(stripe_api, session_id: str, **changes) -> str:
    stripe_api.pay(session_id)
    return stripe_api.event(session_id, **changes)


def online_payments(registration) -> list[Payment]:
    return list(
        db.session.scalars(
            select(Payment).where(
                Payment.registration_id == registration.id, Payment.kind == PaymentKind.ONLINE
            )
        )
    )


def test_checkout_creates_a_session_with_the_amount_currency_and_metadata(
    client, register, stripe_api
):
    attendee = register()
    body = start(client, attendee)
    assert body["checkout_url"].startswith("https://checkout.stripe.com/c/pay/cs_test_")
    assert body["amount"] == {"amount": str(attendee.amount_due), "currency": "EUR"}
    (call,) = stripe_api.calls("POST", "/v1/checkout/sessions")
    assert call["authorization"] == f"Bearer {SECRET_KEY}"
    params = call["params"]
    assert params["mode"] == "payment"
    assert params["client_reference_id"] == attendee.reference
    price = params["line_items"]["0"]["price_data"]
    assert price["currency"] == "eur"
    assert int(price["unit_amount"]) == int(attendee.amount_due * 100)
    assert params["metadata"]["registration_reference"] == attendee.reference
    assert params["metadata"]["amount"] == str(attendee.amount_due)
    # The return page is ours and carries no manage token (it would reach Stripe).
    assert params["success_url"].startswith(
        f"https://congress.example.org/met26/registration/checkout/{attendee.reference}/return"
    )
    assert "{CHECKOUT_SESSION_ID}" in params["success_url"]
    assert manage_token(attendee.reference, attendee.manage_salt) not in json.dumps(params)
    checkout = db.session.scalar(select(CardCheckout))
    assert checkout.session_id == body["session_id"]
    assert checkout.amount == attendee.amount_due


def test_checkout_needs_the_manage_token(client, register, stripe_api):
    attendee = register()
    url = f"/api/v1/congresses/met26/registrations/{attendee.reference}/checkout"
    assert client.post(url).status_code == 401
    assert client.post(url, headers={"X-Manage-Token": "wrong"}).status_code == 404
    assert stripe_api.requests == []


def test_signed_webhook_confirms_the_registration_and_marks_the_invoice_paid(
    client, seller, register, stripe_api
):
    attendee = register()
    due = attendee.amount_due
    session_id = start(client, attendee)["session_id"]
    payload = paid_event(stripe_api, session_id)
    response = deliver(client, payload, stripe_api.sign(payload))
    assert response.status_code == 200
    assert response.get_json() == {"received": True, "outcome": "paid"}
    db.session.expire_all()
    assert attendee.status == "confirmed"
    (payment,) = online_payments(attendee)
    assert payment.amount == due
    invoice = get_active_invoice(seller, "registration", attendee.reference)
    assert invoice.total_gross == due
    assert get_balance(invoice).outstanding == Decimal("0.00")
    assert invoice.payments[0].method == "online_card"


def test_a_webhook_delivered_twice_records_one_payment(client, register, stripe_api):
    attendee = register()
    session_id = start(client, attendee)["session_id"]
    payload = paid_event(stripe_api, session_id)
    assert deliver(client, payload, stripe_api.sign(payload)).get_json()["outcome"] == "paid"
    again = deliver(client, payload, stripe_api.sign(payload))
    assert again.status_code == 200
    assert again.get_json()["outcome"] == "replayed"
    # Another event about the same session (Stripe sends several) applies nothing either.
    other = stripe_api.event(session_id, event_type="checkout.session.async_payment_succeeded")
    assert deliver(client, other, stripe_api.sign(other)).get_json()["outcome"] == "duplicate"
    db.session.expire_all()
    assert len(online_payments(attendee)) == 1
    assert attendee.amount_paid == attendee.fee_amount


@pytest.mark.parametrize("case", ["unsigned", "wrong secret", "tampered", "stale", "garbage"])
def test_a_webhook_without_a_valid_signature_is_refused_and_records_nothing(
    client, register, stripe_api, case, caplog
):
    attendee = register()
    session_id = start(client, attendee)["session_id"]
    payload = paid_event(stripe_api, session_id)
    signature = stripe_api.sign(payload)
    if case == "unsigned":
        signature = None
    elif case == "wrong secret":
        signature = stripe_api.sign(payload, secret="whsec_someone_else")
    elif case == "tampered":
        payload = payload.replace('"paid"', '"paid" ', 1)
    elif case == "stale":
        signature = stripe_api.sign(payload, timestamp=int(utcnow().timestamp()) - 3600)
    else:
        payload, signature = "not json", stripe_api.sign("not json")
    with caplog.at_level("WARNING"):
        response = deliver(client, payload, signature)
    assert response.status_code == 400
    assert response.get_json()["error"]["status"] == 400
    assert "webhook refused" in caplog.text
    db.session.expire_all()
    assert online_payments(attendee) == []
    assert attendee.status == "awaiting_payment"


@pytest.mark.parametrize(
    "changes",
    [{"amount_total": 100}, {"currency": "usd"}, {"client_reference_id": "MET26-ZZZZ"}],
    ids=["amount", "currency", "reference"],
)
def test_a_mismatched_event_is_ignored_and_logged(client, register, stripe_api, changes, caplog):
    attendee = register()
    session_id = start(client, attendee)["session_id"]
    stripe_api.pay(session_id)
    payload = stripe_api.event(session_id, **changes)
    with caplog.at_level("WARNING"):
        response = deliver(client, payload, stripe_api.sign(payload))
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "mismatch"
    assert "refused" in caplog.text
    db.session.expire_all()
    assert online_payments(attendee) == []
    assert attendee.status == "awaiting_payment"


def test_an_event_for_an_unknown_session_changes_nothing(client, register, stripe_api):
    attendee = register()
    session_id = start(client, attendee)["session_id"]
    payload = paid_event(stripe_api, session_id, id="cs_test_not_ours")
    assert deliver(client, payload, stripe_api.sign(payload)).get_json()["outcome"] == "ignored"
    db.session.expire_all()
    assert online_payments(attendee) == []


def test_returning_before_the_webhook_shows_being_confirmed_then_confirms(
    client, register, stripe_api
):
    attendee = register()
    session_id = start(client, attendee)["session_id"]
    url = f"/met26/registration/checkout/{attendee.reference}/return?session_id={session_id}"
    pending = client.get(url)
    assert pending.status_code == 200
    assert b"being confirmed" in pending.data
    assert b'http-equiv="refresh"' in pending.data
    assert stripe_api.calls("GET", f"/v1/checkout/sessions/{session_id}")
    # Stripe has the money; the webhook has not arrived yet: the page asks Stripe.
    stripe_api.pay(session_id)
    done = client.get(url)
    assert b'data-state="paid"' in done.data
    db.session.expire_all()
    assert attendee.status == "confirmed"
    # The webhook arrives afterwards: nothing more is recorded.
    payload = stripe_api.event(session_id)
    assert deliver(client, payload, stripe_api.sign(payload)).get_json()["outcome"] == "duplicate"
    db.session.expire_all()
    assert len(online_payments(attendee)) == 1


def test_return_page_of_an_unknown_session_is_404(client, register, stripe_api):
    attendee = register()
    url = f"/met26/registration/checkout/{attendee.reference}/return?session_id=cs_test_nope"
    assert client.get(url).status_code == 404


def expire(attendee):
    attendee.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert capacity.expire_unpaid(attendee.congress) == [attendee]
    db.session.commit()


def test_a_payment_after_expiry_is_refunded_through_stripe(client, register, stripe_api):
    attendee = register()
    due = attendee.amount_due
    session_id = start(client, attendee)["session_id"]
    expire(attendee)  # the attendee was on Stripe's page when the place expired
    payload = paid_event(stripe_api, session_id)
    response = deliver(client, payload, stripe_api.sign(payload))
    assert response.get_json()["outcome"] == "refunded"
    (refund,) = stripe_api.calls("POST", "/v1/refunds")
    assert refund["params"]["payment_intent"] == stripe_api.sessions[session_id]["payment_intent"]
    assert int(refund["params"]["amount"]) == int(due * 100)
    db.session.expire_all()
    assert attendee.status == "cancelled"
    assert online_payments(attendee) == []
    checkout = db.session.scalar(select(CardCheckout))
    assert checkout.status == "refunded"
    assert checkout.refunded_amount == due
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "registration/late_payment_refunded")
    )
    assert mail is not None and "refunded in full" in mail.body_text
    # Delivered again: refunded once.
    again = stripe_api.event(session_id)
    assert deliver(client, again, stripe_api.sign(again)).get_json()["outcome"] == "duplicate"
    assert len(stripe_api.calls("POST", "/v1/refunds")) == 1


def test_a_late_payment_whose_refund_fails_is_held_for_the_organizer(
    client, register, stripe_api, organizer, auth
):
    attendee = register()
    session_id = start(client, attendee)["session_id"]
    expire(attendee)
    stripe_api.fail_refunds = True
    payload = paid_event(stripe_api, session_id)
    assert deliver(client, payload, stripe_api.sign(payload)).get_json()["outcome"] == (
        "needs_refund"
    )
    checkout = db.session.scalar(select(CardCheckout))
    assert checkout.status == "needs_refund"
    auth.login(organizer)
    page = client.get(f"/met26/manage/registrations/{attendee.reference}")
    assert b'data-state="needs_refund"' in page.data
    stripe_api.fail_refunds = False
    response = client.post(
        f"/met26/manage/registrations/{attendee.reference}/card-payments/{checkout.id}/refund"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert checkout.status == "refunded"
    assert stripe_api.refunds and stripe_api.refunds[0]["amount"] == int(checkout.amount * 100)


def test_cancelling_a_card_paid_registration_refunds_through_stripe(
    client, seller, register, stripe_api
):
    attendee = register()
    session_id = start(client, attendee)["session_id"]
    payload = paid_event(stripe_api, session_id)
    deliver(client, payload, stripe_api.sign(payload))
    db.session.expire_all()
    expected = attendee.amount_paid - attendee.category.cancellation_fee
    services.cancel_registration(attendee, reason="Cannot travel")
    db.session.commit()
    (refund,) = stripe_api.calls("POST", "/v1/refunds")
    assert int(refund["params"]["amount"]) == int(expected * 100)
    assert refund["idempotency_key"]
    db.session.expire_all()
    assert attendee.amount_paid == attendee.category.cancellation_fee
    assert db.session.scalar(select(CardCheckout)).refunded_amount == expected
    notes = db.session.scalars(select(Invoice).where(Invoice.kind == "credit_note")).all()
    assert len(notes) == 1 and notes[0].total_gross == -expected


def test_a_failed_card_refund_leaves_the_registration_unchanged(client, register, stripe_api):
    attendee = register()
    session_id = start(client, attendee)["session_id"]
    payload = paid_event(stripe_api, session_id)
    deliver(client, payload, stripe_api.sign(payload))
    stripe_api.fail_refunds = True
    response = client.post(
        f"/api/v1/congresses/met26/registrations/{attendee.reference}/cancel",
        json={"reason": ""},
        headers=token_header(attendee),
    )
    assert response.status_code == 502
    assert response.get_json()["error"]["code"] == "payment_provider_error"
    db.session.expire_all()
    assert attendee.status == "confirmed"


def test_pay_now_is_offered_only_when_stripe_is_configured(app, client, register):
    attendee = register()
    manage = manage_path(attendee)
    assert b"Pay now" not in client.get(manage).data
    response = client.post(
        f"/api/v1/congresses/met26/registrations/{attendee.reference}/checkout",
        headers=token_header(attendee),
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "card_payment_unavailable"
    assert write_pending() == 1  # the worker writes the text of a new registration's email
    received = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.kind == "registration/received")
    )
    assert "Dear " in received.body_text and "Pay now" not in received.body_text
    assert client.post(WEBHOOK, data="{}").status_code == 404


def test_pay_now_on_the_manage_page_and_in_the_email_goes_to_stripe(client, register, stripe_api):
    attendee = register()
    write_pending()
    received = db.session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.kind == "registration/received",
            OutboxMessage.registration_id == attendee.id,
        )
    )
    assert "Pay now by card:" in received.body_text
    # Both ways to pay where money is owed: the bank transfer block and the card link.
    assert "HOW TO PAY" in received.body_text
    assert received.body_text.index("HOW TO PAY") < received.body_text.index("Pay now by card:")
    manage = manage_path(attendee)
    page = client.get(manage).data
    assert b"Pay now by card" in page and b'id="how-to-pay"' in page
    assert b"Pay now by card" in client.get(manage + "/pay").data
    response = client.post(manage + "/checkout")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://checkout.stripe.com/c/pay/cs_test_")


def test_a_paid_registration_cannot_start_another_checkout(client, register, stripe_api):
    attendee = register()
    session_id = start(client, attendee)["session_id"]
    payload = paid_event(stripe_api, session_id)
    deliver(client, payload, stripe_api.sign(payload))
    response = client.post(
        f"/api/v1/congresses/met26/registrations/{attendee.reference}/checkout",
        headers=token_header(attendee),
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_payable"


@pytest.mark.postgres
def test_simultaneous_deliveries_record_one_payment_on_postgresql(
    pg_engine_url, register, stripe_api, live_server_factory
):
    """Stripe retries while the first delivery is still being handled, and sends a second
    event type for the same session: 8 simultaneous POSTs, one payment, one receipt."""
    import threading
    import urllib.error
    import urllib.request

    from conference.registration.models import Receipt

    attendee = register()
    server = live_server_factory(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 10, "pool_timeout": 30},
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_api.base_url,
    )
    request = urllib.request.Request(
        f"{server.url}/api/v1/congresses/met26/registrations/{attendee.reference}/checkout",
        headers=token_header(attendee),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        session_id = json.loads(response.read())["session_id"]
    stripe_api.pay(session_id)
    first = stripe_api.event(session_id)
    second = stripe_api.event(session_id, event_type="checkout.session.async_payment_succeeded")
    bodies = [first] * 4 + [second] * 4
    barrier = threading.Barrier(len(bodies))
    outcomes: list[str] = [""] * len(bodies)

    def deliver_one(index: int) -> None:
        body = bodies[index]
        req = urllib.request.Request(
            f"{server.url}{WEBHOOK}",
            data=body.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": stripe_api.sign(body)},
            method="POST",
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                outcomes[index] = json.loads(response.read())["outcome"]
        except urllib.error.HTTPError as exc:
            outcomes[index] = f"HTTP {exc.code}"

    threads = [threading.Thread(target=deliver_one, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert outcomes.count("paid") == 1, outcomes
    assert set(outcomes) <= {"paid", "duplicate", "replayed"}, outcomes
    db.session.expire_all()
    assert len(online_payments(attendee)) == 1
    assert (
        db.session.scalar(
            select(func.count(Receipt.id)).where(Receipt.registration_id == attendee.id)
        )
        == 1
    )


def _openapi_validator(client, component: str):
    """A JSON-schema validator for a response component of our OpenAPI spec (3.0 `nullable`
    made JSON-schema `null`), so the bodies schemathesis cannot reach are checked too."""
    import jsonschema

    spec = client.get("/api/v1/openapi.json").get_json()

    def convert(node):
        if isinstance(node, dict):
            node = {key: convert(value) for key, value in node.items()}
            if node.pop("nullable", False) and "type" in node:
                node["type"] = [node["type"], "null"]
            return node
        if isinstance(node, list):
            return [convert(item) for item in node]
        return node

    components = convert(spec["components"])
    schema = {"$ref": f"#/components/schemas/{component}", "components": components}
    return jsonschema.Draft7Validator(schema)


def test_checkout_invoice_and_webhook_bodies_match_the_openapi_spec(
    client,
    seller,
    register,
    stripe_api,
):
    attendee = register()
    checkout = client.post(
        f"/api/v1/congresses/met26/registrations/{attendee.reference}/checkout",
        headers=token_header(attendee),
    ).get_json()
    _openapi_validator(client, "CheckoutOut").validate(checkout)
    payload = paid_event(stripe_api, checkout["session_id"])
    outcome = deliver(client, payload, stripe_api.sign(payload)).get_json()
    _openapi_validator(client, "WebhookOut").validate(outcome)
    other = register()
    invoice = client.post(
        f"/api/v1/congresses/met26/registrations/{other.reference}/invoice",
        json={"name": "Karolinska Universitetssjukhuset", "address": "Solna", "country": "SE"},
        headers=token_header(other),
    )
    assert invoice.status_code == 201
    _openapi_validator(client, "RegistrationInvoiceOut").validate(invoice.get_json())


def test_the_data_export_lists_card_payments(client, register, stripe_api):
    attendee = register()
    session_id = start(client, attendee)["session_id"]
    payload = paid_event(stripe_api, session_id)
    deliver(client, payload, stripe_api.sign(payload))
    data = client.get(manage_path(attendee) + "/data.json").get_json()
    assert data["card_payments"] == [
        {
            "provider": "stripe",
            "amount": str(attendee.fee_amount),
            "currency": "EUR",
            "status": "paid",
            "refunded": "0.00",
            "started_at": data["card_payments"][0]["started_at"],
        }
    ]
