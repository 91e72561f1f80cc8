"""CME credits: 1 credit per 60 accredited minutes, rounded down to 0.25; breaks and
industry satellites never count."""

from __future__ import annotations

import math

from conference.program.schedule_models import SessionFormat


def cme_credits(minutes: float) -> float:
    """1 credit per 60 minutes of accredited content, rounded down to 0.25 steps."""
    return math.floor(minutes / 60 * 4 + 1e-9) / 4


def session_credits(format_: str, is_accredited: bool, starts_at, ends_at) -> float:
    if not is_accredited or format_ in (SessionFormat.BREAK, SessionFormat.INDUSTRY_SATELLITE):
        return 0.0
    return cme_credits((ends_at - starts_at).total_seconds() / 60)
