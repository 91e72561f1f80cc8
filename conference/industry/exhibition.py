"""Exhibitor passes (staff registered through the registration domain, free, never CME
eligible) and booths on the exhibition floor plan."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from conference.errors import Conflict, FieldErrors
from conference.extensions import db
from conference.industry.models import Booth, ExhibitorPass, Sponsor
from conference.models import utcnow
from conference.money import services as money
from conference.money import vouchers
from conference.program.conflicts import Exhibit, exhibit_sources
from conference.program.models import Congress, Room, RoomKind
from conference.program.queries import get_rooms
from conference.registration import services as registration_services
from conference.registration.documents import badge_markers
from conference.registration.models import RegistrationStatus
from conference.registration.queries import get_category_by_slug, get_registration

#: The registration category of exhibitor staff (DOMAIN.md: industry professional).
EXHIBITOR_CATEGORY = "industry-professional"


# -- exhibitor passes -------------------------------------------------------------------------


def _exhibitor_category(congress: Congress):
    category = get_category_by_slug(congress, EXHIBITOR_CATEGORY)
    if category is None or not category.is_active:
        raise Conflict(
            _("Exhibitor passes need the registration category “Industry professional”."),
            code="no_exhibitor_category",
        )
    if category.is_cme_eligible:
        # Exhibitor staff never earn CME: refuse rather than print an eligible badge.
        raise Conflict(
            _("The category “Industry professional” must not be CME eligible."),
            code="exhibitor_category_cme",
        )
    return category


def exhibitor_fee(congress: Congress):
    """The fee of a pass bought beyond the package (the category's fee in force), or None."""
    from conference.registration.fees import fee_at

    category = get_category_by_slug(congress, EXHIBITOR_CATEGORY)
    if category is None:
        return None
    return fee_at(category, utcnow())[1]


def _take_pass(sponsor: Sponsor) -> None:
    """One of the package's passes, by a conditional UPDATE of the sponsor's counter:
    simultaneous registrations never use more passes than the package includes."""
    included = sponsor.package.exhibitor_passes
    result = db.session.execute(
        update(Sponsor)
        .where(Sponsor.id == sponsor.id, Sponsor.passes_used < included)
        .values(passes_used=Sponsor.passes_used + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        message = _("All %(count)d exhibitor passes of the package are used.", count=included)
        raise Conflict(message, code="passes_used_up", fields={"email": [message]})


def register_staff(
    sponsor: Sponsor, data: dict, *, by=None, extra: bool = False, now: datetime | None = None
) -> ExhibitorPass:
    """Register a staff member on one of the sponsor's passes, without paying.

    The registration is made by the registration domain (category industry professional,
    affiliation the company) with a single-use free-place voucher of the money domain, so it
    is confirmed at once and the free place shows among the congress's vouchers.

    `extra=True` (the package's passes are used): a pass bought at the exhibitor fee (the
    category's fee in force), invoiced to the company when the congress invoices.
    """
    now = now or utcnow()
    congress = sponsor.congress
    category = _exhibitor_category(congress)
    details = {
        "first_name": data.get("first_name"),
        "last_name": data.get("last_name"),
        "email": data.get("email"),
        "country": data.get("country") or sponsor.country,
        "affiliation": sponsor.name,
        "category": category.slug,
        "accept_terms": True,
        "language": data.get("language"),
    }
    invoice_to = None
    if extra:
        if money.invoicing_enabled(congress):
            invoice_to = {
                "name": sponsor.legal_name or sponsor.name,
                "address": sponsor.address,
                "country": sponsor.country,
                "vat_id": sponsor.vat_id,
                "po_number": "",
            }
    else:
        _take_pass(sponsor)
        details["voucher"] = vouchers.create_vouchers(
            congress,
            kind="free_place",
            category_ids=[category.id],
            max_uses=1,
            label=f"Exhibitor pass: {sponsor.name}"[:100],
            by=by,
        )[0].code
    registration, _created = registration_services.register_attendee(
        congress, details, now=now, invoice_to=invoice_to
    )
    expected = RegistrationStatus.AWAITING_PAYMENT if extra else RegistrationStatus.CONFIRMED
    if registration.status not in (expected, RegistrationStatus.CONFIRMED):
        raise Conflict(
            _("No place is left for industry professionals: ask the organizers."),
            code="no_place",
        )
    exhibitor_pass = ExhibitorPass(
        sponsor_id=sponsor.id,
        registration_reference=registration.reference,
        name=registration.full_name,
        email=registration.email,
        is_included=not extra,
        created_at=now,
        created_by_id=getattr(by, "id", None),
    )
    db.session.add(exhibitor_pass)
    db.session.flush()
    db.session.refresh(sponsor, ["passes_used"])
    return exhibitor_pass


def cancel_pass(exhibitor_pass: ExhibitorPass, *, by=None) -> None:
    """Give a pass back: the staff member's registration is cancelled, the pass is free."""
    sponsor = exhibitor_pass.sponsor
    registration = get_registration(sponsor.congress, exhibitor_pass.registration_reference)
    if registration is not None and registration.status != RegistrationStatus.CANCELLED:
        registration_services.cancel_registration(
            registration, by=by, reason=f"Exhibitor pass of {sponsor.name} given back."
        )
    db.session.delete(exhibitor_pass)
    if exhibitor_pass.is_included:
        db.session.execute(
            update(Sponsor)
            .where(Sponsor.id == sponsor.id, Sponsor.passes_used > 0)
            .values(passes_used=Sponsor.passes_used - 1)
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    db.session.refresh(sponsor, ["passes_used"])


def get_passes(sponsor: Sponsor) -> list[ExhibitorPass]:
    return list(
        db.session.scalars(
            select(ExhibitorPass)
            .where(ExhibitorPass.sponsor_id == sponsor.id)
            .order_by(ExhibitorPass.id)
        )
    )


def get_pass(sponsor: Sponsor, pass_id) -> ExhibitorPass | None:
    return db.session.scalar(
        select(ExhibitorPass).where(
            ExhibitorPass.sponsor_id == sponsor.id, ExhibitorPass.id == pass_id
        )
    )


# -- booths -----------------------------------------------------------------------------------


def _position(value, field: str, errors: FieldErrors) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors.add(field, _("Enter a number from 0 to 100 (per cent of the plan)."))
        return None
    if not number.is_finite() or not 0 <= number <= 100:
        errors.add(field, _("Enter a number from 0 to 100 (per cent of the plan)."))
        return None
    return number.quantize(Decimal("0.01"))


def get_exhibition_areas(congress: Congress) -> list[Room]:
    """The rooms a booth can stand in: the congress's rooms of kind "exhibition area"."""
    return [room for room in get_rooms(congress) if room.kind == RoomKind.EXHIBITION_AREA]


def _booth_room(congress: Congress, data: dict, clean: dict, errors: FieldErrors) -> None:
    """The booth's hall: a room of kind "exhibition area" (`room_id`), or a free-text `hall`
    that names one (older clients); any other hall text stays a label."""
    rooms = {room.id: room for room in get_rooms(congress)}
    if "room_id" in data:
        room_id = data.get("room_id")
        if room_id in (None, ""):
            clean["room_id"] = None
        else:
            room = rooms.get(int(room_id)) if str(room_id).isdigit() else None
            if room is None:
                errors.add("room_id", _("Choose a hall from the list."))
            elif room.kind != RoomKind.EXHIBITION_AREA:
                errors.add(
                    "room_id",
                    _(
                        "%(room)s is not an exhibition area: booths stand in a room of kind "
                        "“exhibition area” (promotion stays out of session rooms).",
                        room=room.name,
                    ),
                )
            else:
                clean["room_id"] = room.id
                clean["hall"] = ""
    elif clean.get("hall"):
        named = clean["hall"].casefold()
        for room in rooms.values():
            if room.kind == RoomKind.EXHIBITION_AREA and room.name.strip().casefold() == named:
                clean["room_id"], clean["hall"] = room.id, ""


def _check_booth(congress: Congress, data: dict, booth=None) -> dict:
    errors = FieldErrors()
    clean = {}
    for field, limit in (("number", 20), ("hall", 80), ("size", 40)):
        if field in data or (booth is None and field == "number"):
            clean[field] = (data.get(field) or "").strip()
            if len(clean[field]) > limit:
                errors.add(field, _("At most %(count)d characters.", count=limit))
    if "number" in clean and not clean["number"]:
        errors.add("number", _("Enter the booth's number."))
    _booth_room(congress, data, clean, errors)
    for field in ("x", "y"):
        if field in data:
            clean[field] = _position(data.get(field), field, errors)
    if "sponsor_id" in data:
        sponsor_id = data.get("sponsor_id") or None
        if sponsor_id is not None:
            sponsor = db.session.scalar(
                select(Sponsor).where(Sponsor.congress_id == congress.id, Sponsor.id == sponsor_id)
            )
            if sponsor is None:
                errors.add("sponsor_id", _("Choose a sponsor from the list."))
        clean["sponsor_id"] = sponsor_id
    errors.raise_if_any()
    if clean.get("number"):
        clash = db.session.scalar(
            select(Booth.id).where(
                Booth.congress_id == congress.id,
                func.lower(Booth.number) == clean["number"].lower(),
                Booth.id != (booth.id if booth else -1),
            )
        )
        if clash:
            message = _("Another booth already has this number.")
            raise Conflict(message, code="duplicate", fields={"number": [message]})
    return clean


def create_booth(congress: Congress, **data) -> Booth:
    booth = Booth(congress_id=congress.id, **_check_booth(congress, data))
    db.session.add(booth)
    db.session.flush()
    return booth


def update_booth(booth: Booth, **data) -> Booth:
    """Change a booth: number, hall, size, position on the plan, the sponsor assigned."""
    congress = db.session.get(Congress, booth.congress_id)
    for field, value in _check_booth(congress, data, booth).items():
        setattr(booth, field, value)
    db.session.flush()
    db.session.expire(booth, ["sponsor", "room"])
    return booth


def delete_booth(booth: Booth) -> None:
    db.session.delete(booth)
    db.session.flush()


def get_booths(congress: Congress, search: str = "") -> list[Booth]:
    """Booths with their sponsors and halls; `search` matches a number, hall or company."""
    from sqlalchemy.orm import selectinload

    hall = func.coalesce(Room.name, Booth.hall)
    query = (
        select(Booth)
        .where(Booth.congress_id == congress.id)
        .outerjoin(Sponsor, Sponsor.id == Booth.sponsor_id)
        .outerjoin(Room, Room.id == Booth.room_id)
        .options(selectinload(Booth.sponsor), selectinload(Booth.room))
        .order_by(hall, Booth.number)
    )
    search = (search or "").strip()[:100]
    if search:
        pattern = f"%{search.lower()}%"
        query = query.where(
            func.lower(Booth.number).like(pattern)
            | func.lower(hall).like(pattern)
            | func.lower(Sponsor.name).like(pattern)
        )
    return list(db.session.scalars(query))


def get_booth(congress: Congress, booth_id) -> Booth | None:
    return db.session.scalar(
        select(Booth).where(Booth.congress_id == congress.id, Booth.id == booth_id)
    )


def get_sponsor_booths(sponsor: Sponsor) -> list[Booth]:
    return list(
        db.session.scalars(
            select(Booth).where(Booth.sponsor_id == sponsor.id).order_by(Booth.number)
        )
    )


def exhibitor_badge_marks(references: list[str]) -> dict[str, str]:
    """ "EXHIBITOR · <company>" for the staff registered on a pass (printed on their badges)."""
    if not references:
        return {}
    rows = db.session.execute(
        select(ExhibitorPass.registration_reference, Sponsor.name)
        .join(Sponsor, Sponsor.id == ExhibitorPass.sponsor_id)
        .where(ExhibitorPass.registration_reference.in_(list(references)))
    )
    return {reference: f"EXHIBITOR · {company}" for reference, company in rows}


if exhibitor_badge_marks not in badge_markers:
    badge_markers.append(exhibitor_badge_marks)


def booth_exhibits(congress: Congress) -> list[Exhibit]:
    """Booths standing in a room, for the program's separation rule: a booth is there for the
    whole congress, so one in a session room (a room whose kind was changed after the booth
    was placed) is too close to every accredited session of that room."""
    rows = db.session.execute(
        select(Booth.id, Booth.number, Booth.room_id, Sponsor.name)
        .outerjoin(Sponsor, Sponsor.id == Booth.sponsor_id)
        .where(Booth.congress_id == congress.id, Booth.room_id.is_not(None))
    )
    return [
        Exhibit(
            type="booth",
            id=booth_id,
            label=f"{number} · {company}" if company else number,
            room_id=room_id,
        )
        for booth_id, number, room_id, company in rows
    ]


if booth_exhibits not in exhibit_sources:
    exhibit_sources.append(booth_exhibits)
