"""Reads of professional categories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from conference.extensions import db
from conference.program.models import Congress
from conference.registration.models import (
    ACTIVE_STATUSES,
    HOLDING_STATUSES,
    FeePeriod,
    Payment,
    PaymentKind,
    ProfessionalCategory,
    ProofStatus,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
    UserCategory,
    VisaRequest,
)
from conference.registration.tokens import normalize_reference
from conference.timeutil import to_local

CENT = Decimal("0.01")


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


def registration_language(registration_id: int | None) -> str | None:
    """The language a registrant registered in (their emails and badge use it)."""
    if registration_id is None:
        return None
    return db.session.scalar(
        select(Registration.language).where(Registration.id == registration_id)
    )


def get_document_languages(registration_ids) -> dict[int, str]:
    """{registration id: the language of the documents issued to it (the language chosen on
    the account, else the one registered in, as for emails)} of those of these registrations
    that were not erased (two queries; the CME worker writes certificates in batches)."""
    from conference.accounts.services import languages_of

    ids = sorted({i for i in registration_ids if i})
    if not ids:
        return {}
    rows = db.session.execute(
        select(Registration.id, Registration.user_id, Registration.language).where(
            Registration.id.in_(ids), Registration.erased_at.is_(None)
        )
    ).all()
    chosen = languages_of(user_id for _, user_id, _ in rows)
    return {
        registration_id: chosen.get(user_id) or language
        for registration_id, user_id, language in rows
    }


def get_registration(congress: Congress, reference: str) -> Registration | None:
    return db.session.scalar(
        _with_details(select(Registration)).where(
            Registration.congress_id == congress.id,
            Registration.reference == normalize_reference(reference),
        )
    )


#: The status filter value for every status that holds a place (awaiting or confirmed).
HOLDING = "holding"


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
    if filters.status == HOLDING:
        query = query.where(Registration.status.in_(HOLDING_STATUSES))
    elif filters.status:
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


def _money_per_registration():
    """Per registration: money paid (less refunds) and the amount settled (received + waived).

    The same arithmetic as Registration.amount_paid / amount_due, written once in SQL so that
    totals over thousands of registrations take one query.
    """
    paid = func.sum(
        case(
            (Payment.kind == PaymentKind.REFUND, -Payment.amount),
            (Payment.kind == PaymentKind.WAIVED, 0),
            else_=Payment.amount,
        )
    )
    settled = func.sum(case((Payment.kind == PaymentKind.REFUND, 0), else_=Payment.amount))
    return (
        select(
            Payment.registration_id.label("registration_id"),
            paid.label("paid"),
            settled.label("settled"),
        )
        .group_by(Payment.registration_id)
        .subquery()
    )


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def get_totals(congress: Congress) -> list[dict]:
    """Per category and fee period: registrations holding places, waiting, cancelled, fees,
    money paid (less refunds, every status) and outstanding (what places held still owe)."""
    money = _money_per_registration()
    paid = func.coalesce(money.c.paid, 0)
    due = Registration.fee_amount - func.coalesce(money.c.settled, 0)
    rows = db.session.execute(
        select(
            ProfessionalCategory.name,
            ProfessionalCategory.slug,
            Registration.fee_period,
            Registration.status,
            func.count(Registration.id),
            func.coalesce(func.sum(Registration.fee_amount), 0),
            func.sum(paid),
            func.sum(case((due > 0, due), else_=0)),
        )
        .join(Registration.category)
        .outerjoin(money, money.c.registration_id == Registration.id)
        .where(Registration.congress_id == congress.id)
        .group_by(
            ProfessionalCategory.position,
            ProfessionalCategory.name,
            ProfessionalCategory.slug,
            Registration.fee_period,
            Registration.status,
        )
        .order_by(ProfessionalCategory.position, ProfessionalCategory.name, Registration.fee_period)
    ).all()
    table: dict[tuple[str, str], dict] = {}
    for name, slug, period, status, count, fees, paid_sum, due_sum in rows:
        entry = table.setdefault(
            (name, period),
            {
                "category": name,
                "slug": slug,
                "period": period,
                "holding": 0,
                "confirmed": 0,
                "waitlisted": 0,
                "cancelled": 0,
                "fees": Decimal("0.00"),
                "paid": Decimal("0.00"),
                "outstanding": Decimal("0.00"),
            },
        )
        entry["paid"] += _money(paid_sum)
        if status in HOLDING_STATUSES:
            entry["holding"] += count
            entry["fees"] += _money(fees)
            entry["outstanding"] += _money(due_sum)
        if status == RegistrationStatus.CONFIRMED:
            entry["confirmed"] += count
        elif status == RegistrationStatus.WAITLISTED:
            entry["waitlisted"] += count
        elif status == RegistrationStatus.CANCELLED:
            entry["cancelled"] += count
    categories = list(dict.fromkeys(name for name, _ in table))
    periods = list(FeePeriod)
    return sorted(
        table.values(),
        key=lambda e: (categories.index(e["category"]), periods.index(FeePeriod(e["period"]))),
    )


TOTAL_KEYS = ("holding", "confirmed", "waitlisted", "cancelled", "fees", "paid", "outstanding")


def sum_totals(rows: list[dict]) -> dict:
    """The grand total of rows of get_totals (or of one category's rows)."""
    total = dict.fromkeys(TOTAL_KEYS, 0)
    for key in ("fees", "paid", "outstanding"):
        total[key] = Decimal("0.00")
    for row in rows:
        for key in TOTAL_KEYS:
            total[key] += row[key]
    return total


def totals_by_category(rows: list[dict]) -> list[dict]:
    """Rows of get_totals summed over fee periods, one per category (in category order)."""
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["category"], []).append(row)
    return [
        {"category": name, "slug": group[0]["slug"], **sum_totals(group)}
        for name, group in grouped.items()
    ]


