"""Attendance per session from door scans, and the credits it earns.

Scans come in batches from door devices (possibly late, possibly twice): each is stored once
by its client-chosen id. A person is in a room from an "in" scan until an "out" scan, or
their next scan elsewhere, or the end of that day. Time in each accredited session is that
presence intersected with the session; a day's credits are 1 per 60 minutes in 0.25 steps,
each half day capped (EACCME: 3) and the day capped (EACCME: 6); a person is in one room at
a time, so concurrent sessions count once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from conference.cme.models import AttendanceScan, CreditMode, ScanDirection
from conference.cme.queries import get_settings
from conference.extensions import db
from conference.models import dialect_insert, utcnow
from conference.program.faculty import AccreditedSlot, get_accredited_slots
from conference.program.models import Congress
from conference.program.queries import get_room_ids
from conference.registration.queries import get_registration_ids_by_reference
from conference.registration.tokens import normalize_reference
from conference.timeutil import local_day_bounds

#: A scan may come from a device whose clock runs a little fast, never from the future.
CLOCK_SKEW = timedelta(minutes=5)
#: Half days end at this local time (EACCME counts credits per half day).
NOON = time(13, 0)
DEFAULT_HALF_DAY_CAP = 3.0
DEFAULT_DAY_CAP = 6.0
DIRECTIONS = frozenset(d.value for d in ScanDirection)


# -- recording scans --------------------------------------------------------------------------


@dataclass
class ScanAnswer:
    client_id: str
    #: stored, duplicate (already stored before: nothing changed) or rejected
    status: str
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        body = {"client_id": self.client_id, "status": self.status}
        if self.errors:
            body["errors"] = self.errors
        return body


def record_scans(congress: Congress, items: list[dict], staff=None, now=None) -> list[ScanAnswer]:
    """Store a batch of door scans: {"client_id", "reference", "room", "scanned_at",
    "direction"}; one answer per item, in order. Idempotent by client_id."""
    now = now or utcnow()
    rooms = get_room_ids(congress)
    registrations = get_registration_ids_by_reference(
        congress, [item.get("reference") for item in items]
    )
    answers = []
    fresh: list[dict] = []
    in_batch: set[str] = set()
    for item in items:
        client_id = str(item.get("client_id") or "")
        errors: dict[str, list[str]] = {}
        if not client_id or len(client_id) > 64:
            errors["client_id"] = ["A scan id of 1 to 64 characters is required."]
        registration_id = registrations.get(normalize_reference(item.get("reference") or ""))
        if registration_id is None:
            errors["reference"] = ["No registration has this reference."]
        room_id = item.get("room")
        if room_id not in rooms:
            errors["room"] = ["No room of this congress has this id."]
        scanned_at = item.get("scanned_at")
        if isinstance(scanned_at, str):
            try:
                scanned_at = datetime.fromisoformat(scanned_at.replace("Z", "+00:00"))
            except ValueError:
                scanned_at = None
        if not isinstance(scanned_at, datetime) or scanned_at.tzinfo is None:
            errors["scanned_at"] = ["The scan's time, with its time zone, is required."]
        elif scanned_at > now + CLOCK_SKEW:
            errors["scanned_at"] = ["A scan cannot be in the future."]
        direction = item.get("direction")
        if direction not in DIRECTIONS:
            errors["direction"] = ["The direction is in or out."]
        if errors:
            answers.append(ScanAnswer(client_id, "rejected", errors))
            continue
        if client_id in in_batch:
            answers.append(ScanAnswer(client_id, "duplicate"))
            continue
        in_batch.add(client_id)
        fresh.append(
            {
                "congress_id": congress.id,
                "client_id": client_id,
                "registration_id": registration_id,
                "room_id": room_id,
                "direction": ScanDirection(direction).value,
                "scanned_at": scanned_at,
                "received_at": now,
                "scanned_by_id": getattr(staff, "id", None),
            }
        )
        answers.append(ScanAnswer(client_id, "stored"))
    if fresh:
        # One statement for the batch, compiled once (an executemany that SQLAlchemy sends as
        # one multi-row INSERT): a scan stored before (sent again, or by a concurrent device)
        # is skipped by the unique (congress, scan id) and answered as a duplicate.
        inserted = set(db.session.scalars(_insert_scans(), fresh))
        answers = [
            ScanAnswer(answer.client_id, "duplicate")
            if answer.status == "stored" and answer.client_id not in inserted
            else answer
            for answer in answers
        ]
    return answers


def _insert_scans():
    """INSERT ... ON CONFLICT (congress, scan id) DO NOTHING RETURNING the stored scan ids."""
    scans = AttendanceScan.__table__
    return (
        dialect_insert(scans)
        .on_conflict_do_nothing(index_elements=[scans.c.congress_id, scans.c.client_id])
        .returning(scans.c.client_id)
    )


# -- presence and minutes -------------------------------------------------------------------


@dataclass(frozen=True)
class Presence:
    room_id: int
    start: datetime
    end: datetime


def presences(scans, tz) -> list[Presence]:
    """Time in rooms from (scanned_at, room_id, direction) scans, in any order."""
    result = []
    current: tuple[int, datetime] | None = None

    def day_end(moment: datetime) -> datetime:
        return local_day_bounds(moment.astimezone(tz).date(), tz)[1]

    for scanned_at, room_id, direction in sorted(scans, key=lambda s: s[0]):
        if current is not None:
            room, start = current
            if direction == ScanDirection.IN and room == room_id and scanned_at < day_end(start):
                continue  # scanned in again at the same door: still there
            end = min(scanned_at, day_end(start))
            if end > start:
                result.append(Presence(room, start, end))
            current = None
        if direction == ScanDirection.IN:
            current = (room_id, scanned_at)
    if current is not None:
        room, start = current
        result.append(Presence(room, start, day_end(start)))
    return result


def _overlap(a_start, a_end, b_start, b_end) -> timedelta:
    return max(timedelta(0), min(a_end, b_end) - max(a_start, b_start))


@dataclass
class SessionAttendance:
    slot: AccreditedSlot
    minutes: int


def session_minutes(slots: list[AccreditedSlot], stays: list[Presence]) -> list[SessionAttendance]:
    """Minutes spent in each accredited session (only those attended)."""
    attended = []
    for slot in slots:
        spent = sum(
            (
                _overlap(p.start, p.end, slot.starts_at, slot.ends_at)
                for p in stays
                if p.room_id == slot.room_id
            ),
            timedelta(0),
        )
        minutes = int(spent.total_seconds() // 60)
        if minutes > 0:
            attended.append(SessionAttendance(slot, minutes))
    return attended


def quarter_credits(minutes: float) -> float:
    """1 credit per 60 minutes, rounded down to 0.25."""
    return math.floor(minutes / 15 + 1e-9) / 4


def day_credits(
    intervals, tz, *, half_day_cap: float = DEFAULT_HALF_DAY_CAP, day_cap=DEFAULT_DAY_CAP
) -> dict[date, float]:
    """Credits per local day from accredited time intervals [(start, end)]: time counted once
    where intervals overlap, each half day capped, then the day capped."""
    by_day: dict[date, list[tuple[datetime, datetime]]] = {}
    for start, end in intervals:
        by_day.setdefault(start.astimezone(tz).date(), []).append((start, end))
    credits = {}
    for day, items in by_day.items():
        noon = datetime.combine(day, NOON, tzinfo=tz)
        day_start, day_end = local_day_bounds(day, tz)
        merged: list[list[datetime]] = []
        for start, end in sorted(items):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        morning = sum((_overlap(s, e, day_start, noon) for s, e in merged), timedelta(0))
        afternoon = sum((_overlap(s, e, noon, day_end) for s, e in merged), timedelta(0))
        cap = timedelta(hours=half_day_cap)
        counted = min(morning, cap) + min(afternoon, cap)
        credits[day] = min(quarter_credits(counted.total_seconds() / 60), float(day_cap))
    return credits


@dataclass
class LearnerCredits:
    sessions: list[SessionAttendance]
    by_day: dict[date, float]
    #: What the learner may claim: verified time (or, self-reported, what they could attend).
    claimable: float
    mode: str


def _caps(congress: Congress) -> tuple[float, float, str]:
    settings = get_settings(congress)
    if settings is None:
        return DEFAULT_HALF_DAY_CAP, DEFAULT_DAY_CAP, CreditMode.VERIFIED
    return float(settings.half_day_cap), float(settings.day_cap), str(settings.credit_mode)


def learner_credits(congress: Congress, registration_id: int) -> LearnerCredits:
    """Accredited sessions a registrant attended (from their scans), minutes and credits."""
    return learners_credits(congress, [registration_id])[registration_id]


def learners_credits(
    congress: Congress, registration_ids, slots: list[AccreditedSlot] | None = None
) -> dict[int, LearnerCredits]:
    """learner_credits of many registrants at once (one scan query; the certificate worker's
    batches), by registration id."""
    half_cap, day_cap, mode = _caps(congress)
    tz = congress.tz
    slots = get_accredited_slots(congress) if slots is None else slots
    ids = sorted(set(registration_ids))
    scans_of: dict[int, list[tuple]] = {i: [] for i in ids}
    for registration_id, scanned_at, room_id, direction in db.session.execute(
        select(
            AttendanceScan.registration_id,
            AttendanceScan.scanned_at,
            AttendanceScan.room_id,
            AttendanceScan.direction,
        )
        .where(
            AttendanceScan.congress_id == congress.id,
            AttendanceScan.registration_id.in_(ids),
        )
        .order_by(AttendanceScan.scanned_at)
    ):
        scans_of[registration_id].append((scanned_at, room_id, direction))
    offered = day_credits(
        [(s.starts_at, s.ends_at) for s in slots], tz, half_day_cap=half_cap, day_cap=day_cap
    )
    total_offered = sum(offered.values())
    result = {}
    for registration_id in ids:
        stays = presences(scans_of[registration_id], tz)
        attended = session_minutes(slots, stays)
        intervals = [
            (max(p.start, a.slot.starts_at), min(p.end, a.slot.ends_at))
            for a in attended
            for p in stays
            if p.room_id == a.slot.room_id
            and _overlap(p.start, p.end, a.slot.starts_at, a.slot.ends_at)
        ]
        by_day = day_credits(intervals, tz, half_day_cap=half_cap, day_cap=day_cap)
        # Self-reported: the learner attests their time, at most what the program offered.
        claimable = total_offered if mode == CreditMode.SELF_REPORTED else sum(by_day.values())
        result[registration_id] = LearnerCredits(
            attended, by_day, min(claimable, total_offered), mode
        )
    return result
