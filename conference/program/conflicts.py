"""Conflicts an organizer must see before publishing, recomputed from a few flat queries.

Each conflict has a stable `key` (its kind and the ids involved), so an organizer can
acknowledge it when publishing and the acknowledgement survives unrelated edits. A blocking
conflict cannot be acknowledged: it must be fixed before publishing (`not_presentable`: an
abstract placed in the program that is not, or no longer, accepted for presentation;
`unmitigated_disclosure`: a faculty member of an accredited session without a disclosure or
with a relevant financial relationship that the CME officer has not mitigated).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from conference.abstracts.queries import get_accepted_abstracts, get_headlines
from conference.extensions import db
from conference.program.messages import conflict_message, iso
from conference.program.models import Congress, Room, RoomKind, Track
from conference.program.schedule_models import (
    Presentation,
    PresentationSpeaker,
    ProgramSession,
    SessionFormat,
    SessionPerson,
    Speaker,
)

KINDS = (
    "room_overlap",
    "person_overlap",
    "outside_session",
    "outside_congress",
    "over_capacity",
    "satellite_too_close",
    "exhibit_too_close",
    "unscheduled_abstract",
    "not_presentable",
    "unmitigated_disclosure",
)
CONFLICT_KIND_LABELS = {
    "room_overlap": _l("Room double-booked"),
    "person_overlap": _l("Person in two places"),
    "outside_session": _l("Talk outside its session"),
    "outside_congress": _l("Outside the congress days"),
    "over_capacity": _l("Over room capacity"),
    "satellite_too_close": _l("Satellite too close to a session"),
    "exhibit_too_close": _l("Exhibit in a session room"),
    "unscheduled_abstract": _l("Accepted abstract not scheduled"),
    "not_presentable": _l("Not presentable"),
    "unmitigated_disclosure": _l("Disclosure missing or not mitigated"),
}
#: Kinds that cannot be acknowledged: publishing waits until they are fixed.
BLOCKING_KINDS = frozenset({"not_presentable", "unmitigated_disclosure"})


@dataclass
class ScheduleConflict:
    kind: str
    key: str
    #: Plain data of the sentence (titles, names, ISO times, "tz"): see program.messages.
    params: dict
    #: [{"type": "session"|"presentation"|"speaker"|"abstract"|"room", "id", "label"}]
    objects: list[dict] = field(default_factory=list)

    @property
    def message(self) -> str:
        """The sentence, in the reader's language."""
        return conflict_message(self.kind, self.params)

    @property
    def is_blocking(self) -> bool:
        return self.kind in BLOCKING_KINDS

    def touches(self, type_: str, id_: int) -> bool:
        return any(o["type"] == type_ and o["id"] == id_ for o in self.objects)

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "key": self.key,
            "message": self.message,
            "blocking": self.is_blocking,
            "objects": self.objects,
        }


@dataclass(frozen=True)
class Exhibit:
    """Promotion placed in a room of the venue (an exhibition booth), as another domain reports
    it to the separation rule below."""

    #: The object's type and id in conflicts ("booth", 12).
    type: str
    id: int
    label: str
    room_id: int
    #: When it is there; None: for the whole congress.
    starts_at: datetime | None = None
    ends_at: datetime | None = None


#: Functions (congress) -> exhibits placed in the congress's rooms. The industry domain adds
#: its booths (`conference.industry.exhibition.booth_exhibits`); the program does not import
#: it. The separation rule treats an exhibit in a session room like a satellite there.
exhibit_sources: list[Callable[[Congress], Iterable[Exhibit]]] = []


def _overlaps(a_start, a_end, b_start, b_end) -> bool:
    return a_start < b_end and b_start < a_end


def _sweep(items):
    """Yield overlapping pairs of (start, end, payload) items (sorted sweep)."""
    items = sorted(items, key=lambda item: (item[0], item[1]))
    active: list = []
    for item in items:
        active = [other for other in active if other[1] > item[0]]
        for other in active:
            yield other, item
        active.append(item)


