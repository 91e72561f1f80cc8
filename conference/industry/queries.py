"""Reads of the industry domain, scoped by congress, with the eager loading list pages need."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from conference.extensions import db
from conference.industry.models import (
    Booth,
    IndustrySettings,
    Sponsor,
    SponsorBenefit,
    SponsorContact,
    SponsorshipPackage,
)
from conference.program.models import Congress
from conference.program.queries import is_id


def get_packages(congress: Congress) -> list[SponsorshipPackage]:
    return list(
        db.session.scalars(
            select(SponsorshipPackage)
            .where(SponsorshipPackage.congress_id == congress.id)
            .order_by(SponsorshipPackage.position, SponsorshipPackage.id)
        )
    )


def get_package(congress: Congress, package_id) -> SponsorshipPackage | None:
    if not is_id(package_id):  # beyond an INTEGER column: nothing (not a database error)
        return None
    return db.session.scalar(
        select(SponsorshipPackage).where(
            SponsorshipPackage.congress_id == congress.id, SponsorshipPackage.id == package_id
        )
    )


def _sponsors(congress: Congress):
    return (
        select(Sponsor)
        .where(Sponsor.congress_id == congress.id)
        .options(
            selectinload(Sponsor.package),
            selectinload(Sponsor.contacts).selectinload(SponsorContact.user),
            selectinload(Sponsor.benefits),
        )
    )


def get_sponsors(congress: Congress) -> list[Sponsor]:
    return list(
        db.session.scalars(
            _sponsors(congress)
            .join(Sponsor.package)
            .order_by(SponsorshipPackage.position, func.lower(Sponsor.name))
        )
    )


def get_sponsor(congress: Congress, sponsor_id) -> Sponsor | None:
    """A sponsor of this congress (an id of another congress's sponsor gives None)."""
    if not is_id(sponsor_id):
        return None
    return db.session.scalar(_sponsors(congress).where(Sponsor.id == sponsor_id))


def get_sponsors_managed_by(congress: Congress, user) -> list[Sponsor]:
    """The sponsors this person is a contact of (never any other)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        db.session.scalars(
            _sponsors(congress)
            .join(SponsorContact, SponsorContact.sponsor_id == Sponsor.id)
            .where(SponsorContact.user_id == user.id)
            .order_by(func.lower(Sponsor.name))
        )
    )


def get_benefit(sponsor: Sponsor, benefit_id) -> SponsorBenefit | None:
    return db.session.scalar(
        select(SponsorBenefit).where(
            SponsorBenefit.sponsor_id == sponsor.id, SponsorBenefit.id == benefit_id
        )
    )


def get_sponsors_by_tier(congress: Congress) -> list[tuple[SponsorshipPackage, list[Sponsor]]]:
    """The public sponsors page: each package (highest tier first) with its sponsors."""
    by_package: dict[int, list[Sponsor]] = defaultdict(list)
    for sponsor in db.session.scalars(
        select(Sponsor).where(Sponsor.congress_id == congress.id).order_by(func.lower(Sponsor.name))
    ):
        by_package[sponsor.package_id].append(sponsor)
    return [
        (package, by_package[package.id])
        for package in get_packages(congress)
        if by_package.get(package.id)
    ]


def get_public_sponsor(congress: Congress, sponsor_id) -> Sponsor | None:
    if not is_id(sponsor_id):
        return None
    return db.session.scalar(
        select(Sponsor).where(Sponsor.congress_id == congress.id, Sponsor.id == sponsor_id)
    )


def dashboard_figures(congress: Congress) -> dict:
    packages = get_packages(congress)
    return {
        "packages": len(packages),
        "sponsors": sum(package.sold for package in packages),
        "sponsorship_total": sum((package.sold * package.price for package in packages), 0),
    }


def get_floor_plan(congress: Congress) -> tuple[str, str] | None:
    """(storage key, content type) of the exhibition floor plan, if one was uploaded."""
    row = db.session.execute(
        select(IndustrySettings.floor_plan_key, IndustrySettings.floor_plan_content_type).where(
            IndustrySettings.congress_id == congress.id
        )
    ).first()
    if row is None or not row[0]:
        return None
    return row[0], row[1]


def get_booth_numbers(congress: Congress) -> dict[int, list[str]]:
    """Booth numbers of each sponsor (by sponsor id), in one query."""
    numbers: dict[int, list[str]] = defaultdict(list)
    for sponsor_id, number in db.session.execute(
        select(Booth.sponsor_id, Booth.number)
        .where(Booth.congress_id == congress.id, Booth.sponsor_id.is_not(None))
        .order_by(Booth.number)
    ):
        numbers[sponsor_id].append(number)
    return numbers
