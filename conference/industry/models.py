"""Sponsorship packages, sponsors and their contact people, benefits, contracts, booths,
exhibitor passes and leads (badge scans at a booth)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.models import Base, TimestampMixin, utcnow
from conference.program.models import Congress


class SponsorshipPackage(TimestampMixin, Base):
    """A tier organizers sell (Platinum, Gold, ...), with how many can be sold."""

    __tablename__ = "industry_packages"
    __table_args__ = (
        UniqueConstraint("congress_id", "name"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("available >= 0", name="available_not_negative"),
        CheckConstraint("sold >= 0 AND sold <= available", name="sold_within_available"),
        CheckConstraint("exhibitor_passes >= 0", name="passes_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    #: How many companies can buy it.
    available: Mapped[int] = mapped_column(default=1)
    #: Taken by one conditional UPDATE per sign-up (never above `available`).
    sold: Mapped[int] = mapped_column(default=0)
    #: Exhibitor passes included (staff registered without paying).
    exhibitor_passes: Mapped[int] = mapped_column(default=0)
    #: Booth size included, e.g. "3 x 3 m" (empty: no booth).
    booth_size: Mapped[str] = mapped_column(String(40), default="")
    #: Benefits promised (one line each), copied to each sponsor's checklist at sign-up.
    benefits: Mapped[list] = mapped_column(JSON, default=list)
    #: Order on the public sponsors page (lower first: the highest tier).
    position: Mapped[int] = mapped_column(default=0)

    congress: Mapped[Congress] = relationship()

    @property
    def remaining(self) -> int:
        return self.available - self.sold

    def __repr__(self) -> str:
        return f"<SponsorshipPackage {self.name!r} {self.sold}/{self.available}>"


class Sponsor(TimestampMixin, Base):
    """A company signed up to a package, with its public profile."""

    __tablename__ = "industry_sponsors"
    __table_args__ = (
        UniqueConstraint("congress_id", "name"),
        CheckConstraint("passes_used >= 0", name="passes_used_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    package_id: Mapped[int] = mapped_column(ForeignKey("industry_packages.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    #: Legal name, address, country and VAT id of the company invoiced.
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(1000), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    vat_id: Mapped[str] = mapped_column(String(20), default="")
    #: Storage key of the logo (`sponsor-logos/<random>.png`), None without one.
    logo_key: Mapped[str | None] = mapped_column(String(220))
    logo_content_type: Mapped[str] = mapped_column(String(30), default="")
    #: Exhibitor passes registered so far (one conditional UPDATE per pass).
    passes_used: Mapped[int] = mapped_column(default=0)
    #: Number of the sponsor's invoice (issued by the money domain), once issued.
    invoice_number: Mapped[str | None] = mapped_column(String(40))
    signed_up_at: Mapped[datetime] = mapped_column(default=utcnow)

    congress: Mapped[Congress] = relationship()
    package: Mapped[SponsorshipPackage] = relationship()
    contacts: Mapped[list[SponsorContact]] = relationship(
        back_populates="sponsor", cascade="all, delete-orphan", order_by="SponsorContact.id"
    )
    benefits: Mapped[list[SponsorBenefit]] = relationship(
        back_populates="sponsor", cascade="all, delete-orphan", order_by="SponsorBenefit.position"
    )

    def can_manage(self, user) -> bool:
        """Organizers, and the sponsor's own contact people."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.has_role("organizer"):
            return True
        return any(contact.user_id == user.id for contact in self.contacts)

    def __repr__(self) -> str:
        return f"<Sponsor {self.name!r}>"


