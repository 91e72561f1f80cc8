"""Online card payment of a registration: what registration hands the money domain.

Money owns the provider flow (conference.money.card: checkout, webhook, return page,
idempotency, refunds through the provider). Registration says what is bought (the amount due,
its reference, the attendee's email) and reacts to money's `payment_recorded` signal: the card
payment is recorded on the registration (`record_payment(kind="online")`, which confirms it and
issues its invoice), or refused when the registration no longer takes it (expired or cancelled
while the attendee was on the payment page, or already paid another way), and money refunds it.
`card_payment_refunded` tells the attendee their late payment went back.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _

from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.money import card as money_card
from conference.money.models import CardCheckout
from conference.money.signals import card_payment_refunded, payment_recorded
from conference.registration import notify
from conference.registration.capacity import lock_registration
from conference.registration.models import PaymentKind, Registration, RegistrationStatus
from conference.registration.payments import record_payment

#: How registrations are named as money's sales.
SOURCE = "registration"


def card_payment_available(registration: Registration | None = None) -> bool:
    """Whether "Pay now" is offered: a provider is configured (and this registration owes
    money and may pay it now)."""
    if not money_card.card_payment_available():
        return False
    if registration is None:
        return True
    from conference.registration.capacity import paid_by_group

    return (
        registration.status == RegistrationStatus.AWAITING_PAYMENT
        and registration.amount_due > 0
        and not paid_by_group(registration)
    )


def start_checkout(
    registration: Registration, *, return_url: str, cancel_url: str
) -> tuple[CardCheckout, str]:
    """Open a hosted payment page for what is due; return the checkout and its URL.

    `return_url` may contain `{CHECKOUT_SESSION_ID}`, which the provider fills in.
    """
    money_card.require_provider()  # 409 card_payment_unavailable without one
    if registration.status != RegistrationStatus.AWAITING_PAYMENT:
        raise Conflict(
            {
                RegistrationStatus.CONFIRMED: _("This registration is already paid."),
                RegistrationStatus.CANCELLED: _("This registration is cancelled."),
                RegistrationStatus.WAITLISTED: _(
                    "You are on the waiting list: nothing is due yet."
                ),
                RegistrationStatus.AWAITING_VERIFICATION: _(
                    "Your proof of status is checked first: the fee depends on it."
                ),
            }.get(registration.status, _("Nothing can be paid now.")),
            code="not_payable",
        )
    amount = registration.amount_due
    if amount <= 0:
        raise Conflict(_("Nothing is due: this registration is fully paid."), code="already_paid")
    congress = registration.congress
    return money_card.start_checkout(
        registration.congress_id,
        source=SOURCE,
        source_key=registration.reference,
        amount=amount,
        currency=registration.currency,
        email=registration.email,
        description=f"{congress.short_name} registration {registration.reference}",
        metadata={
            "registration_reference": registration.reference,
            "congress": congress.short_name,
        },
        return_url=return_url,
        cancel_url=cancel_url,
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


def confirm_on_return(registration: Registration, session_id: str) -> str:
    """The browser came back from the payment page: the payment's state (`paid`, ...)."""
    return money_card.confirm_on_return(
        session_id,
        congress_id=registration.congress_id,
        source=SOURCE,
        source_key=registration.reference,
    )


def checkouts_of(registration: Registration) -> list[CardCheckout]:
    return money_card.checkouts_of_sale(registration.congress_id, SOURCE, registration.reference)


def refund_card_payments(
    registration: Registration, amount: Decimal, now: datetime | None = None
) -> Decimal:
    """Give `amount` back through the provider from the registration's card payments (a
    cancellation); return what was refunded by card. If the provider fails, the cancellation
    fails too (ProviderUnavailable, nothing changed)."""
    return money_card.refund_sale(
        registration.congress_id, SOURCE, registration.reference, amount, now
    )


def refund_held_payment(registration: Registration, checkout_id: int) -> CardCheckout:
    """An organizer refunds a late card payment whose automatic refund failed."""
    checkout = db.session.get(CardCheckout, checkout_id)
    if checkout is None or (checkout.congress_id, checkout.source, checkout.source_key) != (
        registration.congress_id,
        SOURCE,
        registration.reference,
    ):
        raise Conflict(_("No such card payment for this registration."), code="not_found")
    return money_card.refund_held_payment(checkout)


def _registration_of(congress_id: int, reference: str) -> Registration | None:
    from sqlalchemy import select

    return db.session.scalar(
        select(Registration).where(
            Registration.congress_id == congress_id, Registration.reference == reference
        )
    )


@payment_recorded.connect_via(SOURCE)
def _on_card_payment(_source, *, congress_id, source_key, invoice, checkout=None, **_kw):
    """Money took a card payment for a registration: record it (confirming the registration),
    or refuse it when the registration no longer takes it."""
    if invoice is not None or checkout is None:
        return None  # a payment on the registration's invoice, recorded from here already
    registration = _registration_of(congress_id, source_key)
    if registration is None:
        raise money_card.PaymentRefused("the registration no longer exists")
    # Serialize with the expiry job and a cancellation, then decide.
    lock_registration(registration)
    db.session.refresh(registration)
    if (
        registration.status != RegistrationStatus.AWAITING_PAYMENT
        or registration.amount_due < checkout.amount
    ):
        raise money_card.PaymentRefused(
            {
                RegistrationStatus.CANCELLED: "the registration was cancelled or had expired",
                RegistrationStatus.CONFIRMED: "the registration was already paid",
            }.get(registration.status, f"the registration is {registration.status.value}")
        )
    try:
        record_payment(
            registration,
            kind=PaymentKind.ONLINE.value,
            amount=str(checkout.amount),
            note=f"Card payment ({checkout.provider} {checkout.payment_reference})"[:300],
            idempotency_key=f"{checkout.provider}:{checkout.session_id}"[:64],
            now=_kw.get("received_at"),
            online=True,
        )
    except DomainError as exc:
        raise money_card.PaymentRefused(f"the registration refused it ({exc.message})") from None
    return True


@card_payment_refunded.connect_via(SOURCE)
def _on_card_refund(_source, *, congress_id, source_key, checkout, **_kw):
    registration = _registration_of(congress_id, source_key)
    if registration is not None:
        notify.late_payment_refunded(registration, checkout)
