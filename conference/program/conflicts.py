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
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from conference.abstracts.models import OUTCOME_LABELS
from conference.abstracts.queries import get_accepted_abstracts, get_headlines
from conference.extensions import db
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
    "unscheduled_abstract",
    "not_presentable",
    "unmitigated_disclosure",
)
CONFLICT_KIND_LABELS = {
    "room_overlap": "Room double-booked",
    "person_overlap": "Person in two places",
    "outside_session": "Talk outside its session",
    "outside_congress": "Outside the congress days",
    "over_capacity": "Over room capacity",
    "satellite_too_close": "Satellite too close to a session",
    "unscheduled_abstract": "Accepted abstract not scheduled",
    "not_presentable": "Not presentable",
    "unmitigated_disclosure": "Disclosure missing or not mitigated",
}
#: Kinds that cannot be acknowledged: publishing waits until they are fixed.
BLOCKING_KINDS = frozenset({"not_presentable", "unmitigated_disclosure"})


@dataclass
class ScheduleConflict:
    kind: str
    key: str
    message: str
    #: [{"type": "session"|"presentation"|"speaker"|"abstract"|"room", "id", "label"}]
    objects: list[dict] = field(default_factory=list)

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


def _fmt(value: datetime, tz) -> str:
    return value.astimezone(tz).strftime("%a %d %b %H:%M")


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


def detect_conflicts(congress: Congress) -> list[ScheduleConflict]:
    """Every conflict of the current (editable) schedule."""
    tz = congress.tz
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

    # A room used twice at once; satellites too close to accredited sessions.
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
                    f"{room_name} is used twice at once: “{first.title}” and “{second.title}” "
                    f"({_fmt(max(first.starts_at, second.starts_at), tz)}).",
                    [
                        session_obj(first),
                        session_obj(second),
                        {"type": "room", "id": room_id, "label": room_name},
                    ],
                )
            )
        # Separation from promotion is a rule of session rooms (not exhibition or poster areas).
        is_session_room = room is None or room.kind == RoomKind.SESSION_ROOM
        satellites = [r for r in room_sessions if r.format == SessionFormat.INDUSTRY_SATELLITE]
        accredited = [r for r in room_sessions if r.is_accredited] if is_session_room else []
        for satellite in satellites:
            for other in accredited:
                if _overlaps(
                    satellite.starts_at - separation,
                    satellite.ends_at + separation,
                    other.starts_at,
                    other.ends_at,
                ):
                    conflicts.append(
                        ScheduleConflict(
                            "satellite_too_close",
                            f"satellite_too_close:{satellite.id}:{other.id}",
                            f"Industry satellite “{satellite.title}” is within "
                            f"{separation_minutes} minutes of the accredited session "
                            f"“{other.title}” in {room_name}.",
                            [session_obj(satellite), session_obj(other)],
                        )
                    )

    # Sessions outside the congress days; audience above the room's capacity.
    first_day, last_day = congress.starts_on, congress.ends_on
    for row in rows:
        start_day: date = row.starts_at.astimezone(tz).date()
        end_day: date = (row.ends_at - timedelta(seconds=1)).astimezone(tz).date()
        if start_day < first_day or end_day > last_day:
            conflicts.append(
                ScheduleConflict(
                    "outside_congress",
                    f"outside_congress:{row.id}",
                    f"“{row.title}” ({_fmt(row.starts_at, tz)}) is outside the congress days "
                    f"({first_day:%d %b} to {last_day:%d %b %Y}).",
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
                    f"“{row.title}” expects {row.expected_audience} people but {room.name} seats "
                    f"{room.capacity}.",
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
            label = headline.label if headline is not None else f"abstract {p.abstract_id}"
            conflicts.append(
                ScheduleConflict(
                    "not_presentable",
                    f"not_presentable:{p.id}",
                    f"Abstract {label} is in “{session.title}” but is not accepted for "
                    "presentation (withdrawn, not accepted, or its acceptance not released): "
                    "remove it from the program.",
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
                    f"“{title}” ({_fmt(p.starts_at, tz)}) is outside its session "
                    f"“{session.title}”.",
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
            (session.starts_at, session.ends_at, (session_id, f"{role} of “{session.title}”", None))
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
            (start, end, (p.session_id, f"presenting “{title}”", presentation_id))
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
            what = "has two talks at the same time" if both_talks else "is in two places at once"
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
                    f"{name} {what}: {a[2][1]} and {b[2][1]} ({_fmt(max(a[0], b[0]), tz)}).",
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
                f"Accepted abstract {label} ({OUTCOME_LABELS.get(outcome, outcome)}) has no "
                "slot in the program.",
                [{"type": "abstract", "id": abstract_id, "label": label}],
            )
        )
    conflicts.extend(_disclosure_conflicts(congress))
    order = {kind: index for index, kind in enumerate(KINDS)}
    conflicts.sort(key=lambda c: (order[c.kind], c.key))
    return conflicts


_DISCLOSURE_PROBLEMS = {
    "missing": "has not disclosed their financial relationships",
    "pending": "has disclosed relationships that the CME officer has not reviewed yet",
    "unmitigated": "has a relevant financial relationship that is not mitigated",
}


def _disclosure_conflicts(congress: Congress) -> list[ScheduleConflict]:
    """Faculty of accredited sessions not cleared by the CME domain (ACCME independence)."""
    from conference.cme.queries import get_uncleared_faculty

    conflicts = []
    for item in get_uncleared_faculty(congress):
        entry = item.entry
        role = entry.role.replace("_", " ")
        conflicts.append(
            ScheduleConflict(
                "unmitigated_disclosure",
                f"unmitigated_disclosure:{entry.session_id}:{entry.speaker_id}:{entry.role}",
                f"{entry.name} ({role} of the accredited session “{entry.session_title}”) "
                f"{_DISCLOSURE_PROBLEMS[item.problem]}: the session cannot be published as "
                "accredited until the CME officer clears it.",
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
    "ScheduleConflict",
    "Track",
    "conflicts_touching",
    "detect_conflicts",
]
