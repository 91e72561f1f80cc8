"""How to pay a registration: built once here for the pages, the emails and the API.

Shown while something is owed on a registration that holds a place and awaits payment (or is
confirmed with a balance left); nothing when it is paid, waived, free, waitlisted, awaiting
its proof of status, or cancelled. The bank details come from the money domain's seller
profile; without them the instructions say to contact the organizer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from conference.money.queries import BankDetails, get_bank_details
from conference.registration.models import Registration, RegistrationStatus
from conference.timeutil import to_local

#: Statuses under which the registrant is asked to pay what is due.
PAYABLE_STATUSES = (RegistrationStatus.AWAITING_PAYMENT, RegistrationStatus.CONFIRMED)


@dataclass(frozen=True)
class PaymentInstructions:
    amount: Decimal
    currency: str
    #: What to quote with the transfer: the registration reference (the invoice number when
    #: the registration is paid by invoice).
    reference: str
    #: Pay before this moment (UTC) or the place goes back; None when no time limit applies.
    due_at: datetime | None
    #: `due_at` in the congress time zone, e.g. "Sat 12 Dec 2026, 23:59 (Europe/Vienna)".
    due_local: str
    timezone: str
    #: None when the organizer has not filled in bank details yet: contact them.
    bank: BankDetails | None
    contact_email: str

    def as_json(self) -> dict:
        bank = self.bank
        return {
            "amount": str(self.amount),
            "currency": self.currency,
            "reference": self.reference,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "due_local": self.due_local or None,
            "timezone": self.timezone,
            "bank_transfer": (
                {
                    "account_holder": bank.account_holder,
                    "iban": bank.iban,
                    "iban_formatted": bank.iban_formatted,
                    "bic": bank.bic,
                    "bank_name": bank.bank_name,
                }
                if bank
                else None
            ),
            "contact_email": self.contact_email or None,
        }


#: Marks "look the bank details up" (None is a valid answer: no bank details yet).
LOOK_UP = object()


def payment_instructions(registration: Registration, bank=LOOK_UP) -> PaymentInstructions | None:
    """What the registrant must pay, where and by when; None when nothing is owed.

    A list of registrations passes `bank` (get_bank_details of their congress, read once).
    """
    if registration.erased_at or registration.status not in PAYABLE_STATUSES:
        return None
    amount = registration.amount_due
    if amount <= 0:
        return None
    from conference.registration.capacity import paid_by_group

    if paid_by_group(registration):
        return None  # the group order's buyer pays, on the order's invoice
    congress = registration.congress
    due_at = registration.expires_at
    due_local = ""
    if due_at is not None:
        due_local = (
            f"{to_local(due_at, congress.tz).strftime('%a %d %b %Y, %H:%M')} ({congress.timezone})"
        )
    reference = registration.reference
    if registration.invoice_requested_at is not None:
        # Paying by invoice: the transfer quotes the invoice's number, as the invoice says.
        from conference.registration.invoicing import get_invoice

        invoice = get_invoice(registration)
        if invoice is not None:
            reference = invoice.number
    return PaymentInstructions(
        amount=amount,
        currency=registration.currency,
        reference=reference,
        due_at=due_at,
        due_local=due_local,
        timezone=congress.timezone,
        bank=get_bank_details(congress) if bank is LOOK_UP else bank,
        contact_email=congress.contact_email,
    )
