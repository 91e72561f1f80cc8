"""The congress itself, its tracks and its rooms."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.models import Base, TimestampMixin, utcnow


class CountingPreset(enum.StrEnum):
    """Abstract length rules used by known meetings (DOMAIN.md)."""

    ASCO = "asco"
    SABCS = "sabcs"
    ESSO = "esso"
    CUSTOM = "custom"


class TableCounting(enum.StrEnum):
    """How a table counts towards the abstract length."""

    CHARACTERS = "characters"
    FLAT = "flat"


#: Settings applied by each preset; CUSTOM keeps whatever the organizer set.
COUNTING_PRESETS: dict[CountingPreset, dict] = {
    CountingPreset.ASCO: {
        "length_limit": 2000,
        "count_title": True,
        "count_headings": False,
        "count_spaces": False,
        "table_counting": TableCounting.CHARACTERS,
        "table_flat_amount": 0,
    },
    CountingPreset.SABCS: {
        "length_limit": 3400,
        "count_title": False,
        "count_headings": False,
        "count_spaces": False,
        "table_counting": TableCounting.FLAT,
        "table_flat_amount": 320,
    },
    CountingPreset.ESSO: {
        "length_limit": 2900,
        "count_title": False,
        "count_headings": False,
        "count_spaces": True,
        "table_counting": TableCounting.CHARACTERS,
        "table_flat_amount": 0,
    },
}


class Congress(TimestampMixin, Base):
    """One congress (meeting edition) with its dates, place and per-congress rules."""

    __tablename__ = "congresses"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="dates_ordered"),
        CheckConstraint("length_limit > 0", name="length_limit_positive"),
        CheckConstraint("reviews_per_abstract > 0", name="reviews_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(40))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    #: The main language of the organizers' own texts (its columns); other languages are
    #: in conference.content, falling back to this one.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    #: IANA time zone name; every time is stored in UTC and shown in this zone.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Vienna")
    venue: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    #: ISO 3166-1 alpha-2.
    country: Mapped[str] = mapped_column(String(2), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    #: ISO 4217 code of every fee.
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    website: Mapped[str] = mapped_column(String(300), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    #: Set when the congress is archived: still readable, closed for changes.
    archived_at: Mapped[datetime | None]

    # Key dates (UTC).
    abstract_submission_opens_at: Mapped[datetime | None]
    abstract_submission_closes_at: Mapped[datetime | None]
    late_breaking_opens_at: Mapped[datetime | None]
    late_breaking_closes_at: Mapped[datetime | None]
    abstract_withdrawal_closes_at: Mapped[datetime | None]
    review_closes_at: Mapped[datetime | None]
    registration_opens_at: Mapped[datetime | None]
    #: The early fee applies until this moment, then the regular fee.
    early_fee_closes_at: Mapped[datetime | None]
    #: The regular (advance) fee applies until this moment, then the on-site fee.
    regular_fee_closes_at: Mapped[datetime | None]
    refund_deadline_at: Mapped[datetime | None]
    #: Default embargo: accepted abstracts' titles are public from this moment (None: never).
    abstract_titles_release_at: Mapped[datetime | None]
    #: Default embargo of abstract bodies (late-breaking ones: when their session starts).
    abstract_bodies_release_at: Mapped[datetime | None]

    # Abstract rules (DOMAIN.md defaults; organizers change them per congress).
    counting_preset: Mapped[CountingPreset] = mapped_column(String(20), default=CountingPreset.ASCO)
    length_limit: Mapped[int] = mapped_column(default=2000)
    count_title: Mapped[bool] = mapped_column(default=True)
    count_headings: Mapped[bool] = mapped_column(default=False)
    count_spaces: Mapped[bool] = mapped_column(default=False)
    table_counting: Mapped[TableCounting] = mapped_column(
        String(20), default=TableCounting.CHARACTERS
    )
    table_flat_amount: Mapped[int] = mapped_column(default=0)
    max_tables: Mapped[int] = mapped_column(default=1)
    max_authors: Mapped[int] = mapped_column(default=20)
    first_author_quota: Mapped[int] = mapped_column(default=2)
    reviews_per_abstract: Mapped[int] = mapped_column(default=3)
    #: Fee per submitted abstract in the congress currency (None or 0: no fee).
    abstract_fee: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    #: ISO country codes whose authors pay no abstract fee (None: the default list).
    abstract_fee_waiver_countries: Mapped[list | None] = mapped_column(JSON)

    tracks: Mapped[list[Track]] = relationship(
        back_populates="congress", order_by="Track.position, Track.id"
    )
    rooms: Mapped[list[Room]] = relationship(
        back_populates="congress", order_by="Room.position, Room.id"
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def key_dates(self) -> list[tuple[str, datetime]]:
        """Return the congress's deadlines in time order, labelled in the reader's language."""
        labels = [
            (_("Abstract submission opens"), self.abstract_submission_opens_at),
            (_("Abstract submission closes"), self.abstract_submission_closes_at),
            (_("Late-breaking abstracts open"), self.late_breaking_opens_at),
            (_("Late-breaking abstracts close"), self.late_breaking_closes_at),
            (_("Abstract withdrawal deadline"), self.abstract_withdrawal_closes_at),
            (_("Review closes"), self.review_closes_at),
            (_("Registration opens"), self.registration_opens_at),
            (_("Early registration fee ends"), self.early_fee_closes_at),
            (_("Regular registration fee ends"), self.regular_fee_closes_at),
            (_("Refund deadline"), self.refund_deadline_at),
            (_("Accepted abstract titles published"), self.abstract_titles_release_at),
            (_("Abstract texts published"), self.abstract_bodies_release_at),
        ]
        return sorted(((label, at) for label, at in labels if at), key=lambda item: item[1])

    def is_abstract_submission_open(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        opens, closes = self.abstract_submission_opens_at, self.abstract_submission_closes_at
        return bool(opens and closes and opens <= now < closes)

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def __repr__(self) -> str:
        return f"<Congress {self.slug}>"


class Track(Base):
    """A scientific topic; abstracts and most sessions belong to one."""

    __tablename__ = "tracks"
    __table_args__ = (
        UniqueConstraint("congress_id", "slug"),
        UniqueConstraint("congress_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    #: "#rrggbb", used in the program grid.
    colour: Mapped[str] = mapped_column(String(7), default="#455a64")
    position: Mapped[int] = mapped_column(default=0)
    is_active: Mapped[bool] = mapped_column(default=True)

    congress: Mapped[Congress] = relationship(back_populates="tracks")

    def __repr__(self) -> str:
        return f"<Track {self.slug}>"


class RoomKind(enum.StrEnum):
    """What a space of the venue is for: the separation of promotion from accredited education
    is a rule of session rooms (an exhibition or poster area holds no accredited session)."""

    SESSION_ROOM = "session_room"
    EXHIBITION_AREA = "exhibition_area"
    POSTER_AREA = "poster_area"


ROOM_KIND_LABELS = {
    RoomKind.SESSION_ROOM: _l("Session room"),
    RoomKind.EXHIBITION_AREA: _l("Exhibition area"),
    RoomKind.POSTER_AREA: _l("Poster area"),
}


class Room(Base):
    """A room of the venue, with its seated capacity."""

    __tablename__ = "rooms"
    __table_args__ = (
        UniqueConstraint("congress_id", "name"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint(
            "kind IN ('session_room', 'exhibition_area', 'poster_area')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[RoomKind] = mapped_column(
        String(20), default=RoomKind.SESSION_ROOM, server_default=RoomKind.SESSION_ROOM.value
    )

    congress: Mapped[Congress] = relationship(back_populates="rooms")

    def __repr__(self) -> str:
        return f"<Room {self.name}>"
