"""Reads of the congress, its tracks and rooms."""

from __future__ import annotations

from sqlalchemy import select

from conference.congresses.context import get_current_congress  # noqa: F401 (re-exported)
from conference.extensions import db
from conference.program.models import Congress, Room, Track

#: The largest id an INTEGER primary key holds (PostgreSQL); larger ids from URLs or JSON
#: bodies would make the database raise instead of finding nothing.
MAX_ID = 2**31 - 1


def is_id(value) -> bool:
    """A value that can be a primary key (int, 1..MAX_ID); not a bool."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def get_tracks(congress: Congress, *, active_only: bool = False) -> list[Track]:
    query = select(Track).where(Track.congress_id == congress.id)
    if active_only:
        query = query.where(Track.is_active.is_(True))
    return list(db.session.scalars(query.order_by(Track.position, Track.id)))


def get_track_by_slug(congress: Congress, slug: str) -> Track | None:
    return db.session.scalar(
        select(Track).where(Track.congress_id == congress.id, Track.slug == slug)
    )


def get_rooms(congress: Congress) -> list[Room]:
    return list(
        db.session.scalars(
            select(Room).where(Room.congress_id == congress.id).order_by(Room.position, Room.id)
        )
    )


def get_room_ids(congress: Congress) -> set[int]:
    """Ids of the congress's rooms (door scans check theirs against it)."""
    return set(db.session.scalars(select(Room.id).where(Room.congress_id == congress.id)))
