"""Registration rules: categories and fees, registering, details, manage links, cancellation.

Places and the waiting list are in capacity.py, fee periods in fees.py, payments and receipts in
payments.py, proof checks in proofs.py, check-in in checkin.py, data export and erasure in
privacy.py, PDFs in documents.py.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from conference import i18n
from conference.countries import check_country
from conference.errors import Conflict, FieldErrors, ValidationFailed
from conference.extensions import db
from conference.models import utcnow
from conference.money import vouchers
from conference.program.models import Congress
from conference.registration import capacity, notify, uploads
from conference.registration import capacity as places
from conference.registration.fees import fee_at
from conference.registration.models import (
    ACTIVE_STATUSES,
    CategoryFee,
    FeePeriod,
    ProfessionalCategory,
    ProofStatus,
    Registration,
    RegistrationSettings,
    RegistrationStatus,
    UserCategory,
)
from conference.registration.tokens import new_reference, new_salt
from conference.slugs import is_slug, slugify
from conference.timeutil import local_to_utc


def _check_category(congress: Congress, data: dict, category=None) -> None:
    errors = FieldErrors()
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            errors.add("name", _("Enter the category's name."))
        elif len(data["name"]) > 120:
            errors.add("name", _("At most 120 characters."))
    if "slug" in data:
        data["slug"] = (data["slug"] or "").strip().lower()
        if not is_slug(data["slug"]):
            errors.add("slug", _("Use lower-case letters, digits and hyphens only."))
    errors.raise_if_any()
    for field in ("slug", "name"):
        if field in data:
            clash = db.session.scalar(
                select(ProfessionalCategory.id).where(
                    ProfessionalCategory.congress_id == congress.id,
                    func.lower(getattr(ProfessionalCategory, field)) == data[field].lower(),
                    ProfessionalCategory.id != (category.id if category else -1),
                )
            )
            if clash:
                raise Conflict(
                    _("Another category already has this %(field)s.", field=field),
                    code="duplicate",
                    fields={field: [f"Another category already has this {field}."]},
                )


def create_category(congress: Congress, **data) -> ProfessionalCategory:
    if not data.get("slug") and data.get("name"):
        data["slug"] = slugify(data["name"])
    data.setdefault("name", "")
    data.setdefault("slug", "")
    _check_category(congress, data)
    if "position" not in data:
        data["position"] = (
            db.session.scalar(
                select(func.max(ProfessionalCategory.position)).where(
                    ProfessionalCategory.congress_id == congress.id
                )
            )
            or 0
        ) + 1
    category = ProfessionalCategory(congress=congress, **data)
    db.session.add(category)
    db.session.flush()
    # The settings and counter rows exist from now on: a registration never creates them
    # (a row created inside its transaction would hold up the others until it commits).
    capacity.get_settings(congress)
    capacity.prepare(congress, [category.id])
    return category


def update_category(category: ProfessionalCategory, **data) -> ProfessionalCategory:
    _check_category(category.congress, data, category)
    for field, value in data.items():
        setattr(category, field, value)
    db.session.flush()
    return category


# -- fees and capacity settings ---------------------------------------------------------------

#: Upper bounds of the settings (beyond them dates overflow or numbers overflow the columns).
MAX_PLACES = 1_000_000
MAX_PAYMENT_DAYS = 365
MAX_OFFER_HOURS = 24 * 90


def parse_amount(value, field: str, errors: FieldErrors) -> Decimal | None:
    """Read a money amount (>= 0, two decimals); None stays None (no fee in that period)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter an amount such as 450 or 450.00."))
        return None
    if not amount.is_finite() or amount < 0:
        errors.add(field, _("Enter an amount of 0 or more."))
        return None
    if amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("100000000"):
        errors.add(field, _("Use at most two decimals and less than 100,000,000."))
        return None
    return amount.quantize(Decimal("0.01"))


