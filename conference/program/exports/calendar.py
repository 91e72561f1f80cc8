"""iCalendar exports: the whole program and a personal agenda (icalendar escapes the text)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlparse

from icalendar import Calendar, Event

from conference.program.exports.urls import PublicUrls


def _calendar(program, name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Congress management//Program//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", program.congress["timezone"])
    return calendar


def _session_event(program, s, urls, host, stamp, now, with_talks=True) -> Event:
    event = Event()
    event.add("uid", f"session-{s['guid']}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", s["start"].astimezone(UTC))
    event.add("dtend", s["end"].astimezone(UTC))
    event.add("summary", s["title"])
    if s["room"]:
        event.add("location", s["room"]["name"])
    if s["track"]:
        event.add("categories", [s["track"]["name"]])
    lines = [s["format_label"]]
    if s["chair_people"]:
        lines.append("Chairs: " + ", ".join(p["name"] for p in s["chair_people"]))
    for p in s["presentations"] if with_talks else ():
        when = p["start"].strftime("%H:%M") + " " if p["start"] else ""
        names = ", ".join(x["name"] for x in p["speaker_people"])
        lines.append(f"{when}{program.public_title(p, now)}" + (f" ({names})" if names else ""))
    if s["cme_credits"]:
        lines.append(f"CME: {s['cme_credits']:g} credits")
    event.add("description", "\n".join(lines))
    event.add("url", urls.session(s["id"]))
    return event


def build_ics(program, now: datetime) -> bytes:
    """Every session, and every timed presentation, as VEVENTs."""
    urls = PublicUrls()
    host = urlparse(urls.base).hostname or "localhost"
    stamp = program.published_at.astimezone(UTC)
    calendar = _calendar(program, program.congress["name"])
    for s in program.sessions:
        # Timed talks are events of their own; posters are listed in their session's event.
        untimed = any(p["start"] is None for p in s["presentations"])
        calendar.add_component(_session_event(program, s, urls, host, stamp, now, untimed))
        for p in s["presentations"]:
            if p["start"] is None:
                continue
            event = Event()
            event.add("uid", f"presentation-{p['guid']}@{host}")
            event.add("dtstamp", stamp)
            event.add("dtstart", p["start"].astimezone(UTC))
            event.add("dtend", p["end"].astimezone(UTC))
            event.add("summary", program.public_title(p, now))
            if s["room"]:
                event.add("location", s["room"]["name"])
            names = ", ".join(x["name"] for x in p["speaker_people"])
            event.add("description", f"{s['title']}" + (f"\nSpeakers: {names}" if names else ""))
            event.add("url", urls.presentation(s["id"], p["id"]))
            calendar.add_component(event)
    return calendar.to_ical()


def build_agenda_ics(program, session_ids, now: datetime, name: str) -> bytes:
    urls = PublicUrls()
    host = urlparse(urls.base).hostname or "localhost"
    stamp = program.published_at.astimezone(UTC)
    calendar = _calendar(program, name)
    for session_id in session_ids:
        s = program.session_by_id.get(session_id)
        if s is not None:
            calendar.add_component(_session_event(program, s, urls, host, stamp, now))
    return calendar.to_ical()
