"""Group orders: a buyer (company, institution) orders several places on one invoice.

The places are taken at order time on the place counters (capacity.take_places, all or
nothing): an unnamed place (`GroupPlace` without a registration) holds a place like a
registration does, so a group never oversells; naming a delegate moves the place to the
delegate's registration (the counters do not change), releasing it frees it. Delegates are
named later, until the naming deadline (`group_deadline_days`, per congress, default 14,
before the first day); each named delegate gets an ordinary `Registration` (reference,
manage link email, badge) that then holds the place. Unnamed places are given back at the
deadline by the periodic job `release_unfilled`, unless the order keeps them
(`keep_unfilled`). The order's invoice is issued by the money domain (`invoice_order`,
source `group_order`, key = the order's reference, one line per category with its
quantity); when it is paid (money's `payment_recorded` signal, or `confirm_paid_orders` in
the periodic job), every named delegate is confirmed, and delegates named afterwards are
confirmed at once.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from decimal import Decimal

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from conference.errors import Conflict, FieldErrors, NotFound, ValidationFailed
from conference.extensions import db
from conference.i18n import in_language
from conference.mail import queue_mail
from conference.models import utcnow
from conference.money.signals import payment_recorded
from conference.program.models import Congress
from conference.registration import capacity, notify
from conference.registration.fees import fee_at
from conference.registration.invoicing import MONEY_FIELDS, check_invoice_to
from conference.registration.models import (
    ACTIVE_STATUSES,
    GroupOrder,
    GroupPlace,
    Payment,
    PaymentKind,
    ProofStatus,
    Registration,
    RegistrationStatus,
)
from conference.registration.tokens import new_reference, new_salt
from conference.timeutil import local_day_bounds

#: The money domain's `source` of group order invoices (key: the order's reference).
MONEY_SOURCE = "group_order"
#: Most places in one order.
MAX_QUANTITY = 500
#: Delegate fields and their longest length.
DELEGATE_LIMITS = {"first_name": 100, "last_name": 100, "affiliation": 300, "badge_name": 100}


def order_token(order: GroupOrder) -> str:
    """The buyer's private token (HMAC under SECRET_KEY; nothing stored but a salt)."""
    import base64
    import hashlib

    key = current_app.config["SECRET_KEY"].encode()
    message = f"group-order:{order.reference}:{order.manage_salt}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def token_matches(order: GroupOrder, token: str | None) -> bool:
    return hmac.compare_digest(order_token(order).encode(), (token or "").encode())


def manage_url(order: GroupOrder) -> str:
    from conference.urls import external_url

    return external_url(
        "registration.group_order_manage",
        congress=order.congress,
        reference=order.reference,
        token=order_token(order),
    )


def naming_deadline(order_or_congress) -> datetime:
    """Delegates can be named until the end of the day `group_deadline_days` before the
    congress's first day (congress time zone)."""
    congress = getattr(order_or_congress, "congress", order_or_congress)
    days = capacity.get_settings(congress).group_deadline_days
    return local_day_bounds(congress.starts_on - timedelta(days=days), congress.tz)[1]


def get_order(congress: Congress, reference: str) -> GroupOrder:
    order = db.session.scalar(
        select(GroupOrder).where(
            GroupOrder.congress_id == congress.id,
            GroupOrder.reference == (reference or "").strip().upper(),
        )
    )
    if order is None:
        raise NotFound(_("No such group order."))
    return order


def get_invoice(order: GroupOrder):
    from conference.money.queries import get_active_invoice

    return get_active_invoice(order.congress, MONEY_SOURCE, order.reference)


def order_invoice(order: GroupOrder):
    """The order's invoice as issued, even once credited in full (for showing it)."""
    from conference.money.queries import get_invoice_by_number

    invoice = get_invoice(order)
    if invoice is None and order.invoice_number:
        invoice = get_invoice_by_number(order.congress, order.invoice_number)
    return invoice


def _clean_buyer(buyer: dict | None, errors: FieldErrors) -> dict:
    buyer = buyer or {}
    name = str(buyer.get("name") or "").strip()
    email = str(buyer.get("email") or "").strip()
    if not name:
        errors.add("buyer.name", _("Enter the name of the company or institution ordering."))
    elif len(name) > 200:
        errors.add("buyer.name", _("At most 200 characters."))
    if not email:
        errors.add("buyer.email", _("Enter the email address the order's link is sent to."))
    else:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            errors.add("buyer.email", _("This email address is not valid: %(exc)s", exc=exc))
    return {"name": name, "email": email}