def _too_close(starts_at, ends_at, session, separation: timedelta) -> bool:
    """Whether promotion there from `starts_at` to `ends_at` (None: all the congress) comes
    within `separation` of the accredited `session`."""
    if starts_at is None or ends_at is None:
        return True
    return _overlaps(
        starts_at - separation, ends_at + separation, session.starts_at, session.ends_at
    )


def detect_conflicts(congress: Congress) -> list[ScheduleConflict]:
    """Every conflict of the current (editable) schedule."""
    tz = congress.timezone
    rows = db.session.execute(
        select(
            ProgramSession.id,
            ProgramSession.title,
            ProgramSession.room_id,
            ProgramSession.starts_at,
            ProgramSession.ends_at,
            ProgramSession.format,
            ProgramSession.is_accredited,
            ProgramSession.expected_audience,
        ).where(ProgramSession.congress_id == congress.id)
    ).all()
    sessions = {row.id: row for row in rows}
    rooms = {
        room.id: room
        for room in db.session.execute(
            select(Room.id, Room.name, Room.capacity, Room.kind).where(
                Room.congress_id == congress.id
            )
        )
    }
    conflicts: list[ScheduleConflict] = []
    from conference.cme.queries import get_separation_minutes

    separation_minutes = get_separation_minutes(congress)
    separation = timedelta(minutes=separation_minutes)

    def session_obj(row):
        return {"type": "session", "id": row.id, "label": row.title}

    exhibits = defaultdict(list)
    for source in exhibit_sources:
        for exhibit in source(congress):
            exhibits[exhibit.room_id].append(exhibit)

    # A room used twice at once; satellites and exhibits too close to accredited sessions.
    by_room = defaultdict(list)
    for row in rows:
        if row.room_id is not None:
            by_room[row.room_id].append(row)
    for room_id, room_sessions in by_room.items():
        room = rooms.get(room_id)
        room_name = room.name if room else "?"
        for a, b in _sweep([(r.starts_at, r.ends_at, r) for r in room_sessions]):
            first, second = sorted((a[2], b[2]), key=lambda r: r.id)
            conflicts.append(
                ScheduleConflict(
                    "room_overlap",
                    f"room_overlap:{first.id}:{second.id}",
                    {
                        "room": room_name,
                        "first": first.title,
                        "second": second.title,
                        "at": iso(max(first.starts_at, second.starts_at)),
                        "tz": tz,
                    },
                    [
                        session_obj(first),
                        session_obj(second),
                        {"type": "room", "id": room_id, "label": room_name},
                    ],
                )
            )
        # Separation from promotion is a rule of session rooms (not exhibition or poster areas):
        # no satellite and no exhibit within `separation` of an accredited session there.
        is_session_room = room is None or room.kind == RoomKind.SESSION_ROOM
        satellites = [r for r in room_sessions if r.format == SessionFormat.INDUSTRY_SATELLITE]
        accredited = [r for r in room_sessions if r.is_accredited] if is_session_room else []
        for other in accredited:
            for satellite in satellites:
                if _too_close(satellite.starts_at, satellite.ends_at, other, separation):
                    conflicts.append(
                        ScheduleConflict(
                            "satellite_too_close",
                            f"satellite_too_close:{satellite.id}:{other.id}",
                            {
                                "satellite": satellite.title,
                                "minutes": separation_minutes,
                                "session": other.title,
                                "room": room_name,
                            },
                            [session_obj(satellite), session_obj(other)],
                        )
                    )
            for exhibit in exhibits.get(room_id, ()):
                if _too_close(exhibit.starts_at, exhibit.ends_at, other, separation):
                    conflicts.append(
                        ScheduleConflict(
                            "exhibit_too_close",
                            f"exhibit_too_close:{exhibit.type}:{exhibit.id}:{other.id}",
                            {
                                "exhibit": exhibit.label,
                                "minutes": separation_minutes,
                                "session": other.title,
                                "room": room_name,
                            },
                            [
                                {"type": exhibit.type, "id": exhibit.id, "label": exhibit.label},
                                session_obj(other),
                                {"type": "room", "id": room_id, "label": room_name},
                            ],
                        )
                    )

    # Sessions outside the congress days; audience above the room's capacity.
    first_day, last_day = congress.starts_on, congress.ends_on
    for row in rows:
        start_day: date = row.starts_at.astimezone(congress.tz).date()
        end_day: date = (row.ends_at - timedelta(seconds=1)).astimezone(congress.tz).date()
        if start_day < first_day or end_day > last_day:
            conflicts.append(
                ScheduleConflict(
                    "outside_congress",
                    f"outside_congress:{row.id}",
                    {
                        "title": row.title,
                        "at": iso(row.starts_at),
                        "first_day": iso(first_day),
                        "last_day": iso(last_day),
                        "tz": tz,
                    },
                    [session_obj(row)],
                )
            )
        room = rooms.get(row.room_id)
        if (
            row.expected_audience is not None
            and room is not None
            and room.capacity is not None
            and row.expected_audience > room.capacity
        ):
            conflicts.append(
                ScheduleConflict(
                    "over_capacity",
                    f"over_capacity:{row.id}:{room.id}",
                    {
                        "title": row.title,
                        "audience": row.expected_audience,
                        "room": room.name,
                        "capacity": room.capacity,
                    },
                    [session_obj(row), {"type": "room", "id": room.id, "label": room.name}],
                )
            )

    # Presentations outside their session.
    presentations = db.session.execute(
        select(
            Presentation.id,
            Presentation.session_id,
            Presentation.starts_at,
            Presentation.ends_at,
            Presentation.title,
            Presentation.abstract_id,
        )
        .join(ProgramSession, ProgramSession.id == Presentation.session_id)
        .where(ProgramSession.congress_id == congress.id)
    ).all()
    headlines = get_headlines(congress, [p.abstract_id for p in presentations if p.abstract_id])

    def title_of(p) -> str:
        headline = headlines.get(p.abstract_id)
        return headline.title if headline is not None else p.title

    pres_by_id = {}
    for p in presentations:
        pres_by_id[p.id] = p
        session = sessions[p.session_id]
        headline = headlines.get(p.abstract_id)
        if p.abstract_id is not None and (headline is None or not headline.is_presentable):
            label = headline.label if headline is not None else str(p.abstract_id)
            conflicts.append(
                ScheduleConflict(
                    "not_presentable",
                    f"not_presentable:{p.id}",
                    {"abstract": label, "session": session.title},
                    [
                        {"type": "presentation", "id": p.id, "label": label},
                        session_obj(session),
                    ],
                )
            )
        if p.starts_at is None or p.ends_at is None:
            continue
        if p.starts_at < session.starts_at or p.ends_at > session.ends_at:
            title = title_of(p)
            conflicts.append(
                ScheduleConflict(
                    "outside_session",
                    f"outside_session:{p.id}",
                    {
                        "title": title,
                        "at": iso(p.starts_at),
                        "session": session.title,
                        "tz": tz,
                    },
                    [{"type": "presentation", "id": p.id, "label": title}, session_obj(session)],
                )
            )

    # People in two places at once (chairs, discussants, presenters).
    names = dict(
        db.session.execute(
            select(Speaker.id, Speaker.name).where(Speaker.congress_id == congress.id)
        ).all()
    )
    commitments = defaultdict(list)  # speaker -> [(start, end, (session_id, label, pres_id))]
    for speaker_id, session_id, role in db.session.execute(
        select(SessionPerson.speaker_id, SessionPerson.session_id, SessionPerson.role)
        .join(ProgramSession, ProgramSession.id == SessionPerson.session_id)
        .where(ProgramSession.congress_id == congress.id)
    ):
        session = sessions[session_id]
        commitments[speaker_id].append(
            (session.starts_at, session.ends_at, (session_id, session.title, None, str(role)))
        )
    for speaker_id, presentation_id in db.session.execute(
        select(PresentationSpeaker.speaker_id, PresentationSpeaker.presentation_id)
        .join(Presentation, Presentation.id == PresentationSpeaker.presentation_id)
        .join(ProgramSession, ProgramSession.id == Presentation.session_id)
        .where(ProgramSession.congress_id == congress.id)
    ):
        p = pres_by_id[presentation_id]
        session = sessions[p.session_id]
        start = p.starts_at or session.starts_at
        end = p.ends_at or session.ends_at
        title = title_of(p)
        commitments[speaker_id].append(
            (start, end, (p.session_id, title, presentation_id, "presenter"))
        )
    for speaker_id, items in commitments.items():
        seen = set()
        for a, b in _sweep(items):
            if a[2][0] == b[2][0]:
                continue  # the same session: chairing it and presenting in it is fine
            pair = tuple(sorted((a[2][0], b[2][0])))
            if pair in seen:
                continue
            seen.add(pair)
            both_talks = a[2][2] is not None and b[2][2] is not None
            name = names.get(speaker_id, "?")
            objects = [{"type": "speaker", "id": speaker_id, "label": name}]
            for item in (a, b):
                session = sessions[item[2][0]]
                objects.append(session_obj(session))
                if item[2][2] is not None:
                    objects.append({"type": "presentation", "id": item[2][2], "label": item[2][1]})
            conflicts.append(
                ScheduleConflict(
                    "person_overlap",
                    f"person_overlap:{speaker_id}:{pair[0]}:{pair[1]}",
                    {
                        "name": name,
                        "both_talks": both_talks,
                        "first": a[2][1],
                        "first_role": a[2][3],
                        "second": b[2][1],
                        "second_role": b[2][3],
                        "at": iso(max(a[0], b[0])),
                        "tz": tz,
                    },
                    objects,
                )
            )

    # Accepted abstracts with no slot.
    placed = select(Presentation.abstract_id).where(Presentation.abstract_id.is_not(None))
    for abstract in get_accepted_abstracts(congress, excluding=placed):
        abstract_id, outcome = abstract.id, abstract.outcome
        label = f"{abstract.number or abstract_id}: {abstract.title}"
        conflicts.append(
            ScheduleConflict(
                "unscheduled_abstract",
                f"unscheduled_abstract:{abstract_id}",
                {"abstract": label, "outcome": str(outcome)},
                [{"type": "abstract", "id": abstract_id, "label": label}],
            )
        )
    conflicts.extend(_disclosure_conflicts(congress))
    order = {kind: index for index, kind in enumerate(KINDS)}
    conflicts.sort(key=lambda c: (order[c.kind], c.key))
    return conflicts


