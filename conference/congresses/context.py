"""Which congress a request, a command or a job is about.

One installation holds many congresses. A page or API call names its congress in the URL
(`/<slug>/...`, `/api/v1/congresses/<slug>/...`); `conference.congresses.routing` reads it and
calls `enter()`. A command names it with `--congress`, and a worker job carries it. Where
nothing names one (the old single-congress URLs, a command without `--congress`), the
*default congress* is meant: `CONGRESS_SLUG` if it is set, else the current one (the first
congress not archived that has not ended yet, else the latest).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from flask import current_app, g, has_app_context
from sqlalchemy import select

from conference.extensions import db
from conference.models import utcnow
from conference.program.models import Congress

#: The first part of a path that is never a congress slug (pages and files of the site itself).
RESERVED_SLUGS = frozenset(
    {
        "abstracts",
        "accessibility",
        "admin",
        "api",
        "archive",
        "cancellation",
        "confirm",
        "congresses",
        "favicon.ico",
        "healthz",
        "language",
        "login",
        "logout",
        "manage",
        "password",
        "privacy",
        "profile",
        "program",
        "register",
        "registration",
        "review",
        "signup",
        "static",
        "terms",
        "verify",
    }
)


def reserved_slugs() -> frozenset[str]:
    """Slugs a congress cannot take: the listed ones and the first part of every path of the
    site (old single-congress paths included, /sponsors, /cme, ...), read from the routes."""
    firsts = {
        rule.rule.split("/")[1]
        for rule in current_app.url_map.iter_rules()
        if not rule.rule.startswith("/<")
    }
    return RESERVED_SLUGS | {first for first in firsts if first}


def get_congress_by_slug(slug: str) -> Congress | None:
    return db.session.scalar(select(Congress).where(Congress.slug == slug))


def default_congress() -> Congress | None:
    """CONGRESS_SLUG if set and known, else the current congress, else the latest one."""
    slug = current_app.config.get("CONGRESS_SLUG")
    if slug:
        congress = get_congress_by_slug(slug)
        if congress is not None:
            return congress
    today = utcnow().date()
    congress = db.session.scalars(
        select(Congress)
        .where(Congress.archived_at.is_(None), Congress.ends_on >= today)
        .order_by(Congress.starts_on, Congress.id)
        .limit(1)
    ).first()
    if congress is None:
        congress = db.session.scalars(
            select(Congress).order_by(Congress.starts_on.desc(), Congress.id.desc()).limit(1)
        ).first()
    return congress


def enter(congress: Congress | None) -> None:
    """Make `congress` the one this request, command or job is about (None: the default)."""
    g.scoped_congress = congress
    g.pop("congress", None)


def get_current_congress() -> Congress | None:
    """The congress named by the URL, command or job; else the default one (cached per request)."""
    if not has_app_context():
        return None
    scoped = g.get("scoped_congress")
    if scoped is not None:
        return scoped
    if g.get("congress") is None:
        g.congress = default_congress()
    return g.congress


def current_congress_id() -> int | None:
    congress = get_current_congress()
    return congress.id if congress is not None else None


def list_congresses() -> list[Congress]:
    return list(db.session.scalars(select(Congress).order_by(Congress.starts_on, Congress.id)))


def split_by_time(congresses: list[Congress], today: date | None = None):
    """(current and upcoming, past) congresses; archived ones are past whatever their dates."""
    today = today or utcnow().date()
    upcoming = [c for c in congresses if c.archived_at is None and c.ends_on >= today]
    past = [c for c in congresses if c not in upcoming]
    past.sort(key=lambda c: c.starts_on, reverse=True)
    return upcoming, past


@contextmanager
def working_on(congress: Congress | None):
    """Make `congress` current for a block (a job or command looping over congresses), so the
    emails it queues link to that congress and its times are in that congress's time zone."""
    previous = g.get("scoped_congress")
    enter(congress)
    try:
        yield congress
    finally:
        enter(previous)


def congresses_to_work_on(*, archived: bool = False) -> list[Congress]:
    """What a job over "every congress" covers: the one named (--congress), else every congress
    not archived (an archived one is closed: nothing of it expires, is reminded or released);
    `archived=True` includes them (checks that only read)."""
    named = g.get("scoped_congress") if has_app_context() else None
    if named is not None:
        return [named]
    query = select(Congress).order_by(Congress.id)
    if not archived:
        query = query.where(Congress.archived_at.is_(None))
    return list(db.session.scalars(query))