def set_category_rules(
    category: ProfessionalCategory,
    *,
    fees: dict | None = None,
    capacity=...,
    cancellation_fee=...,
    requires_proof: bool | None = None,
) -> ProfessionalCategory:
    """Set a category's fees per period (None removes one), capacity and cancellation fee."""
    errors = FieldErrors()
    parsed: dict[FeePeriod, Decimal | None] = {}
    for period_name, raw in (fees or {}).items():
        try:
            period = FeePeriod(period_name)
        except ValueError:
            errors.add(f"fees.{period_name}", _("Unknown fee period (early, regular, onsite)."))
            continue
        parsed[period] = parse_amount(raw, f"fees.{period.value}", errors)
    if (
        capacity is not ...
        and capacity is not None
        and (not isinstance(capacity, int) or not 0 <= capacity <= MAX_PLACES)
    ):
        errors.add(
            "capacity",
            _(
                "Enter a whole number of places (0 to %(most)s), or leave it empty.",
                most=MAX_PLACES,
            ),
        )
    fee = ...
    if cancellation_fee is not ...:
        fee = parse_amount(cancellation_fee, "cancellation_fee", errors) or Decimal("0.00")
    errors.raise_if_any()
    existing = {item.period: item for item in category.fees}
    for period, amount in parsed.items():
        if amount is None:
            if period in existing:
                category.fees.remove(existing[period])
        elif period in existing:
            existing[period].amount = amount
        else:
            category.fees.append(CategoryFee(period=period, amount=amount))
    grew = capacity is not ... and (
        capacity is None or (category.capacity is not None and capacity > category.capacity)
    )
    if capacity is not ...:
        category.capacity = capacity
    if fee is not ...:
        category.cancellation_fee = fee
    if requires_proof is not None:
        category.requires_proof = requires_proof
    db.session.flush()
    if grew and category.id is not None:
        # More places: offer them to the people waiting.
        settings = places.lock_waitlist(category.congress)
        places.fill_from_waitlist(category.congress, settings, utcnow())
    return category


def update_registration_settings(congress: Congress, **data):
    """Overall capacity, payment and offer times, the fee and refund dates of the congress, and
    the visa letters' signatory and data retention."""
    from conference.program import services as program_services

    errors = FieldErrors()
    settings = capacity.get_settings(congress)
    if (
        "capacity" in data
        and data["capacity"] is not None
        and not (0 <= data["capacity"] <= MAX_PLACES)
    ):
        errors.add(
            "capacity",
            _(
                "Enter a whole number of places (0 to %(most)s), or leave it empty.",
                most=MAX_PLACES,
            ),
        )
    for field, most in (
        ("payment_days", MAX_PAYMENT_DAYS),
        ("offer_hours", MAX_OFFER_HOURS),
        ("proof_hours", MAX_OFFER_HOURS),
        ("invoice_reminder_days", MAX_PAYMENT_DAYS),
    ):
        if field in data and (data[field] is None or not 1 <= data[field] <= most):
            errors.add(field, _("Enter a whole number from 1 to %(most)s.", most=most))
    group_days = data.get("group_deadline_days", 0)
    if "group_deadline_days" in data and (group_days is None or not 0 <= group_days <= 365):
        errors.add("group_deadline_days", _("Enter a whole number of days from 0 to 365."))
    if "group_buyer_can_cancel" in data:
        data["group_buyer_can_cancel"] = bool(data["group_buyer_can_cancel"])
    retention = data.get("visa_retention_days", 0)
    if "visa_retention_days" in data and (retention is None or not 0 <= retention <= 365):
        errors.add("visa_retention_days", _("Enter a whole number of days from 0 to 365."))
    for field in ("visa_signatory_name", "visa_signatory_title"):
        if field in data:
            data[field] = (data[field] or "").strip()
            if len(data[field]) > 200:
                errors.add(field, _("At most 200 characters."))
    errors.raise_if_any()
    dates = {
        key: data[key]
        for key in (
            "registration_opens_at",
            "early_fee_closes_at",
            "regular_fee_closes_at",
            "refund_deadline_at",
        )
        if key in data
    }
    if dates:
        program_services.update_congress(congress, **dates)
    for field in (
        "capacity",
        "payment_days",
        "offer_hours",
        "proof_hours",
        "invoice_reminder_days",
        "group_deadline_days",
        "group_buyer_can_cancel",
        "visa_signatory_name",
        "visa_signatory_title",
        "visa_retention_days",
    ):
        if field in data:
            setattr(settings, field, data[field])
    db.session.flush()
    if "capacity" in data:
        locked = capacity.lock_waitlist(congress)
        capacity.reset_total(congress)
        capacity.fill_from_waitlist(congress, locked, utcnow())
    return settings


# -- registering ------------------------------------------------------------------------------

TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "affiliation": 300,
    "badge_name": 100,
    "dietary": 500,
    "accessibility": 500,
}


