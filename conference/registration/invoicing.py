"""Pay by invoice: a buyer (usually the attendee's institution) asks for an invoice.

The invoice is issued by the money domain (`conference.money.services.invoice_order`: VAT
id checked with python-stdnum, reverse charge as money implements it). The place stays held
while the invoice is unpaid, until the invoice's due date (the end of that day in the
congress time zone): that is the registration's `expires_at`, so the usual expiry cancels it
(and its invoice, by credit note) if nothing arrives. The buyer is reminded once,
`invoice_reminder_days` before (per congress, registration settings; `remind_unpaid_invoices`,
a periodic job).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from conference.countries import check_country
from conference.errors import Conflict, FieldErrors, ValidationFailed
from conference.extensions import db
from conference.i18n import in_language
from conference.models import utcnow
from conference.program.models import Congress
from conference.registration import notify
from conference.registration.capacity import get_settings, lock_registration
from conference.registration.models import Registration, RegistrationStatus
from conference.timeutil import local_day_bounds

#: The fields of an invoice request, with their longest length.
INVOICE_TO_LIMITS = {"name": 200, "address": 1000, "country": 2, "vat_id": 20, "po_number": 60}

#: The money domain's field names for the buyer, as the registration form names them.
MONEY_FIELDS = {
    "buyer_name": "invoice_to.name",
    "buyer_address": "invoice_to.address",
    "buyer_country": "invoice_to.country",
    "buyer_vat_id": "invoice_to.vat_id",
}


def voucher_text(registration: Registration) -> str:
    """The voucher on an invoice line: the line is at the reduced price, this says why."""
    return _(
        "voucher %(code)s: -%(discount)s %(currency)s off %(list_fee)s",
        code=registration.voucher_code,
        discount=registration.voucher_discount,
        currency=registration.currency,
        list_fee=registration.list_fee,
    )


def invoicing_available(congress: Congress) -> bool:
    from conference.money import services as money

    return money.invoicing_enabled(congress)


def check_invoice_to(congress: Congress, data: dict | None, errors: FieldErrors) -> dict:
    """Clean an invoice request; field errors are named `invoice_to.<field>`."""
    from conference.money import vat

    data = data or {}
    clean = {}
    for field, limit in INVOICE_TO_LIMITS.items():
        value = data.get(field)
        value = "" if value is None else str(value).strip()
        if len(value) > limit and field != "country":
            errors.add(f"invoice_to.{field}", _("At most %(limit)s characters.", limit=limit))
        clean[field] = value
    if not clean["name"]:
        errors.add("invoice_to.name", _("Enter the name of the institution or person invoiced."))
    if not clean["address"]:
        errors.add("invoice_to.address", _("Enter the billing address."))
    clean["country"] = clean["country"].upper()
    if not clean["country"]:
        errors.add("invoice_to.country", _("Choose the country of the billing address."))
    elif problem := check_country(clean["country"]):
        errors.add("invoice_to.country", problem)
    if clean["vat_id"]:
        clean["vat_id"], problem = vat.check_vat_id(clean["vat_id"])
        if problem:
            errors.add("invoice_to.vat_id", problem)
    if not invoicing_available(congress):
        errors.add(
            "invoice_to",
            _(
                "Invoices are not issued for this congress yet: please pay by bank "
                "transfer or card.",
            ),
        )
    return clean


def request_invoice(
    registration: Registration,
    invoice_to: dict,
    *,
    now: datetime | None = None,
    send_mail: bool = True,
):
    """Issue the invoice of what is due to the buyer; hold the place until its due date."""
    from conference.money import services as money

    now = now or utcnow()
    congress = registration.congress
    errors = FieldErrors()
    clean = check_invoice_to(congress, invoice_to, errors)
    errors.raise_if_any()
    lock_registration(registration)
    if registration.invoice_requested_at is not None:
        raise Conflict(_("An invoice was already issued for this registration."), code="invoiced")
    if registration.status != RegistrationStatus.AWAITING_PAYMENT or registration.amount_due <= 0:
        raise Conflict(
            _(
                "An invoice can be asked for while payment is due (not while on the "
                "waiting list, while the proof of status is checked, or once paid or "
                "cancelled).",
            ),
            code="not_payable",
        )
    # Written in the registrant's language (the invoice records it; reprints are identical).
    with in_language(registration.language):
        description = _(
            "Registration %(congress)s: %(name)s, %(category)s, %(fee)s (%(reference)s)",
            congress=congress.short_name,
            name=registration.full_name,
            category=registration.category.display_name,
            fee=registration.fee_period.fee_label,
            reference=registration.reference,
        )
        if registration.voucher_code:
            description += f", {voucher_text(registration)}"
    if clean["po_number"]:
        description += f", PO {clean['po_number']}"
    try:
        invoice = money.invoice_order(
            congress,
            money.Buyer(
                name=clean["name"],
                address=clean["address"],
                country=clean["country"],
                vat_id=clean["vat_id"],
                email=registration.email,
            ),
            [money.LineIn("registration", description[:300], registration.amount_due)],
            source="registration",
            source_key=registration.reference,
            language=registration.language,
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message,
            fields={
                MONEY_FIELDS.get(name, name): messages for name, messages in exc.fields.items()
            },
        ) from None
    registration.invoice_requested_at = now
    # Under reverse charge no VAT is invoiced: the buyer owes the invoice's total, the net.
    not_charged = registration.amount_due - invoice.total_gross
    if not_charged > 0:
        registration.fee_amount -= not_charged
    # The place is held until the end of the due date, in the congress's time zone.
    registration.expires_at = local_day_bounds(invoice.due_date, congress.tz)[1]
    db.session.flush()
    if send_mail:
        notify.invoice_issued(registration, invoice)
    return invoice


def get_invoice(registration: Registration):
    """The registration's invoice (money domain), if one is active."""
    from conference.money.queries import get_active_invoice

    return get_active_invoice(registration.congress, "registration", registration.reference)


def remind_unpaid_invoices(congress: Congress, now: datetime | None = None) -> int:
    """Remind (once per due date) buyers whose invoice is still unpaid `invoice_reminder_days`
    before the held place ends; return how many reminders were queued."""
    now = now or utcnow()
    days = get_settings(congress).invoice_reminder_days
    due = db.session.scalars(
        select(Registration).where(
            Registration.congress_id == congress.id,
            Registration.status == RegistrationStatus.AWAITING_PAYMENT,
            Registration.invoice_requested_at.is_not(None),
            Registration.expires_at > now,
            Registration.expires_at <= now + timedelta(days=days),
        )
    ).all()
    sent = 0
    for registration in due:
        invoice = get_invoice(registration)
        if invoice is not None and notify.invoice_reminder(registration, invoice) is not None:
            sent += 1
    return sent