def _disclosure_conflicts(congress: Congress) -> list[ScheduleConflict]:
    """Faculty of accredited sessions not cleared by the CME domain (ACCME independence)."""
    from conference.cme.queries import get_uncleared_faculty

    conflicts = []
    for item in get_uncleared_faculty(congress):
        entry = item.entry
        conflicts.append(
            ScheduleConflict(
                "unmitigated_disclosure",
                f"unmitigated_disclosure:{entry.session_id}:{entry.speaker_id}:{entry.role}",
                {
                    "name": entry.name,
                    "role": entry.role,
                    "session": entry.session_title,
                    "problem": item.problem,
                },
                [
                    {"type": "speaker", "id": entry.speaker_id, "label": entry.name},
                    {"type": "session", "id": entry.session_id, "label": entry.session_title},
                ],
            )
        )
    return conflicts


def conflicts_touching(conflicts, session: ProgramSession) -> list[ScheduleConflict]:
    pres_ids = {p.id for p in session.presentations}
    return [
        c
        for c in conflicts
        if c.touches("session", session.id)
        or any(c.touches("presentation", pid) for pid in pres_ids)
    ]


__all__ = [
    "BLOCKING_KINDS",
    "KINDS",
    "Exhibit",
    "ScheduleConflict",
    "Track",
    "conflicts_touching",
    "detect_conflicts",
    "exhibit_sources",
]
