"""Online card payment of an issued invoice (an abstract fee, say) through the card provider.

Registrations pay through registration's own checkout (conference.registration.card), which
records the payment on the registration first; any other sale pays its money invoice here, and
the payment is recorded with `record_invoice_payment(method="online_card")`, whose
`payment_recorded` signal tells the selling domain (abstracts mark the fee paid).

Idempotent like the registration's: the checkout row is locked and its status checked before
anything is recorded, so a webhook delivered twice and a browser returning before (or after)
the webhook record one payment. Money that arrives for an invoice that no longer takes it
(cancelled, waived, paid another way meanwhile) goes back through the provider at once; if that
refund fails the checkout is `needs_refund` and an organizer refunds it from the invoice page.

The provider is the instance's card provider (`conference.registration.providers`: Stripe
Checkout when its keys are set); without keys nothing here is offered.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.models import utcnow
from conference.money.models import (
    CardCheckoutStatus,
    DocumentKind,
    Invoice,
    InvoiceCheckout,
)
from conference.money.queries import get_balance

log = logging.getLogger(__name__)

METHOD = "online_card"


def configured_provider():
    from conference.registration.providers import configured_provider as provider

    return provider()


def card_payment_available(invoice: Invoice | None = None) -> bool:
    """Whether "Pay now" is offered: a provider is configured (and the invoice owes money)."""
    if configured_provider() is None:
        return False
    if invoice is None:
        return True
    return invoice.kind == DocumentKind.INVOICE and get_balance(invoice).outstanding > 0


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
    invoice: Invoice, *, email: str, description: str, return_url: str, cancel_url: str
) -> tuple[InvoiceCheckout, str]:
    """Open a hosted payment page for what the invoice still owes; return it and its URL.

    `return_url` may contain `{CHECKOUT_SESSION_ID}`, which the provider fills in.
    """
    provider = _provider()
    if invoice.kind != DocumentKind.INVOICE:
        raise Conflict(_("A credit note is not paid."), code="not_payable")
    amount = get_balance(invoice).outstanding
    if amount <= 0:
        raise Conflict(
            _(
                "Nothing is due on invoice %(number)s: it is paid or cancelled.",
                number=invoice.number,
            ),
            code="already_paid",
        )
    checkout = provider.create_session(
        client_reference=invoice.number,
        email=email or invoice.buyer_email,
        product_name=description,
        amount=amount,
        currency=invoice.currency,
        metadata={"invoice_number": invoice.number, "source": invoice.order.source},
        return_url=return_url,
        cancel_url=cancel_url,
    )
    row = InvoiceCheckout(
        congress_id=invoice.congress_id,
        invoice_id=invoice.id,
        provider=provider.name,
        session_id=checkout.provider_reference,
        amount=amount,
        currency=invoice.currency,
        status=CardCheckoutStatus.OPEN,
    )
    db.session.add(row)
    db.session.flush()
    return row, checkout.redirect_url


def get_checkout(provider: str, session_id: str) -> InvoiceCheckout | None:
    return db.session.scalar(
        select(InvoiceCheckout).where(
            InvoiceCheckout.provider == provider, InvoiceCheckout.session_id == session_id
        )
    )


def _lock(checkout: InvoiceCheckout) -> InvoiceCheckout:
    """Lock the checkout row and re-read it (a concurrent delivery or return page waits)."""
    return db.session.scalar(
        select(InvoiceCheckout)
        .where(InvoiceCheckout.id == checkout.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def apply_result(provider, result, now: datetime | None = None) -> str:
    """Apply what the provider says about an invoice checkout; return the outcome.

    Outcomes as for registrations: `paid`, `duplicate`, `pending`, `ignored`, `mismatch`,
    `refunded` / `needs_refund`.
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
    invoice = checkout.invoice
    if (
        result.registration_reference != invoice.number
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
            invoice.number,
        )
        return "mismatch"
    if not result.succeeded:
        return "pending"
    checkout = _lock(checkout)
    if checkout.status != CardCheckoutStatus.OPEN:
        return "duplicate"
    checkout.payment_reference = result.payment_reference[:255]
    checkout.completed_at = now
    if get_balance(invoice).outstanding >= checkout.amount:
        from conference.money.services import record_invoice_payment

        record_invoice_payment(
            invoice,
            checkout.amount,
            method=METHOD,
            reference=f"{provider.name} {result.payment_reference}",
            received_at=now,
        )
        checkout.status = CardCheckoutStatus.PAID
        db.session.flush()
        return "paid"
    return _refund_late_payment(provider, checkout)


