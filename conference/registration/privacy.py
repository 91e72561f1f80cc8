"""Personal data: export it, erase it (keeping anonymous counts and accounting records)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select

from conference.errors import Conflict
from conference.extensions import db
from conference.mail import OutboxMessage, OutboxStatus
from conference.models import utcnow
from conference.registration import uploads
from conference.registration.card import checkouts_of
from conference.registration.models import Registration, RegistrationStatus
from conference.registration.services import cancel_registration
from conference.registration.signals import registration_erased
from conference.registration.visa import erase_visa_data


def redact_messages(registration: Registration) -> int:
    """Erase this registration's delivered or failed emails (only its own: another message
    to the same address, a password reset say, is none of its business).

    Messages still queued are left to go out (the confirmation of the erasure's
    cancellation); their kind and status stay for the organizers' counts.
    """
    rows = db.session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.registration_id == registration.id,
            OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
        )
    ).all()
    for message in rows:
        message.to_address = "erased@invalid"
        message.subject = "(erased)"
        message.body_text = ""
        message.body_html = None
        message.user_id = None
    return len(rows)


def export_data(registration: Registration) -> dict:
    """Everything held about the attendee, for a data download."""
    return {
        "congress": registration.congress.name,
        "reference": registration.reference,
        "status": registration.status.value,
        "first_name": registration.first_name,
        "last_name": registration.last_name,
        "email": registration.email,
        "affiliation": registration.affiliation,
        "country": registration.country,
        "category": registration.category.name,
        "badge_name": registration.badge_name,
        "dietary": registration.dietary,
        "accessibility": registration.accessibility,
        "share_with_exhibitors": registration.share_with_exhibitors,
        "terms_accepted_at": registration.terms_accepted_at.isoformat(),
        "registered_at": registration.created_at.isoformat(),
        "fee": {
            "amount": str(registration.fee_amount),
            "currency": registration.currency,
            "period": registration.fee_period.value,
            "voucher": registration.voucher_code,
            "voucher_discount": (
                str(registration.voucher_discount) if registration.voucher_discount else None
            ),
        },
        "proof_of_status": {
            "status": registration.proof_status.value,
            "filename": registration.proof_filename,
        },
        "payments": [
            {
                "kind": p.kind.value,
                "amount": str(p.amount),
                "currency": p.currency,
                "recorded_at": p.recorded_at.isoformat(),
            }
            for p in registration.payments
        ],
        "card_payments": [
            {
                "provider": c.provider,
                "amount": str(c.amount),
                "currency": c.currency,
                "status": str(c.status),
                "refunded": str(c.refunded_amount),
                "started_at": c.created_at.isoformat(),
            }
            for c in checkouts_of(registration)
        ],
        "invoice_requested_at": (
            registration.invoice_requested_at.isoformat()
            if registration.invoice_requested_at
            else None
        ),
        "checked_in_at": (
            registration.checked_in_at.isoformat() if registration.checked_in_at else None
        ),
        "visa_request": (
            {
                "passport_number": visa.passport_number,
                "nationality": visa.nationality,
                "date_of_birth": visa.date_of_birth.isoformat(),
                "requested_at": visa.requested_at.isoformat(),
            }
            if (visa := registration.visa_request)
            else None
        ),
    }


def erase_registration(registration: Registration, now: datetime | None = None) -> Registration:
    """Remove personal data; keep category, country, fee and payments (anonymous counts and
    accounting records). An active registration is cancelled first."""
    now = now or utcnow()
    if registration.erased_at:
        raise Conflict(_("This registration was already erased."), code="already_erased")
    registration.erasure_requested_at = now
    if registration.status != RegistrationStatus.CANCELLED:
        cancel_registration(registration, reason="Erasure requested.", now=now)
    uploads.delete_proof(registration.proof_file)
    erase_visa_data(registration)
    redact_messages(registration)
    registration.first_name = "Erased"
    registration.last_name = "attendee"
    registration.email = f"erased-{registration.id}@invalid"
    registration.email_key = None
    registration.affiliation = ""
    registration.badge_name = ""
    registration.dietary = ""
    registration.accessibility = ""
    registration.share_with_exhibitors = False
    registration.user_id = None
    registration.proof_file = None
    registration.proof_filename = ""
    registration.submission_key = None
    registration.erased_at = now
    db.session.flush()
    # Copies kept by other domains (the stored PDF of a CME certificate) go too.
    registration_erased.send(registration)
    return registration
