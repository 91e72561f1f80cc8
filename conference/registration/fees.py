"""Fee periods: which fee is in force at a moment (UTC boundaries, shown in the congress zone)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from conference.models import utcnow
from conference.program.models import Congress
from conference.registration.models import FeePeriod, ProfessionalCategory


def period_at(congress: Congress, at: datetime | None = None) -> FeePeriod:
    """The fee period in force at `at`: early until early_fee_closes_at (exclusive), then
    regular until regular_fee_closes_at (exclusive), then on-site."""
    at = at or utcnow()
    if congress.early_fee_closes_at and at < congress.early_fee_closes_at:
        return FeePeriod.EARLY
    if congress.regular_fee_closes_at and at < congress.regular_fee_closes_at:
        return FeePeriod.REGULAR
    if congress.regular_fee_closes_at is None and congress.early_fee_closes_at is None:
        return FeePeriod.REGULAR
    if congress.regular_fee_closes_at is None:
        return FeePeriod.REGULAR
    return FeePeriod.ONSITE


def fee_at(
    category: ProfessionalCategory, at: datetime | None = None
) -> tuple[FeePeriod, Decimal | None]:
    """The period and amount of `category` at `at` (amount None when no fee is set)."""
    period = period_at(category.congress, at)
    return period, category.fee_for(period)


def period_closes_at(congress: Congress, period: FeePeriod) -> datetime | None:
    return {
        FeePeriod.EARLY: congress.early_fee_closes_at,
        FeePeriod.REGULAR: congress.regular_fee_closes_at,
        FeePeriod.ONSITE: None,
    }[period]