def _clean_items(congress: Congress, items, now: datetime, errors: FieldErrors) -> dict:
    """{category: quantity} in the order given; field errors `items[i].<field>`."""
    from conference.registration.services import _find_category

    wanted: dict = {}
    if not isinstance(items, list | tuple) or not items:
        errors.add("items", _("Order at least one place."))
        return wanted
    for index, item in enumerate(items):
        item = item if isinstance(item, dict) else {}
        category = _find_category(congress, item.get("category"))
        if category is None:
            errors.add(f"items[{index}].category", _("Choose a category from the list."))
        elif fee_at(category, now)[1] is None:
            errors.add(f"items[{index}].category", _("This category has no fee at present."))
        elif category.requires_proof:
            errors.add(
                f"items[{index}].category",
                _(
                    "This category needs a personal proof of status: delegates register "
                    "themselves.",
                ),
            )
        quantity = item.get("quantity")
        if isinstance(quantity, str) and quantity.strip().isdigit():
            quantity = int(quantity)
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            errors.add(f"items[{index}].quantity", _("Enter a whole number of places."))
            continue
        if quantity > MAX_QUANTITY:
            errors.add(
                f"items[{index}].quantity",
                _("At most %(MAX_QUANTITY)s places.", MAX_QUANTITY=MAX_QUANTITY),
            )
            continue
        if category is not None and quantity:
            wanted[category] = wanted.get(category, 0) + quantity
    if not errors and not wanted:
        errors.add("items", _("Order at least one place."))
    return wanted


def _unique_reference(prefix: str) -> str:
    for attempt in range(40):
        reference = new_reference(f"{prefix}G", 4 if attempt < 20 else 6)
        if not db.session.scalar(select(GroupOrder.id).where(GroupOrder.reference == reference)):
            return reference
    raise RuntimeError("no free group order reference")  # pragma: no cover


def create_group_order(
    congress: Congress,
    buyer: dict,
    invoice_to: dict,
    items: list[dict],
    *,
    is_industry: bool = False,
    keep_unfilled: bool = False,
    delegates: list[dict] | None = None,
    now: datetime | None = None,
):
    """Order places for a group; return (order, invoice). All or nothing: an order larger
    than the places left is refused (422 on the quantity) and nothing is written."""
    from conference.money import services as money
    from conference.registration.services import check_open

    now = now or utcnow()
    check_open(congress, now)
    errors = FieldErrors()
    clean_buyer = _clean_buyer(buyer, errors)
    clean_invoice_to = check_invoice_to(congress, invoice_to, errors)
    wanted = _clean_items(congress, items, now, errors)
    errors.raise_if_any()

    capacity.prepare(congress, [category.id for category in wanted])
    if not capacity.take_places(congress, wanted):
        _not_enough_places(congress, wanted, errors)

    order = GroupOrder(
        congress=congress,
        reference=_unique_reference(congress.short_name),
        manage_salt=new_salt(),
        buyer_name=clean_buyer["name"],
        buyer_email=clean_buyer["email"],
        is_industry=bool(is_industry),
        keep_unfilled=bool(keep_unfilled),
        currency=congress.currency,
    )
    lines = []
    for category, quantity in wanted.items():
        period, price = fee_at(category, now)
        for _place in range(quantity):
            order.places.append(
                GroupPlace(
                    congress_id=congress.id,
                    category=category,
                    unit_price=price,
                    fee_period=period,
                )
            )
        description = _(
            "Registration %(congress)s: %(category)s, %(fee)s, group order %(reference)s",
            congress=congress.short_name,
            category=category.display_name,
            fee=period.fee_label,
            reference=order.reference,
        )
        if clean_invoice_to["po_number"]:
            description += f", PO {clean_invoice_to['po_number']}"
        lines.append(money.LineIn("registration", description[:300], price, quantity=quantity))
    db.session.add(order)
    db.session.flush()
    try:
        invoice = money.invoice_order(
            congress,
            money.Buyer(
                name=clean_invoice_to["name"],
                address=clean_invoice_to["address"],
                country=clean_invoice_to["country"],
                vat_id=clean_invoice_to["vat_id"],
                email=clean_buyer["email"],
            ),
            lines,
            source=MONEY_SOURCE,
            source_key=order.reference,
        )
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message,
            fields={MONEY_FIELDS.get(name, name): msgs for name, msgs in exc.fields.items()},
        ) from None
    if invoice is None:
        order.paid_at = now  # nothing to pay
    else:
        order.invoice_number = invoice.number
    db.session.flush()
    queue_mail(
        order.buyer_email,
        _l(
            "%(congress)s: group order %(reference)s",
            congress=congress.short_name,
            reference=order.reference,
        ),
        "registration/group_order",
        order=order,
        congress=congress,
        invoice=invoice,
        deadline=naming_deadline(order),
        secrets={"manage_url": manage_url(order)},
    )
    if delegates:
        fill_delegates(order, delegates, now=now)
    return order, invoice