def get_daily_places(congress: Congress) -> list[dict]:
    """Registrations holding a place, by local day of registration and category (one query)."""
    rows = db.session.execute(
        select(Registration.created_at, Registration.category_id).where(
            Registration.congress_id == congress.id,
            Registration.status.in_(HOLDING_STATUSES),
        )
    ).all()
    per_day: dict[date, dict[int, int]] = {}
    for created_at, category_id in rows:
        day = to_local(created_at, congress.tz).date()
        counts = per_day.setdefault(day, {})
        counts[category_id] = counts.get(category_id, 0) + 1
    return [{"day": day, "by_category": per_day[day]} for day in sorted(per_day)]


def dashboard_figures(congress: Congress) -> dict:
    """The registration domain's figures for the organizer dashboard (a fixed number of
    queries, whatever the number of registrations)."""
    categories = get_categories(congress)
    totals = get_totals(congress)
    by_category = {row["slug"]: row for row in totals_by_category(totals)}
    daily = get_daily_places(congress)
    running = {category.id: 0 for category in categories}
    days = []
    for entry in daily:
        for category_id, count in entry["by_category"].items():
            running[category_id] = running.get(category_id, 0) + count
        days.append(
            {
                "day": entry["day"],
                "new": sum(entry["by_category"].values()),
                "cumulative": sum(running.values()),
                "by_category": {c.slug: running.get(c.id, 0) for c in categories},
            }
        )
    empty = sum_totals([])
    return {
        "capacity": get_settings_capacity(congress),
        "places_per_day": days,
        "categories": [
            {
                "slug": category.slug,
                "name": category.name,
                "capacity": category.capacity,
                **{key: by_category.get(category.slug, empty)[key] for key in TOTAL_KEYS},
            }
            for category in categories
        ],
        "totals": sum_totals(totals),
        "status_counts": get_status_counts(congress),
    }


def get_settings_capacity(congress: Congress) -> int | None:
    """The congress-wide number of places (None: unlimited)."""
    return db.session.scalar(
        select(RegistrationSettings.capacity).where(RegistrationSettings.congress_id == congress.id)
    )


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


def get_user_category(user, congress: Congress | None = None) -> ProfessionalCategory | None:
    """The professional category kept on a person's account, if any.

    With `congress`: that congress's category of the same kind (same slug, active), since each
    congress has its own categories; None when it has no such category.
    """
    kept = db.session.scalar(
        select(ProfessionalCategory)
        .join(UserCategory, UserCategory.category_id == ProfessionalCategory.id)
        .where(UserCategory.user_id == user.id)
    )
    if kept is None or congress is None or kept.congress_id == congress.id:
        return kept
    return db.session.scalar(
        select(ProfessionalCategory).where(
            ProfessionalCategory.congress_id == congress.id,
            ProfessionalCategory.slug == kept.slug,
            ProfessionalCategory.is_active.is_(True),
        )
    )


