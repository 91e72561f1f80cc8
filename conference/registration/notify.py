"""Registration emails, queued in the outbox in the same transaction as their cause.

The first email of a new registration (received / confirmed, without an invoice) is queued
with `queue_mail_later`: the registering request writes a small row, the worker writes its
text (`write_new`) from the registration as it is then. Which email it is (received or
confirmed) is decided when it is queued.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from conference.extensions import db
from conference.mail import MailDraft, queue_mail, queue_mail_later
from conference.registration.models import Registration
from conference.registration.payment_instructions import payment_instructions
from conference.registration.tokens import manage_url


def _context(registration: Registration) -> tuple[dict, dict]:
    """(context, secrets) shared by every registration email."""
    from conference.registration.card import card_payment_available

    secrets = {"manage_url": manage_url(registration)}
    # "Pay now" is offered only while card payment is configured and money is due.
    can_pay_by_card = card_payment_available(registration)
    if can_pay_by_card:
        secrets["pay_url"] = manage_url(registration) + "/pay"
    context = {
        "registration": registration,
        "congress": registration.congress,
        "can_pay_by_card": can_pay_by_card,
        "how_to_pay": payment_instructions(registration),
    }
    return context, secrets


def _send(registration: Registration, template: str, subject, key: str | None, **ctx):
    """Queue a registration email; `subject` is lazy: written in the recipient's language."""
    if registration.erased_at:
        return None
    context, secrets = _context(registration)
    return queue_mail(
        registration.email,
        _l("%(congress)s: %(subject)s", congress=registration.congress.short_name, subject=subject),
        f"registration/{template}",
        dedupe_key=f"registration:{registration.id}:{key}" if key else None,
        user_id=registration.user_id,
        registration_id=registration.id,
        secrets=secrets,
        **context,
        **ctx,
    )


def new_registration(registration: Registration, *, replaced: Registration | None = None):
    """The first email of a new registration (no invoice): confirmed or received, as its
    status is now; written by the worker (write_new)."""
    if registration.erased_at:
        return None
    from conference.registration.models import RegistrationStatus

    confirmed = registration.status == RegistrationStatus.CONFIRMED
    template = "confirmed" if confirmed else "received"
    what = (
        _l("registration %(reference)s confirmed", reference=registration.reference)
        if confirmed
        else _l("registration %(reference)s received", reference=registration.reference)
    )
    return queue_mail_later(
        registration.email,
        _l("%(congress)s: %(subject)s", congress=registration.congress.short_name, subject=what),
        f"registration/{template}",
        writer="conference.registration.notify:write_new",
        params={
            "registration_id": registration.id,
            "replaced_id": replaced.id if replaced is not None else None,
        },
        user_id=registration.user_id,
        registration_id=registration.id,
        # Without an account, the language registered in is the recipient's (known here: no
        # query for it in the registering request); an account's own choice comes first.
        language=registration.language if registration.user_id is None else None,
    )


def write_new(params: dict) -> MailDraft | None:
    """The context of new_registration's email, from the registration as it is now (the
    waiting-list position too)."""
    from conference.registration.capacity import waitlist_position

    registration = db.session.get(Registration, params["registration_id"])
    if registration is None or registration.erased_at:
        return None
    replaced = (
        db.session.get(Registration, params["replaced_id"]) if params.get("replaced_id") else None
    )
    context, secrets = _context(registration)
    context.update(replaced=replaced, position=waitlist_position(registration), invoice=None)
    return MailDraft(context, secrets)


def received(
    registration: Registration,
    position: int | None = None,
    *,
    new: bool = False,
    replaced: Registration | None = None,
    invoice=None,
):
    return _send(
        registration,
        "received",
        _l("registration %(reference)s received", reference=registration.reference),
        None if new else "received",
        position=position,
        replaced=replaced,
        invoice=invoice,
    )


def confirmed(
    registration: Registration, *, new: bool = False, replaced: Registration | None = None
):
    return _send(
        registration,
        "confirmed",
        _l("registration %(reference)s confirmed", reference=registration.reference),
        None if new else "confirmed",
        replaced=replaced,
    )


def waitlist_offer(registration: Registration):
    return _send(
        registration,
        "waitlist_offer",
        _l("a place is available for you"),
        f"offer:{registration.offered_at.isoformat() if registration.offered_at else ''}",
    )


def payment_received(registration: Registration, payment):
    return _send(
        registration,
        "payment_received",
        _l("payment received for %(reference)s", reference=registration.reference),
        f"payment:{payment.id}",
        payment=payment,
    )


def proof_refused(registration: Registration):
    return _send(registration, "proof_refused", _l("your proof of status was not accepted"), None)


def cancelled(registration: Registration, refund=None):
    return _send(
        registration,
        "cancelled",
        _l("registration %(reference)s cancelled", reference=registration.reference),
        "cancelled",
        refund=refund,
    )


def expired(registration: Registration):
    return _send(
        registration,
        "cancelled",
        _l("registration %(reference)s expired", reference=registration.reference),
        "cancelled",
        refund=None,
        expired=True,
    )


def manage_link(registration: Registration, *, replaced: bool = False):
    return _send(registration, "manage_link", _l("your registration link"), None, replaced=replaced)


def proof_reminder(registration: Registration):
    """Once per hold: the proof of status is still missing and the place will be given back."""
    return _send(
        registration,
        "proof_reminder",
        _l("your place is held until you send your proof of status"),
        f"proof-reminder:{registration.expires_at.isoformat()}",
    )


def proof_expired(registration: Registration):
    return _send(
        registration,
        "cancelled",
        _l("registration %(reference)s expired", reference=registration.reference),
        "cancelled",
        refund=None,
        proof_expired=True,
    )


def invoice_issued(registration: Registration, invoice):
    return _send(
        registration,
        "invoice_issued",
        _l(
            "invoice %(number)s for registration %(reference)s",
            number=invoice.number,
            reference=registration.reference,
        ),
        f"invoice:{invoice.number}",
        invoice=invoice,
    )


def invoice_reminder(registration: Registration, invoice):
    """Once per due date: the invoice is unpaid and the held place ends soon."""
    return _send(
        registration,
        "invoice_reminder",
        _l("invoice %(number)s is due: your place is held until then", number=invoice.number),
        f"invoice-reminder:{invoice.number}:{registration.expires_at.isoformat()}",
        invoice=invoice,
    )


def late_payment_refunded(registration: Registration, checkout):
    return _send(
        registration,
        "late_payment_refunded",
        _l("your card payment for %(reference)s was refunded", reference=registration.reference),
        f"late-refund:{checkout.id}",
        checkout=checkout,
    )


def group_delegate(registration: Registration, order):
    """A delegate named on a group order: their reference and private link."""
    return _send(
        registration,
        "group_delegate",
        _l(
            "registration %(reference)s (%(buyer)s)",
            reference=registration.reference,
            buyer=order.buyer_name,
        ),
        None,
        group_order=order,
    )
