"""Online card payment of a registration: start a checkout, apply the provider's word, refund.

The provider (Stripe Checkout, conference.registration.providers) is reached over the
network; these services never commit. A payment is recorded once per checkout, however often
the provider repeats its notification or the browser returns: the checkout row is locked and
its status checked, and `record_payment` has an idempotency key per checkout.

Money that arrives for a registration that no longer takes it (expired or cancelled while
the attendee was on the payment page, or already paid another way) is **refunded
automatically** through the provider and the checkout is marked `refunded`; if that refund
fails, it is marked `needs_refund` and shown to organizers on the registration's page.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.models import utcnow
from conference.registration import notify
from conference.registration.capacity import lock_registration
from conference.registration.models import (
    CardCheckout,
    CheckoutStatus,
    PaymentKind,
    ProviderEvent,
    Registration,
    RegistrationStatus,
)
from conference.registration.payments import WebhookResult, record_payment
from conference.registration.providers import configured_provider

log = logging.getLogger(__name__)


def card_payment_available(registration: Registration | None = None) -> bool:
    """Whether "Pay now" is offered: a provider is configured (and this registration owes
    money and may pay it now)."""
    if configured_provider() is None:
        return False
    if registration is None:
        return True
    from conference.registration.capacity import paid_by_group

    return (
        registration.status == RegistrationStatus.AWAITING_PAYMENT
        and registration.amount_due > 0
        and not paid_by_group(registration)
    )


def _provider():
    provider = configured_provider()
    if provider is None:
        raise Conflict(
            _(
                "Card payment is not offered for this congress; please pay by bank transfer.",
            ),
            code="card_payment_unavailable",
        )
    return provider


def start_checkout(
    registration: Registration, *, return_url: str, cancel_url: str
) -> tuple[CardCheckout, str]:
    """Open a hosted payment page for what is due; return the checkout and its URL.

    `return_url` may contain `{CHECKOUT_SESSION_ID}`, which the provider fills in.
    """
    provider = _provider()
    if registration.status != RegistrationStatus.AWAITING_PAYMENT:
        raise Conflict(
            {
                RegistrationStatus.CONFIRMED: "This registration is already paid.",
                RegistrationStatus.CANCELLED: "This registration is cancelled.",
                RegistrationStatus.WAITLISTED: "You are on the waiting list: nothing is due yet.",
                RegistrationStatus.AWAITING_VERIFICATION: (
                    "Your proof of status is checked first: the fee depends on it."
                ),
            }.get(registration.status, "Nothing can be paid now."),
            code="not_payable",
        )
    amount = registration.amount_due
    if amount <= 0:
        raise Conflict(_("Nothing is due: this registration is fully paid."), code="already_paid")
    checkout = provider.create_checkout(
        registration,
        amount,
        registration.currency,
        return_url,
        cancel_url=cancel_url,
    )
    row = CardCheckout(
        registration=registration,
        provider=provider.name,
        session_id=checkout.provider_reference,
        amount=amount,
        currency=registration.currency,
        status=CheckoutStatus.OPEN,
    )
    db.session.add(row)
    db.session.flush()
    return row, checkout.redirect_url


def get_checkout(provider: str, session_id: str) -> CardCheckout | None:
    return db.session.scalar(
        select(CardCheckout).where(
            CardCheckout.provider == provider, CardCheckout.session_id == session_id
        )
    )


def remember_event(provider: str, result: WebhookResult) -> bool:
    """Record a provider event id; False when it was handled before (a replay)."""
    if not result.event_id:
        return True
    seen = db.session.scalar(
        select(ProviderEvent.id).where(
            ProviderEvent.provider == provider, ProviderEvent.event_id == result.event_id
        )
    )
    if seen is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                ProviderEvent(
                    provider=provider,
                    event_id=result.event_id,
                    event_type=result.event_type[:80],
                )
            )
    except IntegrityError:  # a concurrent delivery of the same event won
        return False
    return True


def apply_result(provider, result: WebhookResult, now: datetime | None = None) -> str:
    """Apply what the provider says about a checkout; return the outcome.

    Outcomes: `paid` (payment recorded), `duplicate` (already applied), `pending` (not paid
    yet), `ignored` (not about a checkout of ours), `mismatch` (amount, currency or
    reference differ from the checkout: refused), `refunded` / `needs_refund` (money for a
    registration that no longer takes it).
    """
    now = now or utcnow()
    checkout = get_checkout(provider.name, result.provider_reference)
    if checkout is None:
        log.warning(
            "%s: event %s for unknown checkout %r ignored",
            provider.name,
            result.event_id,
            result.provider_reference,
        )
        return "ignored"
    registration = checkout.registration
    if (
        result.registration_reference != registration.reference
        or result.amount != checkout.amount
        or result.currency.upper() != checkout.currency.upper()
    ):
        log.warning(
            "%s: event %s refused: says %s %s for %r, checkout %s is %s %s for %s",
            provider.name,
            result.event_id,
            result.amount,
            result.currency,
            result.registration_reference,
            checkout.session_id,
            checkout.amount,
            checkout.currency,
            registration.reference,
        )
        return "mismatch"
    if not result.succeeded:
        return "pending"
    # Serialize with a concurrent delivery, the return page and the expiry job.
    lock_registration(registration)
    db.session.refresh(checkout)
    if checkout.status != CheckoutStatus.OPEN:
        return "duplicate"
    checkout.payment_reference = result.payment_reference[:255]
    checkout.completed_at = now
    takes_money = (
        registration.status == RegistrationStatus.AWAITING_PAYMENT
        and registration.amount_due >= checkout.amount
    )
    if takes_money:
        record_payment(
            registration,
            kind=PaymentKind.ONLINE.value,
            amount=str(checkout.amount),
            note=f"Card payment ({provider.name} {result.payment_reference})"[:300],
            idempotency_key=f"{provider.name}:{checkout.session_id}"[:64],
            now=now,
            online=True,
        )
        checkout.status = CheckoutStatus.PAID
        db.session.flush()
        return "paid"
    return _refund_late_payment(provider, checkout, registration)


def _refund_late_payment(provider, checkout: CardCheckout, registration: Registration) -> str:
    """Money for a registration that no longer takes it goes back through the provider."""
    reason = {
        RegistrationStatus.CANCELLED: "the registration was cancelled or had expired",
        RegistrationStatus.CONFIRMED: "the registration was already paid",
    }.get(registration.status, f"the registration is {registration.status.value}")
    try:
        refund_id = provider.refund(
            checkout.payment_reference,
            checkout.amount,
            checkout.currency,
            idempotency_key=f"late:{checkout.session_id}",
        )
    except DomainError:
        checkout.status = CheckoutStatus.NEEDS_REFUND
        checkout.note = f"Paid after {reason}; the automatic refund failed: refund it."[:300]
        log.error(
            "%s: late payment %s of %s could not be refunded automatically",
            provider.name,
            checkout.session_id,
            registration.reference,
        )
        db.session.flush()
        return "needs_refund"
    checkout.status = CheckoutStatus.REFUNDED
    checkout.refunded_amount = checkout.amount
    checkout.note = f"Paid after {reason}; refunded automatically ({refund_id})."[:300]
    db.session.flush()
    notify.late_payment_refunded(registration, checkout)
    log.warning(
        "%s: late payment %s of %s refunded (%s)",
        provider.name,
        checkout.session_id,
        registration.reference,
        refund_id,
    )
    return "refunded"


def confirm_on_return(registration: Registration, session_id: str) -> str:
    """The browser came back from the payment page: ask the provider (the webhook may not
    have arrived yet); return the checkout's state (`paid`, `pending`, ...)."""
    provider = configured_provider()
    if provider is None:
        return "unavailable"
    checkout = get_checkout(provider.name, session_id)
    if checkout is None or checkout.registration_id != registration.id:
        return "unknown"
    if checkout.status != CheckoutStatus.OPEN:
        return checkout.status.value
    result = provider.retrieve(session_id)
    return apply_result(provider, result)