def _refund_late_payment(provider, checkout: InvoiceCheckout) -> str:
    """Money for an invoice that no longer owes it goes back through the provider."""
    invoice = checkout.invoice
    try:
        refund_id = provider.refund(
            checkout.payment_reference,
            checkout.amount,
            checkout.currency,
            idempotency_key=f"late:{checkout.session_id}",
        )
    except DomainError:
        checkout.status = CardCheckoutStatus.NEEDS_REFUND
        checkout.note = (
            f"Paid when invoice {invoice.number} no longer owed it; the automatic refund "
            "failed: refund it."
        )[:300]
        log.error(
            "%s: late payment %s of %s could not be refunded automatically",
            provider.name,
            checkout.session_id,
            invoice.number,
        )
        db.session.flush()
        return "needs_refund"
    checkout.status = CardCheckoutStatus.REFUNDED
    checkout.refunded_amount = checkout.amount
    checkout.note = (
        f"Paid when invoice {invoice.number} no longer owed it; refunded automatically "
        f"({refund_id})."
    )[:300]
    db.session.flush()
    log.warning(
        "%s: late payment %s of %s refunded (%s)",
        provider.name,
        checkout.session_id,
        invoice.number,
        refund_id,
    )
    return "refunded"


def confirm_on_return(invoice: Invoice, session_id: str) -> str:
    """The browser came back from the payment page: ask the provider (the webhook may not have
    arrived yet); return the checkout's state (`paid`, `pending`, `unknown`, ...)."""
    provider = configured_provider()
    if provider is None:
        return "unavailable"
    checkout = get_checkout(provider.name, session_id or "")
    if checkout is None or checkout.invoice_id != invoice.id:
        return "unknown"
    if checkout.status != CardCheckoutStatus.OPEN:
        return checkout.status
    return apply_result(provider, provider.retrieve(session_id))


def checkouts_of(invoice: Invoice) -> list[InvoiceCheckout]:
    return list(
        db.session.scalars(
            select(InvoiceCheckout)
            .where(InvoiceCheckout.invoice_id == invoice.id)
            .order_by(InvoiceCheckout.id)
        )
    )


def refund_card_payments(invoice: Invoice, amount: Decimal, now: datetime | None = None) -> Decimal:
    """Give `amount` back through the provider from the invoice's paid card checkouts; return
    what was refunded by card (0 when the invoice was not paid by card here).

    Called before the credit note is written: if the provider fails, nothing is changed.
    """
    now = now or utcnow()
    paid = [
        checkout
        for checkout in checkouts_of(invoice)
        if checkout.status == CardCheckoutStatus.PAID and checkout.amount > checkout.refunded_amount
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
                f"invoice-refund:{checkout.session_id}:{checkout.refunded_amount}:{part}:"
                f"{now:%Y%m%d%H%M}"
            ),
        )
        checkout.refunded_amount += part
        checkout.note = f"Refunded {part} {checkout.currency} ({refund_id})."[:300]
        refunded += part
    db.session.flush()
    return refunded


#: Selling domains whose card payments are their own (registration's checkout): a refund of
#: such an invoice is made where the sale is, so the card refund and the sale stay right.
OWN_CARD_REFUNDS = {"registration": "the registration's page (cancel it there)"}


def refund_to_buyer(invoice: Invoice, amount, reason: str, now: datetime | None = None):
    """An organizer refunds part or all of an invoice from its page: money paid by card through
    an invoice checkout goes back through the provider first (if the provider fails, nothing is
    written), then the credit note and the refund are recorded. Returns the credit note."""
    from conference.errors import ValidationFailed
    from conference.money import services

    if not (reason or "").strip():
        raise ValidationFailed(
            _("Give the reason for the credit note."), fields={"reason": ["Say why."]}
        )
    amount = services.check_refund(invoice, amount)
    where = OWN_CARD_REFUNDS.get(invoice.order.source)
    if where and any(payment.method == METHOD for payment in invoice.payments):
        raise Conflict(
            _(
                "Invoice %(number)s was paid by card online for a sale of %(source)s "
                "%(source_key)s: refund it from %(where)s, so the card refund goes "
                "back through the payment provider.",
                number=invoice.number,
                source=invoice.order.source,
                source_key=invoice.order.source_key,
                where=where,
            ),
            code="refund_at_source",
            fields={"amount": ["Refund this card payment where it was sold."]},
        )
    by_card = refund_card_payments(invoice, amount, now)
    reference = ""
    if by_card:
        reference = f"Refund: {by_card} {invoice.currency} back to the card"
    return services.refund_invoice(
        invoice,
        amount,
        reason,
        method="online_card" if by_card else "bank_transfer",
        reference=reference,
    )
