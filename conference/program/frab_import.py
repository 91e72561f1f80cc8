"""Import a frab/Pentabarf schedule XML: tracks, rooms, sessions, presentations, speakers.

Talks are grouped into sessions by `<subtitle>` (within a day and room); an event alone in
its group whose title is its subtitle becomes a session without presentations.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext
from lxml import etree
from sqlalchemy import delete, select

from conference.errors import ValidationFailed
from conference.extensions import db
from conference.program import services as program_services
from conference.program.models import Congress, Room, Track
from conference.program.schedule_models import (
    AgendaItem,
    Presentation,
    PresentationSpeaker,
    ProgramSession,
    SessionFormat,
    SessionPerson,
    Speaker,
    english_formats,
)
from conference.progress import Progress, report
from conference.slugs import slugify
from conference.timeutil import is_valid_timezone, local_to_utc


def _label_formats() -> dict[str, SessionFormat]:
    return {label.lower(): fmt for fmt, label in english_formats().items()}


def _parse(data: bytes):
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValidationFailed(
            _("This file is not valid XML."),
            fields={"file": [_("Not valid XML: %(error)s", error=exc)]},
        ) from None
    if root.tag != "schedule":
        raise ValidationFailed(
            _("This is not a frab schedule."),
            fields={"file": [_("The root element must be <schedule>.")]},
        )
    return root


def _text(element, name: str, default: str = "") -> str:
    child = element.find(name)
    return (child.text or "").strip() if child is not None and child.text else default


def _duration(value: str) -> timedelta:
    parts = [int(p) for p in value.split(":")]
    hours, minutes = parts[0], parts[1] if len(parts) > 1 else 0
    return timedelta(hours=hours, minutes=minutes)


def congress_from_xml(data: bytes) -> Congress:
    """Create the congress described by a schedule's <conference> element."""
    root = _parse(data)
    conf = root.find("conference")
    if conf is None:
        raise ValidationFailed(
            _("No <conference> element."), fields={"file": [_("No <conference>.")]}
        )
    try:
        starts_on = date.fromisoformat(_text(conf, "start")[:10])
        ends_on = date.fromisoformat(_text(conf, "end")[:10])
    except ValueError:
        raise ValidationFailed(
            _("The schedule's conference dates are unreadable."),
            fields={"file": [_("<conference> needs <start> and <end> dates (YYYY-MM-DD).")]},
        ) from None
    timezone = _text(conf, "time_zone_name", "UTC") or "UTC"
    if not is_valid_timezone(timezone):
        timezone = "UTC"
    title = _text(conf, "title", "Imported congress")
    acronym = _text(conf, "acronym", slugify(title)[:40]) or "congress"
    congress = Congress(
        slug=slugify(acronym)[:40] or "congress",
        name=title[:200],
        short_name=acronym[:40],
        starts_on=starts_on,
        ends_on=max(starts_on, ends_on),
        timezone=timezone,
    )
    db.session.add(congress)
    db.session.flush()
    return congress


def _delete_schedule(congress: Congress) -> None:
    """Delete every session with its rows explicitly (SQLite may not enforce cascades)."""
    sessions = select(ProgramSession.id).where(ProgramSession.congress_id == congress.id)
    presentations = select(Presentation.id).where(Presentation.session_id.in_(sessions))
    db.session.flush()
    for statement in (
        delete(PresentationSpeaker).where(PresentationSpeaker.presentation_id.in_(presentations)),
        delete(Presentation).where(Presentation.session_id.in_(sessions)),
        delete(SessionPerson).where(SessionPerson.session_id.in_(sessions)),
        delete(AgendaItem).where(AgendaItem.session_id.in_(sessions)),
        delete(ProgramSession).where(ProgramSession.congress_id == congress.id),
    ):
        db.session.execute(statement)
    db.session.expire_all()


