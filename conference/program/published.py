"""Reads of the published program: the latest version's snapshot, parsed once per process.

Public pages, the public API and the exports serve only published versions. A version is
immutable, so its parsed form is cached in memory, keyed by the version and the embargo's
fingerprint (`conference.abstracts.embargo`): publishing a new version, changing a release
time or a decision makes a new key (the old one drops out). Which abstracts are shown and when
their titles and texts are public is read from the abstracts as they are now, never from the
snapshot. Rendered exports are stored per version and embargo state by export_store.
"""

from __future__ import annotations

import bisect
import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext
from sqlalchemy import func, select

from conference.abstracts.embargo import EmbargoState, current_embargo
from conference.accounts.models import User
from conference.extensions import db
from conference.labels import human
from conference.models import utcnow
from conference.program.cme import DayCredits
from conference.program.cme import day_credits as cme_day_credits
from conference.program.models import Congress
from conference.program.queries import is_id
from conference.program.schedule_models import ProgramVersion

_LOCK = threading.Lock()
_CACHE: dict[tuple, PublishedProgram] = {}


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class PublishedProgram:
    """One published version, indexed for the public pages and exports."""

    def __init__(
        self,
        version_id: int,
        number: int,
        published_at: datetime,
        snapshot: dict,
        embargo: EmbargoState,
    ):
        self.version_id = version_id
        self.embargo_fingerprint = embargo.fingerprint
        self.number = number
        self.published_at = published_at
        self.congress = snapshot["congress"]
        self.tz = ZoneInfo(self.congress["timezone"])
        self.tracks = snapshot["tracks"]
        self.track_by_id = {t["id"]: t for t in self.tracks}
        self.track_by_slug = {t["slug"]: t for t in self.tracks}
        self.rooms = snapshot["rooms"]
        self.room_by_id = {r["id"]: r for r in self.rooms}
        self.speakers = {int(k): v for k, v in snapshot["speakers"].items()}
        self.sessions = snapshot["sessions"]
        self.session_by_id = {}
        self.presentation_by_id = {}
        self.sessions_by_day: dict[date, list[dict]] = defaultdict(list)
        #: speaker id -> [(session, role code: chair|discussant|speaker, presentation or None)]
        self.speaker_items: dict[int, list[tuple]] = defaultdict(list)
        releases = set()
        for s in self.sessions:
            # Versions published before ticketed seats had their own column say nothing
            # about tickets (their "capacity" was the expected audience).
            s.setdefault("expected_audience", s.pop("capacity", None))
            s.setdefault("ticketed_seats", None)
            #: A recorded mitigation of every relevant relationship (the CME domain records
            #: it); until one is recorded the page never claims it.
            s.setdefault("mitigation_recorded", False)
            s["start"] = _dt(s["starts_at"]).astimezone(self.tz)
            s["end"] = _dt(s["ends_at"]).astimezone(self.tz)
            s["day"] = s["start"].date()
            s["track"] = self.track_by_id.get(s["track_id"])
            s["room"] = self.room_by_id.get(s["room_id"])
            s["chair_people"] = [self.speakers[i] for i in s["chairs"] if i in self.speakers]
            s["discussant_people"] = [
                self.speakers[i] for i in s["discussants"] if i in self.speakers
            ]
            s["_hay"] = " ".join(
                [s["title"], s["description"] or ""]
                + [p["name"] for p in s["chair_people"] + s["discussant_people"]]
            ).lower()
            self.session_by_id[s["id"]] = s
            self.sessions_by_day[s["day"]].append(s)
            for speaker in s["chair_people"]:
                self.speaker_items[speaker["id"]].append((s, "chair", None))
            for speaker in s["discussant_people"]:
                self.speaker_items[speaker["id"]].append((s, "discussant", None))
            # An abstract no longer accepted for presentation (withdrawn, decision changed)
            # leaves every page and export at once.
            s["presentations"] = [
                p
                for p in s["presentations"]
                if not p["is_abstract"] or embargo.is_presentable(p["abstract_id"])
            ]
            for p in s["presentations"]:
                p["start"] = _dt(p["starts_at"]).astimezone(self.tz) if p["starts_at"] else None
                p["end"] = _dt(p["ends_at"]).astimezone(self.tz) if p["ends_at"] else None
                p["title_release"], p["body_release"] = (
                    embargo.release_times(p["abstract_id"], _dt(s["starts_at"]))
                    if p["is_abstract"]
                    else (None, None)
                )
                for moment in (p["title_release"], p["body_release"]):
                    if moment is not None:
                        releases.add(moment)
                p["speaker_people"] = [
                    self.speakers[i] for i in p["speakers"] if i in self.speakers
                ]
                p["_hay_title"] = " ".join(
                    [p["title"]] + [x["name"] for x in p["speaker_people"]]
                ).lower()
                p["_hay_names"] = " ".join(x["name"] for x in p["speaker_people"]).lower()
                p["_hay_body"] = " ".join(text for _, text in p["sections"]).lower()
                self.presentation_by_id[p["id"]] = (p, s)
                for speaker in p["speaker_people"]:
                    self.speaker_items[speaker["id"]].append((s, "speaker", p))
        self.days = sorted(self.sessions_by_day)
        self.releases = sorted(releases)
        #: (kind, embargo epoch) -> rendered export (see export_store).
        self.exports: dict[tuple[str, int, str], bytes] = {}
        #: {session id: disclosure line} of accredited sessions, from the CME domain, and the
        #: CME state they were built for (see conference.program.exports.notes).
        self.disclosure_lines: dict[int, str] = {}
        self.disclosure_fingerprint = ""

    # -- embargo ---------------------------------------------------------------------------

    @staticmethod
    def title_public(p: dict, now: datetime) -> bool:
        if not p["is_abstract"]:
            return True
        return p["title_release"] is not None and p["title_release"] <= now

    @staticmethod
    def body_public(p: dict, now: datetime) -> bool:
        if not p["is_abstract"]:
            return True
        return p["body_release"] is not None and p["body_release"] <= now

    def public_title(self, p: dict, now: datetime) -> str:
        if self.title_public(p, now):
            return p["title"]
        if p.get("number"):
            return gettext("Abstract %(number)s (title embargoed)", number=p["number"])
        return gettext("Abstract (title embargoed)")

    def public_sections(self, p: dict, now: datetime) -> list:
        return p["sections"] if self.body_public(p, now) else []

    def next_release_after(self, now: datetime) -> datetime | None:
        index = bisect.bisect_right(self.releases, now)
        return self.releases[index] if index < len(self.releases) else None

    def embargo_epoch(self, now: datetime) -> int:
        """How many release times have passed: the embargo state of every text at `now`."""
        return bisect.bisect_right(self.releases, now)

    # -- reads -----------------------------------------------------------------------------

    def filter_sessions(
        self,
        *,
        day: date | None = None,
        track: str | None = None,
        room: int | None = None,
        q: str | None = None,
        now: datetime | None = None,
    ) -> list[dict]:
        sessions = self.sessions_by_day.get(day, []) if day else self.sessions
        if track:
            track_obj = self.track_by_slug.get(track)
            track_id = track_obj["id"] if track_obj else -1
            sessions = [s for s in sessions if s["track_id"] == track_id]
        if room:
            sessions = [s for s in sessions if s["room_id"] == room]
        if q:
            needle = q.strip().lower()
            now = now or utcnow()
            sessions = [s for s in sessions if self._matches(s, needle, now)]
        return sessions

    def _matches(self, s: dict, needle: str, now: datetime) -> bool:
        if needle in s["_hay"]:
            return True
        for p in s["presentations"]:
            if self.title_public(p, now):
                if needle in p["_hay_title"]:
                    return True
            elif needle in p["_hay_names"]:
                return True
            if needle in p["_hay_body"] and self.body_public(p, now):
                return True
        return False

    def day_cme(self, day: date) -> DayCredits:
        """Credits offered on `day`, and the most one person can claim (see cme.day_credits)."""
        return cme_day_credits(
            (s["start"], s["end"], s["cme_credits"]) for s in self.sessions_by_day.get(day, [])
        )

    def __repr__(self) -> str:
        return f"<PublishedProgram v{self.number}>"


