"""Proof of status: the attendee uploads it, an organizer approves or refuses it."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.models import utcnow
from conference.registration import capacity, notify, uploads
from conference.registration.models import ProofStatus, Registration, RegistrationStatus
from conference.registration.services import _attach_proof


def upload_proof(registration: Registration, filename: str, data: bytes) -> Registration:
    """Add or replace the proof of status (while it is not yet approved)."""
    if not registration.category.requires_proof:
        raise Conflict(_("This category needs no proof of status."), code="proof_not_needed")
    if registration.status == RegistrationStatus.CANCELLED:
        raise Conflict(_("This registration is cancelled."), code="cancelled")
    if registration.proof_status == ProofStatus.APPROVED:
        raise Conflict(_("Your proof of status was already approved."), code="proof_approved")
    if problem := uploads.check_proof(data):
        raise ValidationFailed(problem, fields={"proof": [problem]})
    _attach_proof(registration, (filename, data), utcnow())
    db.session.flush()
    return registration


def approve_proof(registration: Registration, organizer, now: datetime | None = None):
    """Accept the proof of status: the place moves on to payment (or is confirmed if free)."""
    now = now or utcnow()
    capacity.lock_registration(registration)
    if registration.status not in (
        RegistrationStatus.AWAITING_VERIFICATION,
        RegistrationStatus.WAITLISTED,
    ):
        raise Conflict(_("This registration is not waiting for a proof check."), code="not_pending")
    registration.proof_status = ProofStatus.APPROVED
    registration.proof_checked_at = now
    registration.proof_checked_by_id = organizer.id if organizer else None
    registration.proof_refusal_reason = ""
    if registration.status == RegistrationStatus.AWAITING_VERIFICATION:
        settings = capacity.get_settings(registration.congress)
        capacity.give_place(registration, settings, now)
    db.session.flush()
    if registration.status == RegistrationStatus.CONFIRMED:
        from conference.registration.payments import issue_receipt

        issue_receipt(registration)
        notify.confirmed(registration)
    elif registration.status == RegistrationStatus.AWAITING_PAYMENT:
        notify.received(registration)
    return registration


def refuse_proof(registration: Registration, organizer, reason: str, now=None) -> Registration:
    """Refuse the proof with a reason; the attendee may upload another one."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give the reason for refusing."), fields={"reason": ["Give the reason."]}
        )
    capacity.lock_registration(registration)
    if registration.status not in (
        RegistrationStatus.AWAITING_VERIFICATION,
        RegistrationStatus.WAITLISTED,
    ):
        raise Conflict(_("This registration is not waiting for a proof check."), code="not_pending")
    registration.proof_status = ProofStatus.REFUSED
    registration.proof_refusal_reason = reason[:500]
    registration.proof_checked_at = now or utcnow()
    registration.proof_checked_by_id = organizer.id if organizer else None
    if registration.status == RegistrationStatus.AWAITING_VERIFICATION:
        # Nothing left to check: the place is held for `proof_hours` for a new document.
        settings = capacity.get_settings(registration.congress)
        registration.expires_at = capacity.proof_deadline(
            registration, settings, registration.proof_checked_at
        )
    db.session.flush()
    notify.proof_refused(registration)
    return registration