def import_frab(
    congress: Congress, data: bytes, *, replace: bool = False, progress: Progress | None = None
) -> dict:
    """Add the schedule's program to the congress; returns counts of what was created.

    `progress(done, total)` hears of each group of events (a session) as it is imported."""
    root = _parse(data)
    tz = congress.tz
    counts = defaultdict(int)
    if replace:
        _delete_schedule(congress)

    tracks = {
        t.name.lower(): t
        for t in db.session.scalars(select(Track).where(Track.congress_id == congress.id))
    }
    tracks_by_slug = {t.slug: t for t in tracks.values()}
    conf = root.find("conference")
    for element in conf.findall("track") if conf is not None else []:
        name = (element.get("name") or "").strip()
        if not name or name.lower() in tracks:
            continue
        slug = element.get("slug") or slugify(name)
        if slug in tracks_by_slug:
            tracks[name.lower()] = tracks_by_slug[slug]
            continue
        colour = element.get("color") or ""
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
            colour = "#455a64"
        track = program_services.create_track(congress, name=name[:120], colour=colour[:7])
        tracks[name.lower()] = tracks_by_slug[track.slug] = track
        counts["tracks"] += 1
    rooms = {
        r.name: r for r in db.session.scalars(select(Room).where(Room.congress_id == congress.id))
    }
    speakers = {
        s.guid: s
        for s in db.session.scalars(select(Speaker).where(Speaker.congress_id == congress.id))
    }

    errors: list[str] = []
    groups: dict[tuple, list] = defaultdict(list)
    order: list[tuple] = []
    for day in root.iter("day"):
        for room_element in day.findall("room"):
            room_name = (room_element.get("name") or "").strip() or "TBA"
            for event in room_element.findall("event"):
                try:
                    start = datetime.fromisoformat(_text(event, "date"))
                    end = start + _duration(_text(event, "duration", "00:15"))
                except (ValueError, IndexError):
                    errors.append(
                        _("Event %(id)s: unreadable date or duration.", id=event.get("id"))
                    )
                    continue
                start = local_to_utc(start, tz)
                end = local_to_utc(end, tz)
                subtitle = _text(event, "subtitle") or _text(event, "title")
                key = (start.astimezone(tz).date(), _text(event, "room", room_name), subtitle)
                if key not in groups:
                    order.append(key)
                groups[key].append((start, end, event))
    if errors:
        raise ValidationFailed(
            ngettext(
                "%(num)d event could not be read.", "%(num)d events could not be read.", len(errors)
            ),
            fields={"file": errors[:20]},
        )

    # Importing the same file again adds nothing: events already imported are skipped.
    known = set(
        db.session.scalars(
            select(Presentation.guid)
            .join(ProgramSession)
            .where(ProgramSession.congress_id == congress.id)
        )
    ) | set(
        db.session.scalars(
            select(ProgramSession.guid).where(ProgramSession.congress_id == congress.id)
        )
    )
    for done, key in enumerate(order, start=1):
        report(progress, done, len(order))
        _day, room_name, subtitle = key
        items = sorted(
            (item for item in groups[key] if item[2].get("guid") not in known),
            key=lambda item: item[0],
        )
        counts["skipped"] += len(groups[key]) - len(items)
        if not items:
            continue
        if room_name not in rooms:
            rooms[room_name] = program_services.create_room(congress, name=room_name[:120])
            counts["rooms"] += 1
        first_event = items[0][2]
        track = tracks.get(_text(first_event, "track").lower())
        types = {_text(e, "type").lower() for _, _, e in items}
        alone = len(items) == 1 and _text(first_event, "title") == subtitle
        label_formats = _label_formats()
        if alone and types & label_formats.keys():
            session_format = label_formats[next(iter(types & label_formats.keys()))]
        elif any("poster" in t for t in types):
            session_format = SessionFormat.POSTER_DISCUSSION
        elif types and all("invited" in t for t in types):
            session_format = SessionFormat.SYMPOSIUM
        else:
            session_format = SessionFormat.ORAL
        session = ProgramSession(
            congress_id=congress.id,
            title=subtitle[:300],
            format=session_format,
            track=track,
            room=rooms[room_name],
            starts_at=items[0][0],
            ends_at=max(end for _, end, _ in items),
            description=_text(first_event, "abstract") if alone else "",
            is_accredited=session_format
            not in (SessionFormat.INDUSTRY_SATELLITE, SessionFormat.BREAK),
            guid=first_event.get("guid") if alone else str(uuid.uuid4()),
        )
        db.session.add(session)
        counts["sessions"] += 1
        if alone:
            continue
        for position, (start, end, event) in enumerate(items):
            presentation = Presentation(
                guid=event.get("guid") or str(uuid.uuid4()),
                title=_text(event, "title")[:500] or "Untitled",
                text=_text(event, "abstract"),
                type_label=_text(event, "type")[:60],
                starts_at=start,
                ends_at=end,
                position=position,
            )
            persons = event.find("persons")
            for index, person in enumerate(
                persons.findall("person") if persons is not None else []
            ):
                name = (person.text or "").strip()
                if not name:
                    continue
                guid = person.get("guid") or str(uuid.uuid5(uuid.NAMESPACE_URL, f"name:{name}"))
                speaker = speakers.get(guid)
                if speaker is not None and any(
                    link.speaker is speaker for link in presentation.speakers
                ):
                    continue
                if speaker is None:
                    speaker = Speaker(
                        congress_id=congress.id, guid=guid, name=name[:200], disclosures=[]
                    )
                    db.session.add(speaker)
                    speakers[guid] = speaker
                    counts["speakers"] += 1
                presentation.speakers.append(PresentationSpeaker(speaker=speaker, position=index))
            session.presentations.append(presentation)
            counts["presentations"] += 1
    db.session.flush()
    return {key: value for key, value in counts.items() if value}