def registration_window(congress: Congress) -> tuple[datetime | None, datetime]:
    """When registration opens, and when it closes (the end of the congress's last day)."""
    closes = local_to_utc(
        datetime.combine(congress.ends_on + timedelta(days=1), time.min), congress.tz
    )
    return congress.registration_opens_at, closes


def registration_is_open(congress: Congress, now: datetime) -> bool:
    """Whether `now` is inside the registration window (the rule check_open enforces)."""
    opens, closes = registration_window(congress)
    return opens is not None and opens <= now < closes


def check_open(congress: Congress, now: datetime) -> None:
    opens, closes = registration_window(congress)
    if opens is None or now < opens:
        raise Conflict(_("Registration is not open yet."), code="registration_closed")
    if now >= closes:
        raise Conflict(_("Registration is closed."), code="registration_closed")


def _clean_details(data: dict, errors: FieldErrors, *, partial: bool = False) -> dict:
    clean = {}
    for field, limit in TEXT_LIMITS.items():
        if partial and field not in data:
            continue
        value = (data.get(field) or "").strip()
        if len(value) > limit:
            errors.add(field, _("At most %(limit)s characters.", limit=limit))
        clean[field] = value
    for field in ("first_name", "last_name"):
        if field in clean and not clean[field]:
            errors.add(field, _("This field is required."))
    if not partial or "country" in data:
        country = (data.get("country") or "").strip().upper()
        if not country:
            errors.add("country", _("Choose your country."))
        elif problem := check_country(country):
            errors.add("country", problem)
        clean["country"] = country
    if not partial or "share_with_exhibitors" in data:
        clean["share_with_exhibitors"] = bool(data.get("share_with_exhibitors"))
    return clean


def _find_category(congress: Congress, slug: str | None) -> ProfessionalCategory | None:
    if not slug:
        return None
    # With its fees in the same statement (fee_at reads them).
    return (
        db.session.scalars(
            select(ProfessionalCategory)
            .options(joinedload(ProfessionalCategory.fees))
            .where(
                ProfessionalCategory.congress_id == congress.id,
                ProfessionalCategory.slug == str(slug),
                ProfessionalCategory.is_active.is_(True),
            )
        )
        .unique()
        .first()
    )


