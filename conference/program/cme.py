"""CME credits: 1 credit per 60 accredited minutes, rounded down to 0.25; breaks and
industry satellites never count."""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass

from conference.program.schedule_models import SessionFormat


def cme_credits(minutes: float) -> float:
    """1 credit per 60 minutes of accredited content, rounded down to 0.25 steps."""
    return math.floor(minutes / 60 * 4 + 1e-9) / 4


def session_credits(format_: str, is_accredited: bool, starts_at, ends_at) -> float:
    if not is_accredited or format_ in (SessionFormat.BREAK, SessionFormat.INDUSTRY_SATELLITE):
        return 0.0
    return cme_credits((ends_at - starts_at).total_seconds() / 60)


@dataclass(frozen=True)
class DayCredits:
    """CME figures of one day.

    offered: the sum of the credits of every accredited session that day.
    claimable: the most one attendee can earn that day; sessions held at the same time
    count once (credits are earned per session attended in full, so the best set of
    sessions that do not overlap; a session may start when another ends).
    """

    offered: float
    claimable: float

    def as_dict(self) -> dict:
        return {"offered": self.offered, "claimable": self.claimable}


def day_credits(sessions) -> DayCredits:
    """`sessions`: (starts_at, ends_at, credits) of one day, in any order."""
    items = sorted(
        (end, start, round(credits * 4)) for start, end, credits in sessions if credits > 0
    )
    ends = [end for end, _start, _quarters in items]
    best = [0] * (len(items) + 1)  # best[i]: the most quarters from the first i sessions
    for i, (_end, start, quarters) in enumerate(items):
        compatible = bisect.bisect_right(ends, start, 0, i)  # sessions ending by `start`
        best[i + 1] = max(best[i], best[compatible] + quarters)
    return DayCredits(offered=sum(quarters for *_, quarters in items) / 4, claimable=best[-1] / 4)
