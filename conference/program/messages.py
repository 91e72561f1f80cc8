"""Sentences about the schedule, written in the reader's language when they are read.

Conflicts, the changes of a published version and the lines of a presenter's notice are kept
as a kind and plain parameters (titles, names, ISO times, the time zone). A stored version
keeps them too, so an organizer reading it in German, or a presenter getting the notice in
Spanish, reads whole translated sentences with the times formatted for their language;
versions published before the parameters were kept show the English message they stored.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from conference.i18n import format_when

#: Times in sentences: "Mon 14 Sep 09:05", "lun. 14 sept. 09:05".
WHEN = "%a %d %b %H:%M"
WHEN_WITH_YEAR = "%a %d %b %Y %H:%M"


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def when(value: str | datetime | None, tz: str | ZoneInfo | None, fmt: str = WHEN) -> str:
    """An ISO time (or a datetime) in the congress time zone, in the reader's language."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return format_when(moment, fmt, tz=zone)


def day(value: str | date | None, fmt: str = "%d %b %Y") -> str:
    if not value:
        return ""
    return format_when(date.fromisoformat(value) if isinstance(value, str) else value, fmt)


def role_phrase(role: str, title: str) -> str:
    if role == "chair":
        return _("chair of “%(session)s”", session=title)
    if role == "discussant":
        return _("discussant of “%(session)s”", session=title)
    return _("presenting “%(title)s”", title=title)


def faculty_role(role: str) -> str:
    """A faculty role of a session, in the reader's language."""
    return {
        "chair": _("chair"),
        "discussant": _("discussant"),
        "speaker": _("speaker"),
        "invited_speaker": _("invited speaker"),
        "presenting_author": _("presenting author"),
    }.get(role, role.replace("_", " "))


def outcome_label(code: str) -> str:
    from conference.labels import human

    return human(code, "outcome")


def conflict_message(kind: str, params: dict) -> str:
    """The sentence describing a schedule conflict (conference.program.conflicts)."""
    p = params
    tz = p.get("tz")
    if kind == "room_overlap":
        return _(
            "%(room)s is used twice at once: “%(first)s” and “%(second)s” (%(when)s).",
            room=p["room"],
            first=p["first"],
            second=p["second"],
            when=when(p["at"], tz),
        )
    if kind == "unmitigated_disclosure":
        who = _(
            "%(name)s (%(role)s of the accredited session “%(session)s”)",
            name=p["name"],
            role=faculty_role(p["role"]),
            session=p["session"],
        )
        if p["problem"] == "missing":
            return _(
                "%(who)s has not disclosed their financial relationships: the session cannot "
                "be published as accredited until the CME officer clears it.",
                who=who,
            )
        if p["problem"] == "owner_employee":
            return _(
                "%(who)s owns or works for an ineligible company: the session cannot be "
                "published as accredited until the CME officer records an allowed case or "
                "the person leaves the session.",
                who=who,
            )
        if p["problem"] == "pending":
            return _(
                "%(who)s has disclosed relationships that the CME officer has not reviewed "
                "yet: the session cannot be published as accredited until the CME officer "
                "clears it.",
                who=who,
            )
        return _(
            "%(who)s has a relevant financial relationship that is not mitigated: the "
            "session cannot be published as accredited until the CME officer clears it.",
            who=who,
        )
    if kind == "satellite_too_close":
        return _(
            "Industry satellite “%(satellite)s” is within %(minutes)s minutes of the "
            "accredited session “%(session)s” in %(room)s.",
            satellite=p["satellite"],
            minutes=p["minutes"],
            session=p["session"],
            room=p["room"],
        )
    if kind == "exhibit_too_close":
        return _(
            "Exhibit “%(exhibit)s” is in %(room)s, a session room, within %(minutes)s minutes "
            "of the accredited session “%(session)s”: move it to an exhibition area.",
            exhibit=p["exhibit"],
            minutes=p["minutes"],
            session=p["session"],
            room=p["room"],
        )
    if kind == "outside_congress":
        return _(
            "“%(title)s” (%(when)s) is outside the congress days (%(first_day)s to %(last_day)s).",
            title=p["title"],
            when=when(p["at"], tz),
            first_day=day(p["first_day"], "%d %b"),
            last_day=day(p["last_day"]),
        )
    if kind == "over_capacity":
        return _(
            "“%(title)s” expects an audience of %(audience)s but %(room)s has %(capacity)s seats.",
            title=p["title"],
            audience=p["audience"],
            room=p["room"],
            capacity=p["capacity"],
        )
    if kind == "not_presentable":
        return _(
            "Abstract %(abstract)s is in “%(session)s” but is not accepted for presentation "
            "(withdrawn, not accepted, or its acceptance not released): remove it from the "
            "program.",
            abstract=p["abstract"],
            session=p["session"],
        )
    if kind == "outside_session":
        return _(
            "“%(title)s” (%(when)s) is outside its session “%(session)s”.",
            title=p["title"],
            when=when(p["at"], tz),
            session=p["session"],
        )
    if kind == "person_overlap":
        first = role_phrase(p["first_role"], p["first"])
        second = role_phrase(p["second_role"], p["second"])
        if p.get("both_talks"):
            return _(
                "%(name)s has two talks at the same time: %(first)s and %(second)s (%(when)s).",
                name=p["name"],
                first=first,
                second=second,
                when=when(p["at"], tz),
            )
        return _(
            "%(name)s is in two places at once: %(first)s and %(second)s (%(when)s).",
            name=p["name"],
            first=first,
            second=second,
            when=when(p["at"], tz),
        )
    if kind == "unscheduled_abstract":
        return _(
            "Accepted abstract %(abstract)s (%(outcome)s) has no slot in the program.",
            abstract=p["abstract"],
            outcome=outcome_label(p["outcome"]),
        )
    return p.get("message", kind)


