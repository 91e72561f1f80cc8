"""Online card payment: the one provider flow of the congress (Stripe Checkout behind
`conference.money.providers`).

Selling domains hand money what is bought and react to `payment_recorded`; they never talk to
the provider. A checkout pays an amount owed on a sale (`source`, `source_key`):

- **an issued invoice** (`start_invoice_checkout`, e.g. an abstract fee): the webhook records
  the payment on the invoice with `record_invoice_payment`, whose `payment_recorded` signal tells
  the selling domain (abstracts complete the submission);
- **a sale not invoiced yet** (`start_checkout` without an invoice, e.g. a registration, whose
  invoice is issued once it is paid): `payment_recorded` is sent with `invoice=None` and the
  `checkout`; the seller records the money on its side and returns True, or raises
  `PaymentRefused` when the sale no longer takes it.

Idempotent end to end: provider event ids are remembered (a replayed event changes nothing),
the checkout row is locked and its status checked before anything is recorded (a webhook
delivered twice, a second event type about the same session and a browser returning before
the webhook record one payment). Money that arrives for a sale that no longer takes it
(expired, cancelled, waived, paid another way) goes back through the provider at once; if that
refund fails the checkout is `needs_refund` and an organizer refunds it.

Refunds: `refund_sale` (a seller cancels: the provider first, nothing written if it fails) and
`refund_to_buyer` (an organizer refunds from the invoice page: the credit note and a pending
`CardRefund` are written first, then the provider is asked; a failure leaves the refund
`needs_refund` with its credit note, retried with a key the provider keeps, never twice).
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.errors import Conflict, DomainError, NotFound, ValidationFailed
from conference.extensions import db
from conference.models import utcnow
from conference.money.models import (
    CardCheckout,
    CardCheckoutStatus,
    CardRefund,
    CardRefundStatus,
    DocumentKind,
    Invoice,
    ProviderEvent,
)
from conference.money.providers import WebhookResult, configured_provider
from conference.money.queries import get_balance
from conference.money.signals import card_payment_refunded, payment_recorded

log = logging.getLogger(__name__)

METHOD = "online_card"
#: Events that say a checkout was paid.
PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


class PaymentRefused(Exception):
    """Raised by a seller's `payment_recorded` receiver: the sale no longer takes this money
    (expired, cancelled, paid another way). Money gives it back through the provider."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ProviderNotConfigured(NotFound):
    """No provider of that name is configured here (its webhook URL is a 404)."""


def card_payment_available(invoice: Invoice | None = None) -> bool:
    """Whether "Pay now" is offered: a provider is configured (and the invoice owes money)."""
    if configured_provider() is None:
        return False
    if invoice is None:
        return True
    return invoice.kind == DocumentKind.INVOICE and get_balance(invoice).outstanding > 0


def require_provider():
    """The configured provider, or the 409 `card_payment_unavailable`."""
    provider = configured_provider()
    if provider is None:
        raise Conflict(
            _(
                "Card payment is not offered for this congress; please pay by bank transfer.",
            ),
            code="card_payment_unavailable",
        )
    return provider


# -- checkout -----------------------------------------------------------------------------------


def start_checkout(
    congress_id: int,
    *,
    source: str,
    source_key: str,
    amount: Decimal,
    currency: str,
    email: str,
    description: str,
    return_url: str,
    cancel_url: str,
    metadata: dict | None = None,
    invoice: Invoice | None = None,
) -> tuple[CardCheckout, str]:
    """Open a hosted payment page for `amount` owed on a sale; return the checkout and its URL.

    `return_url` may contain `{CHECKOUT_SESSION_ID}`, which the provider fills in. The provider
    is told the invoice number when an invoice is paid, else the sale's key.
    """
    provider = require_provider()
    client_reference = invoice.number if invoice is not None else source_key
    session = provider.create_session(
        client_reference=client_reference,
        email=email,
        product_name=description,
        amount=amount,
        currency=currency,
        metadata={**(metadata or {}), "source": source},
        return_url=return_url,
        cancel_url=cancel_url,
    )
    row = CardCheckout(
        congress_id=congress_id,
        source=source,
        source_key=str(source_key),
        invoice=invoice,
        provider=provider.name,
        session_id=session.provider_reference,
        amount=amount,
        currency=currency.upper(),
        status=CardCheckoutStatus.OPEN,
    )
    db.session.add(row)
    db.session.flush()
    return row, session.redirect_url


