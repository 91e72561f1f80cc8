"""Reads of the editable schedule, with the eager loading that keeps query counts flat."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from conference.abstracts.models import Abstract
from conference.abstracts.queries import (
    count_accepted_abstracts,
    get_accepted_abstracts,
    get_congress_abstract,
)
from conference.extensions import db
from conference.program.conflicts import KINDS as CONFLICT_KINDS
from conference.program.conflicts import detect_conflicts
from conference.program.models import Congress
from conference.program.queries import is_id
from conference.program.schedule_models import (
    AgendaItem,
    Presentation,
    PresentationSpeaker,
    ProgramSession,
    SessionPerson,
    Speaker,
)
from conference.timeutil import local_day_bounds

_SESSION_LOADING = (
    selectinload(ProgramSession.room),
    selectinload(ProgramSession.track),
    selectinload(ProgramSession.people).selectinload(SessionPerson.speaker),
    selectinload(ProgramSession.presentations)
    .selectinload(Presentation.speakers)
    .selectinload(PresentationSpeaker.speaker),
    selectinload(ProgramSession.presentations)
    .selectinload(Presentation.abstract)
    .selectinload(Abstract.authors),
)


def get_sessions(congress: Congress, day: date | None = None) -> list[ProgramSession]:
    query = select(ProgramSession).where(ProgramSession.congress_id == congress.id)
    if day is not None:
        start, end = local_day_bounds(day, congress.tz)
        query = query.where(ProgramSession.starts_at < end, ProgramSession.ends_at > start)
    query = query.options(*_SESSION_LOADING).order_by(ProgramSession.starts_at, ProgramSession.id)
    return list(db.session.scalars(query))


def get_day_session_times(congress: Congress, day: date) -> list[tuple]:
    """(id, starts_at, ends_at) of every session of the day: what the editor's grid spans."""
    start, end = local_day_bounds(day, congress.tz)
    return [
        tuple(row)
        for row in db.session.execute(
            select(ProgramSession.id, ProgramSession.starts_at, ProgramSession.ends_at).where(
                ProgramSession.congress_id == congress.id,
                ProgramSession.starts_at < end,
                ProgramSession.ends_at > start,
            )
        )
    ]


def get_sessions_by_ids(congress: Congress, ids) -> list[ProgramSession]:
    """The congress's sessions with these ids (others ignored), loaded as the editor shows them."""
    ids = [i for i in ids if is_id(i)]
    if not ids:
        return []
    return list(
        db.session.scalars(
            select(ProgramSession)
            .where(ProgramSession.congress_id == congress.id, ProgramSession.id.in_(ids))
            .options(*_SESSION_LOADING)
            .order_by(ProgramSession.starts_at, ProgramSession.id)
        )
    )


def get_session(congress: Congress, session_id: int) -> ProgramSession | None:
    if not is_id(session_id):
        return None
    session = db.session.scalar(
        select(ProgramSession)
        .where(ProgramSession.id == session_id, ProgramSession.congress_id == congress.id)
        .options(*_SESSION_LOADING)
    )
    return session


def get_presentation(congress: Congress, presentation_id: int) -> Presentation | None:
    if not is_id(presentation_id):
        return None
    return db.session.scalar(
        select(Presentation)
        .join(ProgramSession)
        .where(Presentation.id == presentation_id, ProgramSession.congress_id == congress.id)
        .options(selectinload(Presentation.session).selectinload(ProgramSession.presentations))
    )


def get_unscheduled_abstracts(congress: Congress) -> list[Abstract]:
    """Abstracts accepted for presentation without a slot, by track and decision."""
    placed = select(Presentation.abstract_id).where(Presentation.abstract_id.is_not(None))
    abstracts = get_accepted_abstracts(congress, excluding=placed)
    abstracts.sort(key=lambda a: (a.track_id or 0, a.outcome or "", a.number or "", a.id))
    return abstracts


def count_unscheduled_abstracts(congress: Congress) -> int:
    """How many accepted abstracts have no slot yet (the editor's unscheduled list)."""
    placed = select(Presentation.abstract_id).where(Presentation.abstract_id.is_not(None))
    return count_accepted_abstracts(congress, excluding=placed)


def dashboard_figures(congress: Congress) -> dict:
    """The program's figures for the organizer dashboard: abstracts waiting for a slot and
    open conflicts by kind (the conflicts page's list)."""
    conflicts = detect_conflicts(congress)
    by_kind = dict.fromkeys(CONFLICT_KINDS, 0)
    for conflict in conflicts:
        by_kind[conflict.kind] = by_kind.get(conflict.kind, 0) + 1
    return {
        "unscheduled": count_unscheduled_abstracts(congress),
        "conflicts": len(conflicts),
        "conflicts_by_kind": by_kind,
    }


def get_abstract(congress: Congress, abstract_id: int) -> Abstract | None:
    if not is_id(abstract_id):
        return None
    return get_congress_abstract(congress, abstract_id)


def get_agenda_session_ids(user) -> list[int]:
    if user is None or not user.is_authenticated:
        return []
    return list(
        db.session.scalars(
            select(AgendaItem.session_id)
            .where(AgendaItem.user_id == user.id)
            .order_by(AgendaItem.id)
        )
    )


def get_speaker(congress: Congress, speaker_id: int) -> Speaker | None:
    if not is_id(speaker_id):
        return None
    speaker = db.session.get(Speaker, speaker_id)
    return speaker if speaker is not None and speaker.congress_id == congress.id else None


def search_speakers(congress: Congress, query: str = "", limit: int = 200) -> list[Speaker]:
    statement = select(Speaker).where(Speaker.congress_id == congress.id)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            func.lower(Speaker.name).like(pattern) | func.lower(Speaker.email).like(pattern)
        )
    return list(db.session.scalars(statement.order_by(Speaker.name, Speaker.id).limit(limit)))


def get_session_people(congress: Congress, role: str = "chair") -> list[tuple[str, str]]:
    """(name, email) of everyone with `role` (chair or discussant) in a session of the
    schedule, one entry per address, by name; for bulk mailings."""
    rows = db.session.execute(
        select(Speaker.name, Speaker.email)
        .join(SessionPerson, SessionPerson.speaker_id == Speaker.id)
        .join(ProgramSession, ProgramSession.id == SessionPerson.session_id)
        .where(ProgramSession.congress_id == congress.id, SessionPerson.role == role)
        .order_by(Speaker.name, Speaker.id)
    )
    people: dict[str, str] = {}
    for name, email in rows:
        address = (email or "").strip().lower()
        if address:
            people.setdefault(address, name)
    return [(name, email) for email, name in people.items()]
