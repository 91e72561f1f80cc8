"""Visa invitation letters: the passport data asked only on request, its erasure, and the
verification code a consulate checks."""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from conference.countries import check_country
from conference.errors import Conflict, FieldErrors
from conference.extensions import db
from conference.models import utcnow
from conference.program.models import Congress
from conference.registration.capacity import get_settings
from conference.registration.models import (
    Registration,
    RegistrationSettings,
    RegistrationStatus,
    VisaRequest,
)
from conference.timeutil import to_local

#: Passport numbers: 5 to 20 letters and digits once spaces and dashes are removed (ICAO 9303
#: allows up to 9 characters in the machine-readable zone; some countries print longer ones).
PASSPORT_NUMBER = re.compile(r"[A-Z0-9]{5,20}")
#: No visa applicant is older than this.
OLDEST_YEARS = 120
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"


def new_verification_code() -> str:
    """16 characters (about 78 bits) in groups of four: typed by hand from a letter."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def normalize_code(code: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", (code or "").upper())


def _parse_date_of_birth(value, errors: FieldErrors, today: date) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors.add("date_of_birth", _("Enter the date of birth as YYYY-MM-DD."))
            return None
    if not isinstance(value, date):
        errors.add("date_of_birth", _("Enter your date of birth."))
        return None
    if value >= today:
        errors.add("date_of_birth", _("The date of birth must be in the past."))
        return None
    if value.year < today.year - OLDEST_YEARS:
        errors.add(
            "date_of_birth",
            _(
                "Enter a date of birth less than %(OLDEST_YEARS)s years ago.",
                OLDEST_YEARS=OLDEST_YEARS,
            ),
        )
        return None
    return value


def request_visa_letter(
    registration: Registration,
    *,
    passport_number: str,
    nationality: str,
    date_of_birth,
    now: datetime | None = None,
) -> VisaRequest:
    """Ask for a visa invitation letter (or correct its data); the letter is issued once the
    registration is fully paid."""
    now = now or utcnow()
    if registration.status == RegistrationStatus.CANCELLED or registration.erased_at:
        raise Conflict(_("This registration is cancelled."), code="cancelled")
    errors = FieldErrors()
    number = re.sub(r"[\s-]", "", (passport_number or "")).upper()
    if not number:
        errors.add("passport_number", _("Enter your passport number."))
    elif not PASSPORT_NUMBER.fullmatch(number):
        errors.add(
            "passport_number",
            _("Enter the passport number as printed: 5 to 20 letters and digits."),
        )
    country = (nationality or "").strip().upper()
    if not country:
        errors.add("nationality", _("Choose your nationality."))
    elif problem := check_country(country):
        errors.add("nationality", problem)
    today = to_local(now, registration.congress.tz).date()
    born = _parse_date_of_birth(date_of_birth, errors, today)
    errors.raise_if_any()
    visa = registration.visa_request
    if visa is None:
        visa = VisaRequest(
            registration=registration,
            verification_code=new_verification_code(),
            requested_at=now,
            passport_number=number,
            nationality=country,
            date_of_birth=born,
        )
        db.session.add(visa)
    visa.passport_number = number
    visa.nationality = country
    visa.date_of_birth = born
    visa.updated_at = now
    db.session.flush()
    return visa


def erase_visa_data(registration: Registration) -> bool:
    """Delete the registration's passport data (its letter can no longer be verified)."""
    visa = registration.visa_request
    if visa is None:
        return False
    registration.visa_request = None
    db.session.delete(visa)
    db.session.flush()
    return True


def letter_is_valid(visa: VisaRequest | None) -> bool:
    """A letter verifies while its registration is confirmed and fully paid."""
    return visa is not None and visa.registration.is_fully_paid


def retention_ends_on(congress: Congress, settings: RegistrationSettings) -> date:
    """The day from which a congress's visa data is erased (in the congress time zone)."""
    return congress.ends_on + timedelta(days=settings.visa_retention_days + 1)


def purge_expired_visa_data(now: datetime | None = None) -> int:
    """Erase the passport data of every congress that ended more than its retention days ago,
    and of cancelled registrations. Returns the number of requests erased."""
    now = now or utcnow()
    expired_ids: list[int] = []
    rows = db.session.execute(
        select(VisaRequest.id, Registration.status, Congress)
        .join(Registration, VisaRequest.registration_id == Registration.id)
        .join(Congress, Registration.congress_id == Congress.id)
    ).all()
    retention: dict[int, date] = {}
    for visa_id, status, congress in rows:
        if congress.id not in retention:
            retention[congress.id] = retention_ends_on(congress, get_settings(congress))
        today = to_local(now, congress.tz).date()
        if status == RegistrationStatus.CANCELLED or today >= retention[congress.id]:
            expired_ids.append(visa_id)
    if expired_ids:
        db.session.execute(
            delete(VisaRequest)
            .where(VisaRequest.id.in_(expired_ids))
            .execution_options(synchronize_session="fetch")
        )
        db.session.flush()
    return len(expired_ids)