def start_invoice_checkout(
    invoice: Invoice, *, email: str, description: str, return_url: str, cancel_url: str
) -> tuple[CardCheckout, str]:
    """Open a hosted payment page for what an issued invoice still owes."""
    require_provider()
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
    return start_checkout(
        invoice.congress_id,
        source=invoice.order.source,
        source_key=invoice.order.source_key,
        amount=amount,
        currency=invoice.currency,
        email=email or invoice.buyer_email,
        description=description,
        return_url=return_url,
        cancel_url=cancel_url,
        metadata={"invoice_number": invoice.number},
        invoice=invoice,
    )


def get_checkout(provider: str, session_id: str) -> CardCheckout | None:
    return db.session.scalar(
        select(CardCheckout).where(
            CardCheckout.provider == provider, CardCheckout.session_id == session_id
        )
    )


def checkouts_of_sale(congress_id: int, source: str, source_key: str) -> list[CardCheckout]:
    """Every card payment attempt of a sale, oldest first."""
    return list(
        db.session.scalars(
            select(CardCheckout)
            .where(
                CardCheckout.congress_id == congress_id,
                CardCheckout.source == source,
                CardCheckout.source_key == str(source_key),
            )
            .order_by(CardCheckout.id)
        )
    )


def checkouts_of(invoice: Invoice) -> list[CardCheckout]:
    """The card payment attempts of an invoice's sale (also those of an invoice it replaced)."""
    return checkouts_of_sale(invoice.congress_id, invoice.order.source, invoice.order.source_key)


