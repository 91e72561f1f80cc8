"""Reads of professional categories."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from conference.extensions import db
from conference.program.models import Congress
from conference.registration.models import (
    HOLDING_STATUSES,
    ProfessionalCategory,
    ProofStatus,
    Registration,
    RegistrationStatus,
    UserCategory,
)
from conference.registration.tokens import normalize_reference


def get_categories(congress: Congress, *, active_only: bool = False) -> list[ProfessionalCategory]:
    query = select(ProfessionalCategory).where(ProfessionalCategory.congress_id == congress.id)
    if active_only:
        query = query.where(ProfessionalCategory.is_active.is_(True))
    return list(
        db.session.scalars(query.order_by(ProfessionalCategory.position, ProfessionalCategory.id))
    )


def get_category_by_slug(congress: Congress, slug: str) -> ProfessionalCategory | None:
    return db.session.scalar(
        select(ProfessionalCategory).where(
            ProfessionalCategory.congress_id == congress.id, ProfessionalCategory.slug == slug
        )
    )


# -- registrations ----------------------------------------------------------------------------

SORTS = {
    "created": Registration.id,
    "name": func.lower(Registration.last_name),
    "reference": Registration.reference,
    "status": Registration.status,
    "country": Registration.country,
    "category": ProfessionalCategory.position,
    "checked_in": Registration.checked_in_at,
}


def _with_details(query):
    return query.options(
        joinedload(Registration.category).selectinload(ProfessionalCategory.fees),
        selectinload(Registration.payments),
        selectinload(Registration.receipts),
        joinedload(Registration.congress),
    )


def get_registration(congress: Congress, reference: str) -> Registration | None:
    return db.session.scalar(
        _with_details(select(Registration)).where(
            Registration.congress_id == congress.id,
            Registration.reference == normalize_reference(reference),
        )
    )


@dataclass
class RegistrationFilters:
    category: str = ""
    status: str = ""
    country: str = ""
    checked_in: str = ""  # "yes" / "no" / ""
    q: str = ""
    sort: str = "created"
    direction: str = "desc"


def registrations_query(congress: Congress, filters: RegistrationFilters):
    query = (
        _with_details(select(Registration))
        .join(Registration.category)
        .where(Registration.congress_id == congress.id)
    )
    if filters.category:
        query = query.where(ProfessionalCategory.slug == filters.category)
    if filters.status:
        query = query.where(Registration.status == filters.status)
    if filters.country:
        query = query.where(Registration.country == filters.country.upper())
    if filters.checked_in == "yes":
        query = query.where(Registration.checked_in_at.is_not(None))
    elif filters.checked_in == "no":
        query = query.where(Registration.checked_in_at.is_(None))
    if filters.q:
        query = query.where(search_clause(filters.q))
    column = SORTS.get(filters.sort, Registration.id)
    order = column.asc() if filters.direction == "asc" else column.desc()
    return query.order_by(order, Registration.id.desc())


def search_clause(text: str):
    text = text.strip()
    like = f"%{text.lower()}%"
    return or_(
        Registration.reference == normalize_reference(text),
        func.lower(Registration.first_name + " " + Registration.last_name).like(like),
        func.lower(Registration.last_name).like(like),
        Registration.email_key.like(like),
    )


def search_registrations(congress: Congress, text: str, limit: int = 10) -> list[Registration]:
    if not text.strip():
        return []
    return list(
        db.session.scalars(
            _with_details(select(Registration))
            .where(Registration.congress_id == congress.id, search_clause(text))
            .order_by(Registration.last_name, Registration.id)
            .limit(limit)
        ).unique()
    )


def get_proof_queue(congress: Congress) -> list[Registration]:
    return list(
        db.session.scalars(
            _with_details(select(Registration))
            .where(
                Registration.congress_id == congress.id,
                Registration.status.in_(
                    [RegistrationStatus.AWAITING_VERIFICATION, RegistrationStatus.WAITLISTED]
                ),
                Registration.proof_status.in_([ProofStatus.PENDING, ProofStatus.MISSING]),
            )
            .order_by(Registration.proof_uploaded_at.is_(None), Registration.proof_uploaded_at)
        ).unique()
    )


def get_totals(congress: Congress) -> list[dict]:
    """Per category and fee period: registrations holding places, waiting, cancelled, fees."""
    rows = db.session.execute(
        select(
            ProfessionalCategory.name,
            Registration.fee_period,
            Registration.status,
            func.count(Registration.id),
            func.coalesce(func.sum(Registration.fee_amount), 0),
        )
        .join(Registration.category)
        .where(Registration.congress_id == congress.id)
        .group_by(ProfessionalCategory.name, Registration.fee_period, Registration.status)
        .order_by(ProfessionalCategory.name, Registration.fee_period)
    ).all()
    table: dict[tuple[str, str], dict] = {}
    for name, period, status, count, fees in rows:
        entry = table.setdefault(
            (name, period),
            {
                "category": name,
                "period": period,
                "holding": 0,
                "confirmed": 0,
                "waitlisted": 0,
                "cancelled": 0,
                "fees": 0,
            },
        )
        if status in HOLDING_STATUSES:
            entry["holding"] += count
            entry["fees"] += fees
        if status == RegistrationStatus.CONFIRMED:
            entry["confirmed"] += count
        elif status == RegistrationStatus.WAITLISTED:
            entry["waitlisted"] += count
        elif status == RegistrationStatus.CANCELLED:
            entry["cancelled"] += count
    return list(table.values())


def get_status_counts(congress: Congress) -> dict[str, int]:
    rows = db.session.execute(
        select(Registration.status, func.count(Registration.id))
        .where(Registration.congress_id == congress.id)
        .group_by(Registration.status)
    ).all()
    counts = {status.value: 0 for status in RegistrationStatus}
    counts.update({str(status): count for status, count in rows})
    return counts


def get_checkin_counts(congress: Congress) -> dict[str, int]:
    confirmed = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.congress_id == congress.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )
    checked_in = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.congress_id == congress.id, Registration.checked_in_at.is_not(None)
        )
    )
    return {"confirmed": confirmed or 0, "checked_in": checked_in or 0}


def get_badge_registrations(congress: Congress) -> list[Registration]:
    return list(
        db.session.scalars(
            _with_details(select(Registration))
            .where(
                Registration.congress_id == congress.id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
            .order_by(func.lower(Registration.last_name), Registration.id)
        ).unique()
    )


def get_user_category(user) -> ProfessionalCategory | None:
    """The professional category kept on a person's account, if any."""
    return db.session.scalar(
        select(ProfessionalCategory)
        .join(UserCategory, UserCategory.category_id == ProfessionalCategory.id)
        .where(UserCategory.user_id == user.id)
    )