def _room(name: str | None) -> str:
    return name or "—"


def change_message(change: dict) -> str:
    """The sentence of one change of a published version (stored in ProgramVersion.changes)."""
    params = change.get("params")
    if params is None:
        return change.get("message", "")
    p, kind = params, change.get("kind")
    tz = p.get("tz")
    if kind == "first_version":
        return _("First published version of the program.")
    if kind == "session_added":
        return _("New session “%(title)s” (%(when)s).", title=p["title"], when=when(p["at"], tz))
    if kind == "session_removed":
        return _("Session “%(title)s” was removed.", title=p["title"])
    if kind == "session_changed":
        parts = []
        if "old_at" in p:
            parts.append(
                _("time %(old)s → %(new)s", old=when(p["old_at"], tz), new=when(p["new_at"], tz))
            )
        if "old_room" in p:
            parts.append(
                _("room %(old)s → %(new)s", old=_room(p["old_room"]), new=_room(p["new_room"]))
            )
        if "old_title" in p:
            parts.append(_("title “%(old)s” → “%(new)s”", old=p["old_title"], new=p["title"]))
        return _("“%(title)s”: %(changes)s.", title=p["title"], changes="; ".join(parts))
    if kind == "presentation_added":
        return _("“%(title)s” added to “%(session)s”.", title=p["title"], session=p["session"])
    if kind == "presentation_moved":
        return _(
            "“%(title)s”: now %(when)s in %(room)s (was %(old_when)s in %(old_room)s), "
            "session “%(session)s”.",
            title=p["title"],
            when=when(p["at"], tz),
            room=_room(p["room"]),
            old_when=when(p["old_at"], tz),
            old_room=_room(p["old_room"]),
            session=p["session"],
        )
    if kind == "presentation_removed":
        return _("“%(title)s” was removed from the program.", title=p["title"])
    return change.get("message", "")


def localized_change(change: dict) -> dict:
    """A stored change with its message in the reader's language (pages and the API)."""
    return {**change, "message": change_message(change)}


def localized_conflict(conflict: dict) -> dict:
    """A stored (acknowledged) conflict with its message in the reader's language."""
    if conflict.get("params") is None:
        return conflict
    return {**conflict, "message": conflict_message(conflict["kind"], conflict["params"])}


# -- lines of a presenter's notice (conference.program.notices) ------------------------------


def _span_text(span: dict, tz) -> str:
    text = when(span["starts_at"], tz, WHEN_WITH_YEAR)
    if span.get("ends_at"):
        text += "\u2013" + format_when(_dt(span["ends_at"]), "%H:%M", tz=tz)
    return text


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def placement_text(place: dict, tz) -> str:
    """Where and when a presentation is, as one phrase of a notice line."""
    room = place.get("room") or _("room to be announced")
    if place.get("board_number"):
        return _(
            "%(when)s, %(room)s, session “%(session)s”, poster board %(board)s",
            when=_span_text(place, tz),
            room=room,
            session=place["session"],
            board=place["board_number"],
        )
    return _(
        "%(when)s, %(room)s, session “%(session)s”",
        when=_span_text(place, tz),
        room=room,
        session=place["session"],
    )


class NoticeLine:
    """One line of a presenter's notice; written in the language current when it is shown
    (the email is rendered in its recipient's language, the preview in the organizer's)."""

    __slots__ = ("kind", "params")

    def __init__(self, kind: str, **params):
        self.kind = kind
        self.params = params

    def __str__(self) -> str:
        p = self.params
        tz = ZoneInfo(p["tz"])
        if self.kind == "placed":
            return _(
                "“%(title)s”: %(placement)s.",
                title=p["title"],
                placement=placement_text(p["new"], tz),
            )
        if self.kind == "moved":
            return _(
                "“%(title)s”: now %(placement)s (was %(old_placement)s).",
                title=p["title"],
                placement=placement_text(p["new"], tz),
                old_placement=placement_text(p["old"], tz),
            )
        if self.kind == "removed":
            return _(
                "“%(title)s” was removed from the program (it was %(placement)s).",
                title=p["title"],
                placement=placement_text(p["old"], tz),
            )
        room = p["new"].get("room") or _("room to be announced")
        old_room = p["old"].get("room") or _("room to be announced")
        if p["role"] == "discussant":
            return _(
                "Session “%(title)s” (you are discussant): now %(when)s, %(room)s (was "
                "%(old_when)s, %(old_room)s).",
                title=p["title"],
                when=_span_text(p["new"], tz),
                room=room,
                old_when=_span_text(p["old"], tz),
                old_room=old_room,
            )
        return _(
            "Session “%(title)s” (you are chair): now %(when)s, %(room)s (was %(old_when)s, "
            "%(old_room)s).",
            title=p["title"],
            when=_span_text(p["new"], tz),
            room=room,
            old_when=_span_text(p["old"], tz),
            old_room=old_room,
        )

    def __eq__(self, other) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return f"<NoticeLine {self.kind} {str(self)!r}>"