def active_registration_for(congress: Congress, email: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(
            Registration.congress_id == congress.id,
            Registration.email_key == email.strip().lower(),
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )


def _already_registered(email: str) -> Conflict:
    from conference.urls import site_path

    message = (
        "This email address already has a registration for this congress. Use the link in "
        "your confirmation email to manage it, or ask for a new link."
    )
    return Conflict(
        message,
        code="already_registered",
        fields={"email": [message]},
        manage_link_request=site_path("registration.request_link"),
    )


def _active_and_reference(
    congress: Congress, email: str, prefix: str
) -> tuple[Registration | None, str]:
    """(the active registration under `email`, a free reference) in one statement when the
    first reference drawn is free (it nearly always is)."""
    reference = new_reference(prefix, 4)
    rows = db.session.scalars(
        select(Registration).where(
            or_(
                and_(
                    Registration.congress_id == congress.id,
                    Registration.email_key == email.strip().lower(),
                    Registration.status.in_(ACTIVE_STATUSES),
                ),
                Registration.reference == reference,
            )
        )
    ).all()
    existing = next(
        (
            row
            for row in rows
            if row.congress_id == congress.id
            and row.email_key == email.strip().lower()
            and row.status in ACTIVE_STATUSES
        ),
        None,
    )
    if any(row.reference == reference for row in rows):
        reference = _unique_reference(prefix)
    return existing, reference


def _unique_reference(prefix: str) -> str:
    for attempt in range(40):
        reference = new_reference(prefix, 4 if attempt < 20 else 6)
        if not db.session.scalar(
            select(Registration.id).where(Registration.reference == reference)
        ):
            return reference
    raise RuntimeError("no free registration reference")  # pragma: no cover


def _replayed(submission_key: str, email) -> Registration | None:
    """The registration made earlier with this submission key, if it is the same person's."""
    existing = db.session.scalar(
        select(Registration).where(Registration.submission_key == submission_key)
    )
    if existing is None:
        return None
    if existing.email_key != (email or "").strip().lower():
        raise Conflict(
            _("This idempotency key was already used for another registration."),
            code="idempotency_key_reused",
        )
    return existing


def register_attendee(
    congress: Congress,
    data: dict,
    *,
    user=None,
    proof: tuple[str, bytes] | None = None,
    submission_key: str | None = None,
    now: datetime | None = None,
    invoice_to: dict | None = None,
) -> tuple[Registration, bool]:
    """Register a person; return (registration, created). A repeated `submission_key` returns
    the first registration with created=False (a double-click registers once).

    `invoice_to` (name, address, country, vat_id, po_number) asks for an invoice to that
    buyer: issued at once when payment is due (conference.registration.invoicing)."""
    from conference.registration import invoicing

    now = now or utcnow()
    if submission_key:
        existing = _replayed(submission_key, data.get("email"))
        if existing is not None:
            return existing, False
    check_open(congress, now)
    errors = FieldErrors()
    clean = _clean_details(data, errors)
    email = (data.get("email") or "").strip()
    if not email:
        errors.add("email", _("Enter your email address."))
    else:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            errors.add("email", _("This email address is not valid: %(exc)s", exc=exc))
    category = _find_category(congress, data.get("category"))
    if category is None:
        errors.add("category", _("Choose a professional category from the list."))
    if data.get("accept_terms") is not True:
        errors.add("accept_terms", _("You must accept the terms and conditions to register."))
    period = amount = None
    if category is not None:
        period, amount = fee_at(category, now)
        if amount is None:
            errors.add(
                "category",
                _(
                    "This category has no %(fee)s; choose another category.",
                    fee=period.fee_label,
                ),
            )
    if category is not None and category.requires_proof and proof is None:
        errors.add(
            "proof",
            _(
                "This category needs proof of status: upload it with your registration.",
            ),
        )
    if proof is not None and (problem := uploads.check_proof(proof[1])):
        errors.add("proof", problem)
    if invoice_to is not None:
        invoicing.check_invoice_to(congress, invoice_to, errors)
    voucher_code = vouchers.normalize_code(data.get("voucher"))
    if voucher_code and category is not None and amount is not None:
        try:
            vouchers.quote_voucher(
                congress, voucher_code, category_id=category.id, fee=amount, now=now
            )
        except ValidationFailed as exc:
            errors.add("voucher", exc.fields["voucher"][0])
    errors.raise_if_any()
    existing, reference = _active_and_reference(congress, email, congress.short_name)
    if existing is not None and not existing.is_email_unconfirmed:
        raise _already_registered(email)

    # An earlier registration under this address that its owner never confirmed (anyone can
    # type any address) does not block: the new one replaces it. The owner of the address
    # receives the new one's link either way. This rare path changes the waiting list, so it
    # takes the waiting-list lock; a plain registration takes no congress-wide lock.
    replaced, freed_place = None, False
    settings, counters = capacity.settings_and_counters(
        congress, [category.id] + ([existing.category_id] if existing else [])
    )
    if existing is not None:
        settings = capacity.lock_waitlist(congress)
        capacity.lock_registration(existing)
        if existing.status in ACTIVE_STATUSES:
            if not existing.is_email_unconfirmed:
                raise _already_registered(email)
            replaced, freed_place = existing, existing.holds_place
            _supersede(existing, now)
            if freed_place:
                capacity.give_back(congress, {existing.category_id: 1})
    # A guess without locks: the mail is written for it before the place is taken (the
    # counter rows stay locked from then until the commit, so nothing slow comes after).
    room = capacity.looks_free(congress, category, settings, None if existing else counters)
    if not room and capacity.has_overdue(congress, now):
        capacity.expire_unpaid(congress, now)
        room = capacity.looks_free(congress, category, settings)
    discount = None
    list_fee = amount
    if voucher_code:
        # The price with the voucher; its use is taken once the place is (below).
        quote = vouchers.quote_voucher(
            congress, voucher_code, category_id=category.id, fee=amount, now=now
        )
        voucher_code, discount, amount = quote.voucher.code, quote.discount, quote.price

    registration = Registration(
        congress=congress,
        category=category,
        reference=reference,
        manage_salt=new_salt(),
        submission_key=submission_key or None,
        user_id=user.id if user is not None and getattr(user, "is_authenticated", False) else None,
        # The language registered in: the registrant's emails and badge use it.
        language=i18n.normalize(data.get("language")) or i18n.current_language(),
        email=email,
        email_key=email.lower(),
        terms_accepted_at=now,
        email_confirmed_at=now if _owns_address(user, email) else None,
        fee_period=period,
        fee_amount=amount,
        currency=congress.currency,
        voucher_code=voucher_code or None,
        voucher_discount=discount,
        status=RegistrationStatus.WAITLISTED,
        proof_status=ProofStatus.MISSING if category.requires_proof else ProofStatus.NOT_NEEDED,
        payments=[],
        receipts=[],
        **clean,
    )
    if proof is not None and category.requires_proof:
        _attach_proof(registration, proof, now)
    _place_or_wait(registration, settings, room, now)
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        # The same submission committed meanwhile (a double-click): return it.
        if submission_key and (replayed := _replayed(submission_key, email)) is not None:
            return replayed, False
        raise _already_registered(email) from None
    # With an invoice, the mail waits for the outcome (the invoice is issued only for a
    # place); otherwise it is written now, outside the counter rows' locks.
    message = None if invoice_to is not None else _notify_new(registration, replaced)
    db.session.flush()
    took = bool(capacity.take_places(congress, {category: 1}, expect_full=not room))
    if took != room:  # the guess was wrong (the last places went meanwhile, or one came free)
        _place_or_wait(registration, settings, took, now)
        if message is not None:
            db.session.delete(message)
            db.session.flush()
            message = _notify_new(registration, replaced)
        db.session.flush()
    if voucher_code and registration.status != RegistrationStatus.WAITLISTED:
        # The use is taken now, under the voucher's row lock (a concurrent use may have taken
        # the last one: refused, and the caller rolls everything back). After the place
        # counters, the order every path keeps (an offer from the waiting list locks the
        # counters, then the voucher), so two requests never wait for each other in a cycle.
        # A waiting registration holds no use (others may use the code meanwhile): it takes
        # one when a place is offered (take_voucher_use).
        vouchers.redeem_voucher(
            congress,
            voucher_code,
            category_id=category.id,
            fee=list_fee,
            source=VOUCHER_SOURCE,
            source_key=reference,
            now=now,
        )
    if freed_place:
        # The replaced registration's place, if the new one did not take it, goes to the
        # people waiting (it may be in another category).
        capacity.fill_from_waitlist(congress, settings, now)
    if invoice_to is not None:
        invoice = None
        if registration.status == RegistrationStatus.AWAITING_PAYMENT:
            invoice = invoicing.request_invoice(registration, invoice_to, now=now, send_mail=False)
        _notify_new(registration, replaced, invoice=invoice)
    return registration, True


def _place_or_wait(registration: Registration, settings, place: bool, now: datetime) -> None:
    """Set a new registration on a place, or on the waiting list."""
    if place:
        registration.waitlisted_at = None
        capacity.give_place(registration, settings, now)
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlisted_at = now
        registration.expires_at = None
        registration.confirmed_at = None


def _notify_new(registration: Registration, replaced, invoice=None):
    """The first email of a new registration (it cannot have had one yet: no dedupe). Without
    an invoice, only a row here: the worker writes its text."""
    if invoice is None:
        return notify.new_registration(registration, replaced=replaced)
    if registration.status == RegistrationStatus.CONFIRMED:
        return notify.confirmed(registration, new=True, replaced=replaced)
    return notify.received(
        registration,
        position=capacity.waitlist_position(registration),
        new=True,
        replaced=replaced,
        invoice=invoice,
    )


#: The money domain's `source` for vouchers used by registrations (key: the reference).
VOUCHER_SOURCE = "registration"


def release_voucher(registration: Registration, now: datetime) -> None:
    """A cancelled registration gives its voucher use back (the code works again): the
    voucher was meant for a person's place, and that place is given up."""
    if registration.voucher_code:
        vouchers.release_voucher(
            registration.congress,
            source=VOUCHER_SOURCE,
            source_key=registration.reference,
            now=now,
        )


def take_voucher_use(registration: Registration, now: datetime) -> None:
    """A waiting registration is offered a place: it takes its voucher's use now (one
    conditional UPDATE, as at registration, so a code is never used too often), with the
    validity window checked as of when it registered. When no use is left (or the code was
    disabled meanwhile) the place is offered at the category's fee, without the voucher."""
    if not registration.voucher_code or vouchers.holds_use(
        registration.congress, source=VOUCHER_SOURCE, source_key=registration.reference
    ):
        return
    list_fee = registration.list_fee
    try:
        quote = vouchers.redeem_voucher(
            registration.congress,
            registration.voucher_code,
            category_id=registration.category_id,
            fee=list_fee,
            source=VOUCHER_SOURCE,
            source_key=registration.reference,
            now=now,
            valid_at=registration.waitlisted_at,
        )
    except ValidationFailed:
        registration.voucher_code = None
        registration.voucher_discount = None
        registration.fee_amount = list_fee
        return
    registration.voucher_discount = quote.discount
    registration.fee_amount = quote.price


def _owns_address(user, email: str) -> bool:
    """Whether the signed-in user has confirmed this very address for their account."""
    return (
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "email_confirmed_at", None) is not None
        and (user.email or "").strip().lower() == email.strip().lower()
    )


