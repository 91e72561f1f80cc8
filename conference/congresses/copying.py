"""Creating congresses: an empty one, or a copy of another with its dates moved.

A copy takes the setup of every domain (the congress's settings and deadlines, tracks and
rooms; professional categories, fees and registration settings; the seller profile and
invoice series; decision email templates; the policies; CME settings and evaluation
questions; sponsorship packages and the contract template; texts per language), with every
date and deadline moved by the offset between the two first days. It takes no people,
abstracts, sessions, registrations, orders, mailings, sponsors or CME records. Each domain
copies its own part through its services.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from conference.errors import FieldErrors
from conference.extensions import db
from conference.program.models import Congress


def new_congress(
    *,
    copy_from: Congress | None,
    slug: str,
    name: str,
    short_name: str,
    starts_on: date,
    ends_on: date | None = None,
    timezone: str | None = None,
) -> Congress:
    """A congress made by an administrator: a copy of `copy_from` (its length and time zone kept),
    or, without one, an empty congress, for which the last day is required."""
    from conference.program import services as program

    if copy_from is not None:
        return copy_congress(
            copy_from, slug=slug, name=name, short_name=short_name, starts_on=starts_on
        )
    if ends_on is None:
        errors = FieldErrors()
        errors.add("ends_on", _("Give the last day of the congress, or choose one to copy."))
        errors.raise_if_any()
    return program.create_congress(
        slug=slug,
        name=name,
        short_name=short_name,
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone or "Europe/Vienna",
    )


def copy_congress(
    source: Congress, *, slug: str, name: str, short_name: str, starts_on: date
) -> Congress:
    """A new congress set up like `source`, starting on `starts_on` (all dates shifted)."""
    from conference.abstracts import decisions
    from conference.cme import services as cme
    from conference.congresses import services as policies
    from conference.industry import services as industry
    from conference.money import services as money
    from conference.program import services as program
    from conference.registration import services as registration

    errors = FieldErrors()
    slug = (slug or "").strip().lower()
    program.check_new_congress(errors, slug=slug, name=name, short_name=short_name)
    if not isinstance(starts_on, date):
        errors.add("starts_on", _("Give the first day of the new congress."))
    errors.raise_if_any()
    shift = starts_on - source.starts_on
    target = program.copy_congress(source, slug=slug, name=name, short_name=short_name, shift=shift)
    registration.copy_setup(source, target, shift)
    money.copy_setup(source, target, shift)
    decisions.copy_setup(source, target, shift)
    cme.copy_setup(source, target, shift)
    industry.copy_setup(source, target, shift)
    policies.copy_policies(source, target)
    db.session.flush()
    _copy_texts_per_language(source, target)
    return target


def _copy_texts_per_language(source: Congress, target: Congress) -> None:
    """The organizers' texts in other languages follow the objects they belong to (matched
    by slug, kind or outcome); the new congress's name is its own, so not its translations."""
    from conference.abstracts.decisions import get_templates
    from conference.congresses.queries import get_policies
    from conference.content import services as content
    from conference.program.queries import get_tracks
    from conference.registration.queries import get_categories

    def matched(old: dict, new: dict) -> dict[int, int]:
        return {old[key]: new[key] for key in old if key in new}

    content.copy_translations(
        source, target, "congress", {source.id: target.id}, fields=("description", "venue")
    )
    for kind, read, key in (
        ("track", get_tracks, lambda track: track.slug),
        ("category", get_categories, lambda category: category.slug),
    ):
        old = {key(item): item.id for item in read(source)}
        new = {key(item): item.id for item in read(target)}
        content.copy_translations(source, target, kind, matched(old, new))
    old = {kind: policy.id for kind, policy in get_policies(source).items()}
    new = {kind: policy.id for kind, policy in get_policies(target).items()}
    content.copy_translations(source, target, "page", matched(old, new))
    old = {outcome: template.id for outcome, template in get_templates(source).items()}
    new = {outcome: template.id for outcome, template in get_templates(target).items()}
    content.copy_translations(source, target, "email_template", matched(old, new))