def _lock(checkout: CardCheckout) -> CardCheckout:
    """Lock the checkout row and re-read it (a concurrent delivery or return page waits)."""
    return db.session.scalar(
        select(CardCheckout)
        .where(CardCheckout.id == checkout.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


# -- the provider's word: webhook and return page -----------------------------------------------


def remember_event(provider: str, result: WebhookResult) -> ProviderEvent | None:
    """Record a provider event id; None when it was handled before (a replay)."""
    if not result.event_id:
        return ProviderEvent(provider=provider, event_id="", event_type=result.event_type[:80])
    seen = db.session.scalar(
        select(ProviderEvent.id).where(
            ProviderEvent.provider == provider, ProviderEvent.event_id == result.event_id
        )
    )
    if seen is not None:
        return None
    event = ProviderEvent(
        provider=provider, event_id=result.event_id[:255], event_type=result.event_type[:80]
    )
    try:
        with db.session.begin_nested():
            db.session.add(event)
    except IntegrityError:  # a concurrent delivery of the same event won
        return None
    return event


def handle_webhook(provider_name: str, body: bytes, headers) -> str:
    """A provider's notification: verify it (providers.WebhookRejected when not genuine), forget
    replays, apply a payment; return the outcome (`paid`, `replayed`, `duplicate`, ...)."""
    provider = configured_provider()
    if provider is None or provider.name != provider_name:
        raise ProviderNotConfigured(_("This payment provider is not configured."))
    result = provider.handle_webhook(body, headers)
    event = remember_event(provider.name, result)
    if event is None:
        log.warning("%s webhook: event %s replayed, ignored", provider.name, result.event_id)
        return "replayed"
    outcome = apply_result(provider, result) if result.event_type in PAID_EVENTS else "ignored"
    if event.id is not None:
        event.outcome = outcome[:40]
        db.session.flush()
    log.info(
        "%s webhook: event %s (%s): %s", provider.name, result.event_id, result.event_type, outcome
    )
    return outcome


def apply_result(provider, result: WebhookResult, now: datetime | None = None) -> str:
    """Apply what the provider says about a checkout; return the outcome.

    Outcomes: `paid` (payment recorded), `duplicate` (already applied), `pending` (not paid
    yet), `ignored` (not about a checkout of ours), `mismatch` (amount, currency or reference
    differ from the checkout: refused), `refunded` / `needs_refund` (money for a sale that no
    longer takes it).
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
    if (
        result.client_reference != checkout.client_reference
        or result.amount != checkout.amount
        or result.currency.upper() != checkout.currency.upper()
    ):
        log.warning(
            "%s: event %s refused: says %s %s for %r, checkout %s is %s %s for %s",
            provider.name,
            result.event_id,
            result.amount,
            result.currency,
            result.client_reference,
            checkout.session_id,
            checkout.amount,
            checkout.currency,
            checkout.client_reference,
        )
        return "mismatch"
    if not result.succeeded:
        return "pending"
    # Serialize with a concurrent delivery and the return page.
    checkout = _lock(checkout)
    if checkout.status != CardCheckoutStatus.OPEN:
        return "duplicate"
    checkout.payment_reference = result.payment_reference[:255]
    checkout.completed_at = now
    try:
        with db.session.begin_nested():
            _record(provider, checkout, now)
    except PaymentRefused as refusal:
        return _refund_late_payment(provider, checkout, refusal.reason)
    checkout.status = CardCheckoutStatus.PAID
    db.session.flush()
    return "paid"


def _record(provider, checkout: CardCheckout, now: datetime) -> None:
    """Record the money: on the invoice paid, else by the seller (PaymentRefused if not)."""
    reference = f"{provider.name} {checkout.payment_reference}"
    invoice = checkout.invoice
    if invoice is not None:
        if get_balance(invoice).outstanding < checkout.amount:
            raise PaymentRefused(f"invoice {invoice.number} no longer owed it")
        from conference.money.services import record_invoice_payment

        record_invoice_payment(
            invoice, checkout.amount, method=METHOD, reference=reference, received_at=now
        )
        return
    answers = payment_recorded.send(
        checkout.source,
        congress_id=checkout.congress_id,
        source_key=checkout.source_key,
        invoice=None,
        payment=None,
        checkout=checkout,
        amount=checkout.amount,
        method=METHOD,
        reference=reference,
        invoice_number="",
        outstanding=None,
        received_at=now,
    )
    if not any(value is True for _receiver, value in answers):
        raise PaymentRefused(f"no seller took the payment for {checkout.source}")


def _refund_late_payment(provider, checkout: CardCheckout, reason: str) -> str:
    """Money for a sale that no longer takes it goes back through the provider."""
    try:
        refund_id = provider.refund(
            checkout.payment_reference,
            checkout.amount,
            checkout.currency,
            idempotency_key=f"late:{checkout.session_id}",
        )
    except DomainError:
        checkout.status = CardCheckoutStatus.NEEDS_REFUND
        checkout.note = f"Paid after {reason}; the automatic refund failed: refund it."[:300]
        log.error(
            "%s: late payment %s of %s %s could not be refunded automatically",
            provider.name,
            checkout.session_id,
            checkout.source,
            checkout.source_key,
        )
        db.session.flush()
        return "needs_refund"
    checkout.status = CardCheckoutStatus.REFUNDED
    checkout.refunded_amount = checkout.amount
    checkout.note = f"Paid after {reason}; refunded automatically ({refund_id})."[:300]
    db.session.flush()
    _tell_refunded(checkout)
    log.warning(
        "%s: late payment %s of %s %s refunded (%s)",
        provider.name,
        checkout.session_id,
        checkout.source,
        checkout.source_key,
        refund_id,
    )
    return "refunded"


def _tell_refunded(checkout: CardCheckout) -> None:
    card_payment_refunded.send(
        checkout.source,
        congress_id=checkout.congress_id,
        source_key=checkout.source_key,
        checkout=checkout,
    )


def confirm_on_return(session_id: str, *, congress_id: int, source: str, source_key: str) -> str:
    """The browser came back from the payment page: ask the provider (the webhook may not have
    arrived yet); return the checkout's state (`paid`, `pending`, `unknown`, ...)."""
    provider = configured_provider()
    if provider is None:
        return "unavailable"
    checkout = get_checkout(provider.name, session_id or "")
    if checkout is None or (checkout.congress_id, checkout.source, checkout.source_key) != (
        congress_id,
        source,
        str(source_key),
    ):
        return "unknown"
    if checkout.status != CardCheckoutStatus.OPEN:
        return str(checkout.status)
    return apply_result(provider, provider.retrieve(session_id))


# -- refunds ------------------------------------------------------------------------------------


def _refundable(checkouts: list[CardCheckout]) -> list[CardCheckout]:
    return [
        checkout
        for checkout in checkouts
        if checkout.status == CardCheckoutStatus.PAID and checkout.amount > checkout.refunded_amount
    ]


def refund_sale(
    congress_id: int,
    source: str,
    source_key: str,
    amount: Decimal,
    now: datetime | None = None,
) -> Decimal:
    """Give `amount` back through the provider from a sale's card payments (a seller's
    cancellation); return what was refunded by card (0 when it was not paid by card).

    Called before anything else is written: if the provider fails, ProviderUnavailable is
    raised and nothing is changed. The idempotency key holds the minute, so a double
    submission refunds once while a retry later is a new request (Stripe replays a key's first
    answer for a day, failures included).
    """
    now = now or utcnow()
    paid = _refundable(checkouts_of_sale(congress_id, source, source_key))
    if not paid or amount <= 0:
        return Decimal("0.00")
    provider = require_provider()
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


def refund_held_payment(checkout: CardCheckout) -> CardCheckout:
    """An organizer refunds a late card payment whose automatic refund failed."""
    checkout = _lock(checkout)
    if checkout.status != CardCheckoutStatus.NEEDS_REFUND:
        raise Conflict(_("This card payment is not waiting for a refund."), code="not_refundable")
    provider = require_provider()
    refund_id = provider.refund(
        checkout.payment_reference,
        checkout.amount,
        checkout.currency,
        # Not the automatic refund's key: Stripe replays a key's first answer, failures too.
        idempotency_key=f"late-by-organizer:{checkout.session_id}",
    )
    checkout.status = CardCheckoutStatus.REFUNDED
    checkout.refunded_amount = checkout.amount
    checkout.note = f"Paid late; refunded by an organizer ({refund_id})."[:300]
    db.session.flush()
    _tell_refunded(checkout)
    return checkout


def refund_to_buyer(invoice: Invoice, amount, reason: str) -> tuple[Invoice, list[CardRefund]]:
    """An organizer refunds part or all of an invoice from its page: the credit note and the
    refund are recorded, and the part paid by card through an invoice checkout is written as
    pending card refunds (the checkouts' refunded amounts reserved, so a second refund cannot
    take the same money twice). Returns (credit note, card refunds): the caller commits, then
    asks the provider with `send_card_refunds`, then commits again."""
    from conference.money import services

    if not (reason or "").strip():
        raise ValidationFailed(
            _("Give the reason for the credit note."), fields={"reason": ["Say why."]}
        )
    amount = services.check_refund(invoice, amount)
    checkouts = _refundable(checkouts_of(invoice))
    recorded_by_seller = [checkout for checkout in checkouts if checkout.invoice_id is None]
    if recorded_by_seller:
        raise Conflict(
            _(
                "Invoice %(number)s was paid by card online for %(source)s %(source_key)s, "
                "which records its own payments: refund it from the %(source)s (cancel it "
                "there), so the card refund and the sale stay right.",
                number=invoice.number,
                source=invoice.order.source,
                source_key=invoice.order.source_key,
            ),
            code="refund_at_source",
            fields={"amount": ["Refund this card payment where it was sold."]},
        )
    card_refundable = sum(
        (checkout.amount - checkout.refunded_amount for checkout in checkouts), Decimal("0.00")
    )
    by_card = min(amount, card_refundable)
    if by_card <= 0:
        return services.refund_invoice(invoice, amount, reason, method="bank_transfer"), []
    note = services.refund_invoice(
        invoice,
        amount,
        reason,
        method=METHOD,
        reference=f"Refund: {by_card} {invoice.currency} back to the card",
    )
    refunds = []
    left = by_card
    for checkout in checkouts:
        checkout = _lock(checkout)
        part = min(left, checkout.amount - checkout.refunded_amount)
        if part <= 0:
            continue
        checkout.refunded_amount += part
        refund = CardRefund(
            congress_id=invoice.congress_id,
            checkout=checkout,
            credit_note=note,
            amount=part,
            currency=checkout.currency,
            status=CardRefundStatus.PENDING,
        )
        db.session.add(refund)
        refunds.append(refund)
        left -= part
        if left <= 0:
            break
    db.session.flush()
    return note, refunds


def send_card_refunds(
    refunds: list[CardRefund], now: datetime | None = None, *, just_written: bool = False
) -> list[CardRefund]:
    """Ask the provider for each pending (or failed) card refund; return those it did not make
    (left `needs_refund` with the reason). Never refunds twice: unless the refunds were
    `just_written` in this request, each is first looked up at the provider by its key (an
    earlier attempt may have been made and its answer lost)."""
    now = now or utcnow()
    provider = configured_provider()
    failed = []
    for refund in refunds:
        refund = db.session.scalar(
            select(CardRefund)
            .where(CardRefund.id == refund.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if refund.status == CardRefundStatus.REFUNDED:
            continue
        checkout = refund.checkout
        if provider is None or provider.name != checkout.provider:
            refund.status = CardRefundStatus.NEEDS_REFUND
            refund.note = "Card payment is not configured: refund it at the provider."[:300]
            failed.append(refund)
            continue
        try:
            refund_id = (
                None
                if just_written and not refund.attempts
                else provider.find_refund(checkout.payment_reference, refund.refund_key)
            )
            refund.attempts += 1
            if refund_id is None:
                refund_id = provider.refund(
                    checkout.payment_reference,
                    refund.amount,
                    refund.currency,
                    idempotency_key=f"{refund.refund_key}:{refund.attempts}",
                    metadata={"refund_key": refund.refund_key},
                )
        except DomainError as exc:
            refund.status = CardRefundStatus.NEEDS_REFUND
            refund.note = f"The provider did not make the refund: {exc.message}"[:300]
            log.error(
                "%s: card refund %s of %s %s failed",
                checkout.provider,
                refund.id,
                refund.amount,
                refund.currency,
            )
            failed.append(refund)
            continue
        refund.status = CardRefundStatus.REFUNDED
        refund.provider_refund_id = refund_id[:255]
        refund.refunded_at = now
        refund.note = ""
        checkout.note = f"Refunded {refund.amount} {refund.currency} ({refund_id})."[:300]
    db.session.flush()
    return failed


def card_refunds_of(invoice: Invoice) -> list[CardRefund]:
    """The card refunds made from this invoice's credit notes, oldest first."""
    return list(
        db.session.scalars(
            select(CardRefund)
            .join(Invoice, Invoice.id == CardRefund.credit_note_id)
            .where(Invoice.corrects_id == invoice.id)
            .order_by(CardRefund.id)
        )
    )


def get_card_refund(invoice: Invoice, refund_id: int) -> CardRefund:
    """A card refund of this invoice (404 for any other)."""
    refund = next((r for r in card_refunds_of(invoice) if r.id == refund_id), None)
    if refund is None:
        raise NotFound(_("No such card refund for this invoice."))
    return refund
