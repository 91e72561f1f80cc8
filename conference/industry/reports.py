"""Sponsor reports: each sponsor's figures (leads, passes, benefits, booth, satellites), and
all of them with the money per package for the organizers (counts only: no lead details)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from conference.cme.queries import count_room_attendance
from conference.extensions import db
from conference.industry import queries
from conference.industry.models import (
    Booth,
    Lead,
    SatelliteSlot,
    SatelliteStatus,
    Sponsor,
    SponsorshipPackage,
)
from conference.program.models import Congress
from conference.program.schedule_queries import get_sessions_by_ids
from conference.registration.queries import get_exhibitor_contacts


@dataclass
class SatelliteFigures:
    title: str
    #: Distinct attendees the CME door scans place in its session; None: no door scans there
    #: (not measured, which is not the same as nobody).
    attendance: int | None = None


@dataclass
class SponsorFigures:
    sponsor: Sponsor
    #: Badge scans at the booth (visits), with and without consent.
    visits: int = 0
    consented: int = 0
    anonymous: int = 0
    prescribers: int = 0
    passes_used: int = 0
    passes_included: int = 0
    benefits_delivered: int = 0
    benefits_total: int = 0
    booths: list[str] = field(default_factory=list)
    satellites: list[SatelliteFigures] = field(default_factory=list)


@dataclass
class PackageMoney:
    package: SponsorshipPackage
    sold: int
    total: Decimal


def sponsor_figures(congress: Congress, sponsors: list[Sponsor]) -> list[SponsorFigures]:
    """Figures of the sponsors given, in a flat number of queries."""
    ids = [sponsor.id for sponsor in sponsors]
    if not ids:
        return []
    leads = db.session.execute(
        select(Lead.sponsor_id, Lead.registration_id, Lead.is_prescriber).where(
            Lead.congress_id == congress.id, Lead.sponsor_id.in_(ids)
        )
    ).all()
    consenting = get_exhibitor_contacts(congress, {row[1] for row in leads if row[1]})
    booths = defaultdict(list)
    for sponsor_id, number in db.session.execute(
        select(Booth.sponsor_id, Booth.number)
        .where(Booth.congress_id == congress.id, Booth.sponsor_id.in_(ids))
        .order_by(Booth.number)
    ):
        booths[sponsor_id].append(number)
    slots = db.session.execute(
        select(
            SatelliteSlot.id,
            SatelliteSlot.sponsor_id,
            SatelliteSlot.title,
            SatelliteSlot.room_id,
            SatelliteSlot.starts_at,
            SatelliteSlot.ends_at,
            SatelliteSlot.session_id,
        )
        .where(
            SatelliteSlot.congress_id == congress.id,
            SatelliteSlot.sponsor_id.in_(ids),
            SatelliteSlot.status == SatelliteStatus.APPROVED,
        )
        .order_by(SatelliteSlot.starts_at)
    ).all()
    # Where and when each satellite took place: its program session (an organizer may have
    # moved it), else the slot; the CME domain counts who its door scans place there.
    sessions = {
        session.id: session
        for session in get_sessions_by_ids(congress, [s.session_id for s in slots if s.session_id])
    }
    windows = {}
    for slot in slots:
        session = sessions.get(slot.session_id)
        if session is not None and session.room_id is not None:
            windows[slot.id] = (session.room_id, session.starts_at, session.ends_at)
        else:
            windows[slot.id] = (slot.room_id, slot.starts_at, slot.ends_at)
    attendance = count_room_attendance(congress, windows)
    satellites = defaultdict(list)
    for slot in slots:
        satellites[slot.sponsor_id].append(SatelliteFigures(slot.title, attendance.get(slot.id)))
    visits, consented, prescribers = Counter(), Counter(), Counter()
    for sponsor_id, registration_id, is_prescriber in leads:
        visits[sponsor_id] += 1
        consented[sponsor_id] += int(registration_id in consenting)
        prescribers[sponsor_id] += int(is_prescriber)
    return [
        SponsorFigures(
            sponsor=sponsor,
            visits=visits[sponsor.id],
            consented=consented[sponsor.id],
            anonymous=visits[sponsor.id] - consented[sponsor.id],
            prescribers=prescribers[sponsor.id],
            passes_used=sponsor.passes_used,
            passes_included=sponsor.package.exhibitor_passes,
            benefits_delivered=sum(1 for b in sponsor.benefits if b.delivered_at is not None),
            benefits_total=len(sponsor.benefits),
            booths=booths[sponsor.id],
            satellites=satellites[sponsor.id],
        )
        for sponsor in sponsors
    ]


def package_money(packages: list[SponsorshipPackage]) -> list[PackageMoney]:
    """The money of each package (price times sold)."""
    return [
        PackageMoney(package=package, sold=package.sold, total=package.price * package.sold)
        for package in packages
    ]


def organizer_report(congress: Congress) -> tuple[list[SponsorFigures], list[PackageMoney]]:
    figures = sponsor_figures(congress, queries.get_sponsors(congress))
    return figures, package_money(queries.get_packages(congress))
