"""Who is on the program in a role that controls content (chairs, discussants, invited
speakers, presenting authors), session by session: what CME disclosure and mitigation are
checked against (conference.cme asks here instead of reading the schedule's tables)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from conference.extensions import db
from conference.program.models import Congress
from conference.program.schedule_models import (
    Presentation,
    PresentationSpeaker,
    ProgramSession,
    SessionPerson,
    Speaker,
)


@dataclass(frozen=True)
class FacultyEntry:
    """One person in one role of one session."""

    session_id: int
    session_title: str
    is_accredited: bool
    starts_at: datetime
    ends_at: datetime
    speaker_id: int
    name: str
    #: Lower-cased; None for people known only by name (imported programs).
    email: str | None
    #: chair, discussant, invited_speaker or presenting_author
    role: str


def get_faculty(congress: Congress, session_ids=None) -> list[FacultyEntry]:
    """Every (session, person, role) of the schedule; only `session_ids` when given (two
    flat queries)."""
    where = [ProgramSession.congress_id == congress.id]
    if session_ids is not None:
        ids = sorted(set(session_ids))
        if not ids:
            return []
        where.append(ProgramSession.id.in_(ids))
    columns = (
        ProgramSession.id,
        ProgramSession.title,
        ProgramSession.is_accredited,
        ProgramSession.starts_at,
        ProgramSession.ends_at,
        Speaker.id,
        Speaker.name,
        Speaker.email,
    )
    entries = []
    for *head, role in db.session.execute(
        select(*columns, SessionPerson.role)
        .join(SessionPerson, SessionPerson.session_id == ProgramSession.id)
        .join(Speaker, Speaker.id == SessionPerson.speaker_id)
        .where(*where)
        .order_by(ProgramSession.starts_at, SessionPerson.position, SessionPerson.id)
    ):
        entries.append(FacultyEntry(*head, role=str(role)))
    for *head, abstract_id in db.session.execute(
        select(*columns, Presentation.abstract_id)
        .join(Presentation, Presentation.session_id == ProgramSession.id)
        .join(PresentationSpeaker, PresentationSpeaker.presentation_id == Presentation.id)
        .join(Speaker, Speaker.id == PresentationSpeaker.speaker_id)
        .where(*where)
        .order_by(ProgramSession.starts_at, Presentation.position, PresentationSpeaker.position)
    ):
        role = "presenting_author" if abstract_id is not None else "invited_speaker"
        entries.append(FacultyEntry(*head, role=role))
    return entries


@dataclass(frozen=True)
class AccreditedSlot:
    """An accredited session's room and time and the credits it offers."""

    session_id: int
    title: str
    room_id: int | None
    starts_at: datetime
    ends_at: datetime
    credits: float


def get_accredited_slots(congress: Congress) -> list[AccreditedSlot]:
    """Every session of the schedule that earns CME credit, by start (one query)."""
    from conference.program.cme import session_credits

    slots = []
    for row in db.session.execute(
        select(
            ProgramSession.id,
            ProgramSession.title,
            ProgramSession.room_id,
            ProgramSession.starts_at,
            ProgramSession.ends_at,
            ProgramSession.format,
            ProgramSession.is_accredited,
        )
        .where(ProgramSession.congress_id == congress.id, ProgramSession.is_accredited.is_(True))
        .order_by(ProgramSession.starts_at, ProgramSession.id)
    ):
        credits = session_credits(row.format, row.is_accredited, row.starts_at, row.ends_at)
        if credits > 0:
            slots.append(
                AccreditedSlot(row.id, row.title, row.room_id, row.starts_at, row.ends_at, credits)
            )
    return slots
