"""Reads of CME settings, disclosures and their review; who must disclose; what learners see."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from conference.abstracts.queries import (
    get_declared_relationships,
    get_presenting_authors,
    get_reviewers,
)
from conference.accounts.models import Role
from conference.accounts.queries import users_query
from conference.cme.models import (
    AttendanceScan,
    CmeSettings,
    Disclosure,
    FinancialRelationship,
)
from conference.extensions import db
from conference.program.faculty import FacultyEntry, get_faculty
from conference.program.models import Congress
from conference.program.queries import is_id
from conference.timeutil import local_day_bounds

#: In the order a person's roles are listed.
ROLE_ORDER = (
    "organizer",
    "reviewer",
    "chair",
    "discussant",
    "invited_speaker",
    "presenting_author",
)


def get_settings(congress: Congress) -> CmeSettings | None:
    """The congress's CME settings; None while CME accreditation is not set up."""
    return db.session.scalar(select(CmeSettings).where(CmeSettings.congress_id == congress.id))


def evaluation_required(settings: CmeSettings | None) -> bool:
    """Whether learners evaluate the congress before their certificate (the default, also
    while CME is not set up)."""
    return settings is None or settings.requires_evaluation


def is_cme_eligible(registration) -> bool:
    """A learner who receives CME credits (a physician's category); others receive a
    certificate of attendance."""
    return bool(registration.category and registration.category.is_cme_eligible)


#: Industry satellites keep this far from accredited sessions in the same session room.
DEFAULT_SEPARATION_MINUTES = 30


def get_separation_minutes(congress: Congress) -> int:
    settings = get_settings(congress)
    return settings.separation_minutes if settings is not None else DEFAULT_SEPARATION_MINUTES


def mitigation_enforced(congress: Congress) -> bool:
    settings = get_settings(congress)
    return settings is not None and settings.requires_mitigation


def get_disclosure(congress: Congress, disclosure_id) -> Disclosure | None:
    if not is_id(disclosure_id):
        return None
    disclosure = db.session.get(Disclosure, disclosure_id)
    return disclosure if disclosure is not None and disclosure.congress_id == congress.id else None


def get_disclosure_by_email(congress: Congress, email: str) -> Disclosure | None:
    return db.session.scalar(
        select(Disclosure).where(
            Disclosure.congress_id == congress.id,
            Disclosure.email == (email or "").strip().lower(),
        )
    )


def get_relationship(congress: Congress, relationship_id) -> FinancialRelationship | None:
    if not is_id(relationship_id):
        return None
    found = db.session.get(FinancialRelationship, relationship_id)
    if found is None or found.disclosure.congress_id != congress.id:
        return None
    return found


def get_disclosures(congress: Congress, emails=None) -> dict[str, Disclosure]:
    """Disclosures by email (with their relationships), all or only for `emails`."""
    query = (
        select(Disclosure)
        .where(Disclosure.congress_id == congress.id)
        .options(selectinload(Disclosure.relationships))
    )
    if emails is not None:
        wanted = sorted({e for e in emails if e})
        if not wanted:
            return {}
        query = query.where(Disclosure.email.in_(wanted))
    return {d.email: d for d in db.session.scalars(query)}


@dataclass
class RequiredPerson:
    """Someone in control of content who must disclose, with every role they hold."""

    email: str
    name: str
    roles: set[str] = field(default_factory=set)
    user_id: int | None = None

    @property
    def ordered_roles(self) -> list[str]:
        return [role for role in ROLE_ORDER if role in self.roles]


def get_required_people(congress: Congress) -> list[RequiredPerson]:
    """Everyone who must disclose: program committee (organizers), reviewers, chairs,
    discussants, invited speakers and presenting authors; one entry per address, by name."""
    people: dict[str, RequiredPerson] = {}

    def add(email, name, role, user_id=None):
        address = (email or "").strip().lower()
        if not address:
            return
        person = people.setdefault(address, RequiredPerson(address, name or address))
        person.roles.add(role)
        if user_id and person.user_id is None:
            person.user_id = user_id

    for user in db.session.scalars(users_query(role=Role.ORGANIZER)):
        add(user.email, user.name, "organizer", user.id)
    for user in get_reviewers(congress):
        add(user.email, user.name, "reviewer", user.id)
    for entry in get_faculty(congress):
        add(entry.email, entry.name, entry.role)
    for name, email in get_presenting_authors(congress):
        add(email, name, "presenting_author")
    return sorted(people.values(), key=lambda p: (p.name.casefold(), p.email))


def get_required_person(congress: Congress, email: str) -> RequiredPerson | None:
    address = (email or "").strip().lower()
    return next((p for p in get_required_people(congress) if p.email == address), None)


def get_suggested_relationships(congress: Congress, disclosure: Disclosure) -> list[dict]:
    """For someone who has not disclosed yet: the relationships they already declared on their
    abstracts (company and nature; the dates are theirs to add), so nothing is typed twice."""
    if disclosure.is_submitted or disclosure.relationships:
        return []
    return [
        {"company": company, "nature": nature, "started_on": "", "ended_on": ""}
        for company, nature in get_declared_relationships(congress, disclosure.email)
    ]


