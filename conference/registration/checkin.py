"""Check-in at the door: once, and only for confirmed, fully paid registrations."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import update

from conference.errors import Conflict
from conference.extensions import db
from conference.models import utcnow
from conference.registration.models import Registration, RegistrationStatus


def check_in(registration: Registration, by=None, now: datetime | None = None) -> Registration:
    """Let a confirmed, fully paid attendee in, once."""
    now = now or utcnow()
    if registration.status == RegistrationStatus.CANCELLED:
        raise Conflict(_("This registration is cancelled: do not let in."), code="cancelled")
    if registration.status != RegistrationStatus.CONFIRMED or registration.amount_due > 0:
        due = f"{registration.amount_due} {registration.currency}"
        raise Conflict(
            _(
                "Not confirmed (%(status)s): %(due)s still due.",
                status=registration.status.label,
                due=due,
            ),
            code="not_paid",
        )
    if registration.checked_in_at is None:
        result = db.session.execute(
            update(Registration)
            .where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
            .values(checked_in_at=now, checked_in_by_id=by.id if by else None)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            registration.checked_in_at = now
            registration.checked_in_by_id = by.id if by else None
            return registration
        db.session.refresh(registration)
    raise Conflict(
        _("Already checked in."),
        code="already_checked_in",
        checked_in_at=registration.checked_in_at.isoformat(),
    )