def refund_card_payments(
    registration: Registration, amount: Decimal, now: datetime | None = None
) -> Decimal:
    """Give `amount` back through the provider from the registration's card payments (an
    organizer's or attendee's cancellation); return what was refunded by card.

    Called before anything is written: if the provider fails, the cancellation fails too
    (ProviderUnavailable, nothing changed). The idempotency key holds the minute, so a
    double submission refunds once while a retry later is a new request (Stripe replays a
    key's first answer for a day, failures included).
    """
    now = now or utcnow()
    paid = [
        checkout
        for checkout in db.session.scalars(
            select(CardCheckout)
            .where(
                CardCheckout.registration_id == registration.id,
                CardCheckout.status == CheckoutStatus.PAID,
            )
            .order_by(CardCheckout.id)
        )
        if checkout.amount > checkout.refunded_amount
    ]
    if not paid or amount <= 0:
        return Decimal("0.00")
    provider = _provider()
    refunded = Decimal("0.00")
    for checkout in paid:
        part = min(amount - refunded, checkout.amount - checkout.refunded_amount)
        if part <= 0:
            break
        refund_id = provider.refund(
            checkout.payment_reference,
            part,
            checkout.currency,
            idempotency_key=(
                f"cancel:{checkout.session_id}:{checkout.refunded_amount}:{part}:{now:%Y%m%d%H%M}"
            ),
        )
        checkout.refunded_amount += part
        checkout.note = f"Refunded {part} {checkout.currency} ({refund_id})."[:300]
        refunded += part
    db.session.flush()
    return refunded


