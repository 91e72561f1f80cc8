"""Industry satellite symposia: organizers offer slots (time, room); a sponsor requests one
with its title, faculty and description; approved, it becomes an `industry_satellite` session
of the program, never accredited, labelled as organized by the sponsor everywhere the program
is shown or exported (the label is part of the session's title)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from conference.errors import Conflict, FieldErrors, NotFound
from conference.extensions import db
from conference.industry.models import SatelliteSlot, SatelliteStatus, Sponsor
from conference.models import utcnow
from conference.program import sessions as program_sessions
from conference.program.models import Congress
from conference.program.queries import get_rooms
from conference.program.schedule_models import SessionFormat
from conference.program.schedule_queries import get_session


def satellite_label(company: str) -> str:
    """The label of every satellite (program and exports are in English, like the titles)."""
    with force_locale("en"):
        return _("not accredited — organized by %(company)s", company=company)


def create_slot(congress: Congress, *, room_id, starts_at: datetime, ends_at: datetime):
    errors = FieldErrors()
    room = next((r for r in get_rooms(congress) if r.id == room_id), None)
    if room is None:
        errors.add("room_id", _("Choose a room from the list."))
    if starts_at is None:
        errors.add("starts_at", _("Enter the start."))
    if ends_at is None:
        errors.add("ends_at", _("Enter the end."))
    if starts_at and ends_at and ends_at <= starts_at:
        errors.add("ends_at", _("The end must come after the start."))
    errors.raise_if_any()
    slot = SatelliteSlot(
        congress_id=congress.id,
        room_id=room.id,
        starts_at=starts_at,
        ends_at=ends_at,
        status=SatelliteStatus.OPEN,
    )
    db.session.add(slot)
    db.session.flush()
    return slot


def _clean_request(data: dict, errors: FieldErrors) -> dict:
    clean = {}
    for field, limit in (("title", 200), ("faculty", 1000), ("description", 5000)):
        clean[field] = (data.get(field) or "").strip()
        if len(clean[field]) > limit:
            errors.add(field, _("At most %(count)d characters.", count=limit))
    if not clean["title"]:
        errors.add("title", _("Enter the symposium's title."))
    if not clean["faculty"]:
        errors.add("faculty", _("Name the speakers and the chair."))
    return clean


def request_slot(slot: SatelliteSlot, sponsor: Sponsor, data: dict, *, now=None):
    """A sponsor asks for an open slot: one conditional UPDATE, so two sponsors asking at
    once never both get it."""
    errors = FieldErrors()
    clean = _clean_request(data, errors)
    errors.raise_if_any()
    if slot.congress_id != sponsor.congress_id:
        raise NotFound(_("No such slot."))
    result = db.session.execute(
        update(SatelliteSlot)
        .where(SatelliteSlot.id == slot.id, SatelliteSlot.status == SatelliteStatus.OPEN)
        .values(
            status=SatelliteStatus.REQUESTED,
            sponsor_id=sponsor.id,
            requested_at=now or utcnow(),
            **clean,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("This slot is no longer available."), code="slot_taken")
    db.session.refresh(slot)
    return slot


def update_request(slot: SatelliteSlot, data: dict) -> SatelliteSlot:
    """The sponsor changes its title, faculty or description before approval."""
    if slot.status != SatelliteStatus.REQUESTED:
        raise Conflict(_("Only a request awaiting approval can be changed."), code="approved")
    errors = FieldErrors()
    clean = _clean_request(data, errors)
    errors.raise_if_any()
    for field, value in clean.items():
        setattr(slot, field, value)
    db.session.flush()
    return slot


def _session_texts(slot: SatelliteSlot) -> tuple[str, str]:
    company = slot.sponsor.name
    title = f"{slot.title} ({satellite_label(company)})"
    description = "\n\n".join(
        part for part in (f"Faculty: {slot.faculty}", slot.description) if part
    )
    return title[:300], description


def approve_slot(slot: SatelliteSlot):
    """The organizers approve the sponsor's satellite: it enters the program."""
    if slot.status != SatelliteStatus.REQUESTED:
        raise Conflict(_("Only a requested slot can be approved."), code="not_requested")
    congress = db.session.get(Congress, slot.congress_id)
    title, description = _session_texts(slot)
    session = program_sessions.create_session(
        congress,
        title=title,
        format=SessionFormat.INDUSTRY_SATELLITE,
        room=slot.room_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        is_accredited=False,
        description=description,
    )
    slot.status = SatelliteStatus.APPROVED
    slot.session_id = session.id
    db.session.flush()
    return session


def release_slot(slot: SatelliteSlot) -> SatelliteSlot:
    """Refuse a request (or withdraw an approved satellite): the slot is open again."""
    if slot.session_id is not None:
        session = get_session(db.session.get(Congress, slot.congress_id), slot.session_id)
        if session is not None:
            program_sessions.delete_session(session)
    slot.status = SatelliteStatus.OPEN
    slot.sponsor_id = None
    slot.session_id = None
    slot.title = slot.faculty = slot.description = ""
    slot.requested_at = None
    db.session.flush()
    return slot


def get_slots(congress: Congress) -> list[SatelliteSlot]:
    return list(
        db.session.scalars(
            select(SatelliteSlot)
            .where(SatelliteSlot.congress_id == congress.id)
            .options(selectinload(SatelliteSlot.sponsor), selectinload(SatelliteSlot.room))
            .order_by(SatelliteSlot.starts_at, SatelliteSlot.id)
        )
    )


def get_slot(congress: Congress, slot_id) -> SatelliteSlot | None:
    return db.session.scalar(
        select(SatelliteSlot).where(
            SatelliteSlot.congress_id == congress.id, SatelliteSlot.id == slot_id
        )
    )
