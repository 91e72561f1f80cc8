"""frab/Pentabarf schedule XML and the c3voc schedule.json."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timedelta

from lxml import etree

from conference.program.exports.notes import session_notes
from conference.program.exports.urls import PublicUrls
from conference.slugs import slugify

#: Characters XML 1.0 cannot carry (lxml refuses them): dropped from user text.
XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
GUID_NAMESPACE = uuid.UUID("8d6f6f8e-4a1c-5b1e-9a57-2f0c6c1b7e10")


def _clean(value) -> str:
    return XML_INVALID.sub("", value) if value else ""


def _acronym(program) -> str:
    acronym = re.sub(r"[^a-z0-9_]", "_", program.congress["slug"].lower())
    return acronym if len(acronym) >= 4 else acronym.ljust(4, "_")


def _duration(start: datetime, end: datetime) -> str:
    minutes = int((end - start).total_seconds() // 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _room_guid(program, room) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, f"{program.congress['slug']}/room/{room['id']}"))


def _person_guid(speaker) -> str:
    try:
        return str(uuid.UUID(speaker["guid"]))
    except (ValueError, TypeError, KeyError):
        return str(uuid.uuid5(GUID_NAMESPACE, f"person/{speaker['id']}"))


def events(program, now: datetime):
    """Yield (day, room, event dict) in day, room, time order; one event per presentation,
    and one per session that has none (breaks, symposia announced without talks)."""
    urls = PublicUrls()
    acronym = _acronym(program)
    for s in program.sessions:
        track = s["track"]["name"] if s["track"] else ""
        room = s["room"]
        base = {"room": room["name"] if room else "", "subtitle": s["title"], "track": track}
        items = s["presentations"] or [None]
        notes = session_notes(program, s)
        for p in items:
            if p is None:
                event_id = 1_000_000 + s["id"]
                start, end, guid = s["start"], s["end"], s["guid"]
                title, abstract, persons = s["title"], s["description"] or "", s["chair_people"]
                kind, url = s["format_label"], urls.session(s["id"])
                description = "\n\n".join(part for part in (s["description"] or "", *notes) if part)
            else:
                event_id = p["id"]
                start, end = p["start"] or s["start"], p["end"] or s["end"]
                guid, title = p["guid"], program.public_title(p, now)
                abstract = "\n\n".join(
                    f"{name}: {text}" if name else text
                    for name, text in program.public_sections(p, now)
                )
                persons, kind = p["speaker_people"], p["type"] or "Talk"
                url = urls.presentation(s["id"], p["id"])
                board = f"Board {p['board_number']}" if p["board_number"] else ""
                description = "\n\n".join(part for part in (board, *notes) if part)
            slug = f"{acronym}-{event_id:04d}-{slugify(title)[:60] or 'event'}".strip("-")
            yield (
                s,
                room,
                {
                    **base,
                    "id": event_id,
                    "guid": guid,
                    "title": title,
                    "type": kind,
                    "start_dt": start,
                    "end_dt": end,
                    "abstract": abstract,
                    "description": description,
                    "slug": slug,
                    "persons": persons,
                    "url": url,
                },
            )


def _day_bounds(day):
    start = datetime(day.year, day.month, day.day, 4, 0)
    return start, start + timedelta(hours=23, minutes=59)


def build_frab_xml(program, now: datetime) -> bytes:
    urls = PublicUrls()
    tz = program.tz
    root = etree.Element("schedule")
    etree.SubElement(root, "generator", name="congress-program", version="1")
    etree.SubElement(root, "version").text = f"{program.number}"
    conference = etree.SubElement(root, "conference")
    etree.SubElement(conference, "title").text = _clean(program.congress["name"])
    etree.SubElement(conference, "acronym").text = _acronym(program).replace("_", "-")
    etree.SubElement(conference, "start").text = program.congress["starts_on"]
    etree.SubElement(conference, "end").text = program.congress["ends_on"]
    etree.SubElement(conference, "days").text = str(len(program.days))
    etree.SubElement(conference, "timeslot_duration").text = "00:05"
    etree.SubElement(conference, "base_url").text = urls.base + "/"
    etree.SubElement(conference, "time_zone_name").text = program.congress["timezone"]
    for track in program.tracks:
        attrs = {"name": _clean(track["name"]), "color": track["colour"]}
        if re.fullmatch(r"[a-z][a-z0-9-]+", track["slug"]):
            attrs["slug"] = track["slug"]
        etree.SubElement(conference, "track", **attrs)
    day_elements, room_elements = {}, {}
    for s, room, e in events(program, now):
        day = s["day"]
        if day not in day_elements:
            day_start, day_end = _day_bounds(day)
            day_elements[day] = etree.SubElement(
                root,
                "day",
                index=str(len(day_elements) + 1),
                date=day.isoformat(),
                start=day_start.replace(tzinfo=tz).isoformat(),
                end=day_end.replace(tzinfo=tz).isoformat(),
            )
        room_key = (day, room["id"] if room else None)
        if room_key not in room_elements:
            attrs = {"name": _clean(room["name"]) if room else "TBA"}
            if room:
                attrs["guid"] = _room_guid(program, room)
            room_elements[room_key] = etree.SubElement(day_elements[day], "room", **attrs)
        event = etree.SubElement(room_elements[room_key], "event", guid=e["guid"], id=str(e["id"]))
        sub = etree.SubElement
        sub(event, "room").text = _clean(e["room"])
        sub(event, "title").text = _clean(e["title"])
        sub(event, "subtitle").text = _clean(e["subtitle"])
        sub(event, "type").text = _clean(e["type"])
        sub(event, "date").text = e["start_dt"].isoformat()
        sub(event, "start").text = e["start_dt"].strftime("%H:%M")
        sub(event, "duration").text = _duration(e["start_dt"], e["end_dt"])
        sub(event, "abstract").text = _clean(e["abstract"])
        sub(event, "slug").text = e["slug"]
        sub(event, "track").text = _clean(e["track"])
        persons = sub(event, "persons")
        for person in e["persons"]:
            sub(persons, "person", id=str(person["id"]), guid=_person_guid(person)).text = _clean(
                person["name"]
            )
        sub(event, "language").text = "en"
        sub(event, "description").text = _clean(e["description"])
        sub(event, "url").text = e["url"]
    # Rooms must be grouped per day: events() is in time order, so sort rooms in place.
    room_order = {r["id"]: i for i, r in enumerate(program.rooms)}
    for (day, _room_id), element in room_elements.items():
        parent = day_elements[day]
        parent.remove(element)
    for (day, _room_id), element in sorted(
        room_elements.items(), key=lambda item: (item[0][0], room_order.get(item[0][1], 999))
    ):
        day_elements[day].append(element)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def build_schedule_json(program, now: datetime) -> bytes:
    urls = PublicUrls()
    tz = program.tz
    days, day_index = [], {}
    rooms_used = {}
    for s, room, e in events(program, now):
        day = s["day"]
        if day not in day_index:
            day_start, day_end = _day_bounds(day)
            day_index[day] = {
                "index": len(days) + 1,
                "date": day.isoformat(),
                "day_start": day_start.replace(tzinfo=tz).isoformat(),
                "day_end": day_end.replace(tzinfo=tz).isoformat(),
                "rooms": {},
            }
            days.append(day_index[day])
        room_name = room["name"] if room else "TBA"
        if room:
            rooms_used[room["id"]] = room
        day_index[day]["rooms"].setdefault(room_name, []).append(
            {
                "guid": e["guid"],
                "id": e["id"],
                "date": e["start_dt"].isoformat(),
                "start": e["start_dt"].strftime("%H:%M"),
                "duration": _duration(e["start_dt"], e["end_dt"]),
                "room": room_name,
                "slug": e["slug"],
                "url": e["url"],
                "title": e["title"],
                "subtitle": e["subtitle"],
                "track": e["track"] or None,
                "type": e["type"],
                "language": "en",
                "abstract": e["abstract"],
                "description": e["description"],
                "persons": [
                    {
                        "id": p["id"],
                        "guid": _person_guid(p),
                        "name": p["name"],
                        "url": urls.speaker(p["id"]),
                    }
                    for p in e["persons"]
                ],
                "links": [],
            }
        )
    tracks = []
    for track in program.tracks:
        item = {"name": track["name"], "color": track["colour"]}
        if re.fullmatch(r"[a-z0-9_-]+[a-z0-9]", track["slug"]):
            item["slug"] = track["slug"]
        tracks.append(item)
    document = {
        "$schema": "https://c3voc.de/schedule/schema.json",
        "generator": {"name": "congress-program", "version": "1"},
        "schedule": {
            "version": str(program.number),
            "base_url": urls.base + "/",
            "conference": {
                "acronym": _acronym(program),
                "title": program.congress["name"],
                "start": program.congress["starts_on"],
                "end": program.congress["ends_on"],
                "daysCount": len(days),
                "timeslot_duration": "00:05",
                "time_zone_name": program.congress["timezone"],
                "url": urls.program,
                "tracks": tracks,
                "rooms": [
                    {"name": r["name"], "guid": _room_guid(program, r), "capacity": r["capacity"]}
                    for r in program.rooms
                ],
                "days": days,
            },
        },
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