def disclosure_closes_at(congress: Congress, email: str) -> datetime:
    """A person may update their disclosure until their last session starts; someone without
    a session (committee, reviewers) until the congress ends."""
    starts = [e.starts_at for e in get_faculty(congress) if e.email == email]
    if starts:
        return max(starts)
    return local_day_bounds(congress.ends_on, congress.tz)[1]


@dataclass
class OverviewRow:
    person: RequiredPerson
    disclosure: Disclosure | None

    @property
    def status(self) -> str:
        d = self.disclosure
        if d is None or (d.invited_at is None and not d.is_submitted):
            return "not_invited"
        if not d.is_submitted:
            return "invited"
        if d.is_barred_owner:
            return "owner_employee"
        if any(r.relevance == "pending" for r in d.relationships):
            return "to_review"
        if any(r.is_unmitigated for r in d.relationships):
            return "unmitigated"
        return "cleared"


STATUS_LABELS = {
    "not_invited": _l("Not invited yet"),
    "invited": _l("Invited, not disclosed"),
    "to_review": _l("Disclosed, to review"),
    "unmitigated": _l("Relevant, not mitigated"),
    "owner_employee": _l("Owner or employee of an ineligible company, no exception recorded"),
    "cleared": _l("Cleared"),
}


def get_overview(congress: Congress) -> list[OverviewRow]:
    """Everyone who must disclose, with their disclosure (flat query count)."""
    people = get_required_people(congress)
    disclosures = get_disclosures(congress)
    rows = [OverviewRow(p, disclosures.get(p.email)) for p in people]
    # Disclosures of people no longer in a role stay visible (what was reviewed is kept).
    known = {p.email for p in people}
    for email, disclosure in sorted(disclosures.items()):
        if email not in known:
            rows.append(OverviewRow(RequiredPerson(email, disclosure.name), disclosure))
    return rows


# -- the publish gate -------------------------------------------------------------------------


@dataclass(frozen=True)
class FacultyProblem:
    entry: FacultyEntry
    #: "missing" (no disclosure, or no address to ask for one), "pending" (relationships not
    #: reviewed yet), "unmitigated" (a relevant relationship without mitigation) or
    #: "owner_employee" (owns or works for an ineligible company, no exception recorded)
    problem: str


def get_uncleared_faculty(congress: Congress) -> list[FacultyProblem]:
    """Faculty of accredited sessions whose disclosure is missing, not reviewed, or has a
    relevant relationship without a recorded mitigation, and owners or employees of an
    ineligible company without an allowed case recorded (ACCME Standard 3); [] while the
    congress does not enforce mitigation (CME settings)."""
    if not mitigation_enforced(congress):
        return []
    entries = [e for e in get_faculty(congress) if e.is_accredited]
    disclosures = get_disclosures(congress, [e.email for e in entries])
    problems = []
    for entry in entries:
        disclosure = disclosures.get(entry.email) if entry.email else None
        if disclosure is None or not disclosure.is_submitted:
            problems.append(FacultyProblem(entry, "missing"))
        elif disclosure.is_barred_owner:
            problems.append(FacultyProblem(entry, "owner_employee"))
        elif any(r.is_unmitigated for r in disclosure.relationships):
            problems.append(FacultyProblem(entry, "unmitigated"))
        elif not disclosure.is_cleared:
            problems.append(FacultyProblem(entry, "pending"))
    return problems


# -- disclosure to learners -------------------------------------------------------------------


@dataclass
class LearnerEntry:
    name: str
    #: [(company, nature code)] of the relevant relationships only.
    relevant: list[tuple[str, str]]
    #: Disclosed and every relationship reviewed (and mitigated when relevant).
    is_cleared: bool = False


@dataclass
class LearnerDisclosure:
    """What learners are shown before an accredited session."""

    people: list[LearnerEntry]
    #: Every person disclosed and every relevant relationship has a recorded mitigation.
    all_mitigated: bool

    @property
    def any_relevant(self) -> bool:
        return any(p.relevant for p in self.people)


def get_learner_disclosure(congress: Congress, people) -> LearnerDisclosure:
    """`people`: [(name, email)] of a session's chairs, discussants and speakers, in order."""
    people = list(people)
    disclosures = get_disclosures(congress, [(email or "").lower() for _name, email in people])
    return learner_disclosure(people, disclosures)


def learner_disclosure(people, disclosures: dict[str, Disclosure]) -> LearnerDisclosure:
    """What learners are told about `people` ([(name, email)]), from their disclosures."""
    entries = []
    all_mitigated = bool(people)
    seen = set()
    for name, email in people:
        key = (email or "").lower() or name
        if key in seen:
            continue
        seen.add(key)
        disclosure = disclosures.get((email or "").lower()) if email else None
        cleared = disclosure is not None and disclosure.is_cleared
        all_mitigated = all_mitigated and cleared
        relevant = (
            [(r.company, r.nature) for r in disclosure.relevant]
            if disclosure is not None and disclosure.is_submitted
            else []
        )
        entries.append(LearnerEntry(name, relevant, cleared))
    return LearnerDisclosure(entries, all_mitigated)