class SponsorContact(Base):
    """A person with an account who manages a sponsor's profile, passes and leads."""

    __tablename__ = "industry_sponsor_contacts"
    __table_args__ = (UniqueConstraint("sponsor_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("industry_sponsors.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    sponsor: Mapped[Sponsor] = relationship(back_populates="contacts")
    user = relationship("User")

    def __repr__(self) -> str:
        return f"<SponsorContact sponsor={self.sponsor_id} user={self.user_id}>"


class SponsorBenefit(Base):
    """One line of a sponsor's benefits checklist: promised by the package, then delivered."""

    __tablename__ = "industry_sponsor_benefits"

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(
        ForeignKey("industry_sponsors.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    delivered_at: Mapped[datetime | None]
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    sponsor: Mapped[Sponsor] = relationship(back_populates="benefits")

    def __repr__(self) -> str:
        return f"<SponsorBenefit {self.name!r} delivered={self.delivered_at is not None}>"


class IndustrySettings(Base):
    """Per-congress industry settings: the contract template and the exhibition floor plan."""

    __tablename__ = "industry_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(
        ForeignKey("congresses.id", ondelete="CASCADE"), unique=True
    )
    #: Contract text with placeholders ({sponsor}, {package}, {price}, {benefits}, ...).
    contract_template: Mapped[str] = mapped_column(Text, default="")
    #: Storage key of the floor plan image (PNG/JPEG), None without one.
    floor_plan_key: Mapped[str | None] = mapped_column(String(220))
    floor_plan_content_type: Mapped[str] = mapped_column(String(30), default="")

    def __repr__(self) -> str:
        return f"<IndustrySettings congress={self.congress_id}>"


class Booth(Base):
    """A booth in the exhibition area, placed on the floor plan, assigned to a sponsor."""

    __tablename__ = "industry_booths"
    __table_args__ = (
        UniqueConstraint("congress_id", "number"),
        CheckConstraint(
            "(x IS NULL OR (x >= 0 AND x <= 100)) AND (y IS NULL OR (y >= 0 AND y <= 100))",
            name="position_in_plan",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(20))
    #: The hall: a room of kind "exhibition area" of the congress (the program's separation
    #: rule reads it). None for a booth whose free-text hall matched no such room.
    room_id: Mapped[int | None] = mapped_column(
        ForeignKey("rooms.id", ondelete="SET NULL"), index=True
    )
    #: Free-text hall of booths made before halls were rooms (shown when there is no room).
    hall: Mapped[str] = mapped_column(String(80), default="")
    size: Mapped[str] = mapped_column(String(40), default="")
    #: Position on the floor plan, in per cent of its width and height.
    x: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    y: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    sponsor_id: Mapped[int | None] = mapped_column(
        ForeignKey("industry_sponsors.id", ondelete="SET NULL"), index=True
    )

    sponsor: Mapped[Sponsor | None] = relationship()
    room = relationship("Room")

    @property
    def hall_name(self) -> str:
        """The hall shown: its room's name, else the free-text label of an older booth."""
        return self.room.name if self.room is not None else self.hall

    def __repr__(self) -> str:
        return f"<Booth {self.number}>"


class ExhibitorPass(Base):
    """A sponsor's staff member registered on one of its exhibitor passes."""

    __tablename__ = "industry_exhibitor_passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsor_id: Mapped[int] = mapped_column(
        ForeignKey("industry_sponsors.id", ondelete="CASCADE"), index=True
    )
    #: The registration domain's registration (reference) of the staff member.
    registration_reference: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    #: One of the package's passes (free); False: bought beyond them at the exhibitor fee.
    is_included: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    sponsor: Mapped[Sponsor] = relationship()

    def __repr__(self) -> str:
        return f"<ExhibitorPass {self.registration_reference}>"


class Lead(Base):
    """One badge scanned at a sponsor's booth.

    Only the attendee's registration id is kept, and only when they had consented to share
    their details with exhibitors; the details themselves are read at export time, under the
    consent in force then (a withdrawn consent removes them from every company). Without
    consent the row is an anonymous count.
    """

    __tablename__ = "industry_leads"
    __table_args__ = (
        UniqueConstraint("sponsor_id", "scan_id"),
        UniqueConstraint("sponsor_id", "registration_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    sponsor_id: Mapped[int] = mapped_column(
        ForeignKey("industry_sponsors.id", ondelete="CASCADE"), index=True
    )
    #: Client-chosen id of the scan: sending it again records nothing more (offline replay).
    scan_id: Mapped[str] = mapped_column(String(64))
    #: Set only for an attendee who consented when scanned (their details are shown only
    #: while they still consent).
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL")
    )
    #: Whether the person may be shown promotion of prescription medicines (at scan time).
    is_prescriber: Mapped[bool] = mapped_column(default=False)
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    sponsor: Mapped[Sponsor] = relationship()

    @property
    def is_consented(self) -> bool:
        return self.registration_id is not None

    def __repr__(self) -> str:
        return f"<Lead sponsor={self.sponsor_id} consented={self.is_consented}>"


class SatelliteStatus(enum.StrEnum):
    OPEN = "open"
    REQUESTED = "requested"
    APPROVED = "approved"


class SatelliteSlot(Base):
    """A time and room organizers offer for an industry satellite symposium.

    A sponsor requests an open slot with the symposium's title, faculty and description; once
    the organizers approve it, it becomes an `industry_satellite` session of the program
    (never accredited), labelled as organized by the sponsor.
    """

    __tablename__ = "industry_satellite_slots"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("status IN ('open', 'requested', 'approved')", name="status_known"),
        CheckConstraint("(status = 'open') = (sponsor_id IS NULL)", name="sponsor_unless_open"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    room_id: Mapped[int] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(12), default=SatelliteStatus.OPEN)
    sponsor_id: Mapped[int | None] = mapped_column(
        ForeignKey("industry_sponsors.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(250), default="")
    faculty: Mapped[str] = mapped_column(String(1000), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    requested_at: Mapped[datetime | None]
    #: The program session made on approval.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("program_sessions.id", ondelete="SET NULL")
    )

    sponsor: Mapped[Sponsor | None] = relationship()
    room = relationship("Room")
    members: Mapped[list[SatelliteFaculty]] = relationship(
        back_populates="slot", cascade="all, delete-orphan", order_by="SatelliteFaculty.position"
    )

    def __repr__(self) -> str:
        return f"<SatelliteSlot {self.id} {self.status}>"


class FacultyRole(enum.StrEnum):
    CHAIR = "chair"
    SPEAKER = "speaker"


class SatelliteFaculty(Base):
    """A chair or speaker of a satellite, submitted by the sponsor for the organizers'
    approval; on approval they become speakers of the program session."""

    __tablename__ = "industry_satellite_faculty"
    __table_args__ = (CheckConstraint("role IN ('chair', 'speaker')", name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("industry_satellite_slots.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254))
    position: Mapped[int] = mapped_column(default=0)

    slot: Mapped[SatelliteSlot] = relationship(back_populates="members")

    def __repr__(self) -> str:
        return f"<SatelliteFaculty {self.role} {self.name!r}>"


class TransferKind(enum.StrEnum):
    REGISTRATION = "registration"
    TRAVEL = "travel"
    ACCOMMODATION = "accommodation"
    OTHER = "other"


class TransferOfValue(Base):
    """Something a company paid for a healthcare professional (registration, travel, hotel):
    companies report these (EFPIA disclosure code, Sunshine Act), so the congress records who
    paid how much for whom."""

    __tablename__ = "industry_transfers_of_value"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint(
            "kind IN ('registration', 'travel', 'accommodation', 'other')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    congress_id: Mapped[int] = mapped_column(ForeignKey("congresses.id", ondelete="CASCADE"))
    #: The paying company.
    sponsor_id: Mapped[int] = mapped_column(
        ForeignKey("industry_sponsors.id", ondelete="CASCADE"), index=True
    )
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_email: Mapped[str] = mapped_column(String(254), default="")
    recipient_country: Mapped[str] = mapped_column(String(2), default="")
    #: The recipient's registration reference, when the transfer is about one.
    registration_reference: Mapped[str] = mapped_column(String(24), default="")
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3))
    paid_on: Mapped[date]
    note: Mapped[str] = mapped_column(String(300), default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    sponsor: Mapped[Sponsor] = relationship()

    def __repr__(self) -> str:
        return f"<TransferOfValue {self.kind} {self.amount} {self.currency}>"
