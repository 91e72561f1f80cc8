"""Sponsor reports: each sponsor's figures (leads, passes, benefits, booth, satellites), and
all of them with the money per package for the organizers (counts only: no lead details)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

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
from conference.registration.queries import get_exhibitor_contacts


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
    satellites: list[str] = field(default_factory=list)


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
    satellites = defaultdict(list)
    for sponsor_id, title in db.session.execute(
        select(SatelliteSlot.sponsor_id, SatelliteSlot.title)
        .where(
            SatelliteSlot.congress_id == congress.id,
            SatelliteSlot.sponsor_id.in_(ids),
            SatelliteSlot.status == SatelliteStatus.APPROVED,
        )
        .order_by(SatelliteSlot.starts_at)
    ):
        satellites[sponsor_id].append(title)
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


def organizer_report(congress: Congress) -> tuple[list[SponsorFigures], list[PackageMoney]]:
    figures = sponsor_figures(congress, queries.get_sponsors(congress))
    money = [
        PackageMoney(package=package, sold=package.sold, total=package.price * package.sold)
        for package in queries.get_packages(congress)
    ]
    return figures, money
