"""iCalendar exports: the whole program and a personal agenda (RFC 5545, see ical.py)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlparse

from conference.program.exports.ical import CalendarWriter
from conference.program.exports.notes import session_notes
from conference.program.exports.urls import PublicUrls


def _calendar(program, name: str) -> CalendarWriter:
    calendar = CalendarWriter()
    calendar.begin("VCALENDAR")
    calendar.raw("VERSION", "2.0")
    calendar.text("PRODID", "-//Congress management//Program//EN")
    calendar.raw("CALSCALE", "GREGORIAN")
    calendar.text("X-WR-CALNAME", name)
    calendar.text("X-WR-TIMEZONE", program.congress["timezone"])
    return calendar


def _session_event(calendar, program, s, urls, host, stamp, now, with_talks=True) -> None:
    calendar.begin("VEVENT")
    calendar.text("UID", f"session-{s['guid']}@{host}")
    calendar.stamp("DTSTAMP", stamp)
    calendar.stamp("DTSTART", s["start"])
    calendar.stamp("DTEND", s["end"])
    calendar.text("SUMMARY", s["title"])
    if s["room"]:
        calendar.text("LOCATION", s["room"]["name"])
    if s["track"]:
        calendar.texts("CATEGORIES", [s["track"]["name"]])
    lines = [s["format_label"]]
    if s["chair_people"]:
        lines.append("Chairs: " + ", ".join(p["name"] for p in s["chair_people"]))
    for p in s["presentations"] if with_talks else ():
        when = p["start"].strftime("%H:%M") + " " if p["start"] else ""
        names = ", ".join(x["name"] for x in p["speaker_people"])
        lines.append(f"{when}{program.public_title(p, now)}" + (f" ({names})" if names else ""))
    if s["cme_credits"]:
        lines.append(f"CME: {s['cme_credits']:g} credits")
    lines.extend(session_notes(program, s))
    calendar.text("DESCRIPTION", "\n".join(lines))
    calendar.uri("URL", urls.session(s["id"]))
    calendar.end("VEVENT")


def build_ics(program, now: datetime) -> bytes:
    """Every session, and every timed presentation, as VEVENTs."""
    urls = PublicUrls()
    host = urlparse(urls.base).hostname or "localhost"
    stamp = program.published_at
    calendar = _calendar(program, program.congress["name"])
    for s in program.sessions:
        # Timed talks are events of their own; posters are listed in their session's event.
        untimed = any(p["start"] is None for p in s["presentations"])
        _session_event(calendar, program, s, urls, host, stamp, now, untimed)
        for p in s["presentations"]:
            if p["start"] is None:
                continue
            calendar.begin("VEVENT")
            calendar.text("UID", f"presentation-{p['guid']}@{host}")
            calendar.stamp("DTSTAMP", stamp)
            calendar.stamp("DTSTART", p["start"])
            calendar.stamp("DTEND", p["end"])
            calendar.text("SUMMARY", program.public_title(p, now))
            if s["room"]:
                calendar.text("LOCATION", s["room"]["name"])
            names = ", ".join(x["name"] for x in p["speaker_people"])
            lines = [s["title"]] + ([f"Speakers: {names}"] if names else [])
            calendar.text("DESCRIPTION", "\n".join(lines + session_notes(program, s)))
            calendar.uri("URL", urls.presentation(s["id"], p["id"]))
            calendar.end("VEVENT")
    calendar.end("VCALENDAR")
    return calendar.to_bytes()


def build_agenda_ics(program, session_ids, now: datetime, name: str) -> bytes:
    urls = PublicUrls()
    host = urlparse(urls.base).hostname or "localhost"
    stamp = program.published_at
    calendar = _calendar(program, name)
    for session_id in session_ids:
        s = program.session_by_id.get(session_id)
        if s is not None:
            _session_event(calendar, program, s, urls, host, stamp, now)
    calendar.end("VCALENDAR")
    return calendar.to_bytes()
