"""The abstract fee paid by card (Stripe Checkout, against the local stand-in of its API) and
the email telling the author a fee is due."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from conference.abstracts import fees
from conference.abstracts.models import FeeStatus
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.money import services as money
from conference.money.models import CardRefund, InvoiceCheckout
from conference.money.queries import get_balance
from conference.program import services as program_services
from tests.conftest import deliver_outbox
from tests.factories import set_up_seller

WEBHOOK = "/api/v1/congresses/met26/payments/webhook/stripe"


@pytest.fixture
def seller(congress):
    return set_up_seller(congress)


@pytest.fixture
def with_fee(congress):
    program_services.update_congress(congress, abstract_fee="75", abstract_fee_waiver_countries=[])
    db.session.commit()
    return congress


def deliver(client, stripe_api, payload: str):
    return client.post(
        WEBHOOK,
        data=payload,
        headers={"Content-Type": "application/json", "Stripe-Signature": stripe_api.sign(payload)},
    )


def pay_now(client, abstract) -> str:
    """Press "Pay now" on the abstract page; return the Stripe session id."""
    response = client.post(f"/met26/abstracts/{abstract.id}/fee/checkout")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.location.startswith("https://checkout.stripe.com/c/pay/cs_test_")
    return response.location.rsplit("/", 1)[1]


def card_payments(invoice):
    db.session.expire_all()
    return [p for p in invoice.payments if p.method == "online_card"]


def test_pay_now_is_hidden_without_provider_keys(client, auth, with_fee, seller, make_abstract):
    abstract = make_abstract()
    auth.login(abstract.submitter)
    page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
    assert "Abstract fee owed" in page and 'id="fee-pay-now"' not in page
    refused = client.post(f"/met26/abstracts/{abstract.id}/fee/checkout", follow_redirects=True)
    assert "Card payment is not offered" in refused.get_data(as_text=True)
    assert fees.fee_invoice(abstract) is None  # nothing was issued for it


def test_pay_now_needs_a_seller_profile(client, auth, with_fee, make_abstract, stripe_api):
    abstract = make_abstract()
    auth.login(abstract.submitter)
    page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
    assert 'id="fee-pay-now"' not in page
    assert stripe_api.requests == []


def test_card_payment_confirmed_by_the_webhook_makes_the_submission_complete(
    client, auth, with_fee, seller, make_abstract, stripe_api
):
    abstract = make_abstract()
    auth.login(abstract.submitter)
    page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
    assert 'id="fee-pay-now"' in page and "Pay now by card" in page
    session_id = pay_now(client, abstract)
    invoice = fees.fee_invoice(abstract)
    # The invoice was issued to the submitter (affiliation as address) and is what is paid.
    assert invoice.buyer_name == "Ana Author" and invoice.buyer_country == "AT"
    assert invoice.total_gross == Decimal("75.00")
    (call,) = stripe_api.calls("POST", "/v1/checkout/sessions")
    assert call["params"]["client_reference_id"] == invoice.number
    assert call["params"]["line_items"]["0"]["price_data"]["unit_amount"] == "7500"
    assert call["params"]["success_url"].startswith(
        f"https://congress.example.org/met26/abstracts/{abstract.id}/fee/checkout/return?session_id="
    )
    db.session.expire_all()
    assert abstract.fee_status == FeeStatus.AWAITING and not abstract.is_complete

    stripe_api.pay(session_id)
    payload = stripe_api.event(session_id)
    response = deliver(client, stripe_api, payload)
    assert response.get_json() == {"received": True, "outcome": "paid"}
    db.session.expire_all()
    assert abstract.fee_status == FeeStatus.PAID and abstract.is_complete
    assert get_balance(invoice).outstanding == Decimal("0.00")
    (payment,) = card_payments(invoice)
    assert payment.amount == Decimal("75.00")
    assert payment.reference.startswith("stripe pi_")

    # Delivered twice, and another event about the same session: one payment.
    assert deliver(client, stripe_api, payload).get_json()["outcome"] == "replayed"
    other = stripe_api.event(session_id, event_type="checkout.session.async_payment_succeeded")
    assert deliver(client, stripe_api, other).get_json()["outcome"] == "duplicate"
    assert len(card_payments(invoice)) == 1
    page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
    assert "Abstract fee paid" in page and 'id="fee-pay-now"' not in page


def test_browser_returning_before_the_webhook_records_the_payment_once(
    client, auth, with_fee, seller, make_abstract, stripe_api
):
    abstract = make_abstract()
    auth.login(abstract.submitter)
    session_id = pay_now(client, abstract)
    back = f"/met26/abstracts/{abstract.id}/fee/checkout/return?session_id={session_id}"
    # Not paid yet: being confirmed, nothing recorded.
    page = client.get(back, follow_redirects=True).get_data(as_text=True)
    assert "being confirmed" in page
    db.session.expire_all()
    assert abstract.fee_status == FeeStatus.AWAITING
    stripe_api.pay(session_id)
    page = client.get(back, follow_redirects=True).get_data(as_text=True)
    assert "card payment of the abstract fee is confirmed" in page
    db.session.expire_all()
    assert abstract.fee_status == FeeStatus.PAID
    # The webhook arrives afterwards and changes nothing.
    assert deliver(client, stripe_api, stripe_api.event(session_id)).get_json()["outcome"] == (
        "duplicate"
    )
    assert len(card_payments(fees.fee_invoice(abstract))) == 1
    # Someone else's session id, or none, is not found.
    assert (
        client.get(
            f"/met26/abstracts/{abstract.id}/fee/checkout/return?session_id=cs_x"
        ).status_code
        == 404
    )
    assert client.get(f"/met26/abstracts/{abstract.id}/fee/checkout/return").status_code == 404


def test_card_pays_the_invoice_already_issued_to_the_institution_through_the_api(
    client, api_token, with_fee, seller, make_abstract, stripe_api, create_user
):
    abstract = make_abstract()
    institution = money.Buyer(
        name="Medizinische Universität Wien",
        address="Spitalgasse 23\n1090 Wien",
        country="AT",
        email="rechnungen@meduniwien.example",
    )
    invoice = fees.invoice_fee(abstract, institution)
    db.session.commit()
    stranger = create_user(name="Someone Else", email="someone@example.org")
    url = f"/api/v1/congresses/met26/abstracts/{abstract.id}/fee/checkout"
    assert client.post(url, headers=api_token(stranger)).status_code == 404
    response = client.post(url, headers=api_token(abstract.submitter))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["amount"] == {"amount": "75.00", "currency": "EUR"}
    stripe_api.pay(body["session_id"])
    outcome = deliver(client, stripe_api, stripe_api.event(body["session_id"])).get_json()
    assert outcome["outcome"] == "paid"
    db.session.expire_all()
    assert fees.fee_invoice(abstract).id == invoice.id  # no second invoice
    assert get_balance(invoice).outstanding == 0 and abstract.fee_status == FeeStatus.PAID
    again = client.post(url, headers=api_token(abstract.submitter))
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "no_fee_due"


def test_a_mismatched_event_records_nothing(
    client, auth, with_fee, seller, make_abstract, stripe_api
):
    abstract = make_abstract()
    auth.login(abstract.submitter)
    session_id = pay_now(client, abstract)
    stripe_api.pay(session_id)
    payload = stripe_api.event(session_id, amount_total=100)
    assert deliver(client, stripe_api, payload).get_json()["outcome"] == "mismatch"
    db.session.expire_all()
    assert abstract.fee_status == FeeStatus.AWAITING
    assert card_payments(fees.fee_invoice(abstract)) == []


def test_a_payment_after_the_fee_was_waived_is_refunded_through_the_provider(
    client, auth, with_fee, seller, make_abstract, stripe_api, organizer
):
    abstract = make_abstract()
    auth.login(abstract.submitter)
    session_id = pay_now(client, abstract)
    invoice = fees.fee_invoice(abstract)
    fees.waive_fee(abstract, organizer, "Invited speaker")  # cancels the unpaid invoice
    db.session.commit()
    stripe_api.pay(session_id)
    outcome = deliver(client, stripe_api, stripe_api.event(session_id)).get_json()["outcome"]
    assert outcome == "refunded"
    (refund,) = stripe_api.refunds
    assert refund["amount"] == 7500
    checkout = db.session.scalar(select(InvoiceCheckout))
    assert checkout.status == "refunded" and checkout.refunded_amount == Decimal("75.00")
    assert card_payments(invoice) == []
    db.session.expire_all()
    assert abstract.fee_status == FeeStatus.WAIVED


def test_the_author_is_told_the_fee_is_due_and_how_to_pay(
    app, with_fee, seller, make_abstract, stripe_api, smtp
):
    abstract = make_abstract()
    (queued,) = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == f"abstract-fee-due:{abstract.id}")
    )
    assert queued.to_address == "ana.author@example.org"
    deliver_outbox()
    (message,) = [m for m in smtp.to("ana.author@example.org") if "fee" in m["Subject"]]
    text = smtp.text_of(message)
    assert "75.00 EUR" in message["Subject"] and abstract.number in message["Subject"]
    assert f"https://congress.example.org/met26/abstracts/{abstract.id}" in text
    assert "Pay now by card" in text or '"Pay now"' in text
    assert "Pay by invoice" in text
    assert abstract.congress.name in text.split("-- ")[-1]  # the footer


def test_the_fee_due_email_gives_the_due_date_and_bank_details_in_the_authors_language(
    app, with_fee, seller, make_abstract, author, stripe_api, smtp
):
    from datetime import timedelta

    from conference.models import utcnow

    closes = utcnow() + timedelta(days=20)
    program_services.update_congress(with_fee, abstract_submission_closes_at=closes)
    author.language = "fr"
    db.session.commit()
    abstract = make_abstract()
    assert fees.fee_due_at(abstract) == closes
    deliver_outbox()
    (message,) = [
        m
        for m in smtp.to("ana.author@example.org")
        if abstract.number in m["Subject"] and "75" in m["Subject"]
    ]
    text = smtp.text_of(message)
    assert "Cher" in text or "Chère" in text or "Bonjour" in text, text
    assert "Veuillez les régler avant le" in text
    assert str(closes.astimezone(with_fee.tz).year) in text
    assert "IBAN AT611904300234573201" in text
    assert "Payer maintenant par carte" in text


def test_after_the_submission_deadline_the_fee_is_due_within_the_payment_terms(
    app, with_fee, seller, make_abstract
):
    from datetime import timedelta

    abstract = make_abstract()
    later = with_fee.abstract_submission_closes_at + timedelta(days=1)
    assert fees.fee_due_at(abstract, later) - later == timedelta(days=30)


def test_no_fee_due_email_for_a_waived_or_free_abstract(app, congress, make_abstract, seller):
    make_abstract()  # no fee set
    program_services.update_congress(congress, abstract_fee="75")
    db.session.commit()
    make_abstract(
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
    assert (
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.like("abstract-fee-due:%"))
        ).all()
        == []
    )


# -- refunds from the money invoice page --------------------------------------------------------


def _paid_by_card(client, auth, make_abstract, stripe_api):
    abstract = make_abstract()
    auth.login(abstract.submitter)
    session_id = pay_now(client, abstract)
    stripe_api.pay(session_id)
    assert deliver(client, stripe_api, stripe_api.event(session_id)).get_json()["outcome"] == "paid"
    auth.logout()
    return fees.fee_invoice(abstract)


def test_a_refund_on_the_invoice_page_goes_back_to_the_card_through_the_provider(
    client, auth, with_fee, seller, make_abstract, stripe_api, organizer
):
    invoice = _paid_by_card(client, auth, make_abstract, stripe_api)
    auth.login(organizer)
    response = client.post(
        f"/met26/manage/invoices/{invoice.number}/refund",
        data={"refund-amount": "30.00", "refund-reason": "Second abstract merged"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    (refund,) = stripe_api.refunds
    assert refund["amount"] == 3000
    checkout = db.session.scalar(select(InvoiceCheckout))
    assert refund["payment_intent"] == checkout.payment_reference
    db.session.expire_all()
    assert checkout.refunded_amount == Decimal("30.00")
    (note,) = invoice.credit_notes
    assert note.total_gross == Decimal("-30.00")
    balance = get_balance(invoice)
    assert balance.paid == Decimal("45.00") and balance.outstanding == Decimal("0.00")
    assert "back to the card" in invoice.payments[-1].reference


def test_when_the_provider_refuses_the_refund_the_credit_note_stays_and_the_refund_waits(
    client, auth, with_fee, seller, make_abstract, stripe_api, organizer
):
    invoice = _paid_by_card(client, auth, make_abstract, stripe_api)
    # Too much is refused before anything is written or the provider asked.
    auth.login(organizer)
    too_much = client.post(
        f"/met26/manage/invoices/{invoice.number}/refund",
        data={"refund-amount": "80.00", "refund-reason": "Withdrawn"},
    )
    assert too_much.status_code == 422 and stripe_api.calls("POST", "/v1/refunds") == []
    stripe_api.fail_refunds = True
    response = client.post(
        f"/met26/manage/invoices/{invoice.number}/refund",
        data={"refund-amount": "75.00", "refund-reason": "Withdrawn"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "did not make the card refund" in page
    assert 'data-state="needs_refund"' in page
    db.session.expire_all()
    (note,) = invoice.credit_notes  # never lost
    assert note.total_gross == Decimal("-75.00")
    (card_refund,) = db.session.scalars(select(CardRefund)).all()
    assert card_refund.status == "needs_refund" and card_refund.credit_note_id == note.id
    checkout = db.session.scalar(select(InvoiceCheckout))
    assert checkout.refunded_amount == Decimal("75.00")  # reserved: no second refund of it
    again = client.post(
        f"/met26/manage/invoices/{invoice.number}/refund",
        data={"refund-amount": "10.00", "refund-reason": "Twice"},
    )
    assert again.status_code == 422
    assert stripe_api.refunds == []
    # The provider is back: the organizer retries; the money goes back once.
    stripe_api.fail_refunds = False
    retried = client.post(
        f"/met26/manage/invoices/{invoice.number}/card-refunds/{card_refund.id}/retry",
        follow_redirects=True,
    )
    assert "The card refund is made." in retried.get_data(as_text=True)
    (refund,) = stripe_api.refunds
    assert refund["amount"] == 7500 and refund["metadata"] == {"refund_key": card_refund.refund_key}
    db.session.expire_all()
    assert card_refund.status == "refunded" and card_refund.provider_refund_id == refund["id"]
    # Retried again (a double click): nothing more goes back.
    client.post(f"/met26/manage/invoices/{invoice.number}/card-refunds/{card_refund.id}/retry")
    assert len(stripe_api.refunds) == 1


def test_a_refund_whose_answer_was_lost_is_not_made_twice_on_retry(
    client, auth, with_fee, seller, make_abstract, stripe_api, organizer
):
    invoice = _paid_by_card(client, auth, make_abstract, stripe_api)
    stripe_api.lose_refund_answers = True  # Stripe refunds, the answer never reaches us
    auth.login(organizer)
    client.post(
        f"/met26/manage/invoices/{invoice.number}/refund",
        data={"refund-amount": "20.00", "refund-reason": "Partial withdrawal"},
    )
    (card_refund,) = db.session.scalars(select(CardRefund)).all()
    assert card_refund.status == "needs_refund" and len(stripe_api.refunds) == 1
    stripe_api.lose_refund_answers = False
    client.post(f"/met26/manage/invoices/{invoice.number}/card-refunds/{card_refund.id}/retry")
    db.session.expire_all()
    assert card_refund.status == "refunded"
    assert card_refund.provider_refund_id == stripe_api.refunds[0]["id"]
    assert len(stripe_api.refunds) == 1  # found at the provider by its key, not made again
    assert len(invoice.credit_notes) == 1


def test_a_pending_refund_made_before_a_crash_is_found_not_made_again(
    client, auth, with_fee, seller, make_abstract, stripe_api, organizer
):
    from conference.money import card

    invoice = _paid_by_card(client, auth, make_abstract, stripe_api)
    _note, (pending,) = card.refund_to_buyer(invoice, "75.00", "Withdrawn")
    db.session.commit()
    # The provider made it, then the server died before recording the answer.
    provider = card.configured_provider()
    provider.refund(
        pending.checkout.payment_reference,
        pending.amount,
        pending.currency,
        idempotency_key="lost",
        metadata={"refund_key": pending.refund_key},
    )
    auth.login(organizer)
    page = client.get(f"/met26/manage/invoices/{invoice.number}").get_data(as_text=True)
    assert 'data-state="pending"' in page
    client.post(f"/met26/manage/invoices/{invoice.number}/card-refunds/{pending.id}/retry")
    db.session.expire_all()
    assert pending.status == "refunded" and len(stripe_api.refunds) == 1


def test_a_card_refund_of_another_invoice_is_not_found(
    client, auth, with_fee, seller, make_abstract, stripe_api, organizer
):
    invoice = _paid_by_card(client, auth, make_abstract, stripe_api)
    auth.login(organizer)
    url = f"/met26/manage/invoices/{invoice.number}/card-refunds/999/retry"
    assert client.post(url).status_code == 404


def test_a_registration_paid_by_card_is_refunded_from_its_registration_not_the_invoice_page(
    client, auth, seller, stripe_api, organizer, congress
):
    from conference.registration import services as registration_services
    from conference.registration.queries import get_category_by_slug
    from conference.registration.tokens import manage_token
    from tests.registration.conftest import FEES, attendee_data

    registration_services.set_category_rules(
        get_category_by_slug(congress, "oncologist"), fees=FEES
    )
    db.session.commit()
    registration, _ = registration_services.register_attendee(congress, attendee_data())
    registration.email_confirmed_at = registration.created_at
    db.session.commit()
    started = client.post(
        f"/api/v1/congresses/met26/registrations/{registration.reference}/checkout",
        headers={"X-Manage-Token": manage_token(registration.reference, registration.manage_salt)},
    )
    session_id = started.get_json()["session_id"]
    stripe_api.pay(session_id)
    assert deliver(client, stripe_api, stripe_api.event(session_id)).get_json()["outcome"] == "paid"
    invoice = money_invoice_of(congress, registration.reference)
    auth.login(organizer)
    refused = client.post(
        f"/met26/manage/invoices/{invoice.number}/refund",
        data={"refund-amount": "100.00", "refund-reason": "Goodwill"},
    )
    assert refused.status_code == 422
    assert "refund it from the registration" in refused.get_data(as_text=True)
    assert stripe_api.refunds == []
    db.session.expire_all()
    assert invoice.credit_notes == []


def money_invoice_of(congress, reference):
    from conference.money.queries import get_active_invoice

    return get_active_invoice(congress, "registration", reference)


@pytest.mark.postgres
def test_simultaneous_deliveries_and_returns_record_one_fee_payment_on_postgresql(
    pg_engine_url, with_fee, seller, make_abstract, stripe_api, live_server_factory, api_token
):
    """Stripe retries while the first delivery is handled and the browser returns at the same
    moment: 6 webhook POSTs and 2 return pages at once, one payment."""
    import json
    import threading
    import urllib.error
    import urllib.request

    from tests.stripe_standin import SECRET_KEY, WEBHOOK_SECRET

    abstract = make_abstract()
    headers = api_token(abstract.submitter)
    server = live_server_factory(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10, "max_overflow": 10, "pool_timeout": 30},
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_api.base_url,
    )
    request = urllib.request.Request(
        f"{server.url}/api/v1/congresses/met26/abstracts/{abstract.id}/fee/checkout",
        headers=headers,
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        session_id = json.loads(response.read())["session_id"]
    stripe_api.pay(session_id)
    first = stripe_api.event(session_id)
    second = stripe_api.event(session_id, event_type="checkout.session.async_payment_succeeded")
    bodies = [first] * 3 + [second] * 3
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
    assert len(card_payments(fees.fee_invoice(abstract))) == 1
    assert abstract.fee_status == FeeStatus.PAID


def test_after_an_abandoned_card_payment_the_author_can_still_invoice_the_institution(
    client, auth, with_fee, seller, make_abstract, stripe_api
):
    abstract = make_abstract()
    auth.login(abstract.submitter)
    pay_now(client, abstract)  # issued to the author, then the author gave up on the card page
    first = fees.fee_invoice(abstract)
    page = client.get(f"/met26/abstracts/{abstract.id}").get_data(as_text=True)
    assert "Need the invoice made out to someone else" in page
    response = client.post(
        f"/met26/abstracts/{abstract.id}/fee/invoice",
        data={
            "buyer_name": "Medizinische Universität Wien",
            "buyer_address": "Spitalgasse 23\n1090 Wien",
            "buyer_country": "AT",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    second = fees.fee_invoice(abstract)
    assert second.id != first.id and second.buyer_name == "Medizinische Universität Wien"
    assert abstract.fee_invoice_number == second.number
    assert get_balance(first).outstanding == 0 and first.credit_notes  # cancelled
    # Asking again for the same buyer changes nothing; the card now pays the new invoice.
    same = money.Buyer(
        name="Medizinische Universität Wien", address="Spitalgasse 23\n1090 Wien", country="AT"
    )
    assert fees.invoice_fee(abstract, same).id == second.id
    session_id = pay_now(client, abstract)
    stripe_api.pay(session_id)
    assert deliver(client, stripe_api, stripe_api.event(session_id)).get_json()["outcome"] == "paid"
    db.session.expire_all()
    assert abstract.fee_status == FeeStatus.PAID and get_balance(second).outstanding == 0