def checkouts_of(registration: Registration) -> list[CardCheckout]:
    return list(
        db.session.scalars(
            select(CardCheckout)
            .where(CardCheckout.registration_id == registration.id)
            .order_by(CardCheckout.id)
        )
    )


def checkout_urls(registration: Registration) -> tuple[str, str]:
    """Where the provider sends the browser back: (after paying, after giving up). Neither
    holds the manage token (it would reach the provider); the return page shows only the
    payment's state."""
    from conference.urls import external_url

    back = external_url("registration.checkout_return", reference=registration.reference)
    gave_up = external_url("registration.checkout_cancelled", reference=registration.reference)
    return back + "?session_id={CHECKOUT_SESSION_ID}", gave_up


def open_checkout(registration: Registration) -> tuple[CardCheckout, str]:
    """`start_checkout` with this site's return pages."""
    return_url, cancel_url = checkout_urls(registration)
    return start_checkout(registration, return_url=return_url, cancel_url=cancel_url)


def refund_held_payment(registration: Registration, checkout_id: int) -> CardCheckout:
    """An organizer refunds a late card payment whose automatic refund failed."""
    checkout = db.session.get(CardCheckout, checkout_id)
    if checkout is None or checkout.registration_id != registration.id:
        raise Conflict(_("No such card payment for this registration."), code="not_found")
    if checkout.status != CheckoutStatus.NEEDS_REFUND:
        raise Conflict(_("This card payment is not waiting for a refund."), code="not_refundable")
    provider = _provider()
    refund_id = provider.refund(
        checkout.payment_reference,
        checkout.amount,
        checkout.currency,
        # Not the automatic refund's key: Stripe replays a key's first answer, failures too.
        idempotency_key=f"late-by-organizer:{checkout.session_id}",
    )
    checkout.status = CheckoutStatus.REFUNDED
    checkout.refunded_amount = checkout.amount
    checkout.note = f"Paid late; refunded by an organizer ({refund_id})."[:300]
    db.session.flush()
    notify.late_payment_refunded(registration, checkout)
    return checkout
