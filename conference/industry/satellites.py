"""Industry satellite symposia: organizers offer slots (time, room); a sponsor requests one
with its title, faculty (chairs and speakers: name, affiliation, email) and description for the
organizers' approval; approved, it becomes an `industry_satellite` session of the program,
never accredited, labelled as organized by the sponsor everywhere the program is shown or
exported (the label is part of the session's title), its faculty speakers of the program
(chairs of the session, speakers of its one talk) made through the program's services."""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from conference.errors import Conflict, FieldErrors, NotFound
from conference.extensions import db
from conference.industry.models import (
    FacultyRole,
    SatelliteFaculty,
    SatelliteSlot,
    SatelliteStatus,
    Sponsor,
)
from conference.models import utcnow
from conference.program import sessions as program_sessions
from conference.program.models import Congress
from conference.program.queries import get_rooms
from conference.program.schedule_models import SessionFormat
from conference.program.schedule_queries import get_session
from conference.program.sessions import EMAIL_RE

#: How many chairs and speakers a satellite can have.
MAX_FACULTY = 20
#: The form's field of each role.
ROLE_FIELDS = {FacultyRole.CHAIR: "chairs", FacultyRole.SPEAKER: "speakers"}


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


def parse_faculty_lines(text: str | None) -> list[dict]:
    """People written one a line as "Name; affiliation; email" (in any order: the part with an
    @ is the email, the first other part the name, the rest the affiliation)."""
    people = []
    for line in (text or "").splitlines():
        parts = [part.strip() for part in line.split(";") if part.strip()]
        if not parts:
            continue
        emails = [part for part in parts if "@" in part]
        others = [part for part in parts if "@" not in part]
        people.append(
            {
                "name": others[0] if others else "",
                "affiliation": "; ".join(others[1:]),
                "email": emails[0] if emails else "",
            }
        )
    return people


def _clean_people(data: dict, errors: FieldErrors) -> list[dict]:
    """The chairs and speakers ({"name", "affiliation", "email"} each), checked."""
    people = []
    for role, field in ROLE_FIELDS.items():
        entries = data.get(field) or []
        if not isinstance(entries, list):
            errors.add(field, _("List the people, one a line."))
            continue
        for number, entry in enumerate(entries, start=1):
            entry = entry if isinstance(entry, dict) else {}
            name = str(entry.get("name") or "").strip()
            affiliation = str(entry.get("affiliation") or "").strip()
            email = str(entry.get("email") or "").strip().lower()
            if not name or len(name) > 200:
                errors.add(
                    field,
                    _("Person %(number)d: enter a name (at most 200 characters).", number=number),
                )
            if len(affiliation) > 300:
                errors.add(
                    field,
                    _(
                        "%(name)s: the affiliation has at most %(count)d characters.",
                        name=name or number,
                        count=300,
                    ),
                )
            if not EMAIL_RE.match(email) or len(email) > 254:
                errors.add(
                    field,
                    _("%(name)s: enter a valid email address.", name=name or number),
                )
            people.append({"role": role, "name": name, "affiliation": affiliation, "email": email})
    speakers = [p for p in people if p["role"] == FacultyRole.SPEAKER]
    if not speakers and "speakers" not in errors.fields:
        errors.add("speakers", _("Name at least one speaker."))
    if len(people) > MAX_FACULTY:
        errors.add("speakers", _("At most %(count)d people.", count=MAX_FACULTY))
    seen = set()
    for person in people:
        key = (person["role"], person["email"])
        if person["email"] and key in seen:
            errors.add(
                ROLE_FIELDS[FacultyRole(person["role"])],
                _("%(email)s is listed twice.", email=person["email"]),
            )
        seen.add(key)
    return people


def _clean_request(data: dict, errors: FieldErrors) -> dict:
    clean = {}
    for field, limit in (("title", 200), ("description", 5000)):
        clean[field] = (data.get(field) or "").strip()
        if len(clean[field]) > limit:
            errors.add(field, _("At most %(count)d characters.", count=limit))
    if not clean["title"]:
        errors.add("title", _("Enter the symposium's title."))
    clean["people"] = _clean_people(data, errors)
    return clean


