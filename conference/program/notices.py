"""Who is told what when a program version is published: one notice per person.

Compares the previously published snapshot with the new one, person by person (a person is
an email address: several speaker records or presentations with one address make one
message). Presenters are told about presentations newly placed, moved (time, room or
session) or removed; chairs and discussants about their sessions that moved (time or room).
The first version has no previous one, so every presenter is newly placed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: Email templates under templates/emails/: only new placements, or anything else.
PLACED_TEMPLATE = "program/placed"
CHANGED_TEMPLATE = "program/schedule_changed"


@dataclass
class Notice:
    """One person's changes in a new version; becomes exactly one message."""

    email: str
    name: str
    placed: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    sessions_moved: list[str] = field(default_factory=list)

    @property
    def template(self) -> str:
        if self.placed and not (self.moved or self.removed or self.sessions_moved):
            return PLACED_TEMPLATE
        return CHANGED_TEMPLATE

    @property
    def lines(self) -> list[str]:
        return self.placed + self.moved + self.removed + self.sessions_moved

    @property
    def summary(self) -> str:
        """E.g. "1 newly placed, 1 moved"."""
        parts = [
            (len(self.placed), "newly placed"),
            (len(self.moved), "moved"),
            (len(self.removed), "removed"),
            (len(self.sessions_moved), "session(s) you chair or discuss moved"),
        ]
        return ", ".join(f"{n} {label}" for n, label in parts if n)

    def as_dict(self) -> dict:
        return {
            "email": self.email,
            "name": self.name,
            "template": self.template,
            "summary": self.summary,
            "placed": self.placed,
            "moved": self.moved,
            "removed": self.removed,
            "sessions_moved": self.sessions_moved,
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


def _when(p: dict | None, s: dict, tz) -> str:
    starts, ends = _span(p, s)
    start = datetime.fromisoformat(starts).astimezone(tz)
    text = start.strftime("%a %d %b %Y %H:%M")
    if ends:
        text += "\u2013" + datetime.fromisoformat(ends).astimezone(tz).strftime("%H:%M")
    return text


def _where(s: dict, rooms: dict[int, str]) -> str:
    return rooms.get(s.get("room_id"), "room to be announced")


def _placement(p: dict, s: dict, rooms, tz) -> str:
    text = f"{_when(p, s, tz)}, {_where(s, rooms)}, session “{s['title']}”"
    if p.get("board_number"):
        text += f", poster board {p['board_number']}"
    return text


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

    for email in sorted(set(before.presenting) | set(after.presenting)):
        old_items = before.presenting.get(email, {})
        new_items = after.presenting.get(email, {})
        for key, (p, s) in new_items.items():
            if key not in old_items:
                notice(email).placed.append(f"“{p['title']}”: {_placement(p, s, after.rooms, tz)}.")
            else:
                op, os_ = old_items[key]
                if _moved((op, os_), (p, s)) or os_["id"] != s["id"]:
                    notice(email).moved.append(
                        f"“{p['title']}”: now {_placement(p, s, after.rooms, tz)} "
                        f"(was {_placement(op, os_, before.rooms, tz)})."
                    )
        for key, (p, s) in old_items.items():
            if key not in new_items:
                notice(email).removed.append(
                    f"“{p['title']}” was removed from the program "
                    f"(it was {_placement(p, s, before.rooms, tz)})."
                )
    for email in sorted(set(before.roles) & set(after.roles)):
        old_roles, new_roles = before.roles[email], after.roles[email]
        for (session_id, role), s in new_roles.items():
            os_ = old_roles.get((session_id, role))
            if os_ is not None and _moved((None, os_), (None, s)):
                notice(email).sessions_moved.append(
                    f"Session “{s['title']}” (you are {role}): now {_when(None, s, tz)}, "
                    f"{_where(s, after.rooms)} (was {_when(None, os_, tz)}, "
                    f"{_where(os_, before.rooms)})."
                )
    return sorted(notices.values(), key=lambda n: (n.name.lower(), n.email))
