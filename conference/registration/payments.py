"""Payments recorded by organizers, refunds and gapless receipt numbers (card payments come
from the money domain's provider flow, conference.registration.card).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select, update

from conference.errors import Conflict, FieldErrors
from conference.extensions import db
from conference.models import utcnow
from conference.registration import notify
from conference.registration.capacity import get_settings, lock_registration
from conference.registration.models import (
    Payment,
    PaymentKind,
    Receipt,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
)

#: Kinds an organizer records by hand (refunds come from cancellations, online from a provider).
RECORDABLE_KINDS = (
    PaymentKind.BANK_TRANSFER,
    PaymentKind.CARD_ON_SITE,
    PaymentKind.CASH,
    PaymentKind.WAIVED,
)
#: What the check-in desk takes: money handed over at the desk.
DESK_KINDS = (PaymentKind.CARD_ON_SITE, PaymentKind.CASH)


def record_payment(
    registration: Registration,
    *,
    kind: str,
    amount=None,
    note: str = "",
    by=None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    online: bool = False,
) -> Payment:
    """Record money received (or a waiver); a fully paid registration is confirmed.

    The same `idempotency_key` twice records one payment (a double-click on the form).
    `online=True` (only the card provider's confirmation, conference.registration.card) also
    accepts the kind `online`.
    """
    from conference.registration.services import parse_amount

    now = now or utcnow()
    if idempotency_key:
        existing = db.session.scalar(
            select(Payment).where(Payment.idempotency_key == idempotency_key)
        )
        if existing is not None:
            if existing.registration_id != registration.id:
                raise Conflict(_("This payment key was used for another registration."))
            return existing
    errors = FieldErrors()
    try:
        kind = PaymentKind(kind)
    except ValueError:
        kind = None
    if kind not in RECORDABLE_KINDS and not (online and kind == PaymentKind.ONLINE):
        errors.add("kind", _("Choose bank transfer, card on site, cash or waived."))
    parsed = None
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        if kind != PaymentKind.WAIVED:
            errors.add("amount", _("Enter the amount received."))
    else:
        parsed = parse_amount(amount, "amount", errors)
        if parsed is not None and parsed <= 0:
            errors.add("amount", _("Enter an amount above 0."))
    errors.raise_if_any()
    # Serialize payments of this registration (two organizers, a double-click, the expiry
    # job), then check its state and look for the same key again: a simultaneous twin may
    # have committed while we waited.
    lock_registration(registration)
    if registration.status == RegistrationStatus.CANCELLED:
        raise Conflict(_("This registration is cancelled."), code="cancelled")
    if registration.status == RegistrationStatus.WAITLISTED:
        raise Conflict(_("This registration is on the waiting list: no payment is due yet."))
    if registration.status == RegistrationStatus.AWAITING_VERIFICATION:
        raise Conflict(
            _("Check the proof of status first: the fee depends on it."), code="not_verified"
        )
    if idempotency_key:
        existing = db.session.scalar(
            select(Payment).where(Payment.idempotency_key == idempotency_key)
        )
        if existing is not None and existing.registration_id == registration.id:
            return existing
    due = registration.amount_due
    if due <= 0:
        raise Conflict(_("Nothing is due: this registration is fully paid."), code="already_paid")
    if parsed is None:
        parsed = due
    if parsed > due:
        message = f"Only {due} {registration.currency} is due."
        raise Conflict(message, code="overpayment", fields={"amount": [message]})
    payment = Payment(
        registration=registration,
        kind=kind,
        amount=parsed,
        currency=registration.currency,
        note=(note or "").strip()[:300],
        idempotency_key=idempotency_key or None,
        recorded_by_id=by.id if by else None,
        recorded_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    record_on_invoice(registration, payment)  # money hook: an invoice issued earlier
    if registration.amount_due == 0 and registration.status == RegistrationStatus.AWAITING_PAYMENT:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.expires_at = None
        db.session.flush()
        issue_receipt(registration, now)
        invoice_paid_registration(registration)  # money hook (see the end of this module)
        notify.confirmed(registration)
    else:
        notify.payment_received(registration, payment)
    return payment


def add_refund(registration: Registration, amount: Decimal, by=None) -> Payment:
    payment = Payment(
        registration=registration,
        kind=PaymentKind.REFUND,
        amount=amount,
        currency=registration.currency,
        note="Refund on cancellation, less the cancellation fee.",
        recorded_by_id=by.id if by else None,
    )
    db.session.add(payment)
    return payment


def next_receipt_number(registration: Registration) -> int:
    """Take the congress's next receipt number: one atomic UPDATE ... RETURNING on the counter
    row, in the caller's transaction (a rollback returns the number, so there are no gaps)."""
    settings = get_settings(registration.congress)
    return db.session.execute(
        update(RegistrationSettings)
        .where(RegistrationSettings.id == settings.id)
        .values(last_receipt_number=RegistrationSettings.last_receipt_number + 1)
        .returning(RegistrationSettings.last_receipt_number)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def issue_receipt(registration: Registration, now: datetime | None = None) -> Receipt | None:
    """Number a receipt for a confirmed registration (once; none when nothing was paid)."""
    if registration.receipts:
        return registration.receipts[0]
    if registration.amount_received <= 0:
        return None
    receipt = Receipt(
        congress_id=registration.congress_id,
        registration=registration,
        number=next_receipt_number(registration),
        amount=registration.amount_received,
        currency=registration.currency,
        issued_at=now or utcnow(),
    )
    db.session.add(receipt)
    db.session.flush()
    return receipt


# -- money hook: a registration that cost money gets its invoice (conference.money) ----------
# Registration hands the money domain the buyer and the order line; money decides VAT,
# number and totals (docs/MONEY.md). Nothing happens until the organizer has completed the
# seller profile, so congresses that do not invoice keep working as before.

#: How a registration payment kind is named on the invoice's payment.
INVOICE_PAYMENT_METHODS = {
    PaymentKind.BANK_TRANSFER: "bank_transfer",
    PaymentKind.CARD_ON_SITE: "card",
    PaymentKind.ONLINE: "online_card",
    PaymentKind.CASH: "cash",
}


def record_on_invoice(registration: Registration, payment: Payment):
    """Money received for a registration that was invoiced earlier (pay by invoice) is
    recorded against that invoice, so it shows as paid."""
    from conference.money import services as money
    from conference.money.queries import get_active_invoice, get_balance

    if payment.kind in (PaymentKind.REFUND, PaymentKind.WAIVED):
        return None
    invoice = get_active_invoice(registration.congress, "registration", registration.reference)
    if invoice is None:
        return None
    amount = min(payment.amount, get_balance(invoice).outstanding)
    if amount <= 0:
        return None
    return money.record_invoice_payment(
        invoice,
        amount,
        method=INVOICE_PAYMENT_METHODS.get(payment.kind, "other"),
        reference=(payment.note or registration.reference)[:120],
    )


def cancel_unpaid_invoice(registration: Registration, reason: str):
    """An invoiced registration cancelled or expired before anything was paid on its invoice:
    the invoice is cancelled by a credit note."""
    from conference.money import services as money
    from conference.money.queries import get_active_invoice, get_balance

    invoice = get_active_invoice(registration.congress, "registration", registration.reference)
    if invoice is None or get_balance(invoice).paid > 0:
        return None
    return money.cancel_invoice(invoice, reason)


def invoice_paid_registration(registration: Registration):
    """Issue the invoice of a fully paid registration for the money actually charged (a fee
    waived in part is invoiced for the rest; a fee waived in full gets no invoice)."""
    from conference.money import services as money

    congress = registration.congress
    charged = [
        payment
        for payment in registration.payments
        if payment.kind not in (PaymentKind.REFUND, PaymentKind.WAIVED)
    ]
    amount = sum((payment.amount for payment in charged), Decimal("0.00"))
    if amount <= 0 or not money.invoicing_enabled(congress):
        return None
    methods = {INVOICE_PAYMENT_METHODS.get(payment.kind, "other") for payment in charged}
    from conference.i18n import in_language
    from conference.registration.invoicing import voucher_text

    # Written in the registrant's language (the invoice records it; reprints are identical).
    with in_language(registration.language):
        description = _(
            "Registration %(congress)s: %(category)s, %(fee)s (%(reference)s)",
            congress=congress.short_name,
            category=registration.category.display_name,
            fee=registration.fee_period.fee_label,
            reference=registration.reference,
        )
        if registration.voucher_code:
            description = f"{description}, {voucher_text(registration)}"[:300]
    return money.invoice_order(
        congress,
        money.Buyer(
            name=registration.full_name[:200],
            address=registration.affiliation or "",
            country=registration.country or "",
            email=registration.email,
        ),
        [money.LineIn("registration", description, amount)],
        source="registration",
        source_key=registration.reference,
        paid=amount,
        payment_method=methods.pop() if len(methods) == 1 else "other",
        payment_reference=registration.reference,
        language=registration.language,
    )


def credit_refunded_registration(registration: Registration, refund: Decimal, reason: str):
    """A refund of an invoiced registration issues its credit note (money's refund_sale)."""
    from conference.money import services as money

    return money.refund_sale(
        registration.congress,
        source="registration",
        source_key=registration.reference,
        amount=refund,
        reason=reason or "Registration cancelled: refund.",
    )


# -- end of the money hook --------------------------------------------------------------------