def _set_faculty(slot: SatelliteSlot, people: list[dict]) -> None:
    slot.members.clear()
    db.session.flush()
    for position, person in enumerate(people):
        slot.members.append(SatelliteFaculty(position=position, **person))
    # A one-line summary for lists (the people themselves are the rows above).
    slot.faculty = "; ".join(
        f"{p['name']} ({p['affiliation']})" if p["affiliation"] else p["name"] for p in people
    )[:1000]
    db.session.flush()


def request_slot(slot: SatelliteSlot, sponsor: Sponsor, data: dict, *, now=None):
    """A sponsor asks for an open slot: one conditional UPDATE, so two sponsors asking at
    once never both get it."""
    errors = FieldErrors()
    clean = _clean_request(data, errors)
    errors.raise_if_any()
    if slot.congress_id != sponsor.congress_id:
        raise NotFound(_("No such slot."))
    people = clean.pop("people")
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
    _set_faculty(slot, people)
    return slot


def update_request(slot: SatelliteSlot, data: dict) -> SatelliteSlot:
    """The sponsor changes its title, faculty or description before approval."""
    if slot.status != SatelliteStatus.REQUESTED:
        raise Conflict(_("Only a request awaiting approval can be changed."), code="approved")
    errors = FieldErrors()
    clean = _clean_request(data, errors)
    errors.raise_if_any()
    people = clean.pop("people")
    for field, value in clean.items():
        setattr(slot, field, value)
    _set_faculty(slot, people)
    return slot


def _session_texts(slot: SatelliteSlot) -> tuple[str, str]:
    company = slot.sponsor.name
    title = f"{slot.title} ({satellite_label(company)})"
    # A request made before faculty were people keeps its text in the description.
    legacy = f"Faculty: {slot.faculty}" if slot.faculty and not slot.members else ""
    description = "\n\n".join(part for part in (legacy, slot.description) if part)
    return title[:300], description


def approve_slot(slot: SatelliteSlot):
    """The organizers approve the sponsor's satellite: it enters the program, its chairs as
    the session's chairs and its speakers on its one talk, as speakers of the program."""
    if slot.status != SatelliteStatus.REQUESTED:
        raise Conflict(_("Only a requested slot can be approved."), code="not_requested")
    congress = db.session.get(Congress, slot.congress_id)
    title, description = _session_texts(slot)
    people = {
        member.id: program_sessions.ensure_speaker(
            congress, name=member.name, email=member.email, affiliation=member.affiliation
        )
        for member in slot.members
    }
    chairs = [people[m.id] for m in slot.members if m.role == FacultyRole.CHAIR]
    speakers = [people[m.id] for m in slot.members if m.role == FacultyRole.SPEAKER]
    session = program_sessions.create_session(
        congress,
        title=title,
        format=SessionFormat.INDUSTRY_SATELLITE,
        room=slot.room_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        is_accredited=False,
        description=description,
        chairs=[speaker.email for speaker in chairs],
    )
    if speakers:
        # One talk for the whole symposium, titled (and so labelled) like the session.
        program_sessions.add_presentation(
            session,
            title=title,
            speakers=speakers,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
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
    slot.members.clear()
    slot.requested_at = None
    db.session.flush()
    return slot


def get_slots(congress: Congress) -> list[SatelliteSlot]:
    return list(
        db.session.scalars(
            select(SatelliteSlot)
            .where(SatelliteSlot.congress_id == congress.id)
            .options(
                selectinload(SatelliteSlot.sponsor),
                selectinload(SatelliteSlot.room),
                selectinload(SatelliteSlot.members),
            )
            .order_by(SatelliteSlot.starts_at, SatelliteSlot.id)
        )
    )


def get_slot(congress: Congress, slot_id) -> SatelliteSlot | None:
    return db.session.scalar(
        select(SatelliteSlot).where(
            SatelliteSlot.congress_id == congress.id, SatelliteSlot.id == slot_id
        )
    )
