"""Places: counters taken and freed, the waiting list and expiry of unpaid registrations.

A place is taken by updating counter rows (`PlaceCounter`), never by counting under a lock:
one conditional UPDATE of the category's row (`taken < capacity`), then, only while the
congress has a total capacity, of the congress's row. Row locks are always taken in that
order (categories by id, then the congress), so registrations in different categories only
meet on the congress row, for the rest of their transaction; callers take the place as late
as they can (services.register_attendee renders its mail before). A failed attempt keeps
the full row locked until the transaction ends, so a place freed meanwhile is seen by the
waiting list, or by this attempt, never lost.

Every change of what holds a place goes through `take_places` / `free_places` /
`release_places` here, in the same transaction as the change: registering, a waiting-list
offer, cancellation, expiry, a group order and the release of its unnamed places. Changes of
the waiting list (filling it, expiry, cancellation, releases) are serialized per congress by
`lock_waitlist` (the RegistrationSettings row), so a freed place is offered once.
`count_places` gives the same figures with COUNT(*), `recount` compares (and repairs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from conference.extensions import db
from conference.models import dialect_insert, utcnow
from conference.program.models import Congress
from conference.registration.models import (
    HOLDING_STATUSES,
    GroupPlace,
    PlaceCounter,
    ProfessionalCategory,
    ProofStatus,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
)

COUNTERS = PlaceCounter.__table__


@event.listens_for(Session, "after_soft_rollback")
def _forget_counter_ids(session, previous_transaction) -> None:
    """A rolled-back transaction may have created counter rows: forget the remembered ids."""
    session.info.pop("place_counter_ids", None)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def get_settings(congress: Congress) -> RegistrationSettings:
    """The congress's registration settings, created on first use (safe under concurrency)."""
    query = select(RegistrationSettings).where(RegistrationSettings.congress_id == congress.id)
    settings = db.session.scalar(query)
    if settings is not None:
        return settings
    db.session.execute(
        dialect_insert(RegistrationSettings)
        .values(congress_id=congress.id)
        .on_conflict_do_nothing(index_elements=["congress_id"])
    )
    return db.session.scalar(query)


