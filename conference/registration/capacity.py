"""Places: the per-congress lock, counts, the waiting list and expiry of unpaid registrations.

Overselling is prevented the way pretix does it: every change that takes or frees a place
first locks one row (the congress's RegistrationSettings; SELECT ... FOR UPDATE on
PostgreSQL, a write that takes SQLite's single writer lock), and only then counts the places
taken. Concurrent requests queue on that row, so a count can never be stale when it is used.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from conference.extensions import db
from conference.models import utcnow
from conference.program.models import Congress
from conference.registration.models import (
    HOLDING_STATUSES,
    GroupPlace,
    ProfessionalCategory,
    ProofStatus,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
)


def get_settings(congress: Congress) -> RegistrationSettings:
    """The congress's registration settings, created on first use (safe under concurrency)."""
    query = select(RegistrationSettings).where(RegistrationSettings.congress_id == congress.id)
    settings = db.session.scalar(query)
    if settings is not None:
        return settings
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(
        insert(RegistrationSettings)
        .values(congress_id=congress.id)
        .on_conflict_do_nothing(index_elements=["congress_id"])
    )
    return db.session.scalar(query)


def lock_places(congress: Congress) -> RegistrationSettings:
    """Take the congress's place lock until the transaction ends; return fresh settings."""
    if db.session.get_bind().dialect.name == "postgresql":
        locked = db.session.scalars(
            select(RegistrationSettings)
            .where(RegistrationSettings.congress_id == congress.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if locked is not None:
            return locked
        get_settings(congress)  # first use: create the row, then lock it
        return lock_places(congress)
    settings = get_settings(congress)
    # SQLite: a write takes the database's single RESERVED lock (BEGIN IMMEDIATE's effect);
    # other writers wait (busy timeout) until this transaction ends.
    db.session.execute(
        update(RegistrationSettings)
        .where(RegistrationSettings.id == settings.id)
        .values(lock_version=RegistrationSettings.lock_version + 1)
    )
    db.session.refresh(settings)
    return settings


def lock_registration(registration: Registration) -> Registration:
    """Lock one registration's row until the transaction ends (two organizers, a double-click),
    then reload it, so the checks that follow see the latest state."""
    db.session.execute(
        update(Registration)
        .where(Registration.id == registration.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(registration)
    return registration


def _held_group_places(congress_id: int):
    """Unnamed places of group orders: they hold a place like a registration does."""
    return (
        GroupPlace.congress_id == congress_id,
        GroupPlace.registration_id.is_(None),
        GroupPlace.released_at.is_(None),
    )


def held_group_places(congress: Congress) -> dict[int, int]:
    """Unnamed, unreleased group places by category."""
    rows = db.session.execute(
        select(GroupPlace.category_id, func.count(GroupPlace.id))
        .where(*_held_group_places(congress.id))
        .group_by(GroupPlace.category_id)
    ).all()
    return dict(rows)


def places_taken(congress: Congress, category: ProfessionalCategory | None = None) -> int:
    query = select(func.count(Registration.id)).where(
        Registration.congress_id == congress.id, Registration.status.in_(HOLDING_STATUSES)
    )
    groups = select(func.count(GroupPlace.id)).where(*_held_group_places(congress.id))
    if category is not None:
        query = query.where(Registration.category_id == category.id)
        groups = groups.where(GroupPlace.category_id == category.id)
    return (db.session.scalar(query) or 0) + (db.session.scalar(groups) or 0)


def taken_by_category(congress: Congress) -> dict[int, int]:
    rows = db.session.execute(
        select(Registration.category_id, func.count(Registration.id))
        .where(Registration.congress_id == congress.id, Registration.status.in_(HOLDING_STATUSES))
        .group_by(Registration.category_id)
    ).all()
    taken = dict(rows)
    for category_id, count in held_group_places(congress).items():
        taken[category_id] = taken.get(category_id, 0) + count
    return taken


def remaining(
    settings: RegistrationSettings, category: ProfessionalCategory, taken: dict[int, int]
) -> int | None:
    """Places left for `category` (None: unlimited), given counts by category."""
    limits = []
    if settings.capacity is not None:
        limits.append(settings.capacity - sum(taken.values()))
    if category.capacity is not None:
        limits.append(category.capacity - taken.get(category.id, 0))
    return max(min(limits), 0) if limits else None


def has_room(settings: RegistrationSettings, category: ProfessionalCategory) -> bool:
    """Whether a place is free; call with the place lock held (one counting query)."""
    if settings.capacity is None and category.capacity is None:
        return True
    total, in_category = db.session.execute(
        select(
            func.count(Registration.id),
            func.count(Registration.id).filter(Registration.category_id == category.id),
        ).where(
            Registration.congress_id == settings.congress_id,
            Registration.status.in_(HOLDING_STATUSES),
        )
    ).one()
    held_total, held_in_category = db.session.execute(
        select(
            func.count(GroupPlace.id),
            func.count(GroupPlace.id).filter(GroupPlace.category_id == category.id),
        ).where(*_held_group_places(settings.congress_id))
    ).one()
    total += held_total
    in_category += held_in_category
    if settings.capacity is not None and total >= settings.capacity:
        return False
    return category.capacity is None or in_category < category.capacity


def give_place(
    registration: Registration, settings: RegistrationSettings, now: datetime, *, offer=False
) -> None:
    """Move a registration onto a place: verification, payment or straight to confirmed."""
    category = registration.category
    if category.requires_proof and registration.proof_status != ProofStatus.APPROVED:
        registration.status = RegistrationStatus.AWAITING_VERIFICATION
        registration.expires_at = proof_deadline(registration, settings, now)
    elif registration.amount_due <= 0:
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now
        registration.expires_at = None
    else:
        registration.status = RegistrationStatus.AWAITING_PAYMENT
        registration.expires_at = now + (
            timedelta(hours=settings.offer_hours)
            if offer
            else timedelta(days=settings.payment_days)
        )
    if offer:
        registration.offered_at = now


def fill_from_waitlist(
    congress: Congress, settings: RegistrationSettings, now: datetime
) -> list[Registration]:
    """Offer free places to waiting people in order (place lock held); return those offered."""
    from conference.registration import notify

    offered = []
    waiting = db.session.scalars(
        select(Registration)
        .where(
            Registration.congress_id == congress.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.waitlisted_at, Registration.id)
    ).all()
    for registration in waiting:
        if settings.capacity is not None and places_taken(congress) >= settings.capacity:
            break  # full again: the rest keep waiting
        if not has_room(settings, registration.category):
            continue
        give_place(registration, settings, now, offer=True)
        db.session.flush()
        notify.waitlist_offer(registration)
        offered.append(registration)
    return offered


#: Proof statuses that leave nobody to check: the registrant has to follow up.
PROOF_AWAITED = (ProofStatus.MISSING, ProofStatus.REFUSED)


def proof_deadline(
    registration: Registration, settings: RegistrationSettings, now: datetime
) -> datetime | None:
    """Until when a place awaiting proof is held: `proof_hours` while no document is waiting
    for an organizer (missing or refused); no limit while one is."""
    if registration.proof_status in PROOF_AWAITED:
        return now + timedelta(hours=settings.proof_hours)
    return None


def _overdue(congress: Congress, now: datetime):
    """Holds past their time: unpaid ones, and ones whose proof of status never came."""
    return (
        (Registration.congress_id == congress.id)
        & (Registration.expires_at <= now)
        & (
            (Registration.status == RegistrationStatus.AWAITING_PAYMENT)
            | (
                (Registration.status == RegistrationStatus.AWAITING_VERIFICATION)
                & Registration.proof_status.in_(PROOF_AWAITED)
            )
        )
    )


def expire_unpaid(congress: Congress, now: datetime | None = None) -> list[Registration]:
    """Cancel holds past their time (unpaid, or proof of status not sent) and offer their
    places; return them.

    The rows are locked and read again (SELECT ... FOR UPDATE): a payment committed while
    this waited for the lock has moved its registration out of the overdue set, so it is
    never cancelled (on SQLite the place lock already serializes all writers).
    """
    from conference.registration import notify

    now = now or utcnow()
    overdue_exists = db.session.scalar(
        select(Registration.id).where(_overdue(congress, now)).limit(1)
    )
    if not overdue_exists:
        return []
    settings = lock_places(congress)
    expired = list(
        db.session.scalars(
            select(Registration)
            .where(_overdue(congress, now))
            .order_by(Registration.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    for registration in expired:
        unpaid = registration.status == RegistrationStatus.AWAITING_PAYMENT
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.cancel_reason = (
            "Not paid in time." if unpaid else "No accepted proof of status arrived in time."
        )
        registration.expires_at = None
        from conference.registration.services import release_voucher

        release_voucher(registration, now)
        if unpaid and registration.invoice_requested_at is not None:
            from conference.registration.payments import cancel_unpaid_invoice

            cancel_unpaid_invoice(
                registration, f"Registration {registration.reference} expired unpaid."
            )
        if unpaid:
            notify.expired(registration)
        else:
            notify.proof_expired(registration)
    db.session.flush()
    fill_from_waitlist(congress, settings, now)
    db.session.flush()
    return expired


def remind_missing_proof(congress: Congress, now: datetime | None = None) -> int:
    """Remind (once per hold) registrants whose place awaiting proof ends within half of
    `proof_hours`; return how many reminders were queued."""
    from conference.registration import notify

    now = now or utcnow()
    settings = get_settings(congress)
    soon = now + timedelta(hours=settings.proof_hours / 2)
    due = db.session.scalars(
        select(Registration).where(
            Registration.congress_id == congress.id,
            Registration.status == RegistrationStatus.AWAITING_VERIFICATION,
            Registration.proof_status.in_(PROOF_AWAITED),
            Registration.expires_at > now,
            Registration.expires_at <= soon,
        )
    ).all()
    return sum(1 for registration in due if notify.proof_reminder(registration) is not None)


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.congress_id == registration.congress_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            (Registration.waitlisted_at < registration.waitlisted_at)
            | (
                (Registration.waitlisted_at == registration.waitlisted_at)
                & (Registration.id < registration.id)
            ),
        )
    )
    return (ahead or 0) + 1


def paid_by_group(registration: Registration) -> bool:
    """Whether a group order's buyer pays this registration (a named delegate): the delegate
    is then never asked to pay. Only delegates are invoiced without an expiry of their own, so
    the query runs only for those."""
    if registration.invoice_requested_at is None or registration.expires_at is not None:
        return False
    return (
        db.session.scalar(
            select(GroupPlace.id).where(GroupPlace.registration_id == registration.id)
        )
        is not None
    )