def latest_version_head(congress: Congress):
    """(id, number, published_at) of the latest published version, or None; one small query."""
    return db.session.execute(
        select(ProgramVersion.id, ProgramVersion.number, ProgramVersion.published_at)
        .where(ProgramVersion.congress_id == congress.id)
        .order_by(ProgramVersion.number.desc())
        .limit(1)
    ).first()


def version_key(congress: Congress, head, embargo: EmbargoState) -> tuple:
    """Cache key of a published version as the public sees it now: changes with every
    publish and with every release time or decision the embargo depends on."""
    return (congress.id, head.id, head.number, head.published_at.isoformat(), embargo.fingerprint)


def get_published_program(
    congress: Congress | None, *, head=None, embargo: EmbargoState | None = None
) -> PublishedProgram | None:
    """The latest published version as the public sees it now (two small queries when it is
    already parsed; `head` and `embargo` when the caller has just read them)."""
    if congress is None:
        return None
    head = head or latest_version_head(congress)
    if head is None:
        return None
    embargo = embargo or current_embargo(congress)
    key = version_key(congress, head, embargo)
    program = _CACHE.get(key)
    if program is None:
        snapshot = db.session.scalar(
            select(ProgramVersion.snapshot).where(ProgramVersion.id == head.id)
        )
        program = PublishedProgram(head.id, head.number, head.published_at, snapshot, embargo)
        with _LOCK:
            _CACHE.clear()
            _CACHE[key] = program
    return program


