"""Sessions in rooms and time slots, their people and presentations, published versions,
and attendees' personal agendas."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.models import Base, TimestampMixin, utcnow
from conference.program.models import Room, Track


def new_guid() -> str:
    return str(uuid.uuid4())


class SessionFormat(enum.StrEnum):
    PLENARY = "plenary"
    ORAL = "oral"
    POSTER_DISCUSSION = "poster_discussion"
    POSTER = "poster"
    EDUCATIONAL = "educational"
    SYMPOSIUM = "symposium"
    TUMOUR_BOARD = "tumour_board"
    MEET_THE_PROFESSOR = "meet_the_professor"
    INDUSTRY_SATELLITE = "industry_satellite"
    BREAK = "break"


#: Shown in the reader's language; exports and imports use the English names (english_formats).
FORMAT_LABELS = {
    SessionFormat.PLENARY: _l("Plenary"),
    SessionFormat.ORAL: _l("Oral abstract session"),
    SessionFormat.POSTER_DISCUSSION: _l("Poster discussion"),
    SessionFormat.POSTER: _l("Poster session"),
    SessionFormat.EDUCATIONAL: _l("Educational session"),
    SessionFormat.SYMPOSIUM: _l("Symposium"),
    SessionFormat.TUMOUR_BOARD: _l("Tumour board"),
    SessionFormat.MEET_THE_PROFESSOR: _l("Meet the professor"),
    SessionFormat.INDUSTRY_SATELLITE: _l("Industry satellite symposium"),
    SessionFormat.BREAK: _l("Break"),
}


def english_formats() -> dict[SessionFormat, str]:
    """The English names of the formats: data in exports and frab imports, not interface."""
    from conference.i18n import in_language

    with in_language("en"):
        return {fmt: str(label) for fmt, label in FORMAT_LABELS.items()}


class SessionRole(enum.StrEnum):
    CHAIR = "chair"
    DISCUSSANT = "discussant"


class Speaker(Base):
    """A person on the program (chair, discussant, presenter), with or without an account."""

    __tablename__ = "speakers"
    __table_args__ = (UniqueConstraint("congress_id", "guid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(36), default=new_guid)
    name: Mapped[str] = mapped_column(String(200))
    #: Lower-cased; None for people known only by name (e.g. imported programs).
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    nothing_to_disclose: Mapped[bool] = mapped_column(default=False)
    #: [{"company": ..., "relationship": ...}] declared for the past 24 months.
    disclosures: Mapped[list] = mapped_column(JSON, default=list)

    def __repr__(self) -> str:
        return f"<Speaker {self.id} {self.name}>"


class ProgramSession(TimestampMixin, Base):
    """A session of the program: a format, a room and a time slot."""

    __tablename__ = "program_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="times_ordered"),
        CheckConstraint(
            "NOT (format = 'industry_satellite' AND is_accredited)", name="satellite_not_cme"
        ),
        CheckConstraint(
            "expected_audience IS NULL OR expected_audience >= 0",
            name="expected_audience_not_negative",
        ),
        CheckConstraint(
            "ticketed_seats IS NULL OR ticketed_seats >= 0", name="ticketed_seats_not_negative"
        ),
        Index("ix_program_sessions_congress_start", "congress_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(String(36), default=new_guid)
    title: Mapped[str] = mapped_column(String(300))
    format: Mapped[SessionFormat] = mapped_column(String(30))
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id", ondelete="SET NULL"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    description: Mapped[str] = mapped_column(Text, default="")
    is_accredited: Mapped[bool] = mapped_column(default=False)
    #: How many people the organizers expect (planning; compared with the room's seats).
    expected_audience: Mapped[int | None]
    #: Seats sold by ticket (meet-the-professor, workshops); None: no ticket is needed.
    ticketed_seats: Mapped[int | None]

    track: Mapped[Track | None] = relationship()
    room: Mapped[Room | None] = relationship()
    presentations: Mapped[list[Presentation]] = relationship(
        back_populates="session",
        order_by="Presentation.position, Presentation.id",
        cascade="all, delete-orphan",
    )
    people: Mapped[list[SessionPerson]] = relationship(
        back_populates="session",
        order_by="SessionPerson.position, SessionPerson.id",
        cascade="all, delete-orphan",
    )

    @property
    def chairs(self) -> list[Speaker]:
        return [p.speaker for p in self.people if p.role == SessionRole.CHAIR]

    @property
    def discussants(self) -> list[Speaker]:
        return [p.speaker for p in self.people if p.role == SessionRole.DISCUSSANT]

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def talk_minutes(self) -> int:
        """The lengths of its timed presentations added up (posters have no times)."""
        return sum(
            int((p.ends_at - p.starts_at).total_seconds() // 60)
            for p in self.presentations
            if p.starts_at is not None and p.ends_at is not None
        )

    @property
    def overfull_minutes(self) -> int:
        """By how many minutes its presentations overrun the session (0 when they fit)."""
        return max(0, self.talk_minutes - self.minutes)

    def __repr__(self) -> str:
        return f"<ProgramSession {self.id} {self.title!r}>"


class SessionPerson(Base):
    """A chair or discussant of a session."""

    __tablename__ = "session_people"
    __table_args__ = (
        UniqueConstraint("session_id", "speaker_id", "role"),
        CheckConstraint("role IN ('chair', 'discussant')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("program_sessions.id", ondelete="CASCADE"), index=True
    )
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[SessionRole] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[ProgramSession] = relationship(back_populates="people")
    speaker: Mapped[Speaker] = relationship()

    def __repr__(self) -> str:
        return f"<SessionPerson {self.role} {self.speaker_id} in {self.session_id}>"


class Presentation(Base):
    """An accepted abstract or an invited talk inside a session (posters: a board number)."""

    __tablename__ = "presentations"
    __table_args__ = (
        UniqueConstraint("abstract_id"),
        CheckConstraint(
            "ends_at IS NULL OR starts_at IS NULL OR ends_at > starts_at", name="times_ordered"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("program_sessions.id", ondelete="CASCADE"), index=True
    )
    guid: Mapped[str] = mapped_column(String(36), default=new_guid)
    abstract_id: Mapped[int | None] = mapped_column(ForeignKey("abstracts.id", ondelete="CASCADE"))
    #: Title and text of an invited talk (an abstract's come from the abstract).
    title: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    type_label: Mapped[str] = mapped_column(String(60), default="")
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    board_number: Mapped[str | None] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0)

    session: Mapped[ProgramSession] = relationship(back_populates="presentations")
    abstract = relationship("Abstract")
    speakers: Mapped[list[PresentationSpeaker]] = relationship(
        back_populates="presentation",
        order_by="PresentationSpeaker.position",
        cascade="all, delete-orphan",
    )

    @property
    def display_title(self) -> str:
        return self.abstract.title if self.abstract is not None else self.title

    def __repr__(self) -> str:
        return f"<Presentation {self.id} in {self.session_id}>"


class PresentationSpeaker(Base):
    """A speaker of a presentation, in order (the first presents)."""

    __tablename__ = "presentation_speakers"
    __table_args__ = (UniqueConstraint("presentation_id", "speaker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    presentation_id: Mapped[int] = mapped_column(
        ForeignKey("presentations.id", ondelete="CASCADE"), index=True
    )
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("speakers.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    presentation: Mapped[Presentation] = relationship(back_populates="speakers")
    speaker: Mapped[Speaker] = relationship()

    def __repr__(self) -> str:
        return f"<PresentationSpeaker {self.speaker_id} of {self.presentation_id}>"


class ProgramVersion(Base):
    """A published program: a frozen snapshot that the public pages and exports serve."""

    __tablename__ = "program_versions"
    __table_args__ = (UniqueConstraint("congress_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    snapshot: Mapped[dict] = mapped_column(JSON)
    #: Changes since the previous version: [{"kind", "message", ...}].
    changes: Mapped[list] = mapped_column(JSON, default=list)
    #: Conflicts the organizer acknowledged when publishing: [{"key", "kind", "message"}].
    acknowledged: Mapped[list] = mapped_column(JSON, default=list)
    #: Not stored: how many emails publishing this version queued (set by publish_program).
    messages_queued = 0

    def __repr__(self) -> str:
        return f"<ProgramVersion {self.number}>"


class ProgramExport(Base):
    """A rendered export (ics, xml, json, csv, pdf) of a published version, shared by every
    worker. `embargo_fingerprint` is the embargo state it was built for (every release time
    and decision it depends on); `embargo_epoch` is how many embargo release times had passed
    when it was built: when either changes, the key changes and the export is built again."""

    __tablename__ = "program_exports"
    __table_args__ = (
        UniqueConstraint("version_id", "kind", "embargo_fingerprint", "embargo_epoch"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("program_versions.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    #: conference.abstracts.embargo.EmbargoState.fingerprint when it was built.
    embargo_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    embargo_epoch: Mapped[int] = mapped_column(default=0)
    #: Current from the last release time before it was built (None: from the start) until
    #: the next one (None: for good): a request finds it by time without parsing the snapshot.
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    #: The same bytes gzip-compressed once when stored, so no request pays for compression.
    content_gzip: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: Hash of `content`: the HTTP validator (ETag) of this export.
    etag: Mapped[str] = mapped_column(String(64), default="")

    def __repr__(self) -> str:
        return f"<ProgramExport {self.kind} of version {self.version_id} ({self.embargo_epoch})>"


class BookBuildStatus(enum.StrEnum):
    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"
    #: A newer publish (or embargo state) made this build pointless before it was ready.
    SUPERSEDED = "superseded"


class ProgramBookBuild(Base):
    """The program book (PDF) of a published version for one embargo state, built by the
    background worker (conference.program.book): queued at publish, claimed with a lease,
    its progress counted in sessions, stored through conference.storage when ready."""

    __tablename__ = "program_book_builds"
    __table_args__ = (
        UniqueConstraint("version_id", "embargo_fingerprint", "embargo_epoch"),
        CheckConstraint(
            "status IN ('queued', 'building', 'ready', 'failed', 'superseded')",
            name="book_build_status",
        ),
        CheckConstraint("done >= 0 AND total >= 0", name="book_build_progress"),
        Index("ix_program_book_builds_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), index=True
    )
    version_id: Mapped[int] = mapped_column(ForeignKey("program_versions.id", ondelete="CASCADE"))
    #: The embargo state it is built for (as ProgramExport): its texts are public under it.
    embargo_fingerprint: Mapped[str] = mapped_column(String(64))
    embargo_epoch: Mapped[int] = mapped_column(default=0)
    #: The release times around `embargo_epoch`: the book is current from..until.
    valid_from: Mapped[datetime | None]
    valid_until: Mapped[datetime | None]
    status: Mapped[BookBuildStatus] = mapped_column(String(12), default=BookBuildStatus.QUEUED)
    #: Sessions laid out so far, of `total` (the organizers' progress bar).
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    #: A queued or failed build is taken by a worker from then on (None: not again by itself).
    next_attempt_at: Mapped[datetime | None]
    #: The worker building it (random per attempt) and until when its claim holds; renewed
    #: with every progress report, so a killed worker's build is taken over after it.
    holder: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    built_at: Mapped[datetime | None]
    #: conference.storage key of the PDF once ready.
    storage_key: Mapped[str | None] = mapped_column(String(255))
    etag: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ProgramBookBuild {self.id} of version {self.version_id} {self.status}>"


class AgendaItem(Base):
    """A session an attendee starred into their personal agenda."""

    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("user_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("program_sessions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<AgendaItem {self.user_id}:{self.session_id}>"


class AgendaFeed(Base):
    """The private token of an attendee's agenda calendar feed."""

    __tablename__ = "agenda_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<AgendaFeed {self.user_id}>"
