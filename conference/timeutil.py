"""Time zone helpers: store UTC, show and accept times in the congress's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


def is_valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in available_timezones() or name == "UTC"


def to_local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    """Convert an aware UTC datetime to the given zone."""
    if value is None:
        return None
    return value.astimezone(tz)


def local_to_utc(value: datetime, tz: ZoneInfo) -> datetime:
    """Read a naive datetime as wall time in `tz` (aware ones are just converted)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the UTC start of `day` and of the next day in `tz`."""
    start = datetime.combine(day, time.min, tzinfo=tz)
    end = datetime.combine(date.fromordinal(day.toordinal() + 1), time.min, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
