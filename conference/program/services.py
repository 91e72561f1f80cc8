"""Writes to the congress settings, tracks and rooms, with their rules."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from conference.errors import Conflict, FieldErrors
from conference.extensions import db
from conference.i18n import LANGUAGES
from conference.program.models import (
    COUNTING_PRESETS,
    Congress,
    CountingPreset,
    Room,
    RoomKind,
    TableCounting,
    Track,
)
from conference.slugs import is_slug, slugify
from conference.timeutil import is_valid_timezone, local_to_utc

COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")

CONGRESS_TEXT_FIELDS = {
    "name": 200,
    "short_name": 40,
    "venue": 200,
    "city": 100,
    "description": 20000,
    "website": 300,
    "contact_email": 254,
}
KEY_DATE_FIELDS = (
    "abstract_submission_opens_at",
    "abstract_submission_closes_at",
    "late_breaking_opens_at",
    "late_breaking_closes_at",
    "abstract_withdrawal_closes_at",
    "review_closes_at",
    "registration_opens_at",
    "early_fee_closes_at",
    "regular_fee_closes_at",
    "refund_deadline_at",
    "abstract_titles_release_at",
    "abstract_bodies_release_at",
)
RULE_INT_FIELDS = {
    "length_limit": (1, 100000),
    "table_flat_amount": (0, 100000),
    "max_tables": (0, 10),
    "max_authors": (1, 200),
    "first_author_quota": (1, 100),
    "reviews_per_abstract": (1, 20),
}
RULE_BOOL_FIELDS = ("count_title", "count_headings", "count_spaces")
#: Pairs that must be in this order when both are set: (earlier, later, message).
DATE_ORDER = (
    (
        "abstract_submission_opens_at",
        "abstract_submission_closes_at",
        _l("Submission must close after it opens."),
    ),
    (
        "late_breaking_opens_at",
        "late_breaking_closes_at",
        _l("The late-breaking window must close after it opens."),
    ),
    (
        "registration_opens_at",
        "early_fee_closes_at",
        _l("The early fee must end after registration opens."),
    ),
    (
        "early_fee_closes_at",
        "regular_fee_closes_at",
        _l("The regular fee must end after the early fee."),
    ),
    (
        "abstract_titles_release_at",
        "abstract_bodies_release_at",
        _l("Abstract texts cannot be published before their titles."),
    ),
)


def update_congress(congress: Congress, **data) -> Congress:
    """Change a congress's details, key dates and abstract rules after checking them all."""
    errors = FieldErrors()
    for field, max_length in CONGRESS_TEXT_FIELDS.items():
        if field in data:
            value = (data[field] or "").strip()
            if field in ("name", "short_name") and not value:
                errors.add(field, _("This field is required."))
            elif len(value) > max_length:
                errors.add(field, _("At most %(num)s characters.", num=max_length))
            data[field] = value
    if "language" in data and data["language"] not in LANGUAGES:
        errors.add("language", _("Choose one of the languages offered."))
    if "timezone" in data and not is_valid_timezone(data["timezone"] or ""):
        errors.add("timezone", _("Unknown time zone; use an IANA name such as Europe/Vienna."))
    if "currency" in data:
        data["currency"] = (data["currency"] or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", data["currency"]):
            errors.add("currency", _("Use a three-letter ISO 4217 code such as EUR."))
    if "country" in data:
        from conference.countries import check_country

        data["country"] = (data["country"] or "").strip().upper()
        if problem := check_country(data["country"]):
            errors.add("country", problem)
    for field in ("starts_on", "ends_on"):
        if field in data and not isinstance(data[field], date):
            errors.add(field, _("Enter a date as YYYY-MM-DD."))
    for field in KEY_DATE_FIELDS:
        if data.get(field) is not None and not isinstance(data[field], datetime):
            errors.add(field, _("Enter a date and time (ISO 8601)."))
    for field, (low, high) in RULE_INT_FIELDS.items():
        if field in data and not (isinstance(data[field], int) and low <= data[field] <= high):
            errors.add(
                field, _("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
            )
    if "counting_preset" in data:
        try:
            data["counting_preset"] = CountingPreset(data["counting_preset"])
        except ValueError:
            errors.add("counting_preset", _("Choose asco, sabcs, esso or custom."))
    if "table_counting" in data:
        try:
            data["table_counting"] = TableCounting(data["table_counting"])
        except ValueError:
            errors.add("table_counting", _("Choose characters or flat."))
    if "abstract_fee" in data or "abstract_fee_waiver_countries" in data:
        # The abstracts domain owns the fee rules (the setting lives on the congress).
        from conference.abstracts.fees import check_fee_settings

        check_fee_settings(data, errors)
    errors.raise_if_any()

    # Key dates without an offset are wall times in the congress's (possibly new) zone.
    tz = ZoneInfo(data["timezone"]) if "timezone" in data else congress.tz
    for field in KEY_DATE_FIELDS:
        if data.get(field) is not None:
            data[field] = local_to_utc(data[field], tz)
    starts_on = data.get("starts_on", congress.starts_on)
    ends_on = data.get("ends_on", congress.ends_on)
    if starts_on and ends_on and ends_on < starts_on:
        errors.add("ends_on", _("The congress must end on or after its first day."))
    merged = {field: data.get(field, getattr(congress, field)) for field in KEY_DATE_FIELDS}
    for earlier, later, message in DATE_ORDER:
        if not (merged[earlier] and merged[later]):
            continue
        may_coincide = later == "abstract_bodies_release_at"
        too_early = merged[later] < merged[earlier]
        if too_early or (merged[later] == merged[earlier] and not may_coincide):
            errors.add(later, str(message))
    errors.raise_if_any()

    preset = data.get("counting_preset")
    if preset and preset != CountingPreset.CUSTOM:
        # A preset fixes the whole rule; individual values in the same request are ignored.
        data.update(COUNTING_PRESETS[preset])
    elif (
        any(
            field in data
            for field in (*RULE_BOOL_FIELDS, "length_limit", "table_counting", "table_flat_amount")
        )
        and preset is None
    ):
        data["counting_preset"] = CountingPreset.CUSTOM
    for field, value in data.items():
        if hasattr(Congress, field) and field not in ("id", "slug"):
            setattr(congress, field, value)
    db.session.flush()
    return congress


def _check_track(congress: Congress, data: dict, track: Track | None = None) -> None:
    errors = FieldErrors()
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            errors.add("name", _("Enter the track's name."))
        elif len(data["name"]) > 120:
            errors.add("name", _("At most 120 characters."))
    if "slug" in data:
        data["slug"] = (data["slug"] or "").strip().lower()
        if not is_slug(data["slug"]):
            errors.add("slug", _("Use lower-case letters, digits and hyphens only."))
    if "colour" in data and not COLOUR_RE.match(data["colour"] or ""):
        errors.add("colour", _("Use a colour like #1565c0."))
    errors.raise_if_any()
    for field in ("slug", "name"):
        if field in data:
            clash = db.session.scalar(
                select(Track.id).where(
                    Track.congress_id == congress.id,
                    func.lower(getattr(Track, field)) == data[field].lower(),
                    Track.id != (track.id if track else -1),
                )
            )
            if clash:
                message = (
                    _("Another track already has this name.")
                    if field == "name"
                    else _("Another track already has this slug.")
                )
                raise Conflict(message, code="duplicate", fields={field: [message]})


def create_track(congress: Congress, **data) -> Track:
    if not data.get("slug") and data.get("name"):
        data["slug"] = slugify(data["name"])
    data.setdefault("name", "")
    data.setdefault("slug", "")
    _check_track(congress, data)
    if "position" not in data:
        data["position"] = (
            db.session.scalar(
                select(func.max(Track.position)).where(Track.congress_id == congress.id)
            )
            or 0
        ) + 1
    track = Track(congress=congress, **data)
    db.session.add(track)
    db.session.flush()
    return track


def update_track(track: Track, **data) -> Track:
    _check_track(track.congress, data, track)
    for field, value in data.items():
        setattr(track, field, value)
    db.session.flush()
    return track


def _check_room(congress: Congress, data: dict, room: Room | None = None) -> None:
    errors = FieldErrors()
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            errors.add("name", _("Enter the room's name."))
        elif len(data["name"]) > 120:
            errors.add("name", _("At most 120 characters."))
    capacity = data.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or not 0 <= capacity <= 100_000):
        errors.add("capacity", _("Capacity must be a whole number of seats, from 0 to 100000."))
    if "kind" in data and data["kind"] not in {kind.value for kind in RoomKind}:
        errors.add(
            "kind", _("Choose what the room is: session room, exhibition area or poster area.")
        )
    errors.raise_if_any()
    if "name" in data:
        clash = db.session.scalar(
            select(Room.id).where(
                Room.congress_id == congress.id,
                func.lower(Room.name) == data["name"].lower(),
                Room.id != (room.id if room else -1),
            )
        )
        if clash:
            raise Conflict(
                _("Another room already has this name."),
                code="duplicate",
                fields={"name": [_("Another room already has this name.")]},
            )


def create_room(congress: Congress, **data) -> Room:
    data.setdefault("name", "")
    _check_room(congress, data)
    if "position" not in data:
        data["position"] = (
            db.session.scalar(
                select(func.max(Room.position)).where(Room.congress_id == congress.id)
            )
            or 0
        ) + 1
    room = Room(congress=congress, **data)
    db.session.add(room)
    db.session.flush()
    return room


def update_room(room: Room, **data) -> Room:
    _check_room(room.congress, data, room)
    for field, value in data.items():
        setattr(room, field, value)
    db.session.flush()
    return room


# -- new congresses ------------------------------------------------------------------------------

#: A congress slug: the first part of its addresses (/met27/program).
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


def check_new_congress(errors: FieldErrors, *, slug: str, name: str, short_name: str) -> None:
    """Field errors for the identity of a new congress (slug free and usable in addresses)."""
    from conference.congresses.context import reserved_slugs

    if not SLUG_PATTERN.match(slug or ""):
        errors.add(
            "slug",
            _(
                "Use 2 to 40 lowercase letters, digits and hyphens, starting with a letter or "
                "digit (it becomes the address, e.g. /met27/program)."
            ),
        )
    elif slug in reserved_slugs():
        errors.add("slug", _("This address is used by the site itself; choose another."))
    elif db.session.scalar(select(Congress.id).where(Congress.slug == slug)) is not None:
        errors.add("slug", _("Another congress already has this address."))
    if not (name or "").strip():
        errors.add("name", _("This field is required."))
    elif len(name.strip()) > CONGRESS_TEXT_FIELDS["name"]:
        errors.add("name", _("At most %(count)d characters.", count=CONGRESS_TEXT_FIELDS["name"]))
    if not (short_name or "").strip():
        errors.add("short_name", _("This field is required."))
    elif len(short_name.strip()) > CONGRESS_TEXT_FIELDS["short_name"]:
        errors.add(
            "short_name",
            _("At most %(count)d characters.", count=CONGRESS_TEXT_FIELDS["short_name"]),
        )


def create_congress(
    *, slug: str, name: str, short_name: str, starts_on: date, ends_on: date, **data
) -> Congress:
    """A new, empty congress (tracks, rooms and the rest are set up afterwards)."""
    errors = FieldErrors()
    slug = (slug or "").strip().lower()
    check_new_congress(errors, slug=slug, name=name, short_name=short_name)
    if not isinstance(starts_on, date):
        errors.add("starts_on", _("Give the first day of the congress."))
    if not isinstance(ends_on, date):
        errors.add("ends_on", _("Give the last day of the congress."))
    elif isinstance(starts_on, date) and ends_on < starts_on:
        errors.add("ends_on", _("The last day cannot be before the first."))
    timezone = data.get("timezone") or "Europe/Vienna"
    if not is_valid_timezone(timezone):
        errors.add("timezone", _("Unknown time zone; use an IANA name such as Europe/Vienna."))
    errors.raise_if_any()
    congress = Congress(
        slug=slug,
        name=name.strip(),
        short_name=short_name.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        timezone=timezone,
    )
    db.session.add(congress)
    db.session.flush()
    return congress


def copy_congress(source: Congress, *, slug: str, name: str, short_name: str, shift) -> Congress:
    """The congress record, tracks and rooms of `source` under a new identity, every date and
    deadline moved by `shift` (a timedelta); not archived. People and content are not copied."""
    from conference.models import clone_row

    target = clone_row(
        source,
        shift=shift,
        slug=slug,
        name=name.strip(),
        short_name=short_name.strip(),
        archived_at=None,
    )
    db.session.add(target)
    db.session.flush()
    for track in source.tracks:
        db.session.add(clone_row(track, congress_id=target.id))
    for room in source.rooms:
        db.session.add(clone_row(room, congress_id=target.id))
    db.session.flush()
    db.session.refresh(target)
    return target


def set_archived(congress: Congress, archived: bool) -> Congress:
    """Archive a congress (readable, closed for changes) or open it again."""
    from conference.models import utcnow

    if archived and congress.archived_at is None:
        congress.archived_at = utcnow()
    elif not archived:
        congress.archived_at = None
    return congress
