"""The demo congress loaded by `make run` / `flask --app wsgi demo load` into an empty database.

Each domain adds its part in its own module; `load_demo` runs them in order. Dates are set
relative to the day of loading, so abstract submission and registration are open today.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from conference.extensions import db
from conference.program.models import Congress
from conference.progress import Progress, report


@dataclass
class DemoResult:
    congress: Congress
    #: (role description, email, password) of each demo account.
    accounts: list[tuple[str, str, str]] = field(default_factory=list)


def database_is_empty() -> bool:
    from conference.accounts.models import User

    return not (
        db.session.scalar(select(func.count(Congress.id)))
        or db.session.scalar(select(func.count(User.id)))
    )


def load_demo(size: str = "small", progress: Progress | None = None) -> DemoResult:
    """Create the demo congress, its people and content; the caller commits."""
    from conference.demo import (
        abstracts,
        cme,
        congresses,
        core,
        group_orders,
        industry,
        institutions,
        money,
        program,
        registration,
        series,
    )

    # Order matters: the program schedules accepted abstracts; a group order's invoice needs
    # the seller profile (money).
    # The series (last year's congress, a sister symposium) copies this year's setup last;
    # CME comes after it (disclosures, scans and a claim of this year's congress only).
    parts = (
        congresses,
        institutions,
        abstracts,
        registration,
        program,
        money,
        group_orders,
        industry,
        series,
        cme,
    )
    total = len(parts) + 1
    result = core.load(size)
    report(progress, 1, total)
    for done, module in enumerate(parts, start=2):
        module.load(result, size)
        db.session.flush()
        report(progress, done, total)
    return result