def _supersede(existing: Registration, now: datetime) -> None:
    """Cancel an unconfirmed registration replaced by a new one for the same address
    (waiting-list lock held; the caller gives its place back)."""
    existing.status = RegistrationStatus.CANCELLED
    existing.cancelled_at = now
    existing.expires_at = None
    existing.cancel_reason = (
        "Replaced by a newer registration made with the same email address before this one "
        "was confirmed."
    )
    release_voucher(existing, now)
    # Flush now: the partial unique index must see it cancelled before the new row arrives.
    db.session.flush()


def confirm_email(registration: Registration, now: datetime | None = None) -> bool:
    """The registrant opened the link emailed to them: the address is theirs. Return whether
    this confirmed it just now."""
    if registration.email_confirmed_at is not None or registration.erased_at:
        return False
    registration.email_confirmed_at = now or utcnow()
    db.session.flush()
    return True


def _attach_proof(registration: Registration, proof: tuple[str, bytes], now: datetime) -> None:
    filename, data = proof
    stored, content_type = uploads.store_proof(data)
    uploads.delete_proof(registration.proof_file)
    registration.proof_file = stored
    registration.proof_filename = (filename or "proof")[-200:]
    registration.proof_content_type = content_type
    registration.proof_uploaded_at = now
    registration.proof_status = ProofStatus.PENDING
    registration.proof_refusal_reason = ""
    if registration.status == RegistrationStatus.AWAITING_VERIFICATION:
        registration.expires_at = None  # a document awaits an organizer: no time limit