def get_visa_request_by_code(congress: Congress, code: str) -> VisaRequest | None:
    """The visa request whose letter carries this verification code (dashes, spaces and case
    do not matter), in this congress."""
    from conference.registration.visa import normalize_code

    wanted = normalize_code(code)
    if len(wanted) != 16:
        return None
    formatted = "-".join(wanted[i : i + 4] for i in range(0, 16, 4))
    return db.session.scalar(
        select(VisaRequest)
        .join(Registration, VisaRequest.registration_id == Registration.id)
        .where(Registration.congress_id == congress.id, VisaRequest.verification_code == formatted)
        .options(joinedload(VisaRequest.registration).joinedload(Registration.congress))
    )


def get_mailing_registrations(
    congress: Congress, *, statuses, category_id: int | None = None
) -> list[Registration]:
    """Registrations of `congress` in `statuses` (and a category) with an address, by name;
    for bulk mailings (erased registrations have no address and are left out)."""
    query = select(Registration).where(
        Registration.congress_id == congress.id,
        Registration.status.in_([str(s) for s in statuses]),
        Registration.email_key.is_not(None),
    )
    if category_id is not None:
        query = query.where(Registration.category_id == category_id)
    return list(
        db.session.scalars(
            query.order_by(func.lower(Registration.last_name), Registration.first_name)
        )
    )


def get_active_registrations_by_email(congress: Congress, emails) -> dict[str, Registration]:
    """The active registration of each address (lower-cased) that has one."""
    keys = sorted({(e or "").strip().lower() for e in emails} - {""})
    if not keys:
        return {}
    found: dict[str, Registration] = {}
    for start in range(0, len(keys), 500):
        for registration in db.session.scalars(
            select(Registration).where(
                Registration.congress_id == congress.id,
                Registration.email_key.in_(keys[start : start + 500]),
                Registration.status.in_([str(s) for s in ACTIVE_STATUSES]),
            )
        ):
            found[registration.email_key] = registration
    return found


# -- for the money domain (its overview and bank reconciliation call these) -------------------


def get_category_labels(congress: Congress) -> dict[str, str]:
    """Each registration's reference with its category's name: the key under which money
    invoices a registration, so money can show figures per category without our tables."""
    rows = db.session.execute(
        select(Registration.reference, ProfessionalCategory.name)
        .join(Registration.category)
        .where(Registration.congress_id == congress.id)
    )
    return dict(rows.tuples().all())


def get_group_order_labels(congress: Congress) -> dict[str, str]:
    """Each group order's reference (the key its invoice is under) with its category's name,
    or "Group order (several categories)" when it has places in more than one."""
    from conference.registration.models import GroupOrder, GroupPlace

    rows = db.session.execute(
        select(GroupOrder.reference, ProfessionalCategory.name)
        .join(GroupPlace, GroupPlace.order_id == GroupOrder.id)
        .join(ProfessionalCategory, ProfessionalCategory.id == GroupPlace.category_id)
        .where(GroupOrder.congress_id == congress.id)
        .distinct()
    )
    labels: dict[str, str] = {}
    for reference, name in rows.tuples():
        labels[reference] = (
            "Group order (several categories)" if labels.get(reference, name) != name else name
        )
    return labels


@dataclass(frozen=True)
class Waiver:
    """A fee waived (not money): when, for which category, how much."""

    recorded_at: object
    category: str
    amount: Decimal


def get_waivers(congress: Congress) -> list[Waiver]:
    """Every waiver of the congress, oldest first (one query)."""
    rows = db.session.execute(
        select(Payment.recorded_at, ProfessionalCategory.name, Payment.amount)
        .join(Payment.registration)
        .join(Registration.category)
        .where(Registration.congress_id == congress.id, Payment.kind == PaymentKind.WAIVED)
        .order_by(Payment.recorded_at, Payment.id)
    )
    return [Waiver(at, name, _money(amount)) for at, name, amount in rows]


@dataclass(frozen=True)
class OpenBalance:
    """What a registration still owes, for matching a bank transfer to it."""

    reference: str
    full_name: str
    amount_due: Decimal
    currency: str
    #: False when no payment can be recorded (cancelled, waitlisted, proof unchecked).
    is_payable: bool


def get_open_balances(congress: Congress) -> dict[str, OpenBalance]:
    """Every non-cancelled registration by reference with its amount due (two queries)."""
    registrations = db.session.scalars(
        select(Registration)
        .where(
            Registration.congress_id == congress.id,
            Registration.status != RegistrationStatus.CANCELLED,
        )
        .options(selectinload(Registration.payments))
    )
    payable = (RegistrationStatus.AWAITING_PAYMENT, RegistrationStatus.CONFIRMED)
    return {
        registration.reference: OpenBalance(
            reference=registration.reference,
            full_name=registration.full_name,
            amount_due=registration.amount_due,
            currency=registration.currency,
            is_payable=registration.status in payable,
        )
        for registration in registrations
    }