def _version_heads(congress: Congress, *where) -> list:
    return list(
        db.session.execute(
            select(
                ProgramVersion.id,
                ProgramVersion.number,
                ProgramVersion.published_at,
                ProgramVersion.changes,
                ProgramVersion.acknowledged,
                User.name.label("published_by_name"),
                User.email.label("published_by_email"),
            )
            .outerjoin(User, User.id == ProgramVersion.published_by_id)
            .where(ProgramVersion.congress_id == congress.id, *where)
            .order_by(ProgramVersion.number.desc())
        )
    )


def get_versions(congress: Congress) -> list:
    """Every published version, newest first, with who published it (no snapshots)."""
    return _version_heads(congress)


def latest_number(congress: Congress) -> int | None:
    """The number of the current public version (None before the first)."""
    return db.session.scalar(
        select(func.max(ProgramVersion.number)).where(ProgramVersion.congress_id == congress.id)
    )


def get_version(congress: Congress, number: int):
    """One published version (as in get_versions), or None."""
    if not is_id(number):
        return None
    rows = _version_heads(congress, ProgramVersion.number == number)
    return rows[0] if rows else None


def get_version_program(congress: Congress, number: int) -> PublishedProgram | None:
    """An old (or the latest) version's program, read from its own snapshot (not cached:
    organizers browse these rarely)."""
    if not is_id(number):
        return None
    row = db.session.execute(
        select(
            ProgramVersion.id,
            ProgramVersion.number,
            ProgramVersion.published_at,
            ProgramVersion.snapshot,
        ).where(ProgramVersion.congress_id == congress.id, ProgramVersion.number == number)
    ).first()
    if row is None:
        return None
    return PublishedProgram(
        row.id, row.number, row.published_at, row.snapshot, current_embargo(congress)
    )


@dataclass(frozen=True)
class Placement:
    """Where and when an abstract is presented in the published program (congress time)."""

    version: int
    session_id: int
    session_title: str
    format_label: str
    room: str | None
    starts_at: datetime
    ends_at: datetime | None
    board_number: str | None
    timezone: str


def get_abstract_placement(congress: Congress, abstract_id: int) -> Placement | None:
    """The abstract's place in the latest published version (never the draft), or None."""
    program = get_published_program(congress)
    if program is None or not is_id(abstract_id):
        return None
    for s in program.sessions:
        for p in s["presentations"]:
            if p.get("abstract_id") != abstract_id:
                continue
            return Placement(
                version=program.number,
                session_id=s["id"],
                session_title=s["title"],
                format_label=human(s.get("format"), "session_format"),
                room=s["room"]["name"] if s.get("room") else None,
                starts_at=p["start"] or s["start"],
                ends_at=p["end"] if p["start"] else s["end"],
                board_number=p.get("board_number"),
                timezone=program.congress["timezone"],
            )
    return None