def update_details(registration: Registration, data: dict) -> Registration:
    """Change the attendee's own details (not email, category or fee)."""
    if registration.status == RegistrationStatus.CANCELLED or registration.erased_at:
        raise Conflict(_("A cancelled registration cannot be changed."), code="cancelled")
    errors = FieldErrors()
    clean = _clean_details(data, errors, partial=True)
    errors.raise_if_any()
    for field, value in clean.items():
        setattr(registration, field, value)
    db.session.flush()
    return registration


def request_manage_link(congress: Congress, email: str) -> None:
    """Email the manage link again to an address with an active registration (silent
    otherwise).

    Anyone can ask for it, so asking never changes the link: the existing one keeps working
    (only the registrant or an organizer can replace it: `replace_manage_link`).
    """
    registration = active_registration_for(congress, email or "")
    if registration is None:
        return
    notify.manage_link(registration)


def replace_manage_link(registration: Registration, *, by=None) -> Registration:
    """Revoke every earlier manage link and email a new one (a link that leaked, say).

    For the registrant (from their manage page) and organizers only.
    """
    if registration.erased_at:
        raise Conflict(_("This registration was erased."), code="erased")
    registration.manage_salt = new_salt()
    db.session.flush()
    notify.manage_link(registration, replaced=True)
    return registration


# -- cancellation -----------------------------------------------------------------------------


def refund_for(registration: Registration, now: datetime) -> Decimal:
    """What a cancellation now gives back: paid minus the category's cancellation fee, before
    the refund deadline; nothing after it."""
    deadline = registration.congress.refund_deadline_at
    paid = registration.amount_paid
    if paid <= 0 or (deadline is not None and now >= deadline):
        return Decimal("0.00")
    if capacity.paid_by_group(registration):
        return Decimal("0.00")  # the order's buyer paid: any credit goes to the order's invoice
    return max(paid - registration.category.cancellation_fee, Decimal("0.00"))