def lock_waitlist(congress: Congress) -> RegistrationSettings:
    """Serialize changes of the congress's waiting list (filling it, expiry, cancellation,
    releases) until the transaction ends; return fresh settings. Registering never takes it."""
    if _dialect() == "postgresql":
        locked = db.session.scalars(
            select(RegistrationSettings)
            .where(RegistrationSettings.congress_id == congress.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if locked is not None:
            return locked
        get_settings(congress)  # first use: create the row, then lock it
        return lock_waitlist(congress)
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


def _lock_rows(query) -> list:
    """SELECT ... FOR UPDATE (rows re-read after any wait); SQLite's writer lock suffices."""
    return list(
        db.session.scalars(query.with_for_update().execution_options(populate_existing=True))
    )


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


# -- counting (COUNT(*): for the counters' first value and for `recount`) ----------------------


def count_places(congress_id: int, category_id: int | None = None) -> dict[int, int]:
    """Places held by category, counted from the rows (what the counters must say)."""
    registrations = (
        select(Registration.category_id, func.count(Registration.id))
        .where(Registration.congress_id == congress_id, Registration.status.in_(HOLDING_STATUSES))
        .group_by(Registration.category_id)
    )
    groups = (
        select(GroupPlace.category_id, func.count(GroupPlace.id))
        .where(*_held_group_places(congress_id))
        .group_by(GroupPlace.category_id)
    )
    if category_id is not None:
        registrations = registrations.where(Registration.category_id == category_id)
        groups = groups.where(GroupPlace.category_id == category_id)
    taken: dict[int, int] = {}
    for query in (registrations, groups):
        for key, count in db.session.execute(query).all():
            taken[key] = taken.get(key, 0) + count
    return taken


# -- counter rows -----------------------------------------------------------------------------


def _counter_id(congress_id: int, category_id: int | None) -> int:
    """The id of a counter row, created (with its counted value) on first use."""
    where = (
        COUNTERS.c.category_id.is_(None)
        if category_id is None
        else COUNTERS.c.category_id == category_id
    )
    # Known ids are remembered for the session (one request): rows are never renumbered,
    # only the congress row is replaced (reset_total forgets it).
    known = db.session.info.setdefault("place_counter_ids", {})
    if (congress_id, category_id) in known:
        return known[congress_id, category_id]
    query = select(COUNTERS.c.id).where(COUNTERS.c.congress_id == congress_id, where)
    found = db.session.scalar(query)
    if found is not None:
        known[congress_id, category_id] = found
        return found
    counted = count_places(congress_id, category_id)
    taken = sum(counted.values()) if category_id is None else counted.get(category_id, 0)
    statement = dialect_insert(COUNTERS).values(
        congress_id=congress_id, category_id=category_id, taken=taken
    )
    if category_id is None:
        statement = statement.on_conflict_do_nothing(
            index_elements=["congress_id"], index_where=COUNTERS.c.category_id.is_(None)
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=["congress_id", "category_id"])
    db.session.execute(statement)
    return db.session.scalar(query)


def settings_and_counters(
    congress: Congress, category_ids
) -> tuple[RegistrationSettings, dict[int | None, int | None]]:
    """`get_settings` and `prepare` in one statement (a registration's first reads): the
    settings row with the counter rows of `category_ids` and of the congress joined to it."""
    wanted = sorted(set(category_ids))
    rows = db.session.execute(
        select(RegistrationSettings, COUNTERS.c.id, COUNTERS.c.category_id, COUNTERS.c.taken)
        .outerjoin(
            COUNTERS,
            and_(
                COUNTERS.c.congress_id == RegistrationSettings.congress_id,
                or_(COUNTERS.c.category_id.in_(wanted), COUNTERS.c.category_id.is_(None)),
            ),
        )
        .where(RegistrationSettings.congress_id == congress.id)
    ).all()
    if not rows:  # first use: the settings row is created
        settings = get_settings(congress)
        return settings, prepare(congress, wanted, settings)
    settings = rows[0][0]
    read = [(row[1], row[2], row[3]) for row in rows if row[1] is not None]
    return settings, prepare(congress, wanted, settings, rows=read)


def prepare(
    congress: Congress,
    category_ids,
    settings: RegistrationSettings | None = None,
    *,
    rows: list | None = None,
) -> dict[int | None, int | None]:
    """Make sure the counter rows exist before this transaction changes what holds a place
    (a row created later would count that change, then be moved by it once more).

    Return what the rows said they had taken ({category id or None for the congress: taken},
    None where a row was just created): read without a lock, a guess for `looks_free`. The
    rows are read in one statement (or given as `rows`: (id, category id, taken) read by
    `settings_and_counters`), their ids remembered for `take_places`."""
    wanted = sorted(set(category_ids))
    total = settings.capacity if settings is not None else _total_capacity(congress.id)
    conditions = [COUNTERS.c.category_id.in_(wanted)] if wanted else []
    if total is not None:
        conditions.append(COUNTERS.c.category_id.is_(None))
    taken: dict[int | None, int | None] = {}
    if not conditions:
        return taken
    known = db.session.info.setdefault("place_counter_ids", {})
    if rows is None:
        rows = db.session.execute(
            select(COUNTERS.c.id, COUNTERS.c.category_id, COUNTERS.c.taken).where(
                COUNTERS.c.congress_id == congress.id, or_(*conditions)
            )
        ).all()
    for counter_id, category_id, count in rows:
        if category_id is None and total is None:
            continue  # not needed: no total capacity
        known[congress.id, category_id] = counter_id
        taken[category_id] = count
    for key in wanted + ([None] if total is not None else []):
        if key not in taken:
            _counter_id(congress.id, key)  # created with its counted value
            taken[key] = None
    return taken


def _total_capacity(congress_id: int) -> int | None:
    """The congress's total capacity, read afresh (a new statement sees the latest commit)."""
    return db.session.scalar(
        select(RegistrationSettings.capacity).where(RegistrationSettings.congress_id == congress_id)
    )


def _bump(counter_id: int, delta: int, limit: int | None = None) -> bool:
    """Add `delta` to a counter, only if it stays within `limit`; whether it did."""
    statement = update(COUNTERS).where(COUNTERS.c.id == counter_id)
    if limit is not None:
        statement = statement.where(COUNTERS.c.taken + delta <= limit)
    result = db.session.execute(statement.values(taken=COUNTERS.c.taken + delta))
    return result.rowcount == 1


def _bump_within_total(congress_id: int, counter_id: int, delta: int) -> bool:
    """Add `delta` to the congress row if it stays within the total capacity, read afresh
    in the same statement (one round trip while the category rows are locked). False when
    it did not: full, no total capacity, or a row replaced meanwhile (the caller looks)."""
    total = (
        select(RegistrationSettings.capacity)
        .where(RegistrationSettings.congress_id == congress_id)
        .scalar_subquery()
    )
    result = db.session.execute(
        update(COUNTERS)
        .where(COUNTERS.c.id == counter_id, COUNTERS.c.taken + delta <= total)
        .values(taken=COUNTERS.c.taken + delta)
    )
    return result.rowcount == 1


def _bump_both(
    congress_id: int, counter_id: int, limit: int | None, total_id: int, delta: int
) -> tuple[bool, bool]:
    """PostgreSQL: `_bump` of a category row, then `_bump_within_total` of the congress row
    only if the first one took, in one statement (data-modifying WITH: the category row is
    updated, and locked, first, as everywhere). Whether each took; the caller undoes the first
    when only it did."""
    category = update(COUNTERS).where(COUNTERS.c.id == counter_id)
    if limit is not None:
        category = category.where(COUNTERS.c.taken + delta <= limit)
    category = (
        category.values(taken=COUNTERS.c.taken + delta).returning(COUNTERS.c.id).cte("category")
    )
    capacity = (
        select(RegistrationSettings.capacity)
        .where(RegistrationSettings.congress_id == congress_id)
        .scalar_subquery()
    )
    total = (
        update(COUNTERS)
        .where(
            COUNTERS.c.id == total_id,
            COUNTERS.c.taken + delta <= capacity,
            select(category.c.id).exists(),
        )
        .values(taken=COUNTERS.c.taken + delta)
        .returning(COUNTERS.c.id)
        .cte("total")
    )
    took_category, took_total = db.session.execute(
        select(
            select(func.count()).select_from(category).scalar_subquery(),
            select(func.count()).select_from(total).scalar_subquery(),
        )
    ).one()
    return bool(took_category), bool(took_total)


def _hold(counter_id: int) -> None:
    """Keep a full counter row locked until the transaction ends: whoever frees a place in
    it waits, then sees this transaction's waiting registration."""
    if _dialect() == "postgresql":
        db.session.execute(
            select(COUNTERS.c.id).where(COUNTERS.c.id == counter_id).with_for_update()
        )


@dataclass
class Taken:
    """The outcome of `take_places`: ok, or what was full (a category, or the congress)."""

    ok: bool
    full_category: ProfessionalCategory | None = None
    congress_full: bool = False
    wanted: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.ok


def take_places(
    congress: Congress, wanted: dict[ProfessionalCategory, int], *, expect_full: bool = False
) -> Taken:
    """Take places ({category: how many}) all or nothing: category rows by id, then the
    congress row while the congress has a total capacity. On failure nothing is taken and
    the full row stays locked until the transaction ends.

    `expect_full` (the caller's guess, e.g. `looks_free` said no): lock the rows first and
    decide from what they hold, one statement instead of an UPDATE, its undo and a lock."""
    wanted = {category: n for category, n in wanted.items() if n > 0}
    if expect_full and wanted and _dialect() == "postgresql":
        decided = _take_locked(congress, wanted)
        if decided is not None:
            return decided
    known = db.session.info.setdefault("place_counter_ids", {})
    tried = known.get((congress.id, None))
    done: list[tuple[int, int]] = []
    if len(wanted) == 1 and tried is not None and _dialect() == "postgresql":
        # One category (a registration) with both rows' ids known (prepare): both UPDATEs in
        # one statement, so the congress row is locked one round trip less.
        [(category, n)] = wanted.items()
        counter = _counter_id(congress.id, category.id)
        took_category, took_total = _bump_both(congress.id, counter, category.capacity, tried, n)
        if not took_category:
            _hold(counter)
            return Taken(False, full_category=category, wanted=wanted)
        if took_total:
            return Taken(True, wanted=wanted)
        done.append((counter, n))
        taking = n
    else:
        for category in sorted(wanted, key=lambda c: c.id):
            counter = _counter_id(congress.id, category.id)
            if not _bump(counter, wanted[category], category.capacity):
                for undo, n in done:
                    _bump(undo, -n)
                _hold(counter)
                return Taken(False, full_category=category, wanted=wanted)
            done.append((counter, wanted[category]))
        if not done:
            return Taken(True, wanted=wanted)
        taking = sum(n for _, n in done)
        # Usually one statement: the congress row's id is known (prepare) and the total
        # capacity is read in the UPDATE itself, after the category rows are locked.
        if tried is not None and _bump_within_total(congress.id, tried, taking):
            return Taken(True, wanted=wanted)
    # Read after the category rows are locked: a capacity set meanwhile is seen here.
    total, counter = db.session.execute(
        select(
            RegistrationSettings.capacity,
            select(COUNTERS.c.id)
            .where(COUNTERS.c.congress_id == congress.id, COUNTERS.c.category_id.is_(None))
            .scalar_subquery(),
        ).where(RegistrationSettings.congress_id == congress.id)
    ).one_or_none() or (None, None)
    if total is None:
        return Taken(True, wanted=wanted)
    if counter is None:
        counter = _counter_id(congress.id, None)
    known[congress.id, None] = counter
    # The row tried above was full; one that replaced it meanwhile (reset_total) is tried.
    if counter == tried or not _bump(counter, taking, total):
        for undo, n in done:
            _bump(undo, -n)
        _hold(counter)
        return Taken(False, congress_full=True, wanted=wanted)
    return Taken(True, wanted=wanted)


def _take_locked(congress: Congress, wanted: dict[ProfessionalCategory, int]) -> Taken | None:
    """take_places by locking the counter rows first (SELECT ... FOR UPDATE in the usual
    order: categories by id, then the congress row), then deciding: when full, the rows stay
    locked until the transaction ends, as take_places leaves a full row. None when a row is
    not known yet or was replaced meanwhile (take_places then goes the usual way)."""
    known = db.session.info.get("place_counter_ids", {})
    categories = sorted(wanted, key=lambda c: c.id)
    if any((congress.id, category.id) not in known for category in categories):
        return None
    total_id = known.get((congress.id, None))
    ids = [known[congress.id, category.id] for category in categories]
    total_capacity = (
        select(RegistrationSettings.capacity)
        .where(RegistrationSettings.congress_id == congress.id)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(COUNTERS.c.id, COUNTERS.c.taken, total_capacity)
        .where(COUNTERS.c.id.in_(ids + ([total_id] if total_id is not None else [])))
        .order_by(COUNTERS.c.category_id.asc().nulls_last())
        .with_for_update(of=COUNTERS)
    ).all()
    taken = {row[0]: row[1] for row in rows}
    if len(taken) != len(ids) + (total_id is not None) or not rows:
        return None
    total = rows[0][2]
    for category in categories:
        counter = known[congress.id, category.id]
        if category.capacity is not None and taken[counter] + wanted[category] > category.capacity:
            return Taken(False, full_category=category, wanted=wanted)
    count = sum(wanted.values())
    if total is not None:
        if total_id is None:
            return None
        if taken[total_id] + count > total:
            return Taken(False, congress_full=True, wanted=wanted)
    # Room after all: the rows are this transaction's until it ends.
    for category in categories:
        _bump(known[congress.id, category.id], wanted[category])
    if total is not None:
        _bump(total_id, count)
    return Taken(True, wanted=wanted)


def free_places(congress: Congress, freed: dict[int, int]) -> None:
    """Give places back ({category id: how many}) in the same transaction as the change that
    frees them. Callers that refill the waiting list use `release_places` instead."""
    freed = {category_id: n for category_id, n in freed.items() if n > 0}
    for category_id in sorted(freed):
        _bump(_counter_id(congress.id, category_id), -freed[category_id])
    if freed and _total_capacity(congress.id) is not None:
        _bump(_counter_id(congress.id, None), -sum(freed.values()))


def release_places(
    congress: Congress, freed: dict[int, int], settings: RegistrationSettings, now: datetime
) -> list[Registration]:
    """Free places and offer them to the waiting list (lock_waitlist held). The waiting rows
    are locked before any counter, the order every path keeps."""
    _lock_waiting(congress)
    free_places(congress, freed)
    return fill_from_waitlist(congress, settings, now)


def give_back(congress: Congress, freed: dict[int, int]) -> None:
    """Free places that `fill_from_waitlist` offers later in this transaction (lock_waitlist
    held): the waiting rows are locked first, as in `release_places`."""
    _lock_waiting(congress)
    free_places(congress, freed)


def reset_total(congress: Congress) -> None:
    """The congress row counts only while the congress has a total capacity: call this when
    the capacity changes (settings saved). The category rows are locked first (by id, as
    everywhere), so no place is being taken meanwhile; the congress row is then started from
    their sum, or dropped while there is no total capacity."""
    categories = db.session.scalars(
        select(ProfessionalCategory.id)
        .where(ProfessionalCategory.congress_id == congress.id)
        .order_by(ProfessionalCategory.id)
    ).all()
    taken = 0
    for category_id in categories:
        query = select(COUNTERS.c.taken).where(
            COUNTERS.c.id == _counter_id(congress.id, category_id)
        )
        if _dialect() == "postgresql":
            query = query.with_for_update()
        taken += db.session.scalar(query)
    db.session.execute(
        COUNTERS.delete().where(
            COUNTERS.c.congress_id == congress.id, COUNTERS.c.category_id.is_(None)
        )
    )
    db.session.info.get("place_counter_ids", {}).pop((congress.id, None), None)
    if _total_capacity(congress.id) is not None:
        db.session.execute(
            COUNTERS.insert().values(congress_id=congress.id, category_id=None, taken=taken)
        )


# -- reading (pages, API) ---------------------------------------------------------------------


def taken_by_category(congress: Congress) -> dict[int, int]:
    """Places taken by category id, from the counters (no locks)."""
    rows = db.session.execute(
        select(COUNTERS.c.category_id, COUNTERS.c.taken).where(
            COUNTERS.c.congress_id == congress.id, COUNTERS.c.category_id.is_not(None)
        )
    ).all()
    taken = {category_id: n for category_id, n in rows if n}
    # A category without a counter row yet: nobody took a place through the counters, but
    # rows written otherwise (older data) still count.
    if not rows:
        return count_places(congress.id)
    return taken


def places_taken(congress: Congress, category: ProfessionalCategory | None = None) -> int:
    taken = taken_by_category(congress)
    if category is not None:
        return taken.get(category.id, 0)
    return sum(taken.values())


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


def looks_free(
    congress: Congress,
    category: ProfessionalCategory,
    settings: RegistrationSettings,
    counters: dict[int | None, int | None] | None = None,
) -> bool:
    """Whether a place seems free right now (no lock: a guess that take_places settles);
    `counters` as `prepare` read them, when they are still what this transaction left."""
    if settings.capacity is None and category.capacity is None:
        return True
    if counters is not None:
        limits = []
        if settings.capacity is not None and counters.get(None) is not None:
            limits.append(settings.capacity - counters[None])
        if category.capacity is not None and counters.get(category.id) is not None:
            limits.append(category.capacity - counters[category.id])
        if len(limits) == (settings.capacity is not None) + (category.capacity is not None):
            return min(limits) > 0
    left = remaining(settings, category, taken_by_category(congress))
    return left is None or left > 0


# -- recount ----------------------------------------------------------------------------------


@dataclass
class Drift:
    category_id: int | None  # None: the congress total
    counter: int | None
    counted: int


def recount(congress: Congress, *, repair: bool = False) -> list[Drift]:
    """Compare the counters with COUNT(*) of the rows; with `repair`, set them to the counts
    (under the waiting-list lock and every counter row's lock). Return the differences."""
    if repair:
        lock_waitlist(congress)
    categories = db.session.scalars(
        select(ProfessionalCategory.id)
        .where(ProfessionalCategory.congress_id == congress.id)
        .order_by(ProfessionalCategory.id)
    ).all()
    query = (
        select(COUNTERS.c.id, COUNTERS.c.category_id, COUNTERS.c.taken)
        .where(COUNTERS.c.congress_id == congress.id)
        .order_by(COUNTERS.c.category_id.asc().nulls_last())
    )
    if repair and _dialect() == "postgresql":
        query = query.with_for_update()
    rows = {
        category_id: (counter_id, taken)
        for counter_id, category_id, taken in db.session.execute(query).all()
    }
    counted = count_places(congress.id)
    drifts = []
    for category_id in categories:
        row = rows.get(category_id)
        if row is None:
            continue  # created with its counted value on first use
        if row[1] != counted.get(category_id, 0):
            drifts.append(Drift(category_id, row[1], counted.get(category_id, 0)))
    total = sum(counted.values())
    if get_settings(congress).capacity is not None and None in rows and rows[None][1] != total:
        drifts.append(Drift(None, rows[None][1], total))
    if repair:
        for drift in drifts:
            db.session.execute(
                update(COUNTERS)
                .where(COUNTERS.c.id == rows[drift.category_id][0])
                .values(taken=drift.counted)
            )
    return drifts


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


def _waiting(congress: Congress):
    return (
        select(Registration)
        .where(
            Registration.congress_id == congress.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.waitlisted_at, Registration.id)
    )


def _lock_waiting(congress: Congress) -> list[Registration]:
    """Lock the waiting registrations, in order: before any counter row, so that nobody
    holding one of them (a replaced or cancelled registration) waits for us meanwhile."""
    return _lock_rows(_waiting(congress))


def fill_from_waitlist(
    congress: Congress, settings: RegistrationSettings, now: datetime
) -> list[Registration]:
    """Offer free places to waiting people in order (lock_waitlist held); return those
    offered. Each offer takes its place on the counters."""
    from conference.registration import notify

    offered = []
    full: set[int] = set()
    for registration in _lock_waiting(congress):
        if registration.status != RegistrationStatus.WAITLISTED:
            continue  # changed while we waited for its row
        category = registration.category
        if category.id in full:
            continue
        taken = take_places(congress, {category: 1})
        if taken.congress_full:
            break  # full again: the rest keep waiting
        if not taken:
            full.add(category.id)
            continue
        from conference.registration.services import take_voucher_use

        take_voucher_use(registration, now)
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
    if not has_overdue(congress, now):
        return []
    settings = lock_waitlist(congress)
    expired = _lock_rows(
        select(Registration).where(_overdue(congress, now)).order_by(Registration.id)
    )
    prepare(congress, [registration.category_id for registration in expired])
    freed: dict[int, int] = {}
    for registration in expired:
        unpaid = registration.status == RegistrationStatus.AWAITING_PAYMENT
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.cancel_reason = (
            "Not paid in time." if unpaid else "No accepted proof of status arrived in time."
        )
        registration.expires_at = None
        freed[registration.category_id] = freed.get(registration.category_id, 0) + 1
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
    release_places(congress, freed, settings, now)
    db.session.flush()
    return expired


def has_overdue(congress: Congress, now: datetime) -> bool:
    """Whether some hold is past its time (a cheap look, no lock)."""
    return (
        db.session.scalar(select(Registration.id).where(_overdue(congress, now)).limit(1))
        is not None
    )


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
    return waitlist_position_of(
        registration.congress_id, registration.waitlisted_at, registration.id
    )


def waitlist_position_of(congress_id: int, waitlisted_at: datetime, registration_id: int) -> int:
    """The position of a waiting registration from its values (read before a commit expired
    the object: no reload after it)."""
    ahead = db.session.scalar(
        select(func.count(Registration.id)).where(
            Registration.congress_id == congress_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            (Registration.waitlisted_at < waitlisted_at)
            | ((Registration.waitlisted_at == waitlisted_at) & (Registration.id < registration_id)),
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