def congress_id_of_reference(reference: str) -> int | None:
    """The congress a registration or group order reference belongs to (old links)."""
    from conference.registration.models import GroupOrder

    reference = normalize_reference(reference)
    found = db.session.scalar(
        select(Registration.congress_id).where(Registration.reference == reference)
    )
    if found is None:
        found = db.session.scalar(
            select(GroupOrder.congress_id).where(GroupOrder.reference == reference)
        )
    return found


def congress_id_of_visa_code(code: str) -> int | None:
    """The congress of the visa letter carrying this verification code (old links)."""
    from conference.registration.visa import normalize_code

    wanted = normalize_code(code)
    if len(wanted) != 16:
        return None
    formatted = "-".join(wanted[i : i + 4] for i in range(0, 16, 4))
    return db.session.scalar(
        select(Registration.congress_id)
        .join(VisaRequest, VisaRequest.registration_id == Registration.id)
        .where(VisaRequest.verification_code == formatted)
    )


def get_registration_ids_by_reference(congress: Congress, references) -> dict[str, int]:
    """{normalized reference: registration id} of the references that exist (one query; door
    scans of badges are matched with it)."""
    keys = sorted({normalize_reference(r) for r in references if isinstance(r, str)} - {""})
    if not keys:
        return {}
    rows = db.session.execute(
        select(Registration.reference, Registration.id).where(
            Registration.congress_id == congress.id, Registration.reference.in_(keys)
        )
    )
    return dict(rows.all())


@dataclass(frozen=True)
class LearnerRow:
    """What an accreditor's learner upload needs about a registrant."""

    email: str
    category: str
    is_cme_eligible: bool
    country: str


def get_learner_rows(congress: Congress, registration_ids) -> dict[int, LearnerRow]:
    """{registration id: LearnerRow} for these registrations (one query)."""
    ids = sorted({i for i in registration_ids if i})
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Registration.id,
            Registration.email,
            ProfessionalCategory.name,
            ProfessionalCategory.is_cme_eligible,
            Registration.country,
        )
        .join(ProfessionalCategory, ProfessionalCategory.id == Registration.category_id)
        .where(Registration.congress_id == congress.id, Registration.id.in_(ids))
    )
    return {row[0]: LearnerRow(row[1] or "", row[2], bool(row[3]), row[4] or "") for row in rows}


def get_exhibitor_contacts(congress: Congress, registration_ids) -> dict[int, dict]:
    """What exhibitors may receive of each attendee, by registration id: name, email,
    affiliation, country and professional category, only while the attendee consents
    (`share_with_exhibitors`) and is not erased. Anyone else is missing from the result, so a
    withdrawn consent removes the person from every company's leads at once."""
    ids = [int(i) for i in registration_ids if i is not None]
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Registration.id,
            Registration.first_name,
            Registration.last_name,
            Registration.email,
            Registration.affiliation,
            Registration.country,
            ProfessionalCategory.name,
            ProfessionalCategory.is_prescriber,
        )
        .join(ProfessionalCategory, ProfessionalCategory.id == Registration.category_id)
        .where(
            Registration.congress_id == congress.id,
            Registration.id.in_(ids),
            Registration.share_with_exhibitors.is_(True),
            Registration.erased_at.is_(None),
        )
    )
    return {
        row[0]: {
            "name": f"{row[1]} {row[2]}".strip(),
            "email": row[3],
            "affiliation": row[4],
            "country": row[5],
            "category": row[6],
            "is_prescriber": row[7],
        }
        for row in rows
    }


def get_holding_registrations(congress: Congress, registration_ids) -> dict[int, Registration]:
    """{id: registration} of the registrations among these ids that hold a place (not
    cancelled or waitlisted), with their category (one query; the CME worker issues
    certificates to them in batches)."""
    ids = sorted({i for i in registration_ids if i})
    if not ids:
        return {}
    rows = db.session.scalars(
        select(Registration)
        .options(joinedload(Registration.category))
        .where(
            Registration.congress_id == congress.id,
            Registration.id.in_(ids),
            Registration.status.in_(HOLDING_STATUSES),
        )
    )
    return {registration.id: registration for registration in rows}