def _not_enough_places(congress: Congress, wanted: dict, errors: FieldErrors) -> None:
    """Say which items do not fit in the places left (nothing was taken)."""
    settings = capacity.get_settings(congress)
    taken = capacity.taken_by_category(congress)
    total_left = None if settings.capacity is None else settings.capacity - sum(taken.values())
    for index, (category, quantity) in enumerate(wanted.items()):
        left = capacity.remaining(settings, category, taken)
        if total_left is not None:
            left = min(left if left is not None else total_left, total_left)
        if left is not None and quantity > left:
            errors.add(
                f"items[{index}].quantity",
                _(
                    "Only %(max)s places are left in %(name)s.",
                    max=max(left, 0),
                    name=category.display_name,
                ),
            )
        if total_left is not None:
            total_left -= quantity
        taken[category.id] = taken.get(category.id, 0) + quantity
    if not errors:  # the counters moved between the attempt and this look: say it plainly
        errors.add("items", _("Not enough places are left for this order."))
    errors.raise_if_any(_("Not enough places are left for this order."))


def _lock_order(order: GroupOrder) -> None:
    """Lock the order and its places until the transaction ends (two buyers' tabs naming
    delegates, the deadline's release), then read them again."""
    db.session.execute(
        update(GroupOrder)
        .where(GroupOrder.id == order.id)
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    query = select(GroupPlace).where(GroupPlace.order_id == order.id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    db.session.scalars(query.execution_options(populate_existing=True)).all()


def _clean_delegate(data, index: int, errors: FieldErrors) -> dict:
    data = data if isinstance(data, dict) else {}
    clean = {}
    for field, limit in DELEGATE_LIMITS.items():
        value = str(data.get(field) or "").strip()
        if len(value) > limit:
            errors.add(
                f"delegates[{index}].{field}", _("At most %(limit)s characters.", limit=limit)
            )
        clean[field] = value
    for field in ("first_name", "last_name"):
        if not clean[field]:
            errors.add(f"delegates[{index}].{field}", _("This field is required."))
    email = str(data.get("email") or "").strip()
    if not email:
        errors.add(f"delegates[{index}].email", _("Enter the delegate's email address."))
    else:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            errors.add(
                f"delegates[{index}].email", _("This email address is not valid: %(exc)s", exc=exc)
            )
    clean["email"] = email
    clean["place"] = data.get("place")
    clean["category"] = data.get("category")
    return clean


def _place_for(order: GroupOrder, clean: dict, used: set[int]) -> GroupPlace | None:
    """The place named by id, else the first unnamed place (of the category, if given)."""
    for place in order.places:
        if place.id in used or place.released_at is not None:
            continue
        if clean["place"] not in (None, ""):
            if str(place.id) == str(clean["place"]):
                return place
            continue
        if place.registration_id is not None:
            continue
        if clean["category"] and place.category.slug != str(clean["category"]):
            continue
        return place
    return None


def fill_delegates(
    order: GroupOrder, delegates: list[dict], *, now: datetime | None = None
) -> list[Registration]:
    """Name (or correct) delegates until the deadline; each named place becomes a registration.

    A delegate with `place` (a place id) fills or edits that place; without it, the next
    unnamed place (of `category`, if given). Field errors are `delegates[<i>].<field>`.
    """
    now = now or utcnow()
    if now >= naming_deadline(order):
        raise Conflict(
            _(
                "Delegates can no longer be named or changed: the deadline has passed.",
            ),
            code="deadline_passed",
        )
    if order.cancelled_at is not None:
        raise Conflict(_("This group order is cancelled."), code="order_cancelled")
    if not isinstance(delegates, list | tuple) or not delegates:
        raise ValidationFailed(
            _("Name at least one delegate."), fields={"delegates": ["Name at least one delegate."]}
        )
    _lock_order(order)
    errors = FieldErrors()
    plan = []
    used: set[int] = set()
    emails: set[str] = set()
    for index, data in enumerate(delegates):
        clean = _clean_delegate(data, index, errors)
        place = _place_for(order, clean, used)
        if place is None:
            errors.add(
                f"delegates[{index}].place",
                _("No unnamed place of this order is left for this delegate."),
            )
            continue
        used.add(place.id)
        key = clean["email"].lower()
        if key and key in emails:
            errors.add(f"delegates[{index}].email", _("This address is given twice."))
        emails.add(key)
        if key and (place.registration is None or place.registration.email_key != key):
            other = db.session.scalar(
                select(Registration.id).where(
                    Registration.congress_id == order.congress_id,
                    Registration.email_key == key,
                    Registration.status.in_(ACTIVE_STATUSES),
                )
            )
            if other is not None:
                errors.add(
                    f"delegates[{index}].email",
                    _("This address already has a registration for this congress."),
                )
        plan.append((place, clean))
    errors.raise_if_any()
    named = []
    for place, clean in plan:
        if place.registration is None:
            registration = _register_delegate(order, place, clean, now)
        else:
            registration = place.registration
            capacity.lock_registration(registration)
            registration.first_name = clean["first_name"]
            registration.last_name = clean["last_name"]
            registration.affiliation = clean["affiliation"]
            registration.badge_name = clean["badge_name"]
            if registration.email_key != clean["email"].lower():
                registration.email = clean["email"]
                registration.email_key = clean["email"].lower()
                db.session.flush()
                notify.manage_link(registration)
        named.append(registration)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(
            _("One of these addresses already has a registration for this congress."),
            code="already_registered",
        ) from None
    return named


def _register_delegate(order: GroupOrder, place: GroupPlace, clean: dict, now: datetime):
    from conference.registration.services import _unique_reference as registration_reference

    paid = order.paid_at is not None
    registration = Registration(
        congress=order.congress,
        category=place.category,
        reference=registration_reference(order.congress.short_name),
        manage_salt=new_salt(),
        email=clean["email"],
        email_key=clean["email"].lower(),
        first_name=clean["first_name"],
        last_name=clean["last_name"],
        affiliation=clean["affiliation"],
        badge_name=clean["badge_name"],
        terms_accepted_at=now,
        # Named by the buyer: a later sign-up with this address must not replace it.
        email_confirmed_at=now,
        fee_period=place.fee_period,
        fee_amount=place.unit_price,
        currency=order.currency,
        # Held by the order: no expiry of its own; paid through the order's invoice.
        status=RegistrationStatus.AWAITING_PAYMENT,
        proof_status=ProofStatus.NOT_NEEDED,
        invoice_requested_at=now,
        payments=[],
        receipts=[],
    )
    db.session.add(registration)
    db.session.flush()
    place.registration = registration
    db.session.flush()
    if paid:
        _confirm(order, registration, now, send_mail=False)
    notify.group_delegate(registration, order)
    return registration


def _confirm(
    order: GroupOrder, registration: Registration, now: datetime, *, send_mail: bool = True
) -> None:
    """The order's invoice paid this delegate's fee: record it and confirm."""
    if registration.status != RegistrationStatus.AWAITING_PAYMENT:
        return
    due = registration.amount_due
    if due > 0:
        registration.payments.append(
            Payment(
                kind=PaymentKind.BANK_TRANSFER,
                amount=due,
                currency=registration.currency,
                note=f"Group order {order.reference}, invoice {order.invoice_number or '-'}"[:300],
                recorded_at=now,
            )
        )
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = now
    registration.expires_at = None
    db.session.flush()
    if send_mail:
        notify.confirmed(registration)


def confirm_if_paid(order: GroupOrder, now: datetime | None = None) -> bool:
    """When the order's invoice is fully paid, confirm its delegates (once); True if now paid."""
    from conference.money.queries import get_balance

    if order.paid_at is not None:
        return False
    invoice = get_invoice(order)
    if invoice is None or get_balance(invoice).outstanding > Decimal("0.00"):
        return False
    now = now or utcnow()
    order.paid_at = now
    for place in order.places:
        if place.registration is not None:
            _confirm(order, place.registration, now)
    db.session.flush()
    return True


@payment_recorded.connect
def _on_invoice_payment(source, *, invoice, **_) -> None:
    if source != MONEY_SOURCE:
        return
    order = invoice.order
    group_order = db.session.scalar(
        select(GroupOrder).where(
            GroupOrder.congress_id == invoice.congress_id,
            GroupOrder.reference == order.source_key,
        )
    )
    if group_order is not None:
        confirm_if_paid(group_order)


def confirm_paid_orders(congress: Congress, now: datetime | None = None) -> int:
    """Confirm the delegates of orders whose invoice was paid (the periodic job's safety net)."""
    orders = db.session.scalars(
        select(GroupOrder).where(
            GroupOrder.congress_id == congress.id, GroupOrder.paid_at.is_(None)
        )
    ).all()
    return sum(1 for order in orders if confirm_if_paid(order, now))


def release_unfilled(congress: Congress, now: datetime | None = None) -> int:
    """Give back the unnamed places of orders past the naming deadline (unless kept); return
    how many places were released. The waiting list is then offered them, and each order's
    issued invoice is credited for its released places (a credit note: an issued invoice
    never changes)."""
    now = now or utcnow()
    if now < naming_deadline(congress):
        return 0
    held = select(GroupPlace.id).where(
        GroupPlace.congress_id == congress.id,
        GroupPlace.registration_id.is_(None),
        GroupPlace.released_at.is_(None),
        GroupPlace.order.has(GroupOrder.keep_unfilled.is_(False)),
    )
    if db.session.scalar(held.limit(1)) is None:
        return 0
    settings = capacity.lock_waitlist(congress)
    query = select(GroupPlace).where(GroupPlace.id.in_(held))
    if db.session.get_bind().dialect.name == "postgresql":
        # Re-read after any wait: a delegate named meanwhile no longer counts as unnamed.
        query = query.with_for_update(of=GroupPlace)
    places = db.session.scalars(query.execution_options(populate_existing=True)).all()
    places = [place for place in places if place.is_held]
    capacity.prepare(congress, [place.category_id for place in places])
    freed: dict[int, int] = {}
    by_order: dict[int, list[GroupPlace]] = {}
    for place in places:
        place.released_at = now
        place.order.released_at = now
        freed[place.category_id] = freed.get(place.category_id, 0) + 1
        by_order.setdefault(place.order_id, []).append(place)
    db.session.flush()
    for released in by_order.values():
        order = released[0].order
        _credit_released(
            order,
            released,
            lambda order=order, count=len(released): ngettext(
                "Group order %(reference)s: %(num)d unnamed place released at the naming deadline.",
                "Group order %(reference)s: %(num)d unnamed places released at the naming "
                "deadline.",
                count,
                reference=order.reference,
            ),
        )
    capacity.release_places(congress, freed, settings, now)
    db.session.flush()
    return len(places)


def _line_positions(order: GroupOrder) -> dict[int, int]:
    """{category id: its line's position on the order's invoice}: one line per category, in
    the order the places were created (create_group_order)."""
    positions: dict[int, int] = {}
    for place in sorted(order.places, key=lambda place: place.id):
        positions.setdefault(place.category_id, len(positions))
    return positions


def _credit_released(order: GroupOrder, released: list[GroupPlace], reason):
    """Credit the order's issued invoice for places given back (nothing when not invoiced).

    The credit note is issued at once, paid or not (the places are given back now). When
    more was received than the invoice still charges, the buyer is owed the difference:
    `refund_due` shows it and the organizer pays it back with `refund_overpayment`. `reason`
    gives the credit note's reason when called."""
    from conference.money import services as money

    invoice = get_invoice(order) if order.invoice_number else None
    if invoice is None or not released:
        return None
    positions = _line_positions(order)
    units: dict[int, int] = {}
    for place in released:
        position = positions[place.category_id]
        units[position] = units.get(position, 0) + 1
    with in_language(invoice.language):  # the credit note is written in its invoice's language
        text = reason()
    note = money.credit_units(invoice, units, text)
    confirm_if_paid(order)  # what was received may now pay what is left
    return note


def refund_due(order: GroupOrder) -> Decimal:
    """What the buyer is owed: received beyond what the invoice still charges (places given
    back or cancelled after payment), until the organizer pays it back."""
    from conference.money.queries import get_balance

    invoice = order_invoice(order) if order.invoice_number else None
    if invoice is None:
        return Decimal("0.00")
    return max(-get_balance(invoice).outstanding, Decimal("0.00"))


def refund_overpayment(order: GroupOrder, *, method: str = "bank_transfer", reference: str = ""):
    """The organizer has paid back what the buyer is owed (bank transfer, ...): record it on
    the order's invoice (the credit note was issued when the places were given back)."""
    from conference.money import services as money

    _lock_order(order)
    invoice = order_invoice(order) if order.invoice_number else None
    if invoice is None or refund_due(order) <= 0:
        raise Conflict(_("Nothing is owed to the buyer of this order."), code="nothing_to_refund")
    amount = money.pay_back_overpayment(invoice, method=method, reference=reference)
    queue_mail(
        order.buyer_email,
        _l(
            "%(congress)s: your refund for group order %(reference)s",
            congress=order.congress.short_name,
            reference=order.reference,
        ),
        "registration/group_order_refund",
        dedupe_key=f"group-refund:{order.reference}:{invoice.number}:{amount}:{reference}",
        order=order,
        congress=order.congress,
        amount=amount,
        currency=invoice.currency,
        invoice_number=invoice.number,
        payment_reference=reference,
        secrets={"manage_url": manage_url(order)},
    )
    return amount


def release_unnamed_places(order: GroupOrder, now: datetime | None = None) -> int:
    """An organizer gives back the order's unnamed places now (before the deadline, or when the
    order keeps them); the invoice is credited for them. Returns how many were released."""
    now = now or utcnow()
    if order.cancelled_at is not None:
        raise Conflict(_("This group order is cancelled."), code="order_cancelled")
    settings = capacity.lock_waitlist(order.congress)
    db.session.refresh(order)
    released = [place for place in order.places if place.is_held]
    if not released:
        raise Conflict(
            _("Every place of this order is named or released."), code="nothing_to_release"
        )
    capacity.prepare(order.congress, [place.category_id for place in released])
    freed: dict[int, int] = {}
    for place in released:
        place.released_at = now
        freed[place.category_id] = freed.get(place.category_id, 0) + 1
    order.released_at = now
    db.session.flush()
    _credit_released(
        order,
        released,
        lambda: ngettext(
            "Group order %(reference)s: %(num)d unnamed place released by the organizers.",
            "Group order %(reference)s: %(num)d unnamed places released by the organizers.",
            len(released),
            reference=order.reference,
        ),
    )
    capacity.release_places(order.congress, freed, settings, now)
    db.session.flush()
    return len(released)


def buyer_can_cancel(order: GroupOrder, now: datetime | None = None) -> bool:
    """Whether the buyer may cancel the whole order themselves: the congress allows it, the
    naming deadline has not passed and nothing was paid (a refund is the organizers' work)."""
    from conference.money.queries import get_balance

    if order.cancelled_at is not None or order.paid_at is not None:
        return False
    invoice = get_invoice(order) if order.invoice_number else None
    if invoice is not None and get_balance(invoice).paid > 0:
        return False
    if not capacity.get_settings(order.congress).group_buyer_can_cancel:
        return False
    return (now or utcnow()) < naming_deadline(order)


def cancel_group_order(
    order: GroupOrder,
    *,
    by=None,
    reason: str = "",
    now: datetime | None = None,
    by_buyer: bool = False,
) -> GroupOrder:
    """Cancel the whole order: its delegates' registrations are cancelled, its unnamed places
    given back and its invoice cancelled by one credit note. Money already received is then
    owed to the buyer (`refund_due`) until the organizer records its refund
    (`refund_overpayment`); a buyer cancelling themselves must have paid nothing."""
    from conference.money import services as money
    from conference.money.queries import get_balance
    from conference.registration.services import cancel_registration

    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give a reason for the cancellation."), fields={"reason": ["Give a reason."]}
        )
    if len(reason) > 250:
        raise ValidationFailed(_("The reason is too long."), fields={"reason": ["At most 250."]})
    if order.cancelled_at is not None:
        raise Conflict(_("This group order is already cancelled."), code="order_cancelled")
    if by_buyer and not buyer_can_cancel(order, now):
        raise Conflict(
            _(
                "This order can no longer be cancelled here: please contact the organizers.",
            ),
            code="cancel_not_allowed",
        )
    invoice = get_invoice(order) if order.invoice_number else None
    # Cancelled first: the delegates' places then go back to the pool, not to the order.
    order.cancelled_at = now
    db.session.flush()
    for place in order.places:
        registration = place.registration
        if registration is not None and registration.status != RegistrationStatus.CANCELLED:
            cancel_registration(
                registration, by=by, reason=f"Group order cancelled: {reason}"[:300], now=now
            )
    settings = capacity.lock_waitlist(order.congress)
    db.session.refresh(order)
    held = [place for place in order.places if place.is_held]
    capacity.prepare(order.congress, [place.category_id for place in held])
    freed: dict[int, int] = {}
    for place in held:
        place.released_at = now
        freed[place.category_id] = freed.get(place.category_id, 0) + 1
    order.released_at = order.released_at or now
    db.session.flush()
    if invoice is not None and get_balance(invoice).creditable > 0:
        with in_language(invoice.language):
            text = _(
                "Group order %(reference)s cancelled: %(reason)s",
                reference=order.reference,
                reason=reason,
            )
        money.cancel_invoice(invoice, text)
    capacity.release_places(order.congress, freed, settings, now)
    db.session.flush()
    return order


def delegate_cancelled(registration: Registration, now: datetime) -> bool | None:
    """A named delegate's registration is being cancelled (by the delegate or an organizer).

    None: not a delegate. While the order is open (not cancelled, naming deadline not passed)
    the place goes back to the order, unnamed, for the buyer to name someone else: True (the
    place counters do not change; nothing is credited or refunded, the buyer paid for the
    place, not the delegate), as pretix keeps a cancelled attendee's position in the order
    for its buyer to re-personalize. Afterwards the place is given back to everyone and
    credited on the order's invoice (a refund due when it was paid): False (the caller frees
    the place)."""
    place = db.session.scalar(
        select(GroupPlace).where(GroupPlace.registration_id == registration.id)
    )
    if place is None:
        return None
    order = place.order
    allocated = registration.amount_paid
    if allocated > 0:
        note = f"Back to group order {order.reference} with the place; nothing paid back."
        # The order's payment was allocated to this delegate (`_confirm`); it stays the
        # order's: take the allocation back (no money moves), so registration totals never
        # count it twice when someone else is named on the place.
        registration.payments.append(
            Payment(
                kind=PaymentKind.REFUND,
                amount=allocated,
                currency=registration.currency,
                note=note[:300],
                recorded_at=now,
            )
        )
    if order.cancelled_at is None and now < naming_deadline(order):
        place.registration = None
        db.session.flush()
        queue_mail(
            order.buyer_email,
            _l(
                "%(congress)s: a place of group order %(reference)s is free to name again",
                congress=order.congress.short_name,
                reference=order.reference,
            ),
            "registration/group_place_returned",
            order=order,
            congress=order.congress,
            delegate_name=registration.full_name,
            delegate_reference=registration.reference,
            deadline=naming_deadline(order),
            secrets={"manage_url": manage_url(order)},
        )
        return True
    if order.cancelled_at is None:
        place.released_at = now
        db.session.flush()
        _credit_released(
            order,
            [place],
            lambda: _(
                "Group order %(reference)s: delegate %(delegate)s cancelled after the naming "
                "deadline.",
                reference=order.reference,
                delegate=registration.reference,
            ),
        )
    return False


def set_keep_unfilled(order: GroupOrder, keep: bool) -> GroupOrder:
    """The organizer's choice: keep the unnamed places at the deadline (or not)."""
    order.keep_unfilled = bool(keep)
    db.session.flush()
    return order


def orders_query(congress: Congress):
    return (
        select(GroupOrder)
        .where(GroupOrder.congress_id == congress.id)
        .order_by(GroupOrder.created_at.desc(), GroupOrder.id.desc())
    )
