"""Who is told what when a program version is published: one notice per person.

Compares the previously published snapshot with the new one, person by person (a person is
an email address: several speaker records or presentations with one address make one
message). Presenters are told about presentations newly placed, moved (time, room or
session) or removed; chairs and discussants about their sessions that moved (time or room).
The first version has no previous one, so every presenter is newly placed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext, ngettext

from conference.program.messages import NoticeLine

#: Email templates under templates/emails/: only new placements, or anything else.
PLACED_TEMPLATE = "program/placed"
CHANGED_TEMPLATE = "program/schedule_changed"


@dataclass
class Notice:
    """One person's changes in a new version; becomes exactly one message."""

    email: str
    name: str
    #: Lines written in the reader's language when shown (program.messages.NoticeLine).
    placed: list[NoticeLine] = field(default_factory=list)
    moved: list[NoticeLine] = field(default_factory=list)
    removed: list[NoticeLine] = field(default_factory=list)
    sessions_moved: list[NoticeLine] = field(default_factory=list)

    @property
    def template(self) -> str:
        if self.placed and not (self.moved or self.removed or self.sessions_moved):
            return PLACED_TEMPLATE
        return CHANGED_TEMPLATE

    @property
    def lines(self) -> list[str]:
        return [str(line) for line in self.placed + self.moved + self.removed + self.sessions_moved]

    @property
    def summary(self) -> str:
        """E.g. "1 newly placed, 1 moved"."""
        texts = []
        if self.placed:
            texts.append(gettext("%(num)d newly placed", num=len(self.placed)))
        if self.moved:
            texts.append(gettext("%(num)d moved", num=len(self.moved)))
        if self.removed:
            texts.append(gettext("%(num)d removed", num=len(self.removed)))
        if self.sessions_moved:
            texts.append(
                ngettext(
                    "%(num)d session you chair or discuss moved",
                    "%(num)d sessions you chair or discuss moved",
                    len(self.sessions_moved),
                )
            )
        return ", ".join(texts)

    def as_dict(self) -> dict:
        return {
            "email": self.email,
            "name": self.name,
            "template": self.template,
            "summary": self.summary,
            "placed": [str(line) for line in self.placed],
            "moved": [str(line) for line in self.moved],
            "removed": [str(line) for line in self.removed],
            "sessions_moved": [str(line) for line in self.sessions_moved],
        }


def _speakers(snapshot: dict) -> dict[int, dict]:
    return {int(k): v for k, v in (snapshot.get("speakers") or {}).items()}


def _address(speaker: dict | None) -> str:
    return ((speaker or {}).get("email") or "").strip().lower()


def _presentation_key(p: dict) -> str:
    """An abstract stays the same item even if its presentation row was made anew."""
    return f"a{p['abstract_id']}" if p.get("abstract_id") else f"p{p['id']}"


class _Placements:
    """Per email: {item key: (presentation, session)} and {(session id, role): session}."""

    def __init__(self, snapshot: dict | None):
        self.rooms: dict[int, str] = {}
        self.names: dict[str, str] = {}
        self.presenting: dict[str, dict[str, tuple[dict, dict]]] = {}
        self.roles: dict[str, dict[tuple[int, str], dict]] = {}
        if not snapshot:
            return
        self.rooms = {r["id"]: r["name"] for r in snapshot.get("rooms", [])}
        speakers = _speakers(snapshot)
        for s in snapshot.get("sessions", []):
            roles = (("chair", s.get("chairs", [])), ("discussant", s.get("discussants", [])))
            for role, ids in roles:
                for speaker_id in ids:
                    email = self._person(speakers.get(speaker_id))
                    if email:
                        self.roles.setdefault(email, {})[(s["id"], role)] = s
            for p in s.get("presentations", []):
                for speaker_id in p.get("speakers", []):
                    email = self._person(speakers.get(speaker_id))
                    if email:
                        self.presenting.setdefault(email, {})[_presentation_key(p)] = (p, s)

    def _person(self, speaker: dict | None) -> str:
        email = _address(speaker)
        if email:
            self.names.setdefault(email, speaker.get("name") or email)
        return email


def _span(p: dict | None, s: dict) -> tuple[str, str]:
    if p and p.get("starts_at"):
        return p["starts_at"], p.get("ends_at")
    return s["starts_at"], s["ends_at"]


def _place(p: dict | None, s: dict, rooms: dict[int, str]) -> dict:
    """Where and when, as plain data for the notice's sentence (program.messages)."""
    starts, ends = _span(p, s)
    return {
        "starts_at": starts,
        "ends_at": ends,
        "room": rooms.get(s.get("room_id")),
        "session": s["title"],
        "board_number": (p or {}).get("board_number"),
    }


def _moved(a: tuple[dict | None, dict], b: tuple[dict | None, dict]) -> bool:
    (op, os_), (np, ns) = a, b
    return _span(op, os_) != _span(np, ns) or os_.get("room_id") != ns.get("room_id")


def compute_notices(old: dict | None, new: dict, tz) -> list[Notice]:
    """Every person whose part changed from `old` to `new`, with their own lines."""
    before, after = _Placements(old), _Placements(new)
    notices: dict[str, Notice] = {}

    def notice(email: str) -> Notice:
        if email not in notices:
            name = after.names.get(email) or before.names.get(email) or email
            notices[email] = Notice(email=email, name=name)
        return notices[email]

    zone = str(tz)
    for email in sorted(set(before.presenting) | set(after.presenting)):
        old_items = before.presenting.get(email, {})
        new_items = after.presenting.get(email, {})
        for key, (p, s) in new_items.items():
            if key not in old_items:
                notice(email).placed.append(
                    NoticeLine("placed", title=p["title"], new=_place(p, s, after.rooms), tz=zone)
                )
            else:
                op, os_ = old_items[key]
                if _moved((op, os_), (p, s)) or os_["id"] != s["id"]:
                    notice(email).moved.append(
                        NoticeLine(
                            "moved",
                            title=p["title"],
                            new=_place(p, s, after.rooms),
                            old=_place(op, os_, before.rooms),
                            tz=zone,
                        )
                    )
        for key, (p, s) in old_items.items():
            if key not in new_items:
                notice(email).removed.append(
                    NoticeLine("removed", title=p["title"], old=_place(p, s, before.rooms), tz=zone)
                )
    for email in sorted(set(before.roles) & set(after.roles)):
        old_roles, new_roles = before.roles[email], after.roles[email]
        for (session_id, role), s in new_roles.items():
            os_ = old_roles.get((session_id, role))
            if os_ is not None and _moved((None, os_), (None, s)):
                notice(email).sessions_moved.append(
                    NoticeLine(
                        "session_moved",
                        title=s["title"],
                        role=role,
                        new=_place(None, s, after.rooms),
                        old=_place(None, os_, before.rooms),
                        tz=zone,
                    )
                )
    return sorted(notices.values(), key=lambda n: (n.name.lower(), n.email))