def get_disclosure_fingerprint(congress: Congress) -> str:
    """Changes whenever what learners are told could change (a disclosure submitted or
    renamed, a relationship reviewed, CME set up): keys the program exports that carry it."""
    mine = Disclosure.congress_id == congress.id
    row = db.session.execute(  # one round trip: every request for an export asks
        select(
            select(CmeSettings.id).where(CmeSettings.congress_id == congress.id).scalar_subquery(),
            select(func.count(Disclosure.id)).where(mine).scalar_subquery(),
            select(func.max(Disclosure.updated_at)).where(mine).scalar_subquery(),
            select(func.count(FinancialRelationship.id))
            .join(Disclosure, FinancialRelationship.disclosure_id == Disclosure.id)
            .where(mine)
            .scalar_subquery(),
            select(func.max(FinancialRelationship.reviewed_at))
            .join(Disclosure, FinancialRelationship.disclosure_id == Disclosure.id)
            .where(mine)
            .scalar_subquery(),
        )
    ).one()
    if row[0] is None:
        return ""
    state = "|".join(str(value) for value in row)
    return hashlib.sha256(state.encode()).hexdigest()[:16]


def get_program_disclosure_lines(congress: Congress, program, language: str = "en") -> dict:
    """{session id: the disclosure line} of every accredited session of a published program,
    in `language` (the exports are in English): each faculty member's relevant relationships
    and, only when recorded, that all were mitigated. Built by the same functions as the
    session page and the slide (conference.cme.slides); no line without CME set up."""
    from conference.cme.slides import disclosure_text, is_disclosed_session, session_people
    from conference.i18n import in_language

    if get_settings(congress) is None:
        return {}
    sessions = [s for s in program.sessions if is_disclosed_session(s)]
    people = {s["id"]: session_people(s) for s in sessions}
    emails = {(email or "").lower() for items in people.values() for _name, email in items}
    disclosures = get_disclosures(congress, emails)
    with in_language(language):
        return {
            s["id"]: disclosure_text(learner_disclosure(people[s["id"]], disclosures))
            for s in sessions
        }


def count_room_attendance(congress: Congress, windows: dict) -> dict:
    """Distinct attendees the door scans place in a room during each window.

    `windows` maps any key to (room_id, starts_at, ends_at), e.g. a session of another domain;
    the answer maps each key to a count, or to None when no door scan at all was recorded at
    that room on that day (attendance was not measured there: not the same as nobody came).
    Presence is read as for credits (`attendance.presences`): in until an "out", a scan at
    another door, or the end of the day.
    """
    from conference.cme.attendance import presences

    if not windows:
        return {}
    tz = congress.tz
    days = set()
    for _room_id, starts_at, ends_at in windows.values():
        days.add(starts_at.astimezone(tz).date())
        days.add(ends_at.astimezone(tz).date())
    bounds = [local_day_bounds(day, tz) for day in days]
    since, until = min(b[0] for b in bounds), max(b[1] for b in bounds)
    rows = db.session.execute(
        select(
            AttendanceScan.registration_id,
            AttendanceScan.scanned_at,
            AttendanceScan.room_id,
            AttendanceScan.direction,
        ).where(
            AttendanceScan.congress_id == congress.id,
            AttendanceScan.scanned_at >= since,
            AttendanceScan.scanned_at < until,
        )
    ).all()
    scanned_rooms = set()  # (room_id, local day) with at least one door scan
    by_person: dict[int, list] = {}
    for registration_id, scanned_at, room_id, direction in rows:
        scanned_rooms.add((room_id, scanned_at.astimezone(tz).date()))
        if registration_id is not None:
            by_person.setdefault(registration_id, []).append((scanned_at, room_id, direction))
    stays = {person: presences(scans, tz) for person, scans in by_person.items()}
    counts = {}
    for key, (room_id, starts_at, ends_at) in windows.items():
        if (room_id, starts_at.astimezone(tz).date()) not in scanned_rooms:
            counts[key] = None
            continue
        counts[key] = sum(
            1
            for person_stays in stays.values()
            if any(
                stay.room_id == room_id and stay.start < ends_at and starts_at < stay.end
                for stay in person_stays
            )
        )
    return counts


def dashboard_figures(congress: Congress) -> dict:
    """Disclosures submitted and relationships awaiting review or mitigation."""
    submitted = db.session.scalar(
        select(func.count(Disclosure.id)).where(
            Disclosure.congress_id == congress.id, Disclosure.submitted_at.is_not(None)
        )
    )
    return {"disclosures_submitted": submitted or 0}