def cancel_registration(
    registration: Registration, *, by=None, reason: str = "", now: datetime | None = None
) -> Registration:
    """Cancel, record the refund due, give the place to the next person waiting."""
    from conference.registration import group_orders
    from conference.registration.card import refund_card_payments
    from conference.registration.payments import (
        add_refund,
        cancel_unpaid_invoice,
        credit_refunded_registration,
    )
    from conference.registration.visa import erase_visa_data

    now = now or utcnow()
    if registration.status == RegistrationStatus.CANCELLED:
        raise Conflict(_("This registration is already cancelled."), code="already_cancelled")
    # Card payments go back through the provider first, outside any lock: if it
    # fails, nothing changes here (its idempotency keys make a retry safe).
    by_card = refund_card_payments(registration, refund_for(registration, now), now)
    settings = capacity.lock_waitlist(registration.congress)
    capacity.lock_registration(registration)
    if registration.status == RegistrationStatus.CANCELLED:
        raise Conflict(_("This registration is already cancelled."), code="already_cancelled")
    held = registration.holds_place
    capacity.prepare(registration.congress, [registration.category_id])
    # A group order's delegate: the order's buyer paid, so the order's invoice (not this
    # registration) carries any credit; while the order is open the place goes back to it.
    delegate = group_orders.delegate_cancelled(registration, now) if held else None
    refund = refund_for(registration, now) if delegate is None else Decimal("0.00")
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = now
    registration.expires_at = None
    registration.cancel_reason = (reason or ("Cancelled by an organizer." if by else ""))[:300]
    release_voucher(registration, now)
    refund_payment = add_refund(registration, refund, by=by) if refund > 0 else None
    if refund_payment is not None and by_card > 0:
        refund_payment.note = f"Refund on cancellation: {by_card} back to the card."
    # A cancelled registration's letter no longer verifies: its passport data has no purpose.
    erase_visa_data(registration)
    db.session.flush()
    if refund_payment is not None:
        credit_refunded_registration(
            registration, refund, f"Registration {registration.reference} cancelled: refund."
        )
    elif registration.invoice_requested_at is not None and delegate is None:
        cancel_unpaid_invoice(registration, f"Registration {registration.reference} cancelled.")
    notify.cancelled(registration, refund=refund_payment)
    if held and not delegate:
        # Last: the counter rows stay locked from here until the commit.
        capacity.release_places(registration.congress, {registration.category_id: 1}, settings, now)
    return registration


def correct_badge_name(registration: Registration, badge_name: str) -> Registration:
    """Set the name printed on the badge (empty: first and last name), e.g. at the desk."""
    if registration.erased_at:
        raise Conflict(_("This registration was erased."), code="already_erased")
    errors = FieldErrors()
    clean = _clean_details({"badge_name": badge_name}, errors, partial=True)
    errors.raise_if_any()
    registration.badge_name = clean["badge_name"]
    db.session.flush()
    return registration


# -- a person's professional category ----------------------------------------------------------


def set_user_category(user, category_id: int | None) -> ProfessionalCategory | None:
    """Keep (or, with None, forget) the professional category on a person's account."""
    current = db.session.get(UserCategory, user.id)
    if not category_id:
        if current is not None:
            db.session.delete(current)
            db.session.flush()
        return None
    category = db.session.get(ProfessionalCategory, category_id)
    if category is None or not category.is_active:
        raise ValidationFailed(
            _("Choose a professional category from the list."),
            fields={"category_id": ["Choose a professional category from the list."]},
        )
    if current is None:
        db.session.add(UserCategory(user_id=user.id, category_id=category.id))
    else:
        current.category_id = category.id
    db.session.flush()
    return category


def copy_setup(source: Congress, target: Congress, shift: timedelta) -> None:
    """Copy the registration setup of a congress into a new one (copying a congress):
    professional categories with their fees, and the settings; no registrations."""
    from conference.models import clone_row

    categories = db.session.scalars(
        select(ProfessionalCategory).where(ProfessionalCategory.congress_id == source.id)
    )
    for category in categories:
        copy = clone_row(category, congress_id=target.id)
        copy.fees = [clone_row(fee, category_id=None) for fee in category.fees]
        db.session.add(copy)
    settings = db.session.scalar(
        select(RegistrationSettings).where(RegistrationSettings.congress_id == source.id)
    )
    if settings is not None:
        db.session.add(
            clone_row(
                settings,
                shift=shift,
                congress_id=target.id,
                lock_version=0,
                last_receipt_number=0,
            )
        )
    db.session.flush()
