"""The organizer's day grid: what a view of the schedule editor shows (day, zoom, compact mode,
room and track filters, all read from GET parameters so links keep them) and where each session
block sits. The full page and the fragments returned after a move use the same functions."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from conference.program.queries import is_id
from conference.timeutil import local_day_bounds, local_to_utc, to_local

#: Zoom levels: pixels per minute vertically; "fit" also shrinks the room columns so that every
#: room of the day fits the width of the window (24 rooms in 1440 px).
ZOOMS = {"normal": 2, "fit": 1}
ZOOM_LABELS = {"normal": _l("Normal"), "fit": _l("Fit all rooms")}
DEFAULT_ZOOM = "normal"
#: The track filter's value for sessions without a track (breaks, mostly).
NO_TRACK = 0
FIRST_HOUR, LAST_HOUR = 7, 20
TRUE_VALUES = ("1", "y", "yes", "on", "true")


def _ids(values: Iterable[str], allow_zero: bool = False) -> tuple[int, ...]:
    ids = set()
    for value in values:
        value = (value or "").strip()
        if value.isdigit() and (is_id(int(value)) or (allow_zero and int(value) == 0)):
            ids.add(int(value))
    return tuple(sorted(ids))


@dataclass(frozen=True)
class EditorView:
    """One view of the editor. Unknown or malformed values fall back to the defaults."""

    day: date
    zoom: str = DEFAULT_ZOOM
    compact: bool = False
    rooms: tuple[int, ...] = ()  #: empty: every room
    tracks: tuple[int, ...] = ()  #: empty: every track; NO_TRACK: sessions without one

    @classmethod
    def from_args(cls, args, days: list[date]) -> EditorView:
        """Read a view from a MultiDict (request.args, or the hidden fields of a form)."""
        try:
            day = date.fromisoformat(args.get("day") or "")
        except ValueError:
            day = days[0]
        zoom = args.get("zoom") if args.get("zoom") in ZOOMS else DEFAULT_ZOOM
        return cls(
            day=day,
            zoom=zoom,
            compact=(args.get("compact") or "").lower() in TRUE_VALUES,
            rooms=_ids(args.getlist("room")),
            tracks=_ids(args.getlist("track"), allow_zero=True),
        )

    def known(self, room_ids: Iterable[int], track_ids: Iterable[int]) -> EditorView:
        """The same view without filter values that name no room or track of the congress."""
        rooms = tuple(i for i in self.rooms if i in set(room_ids))
        tracks = tuple(i for i in self.tracks if i in {*track_ids, NO_TRACK})
        return replace(self, rooms=rooms, tracks=tracks)

    def with_(self, **changes) -> EditorView:
        return replace(self, **changes)

    @property
    def px_per_minute(self) -> int:
        return ZOOMS[self.zoom]

    @property
    def is_filtered(self) -> bool:
        return bool(self.rooms or self.tracks)

    def args(self) -> dict:
        """URL parameters of this view (defaults left out), for url_for."""
        values: dict = {"day": self.day.isoformat()}
        if self.zoom != DEFAULT_ZOOM:
            values["zoom"] = self.zoom
        if self.compact:
            values["compact"] = "1"
        if self.rooms:
            values["room"] = list(self.rooms)
        if self.tracks:
            values["track"] = list(self.tracks)
        return values

    def fields(self) -> list[tuple[str, str]]:
        """The view as (name, value) pairs for hidden form fields."""
        pairs = []
        for name, value in self.args().items():
            for item in value if isinstance(value, list) else [value]:
                pairs.append((name, str(item)))
        return pairs

    def shows_room(self, room_id: int | None) -> bool:
        return not self.rooms or room_id in self.rooms

    def shows_track(self, track_id: int | None) -> bool:
        return not self.tracks or (track_id or NO_TRACK) in self.tracks


@dataclass(frozen=True)
class Grid:
    """The vertical scale of one day: hours shown and pixels per minute."""

    day: date
    tz: object
    first_hour: int
    last_hour: int
    px_per_minute: int

    @classmethod
    def for_day(cls, day: date, tz, times: Iterable[tuple[datetime, datetime]], px: int) -> Grid:
        """Hours from 07:00 to 20:00, widened to every session of the day (all of them, not
        only the filtered ones, so that a filter never shifts the grid)."""
        first_hour, last_hour = FIRST_HOUR, LAST_HOUR
        for starts_at, ends_at in times:
            first_hour = min(first_hour, to_local(starts_at, tz).hour)
            local_end = to_local(ends_at, tz)
            last_hour = max(last_hour, local_end.hour + (1 if local_end.minute else 0))
        return cls(day, tz, first_hour, min(last_hour, 24), px)

    @property
    def starts_at(self) -> datetime:
        return local_to_utc(
            datetime.combine(self.day, datetime.min.time()).replace(hour=self.first_hour), self.tz
        )

    @property
    def hours(self) -> list[int]:
        return list(range(self.first_hour, self.last_hour))

    @property
    def height(self) -> int:
        return (self.last_hour - self.first_hour) * 60 * self.px_per_minute

    def shows(self, session) -> bool:
        """Whether the session lies (partly) on this day."""
        start, end = local_day_bounds(self.day, self.tz)
        return session.starts_at < end and session.ends_at > start

    def block(self, session, flagged: bool) -> dict:
        """What the session block partial needs: the session, its place and size, its local
        times, whether a conflict touches it and by how many minutes its talks overrun it."""
        minutes_from_top = int((session.starts_at - self.starts_at).total_seconds() // 60)
        return {
            "session": session,
            "top": max(0, minutes_from_top) * self.px_per_minute,
            "height": max(20, session.minutes * self.px_per_minute),
            "start": to_local(session.starts_at, self.tz),
            "end": to_local(session.ends_at, self.tz),
            "flagged": flagged,
            "overfull": session.overfull_minutes,
        }


def flagged_sessions(conflicts) -> set[int]:
    """Ids of the sessions a conflict names (their blocks are marked)."""
    return {o["id"] for c in conflicts for o in c.objects if o["type"] == "session"}
