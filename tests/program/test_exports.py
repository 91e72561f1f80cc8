"""Exports parse with real parsers and validate against the published schemas."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import jsonschema
import pytest
from icalendar import Calendar
from lxml import etree

from conference.abstracts.models import Outcome
from conference.program import sessions as services

SCHEMAS = Path(__file__).resolve().parents[2] / "conference" / "program" / "schemas"
NASTY = 'Tricky <script>alert("x")</script> & “quotes”, semi;colon\\back'


@pytest.fixture
def published(congress, make_session, make_abstract, room_b, publish):
    session = make_session(NASTY, chairs=["Cleo <cleo@example.org>"])
    services.add_presentation(session, abstract=make_abstract(title=f"Talk {NASTY}"))
    services.add_presentation(session, abstract=make_abstract(title="Second talk"))
    posters = make_session("Posters", format="poster", is_accredited=False, room=room_b)
    services.add_presentation(posters, abstract=make_abstract(outcome=Outcome.POSTER))
    make_session("Coffee", format="break", is_accredited=False, start="10:30", end="11:00")
    publish()
    return session


def test_ics_parses_with_icalendar(client, published):
    response = client.get("/met26/program/schedule.ics")
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    summaries = [str(e["SUMMARY"]) for e in events]
    assert NASTY in summaries and f"Talk {NASTY}" in summaries and "Coffee" in summaries
    first = next(e for e in events if str(e["SUMMARY"]) == NASTY)
    assert first.decoded("DTSTART") == published.starts_at
    assert str(first["URL"]).endswith(f"/met26/program/sessions/{published.id}")
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_frab_xml_validates_against_the_xsd(client, published):
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "schedule.xml.xsd")))
    response = client.get("/met26/program/schedule.xml")
    document = etree.fromstring(response.data)
    schema.assertValid(document)
    titles = document.xpath("//event/title/text()")
    assert f"Talk {NASTY}" in titles
    assert b"<script>" not in response.data  # escaped by the serializer
    assert document.xpath("//event/subtitle/text()").count(NASTY) == 2


def test_schedule_json_validates_against_the_c3voc_schema(client, published):
    schema = json.loads((SCHEMAS / "schedule.schema.json").read_text())
    document = client.get("/met26/program/schedule.json").get_json()
    jsonschema.validate(document, schema, format_checker=jsonschema.FormatChecker())
    events = [
        e
        for day in document["schedule"]["conference"]["days"]
        for room in day["rooms"].values()
        for e in room
    ]
    assert {e["title"] for e in events} >= {f"Talk {NASTY}", "Second talk", "Coffee"}
    assert all(e["url"].startswith("http") for e in events)


def test_csv_has_a_row_per_presentation_and_neutralises_formulas(
    client, congress, make_session, publish
):
    make_session('=HYPERLINK("http://evil")')
    publish()
    rows = list(
        csv.reader(io.StringIO(client.get("/met26/program/schedule.csv").data.decode("utf-8-sig")))
    )
    assert rows[0][0] == "day"
    assert rows[1][5].startswith("'=")


def test_pdf_program_book(client, published, build_books):
    build_books()
    response = client.get("/met26/program/schedule.pdf")
    assert response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]


def test_exports_are_cached_per_version_and_refreshed_on_publish(
    client, congress, make_session, publish
):
    session = make_session("Before")
    publish()
    assert b"Before" in client.get("/met26/program/schedule.xml").data
    services.update_session(session, title="After")
    from conference.extensions import db

    db.session.commit()
    assert b"Before" in client.get("/met26/program/schedule.xml").data  # still the published one
    publish()
    data = client.get("/met26/program/schedule.xml").data
    assert b"After" in data and b"Before" not in data


# -- the RFC 5545 writer ---------------------------------------------------------------------


def test_ical_writer_escapes_and_folds_at_75_octets():
    from conference.program.exports.ical import CalendarWriter

    long_text = "Ünïcödé, ; \\ " * 20 + "\nsecond line\r\nthird\x00\x07 line"
    writer = CalendarWriter()
    writer.begin("VCALENDAR")
    writer.raw("VERSION", "2.0")
    writer.text("PRODID", "-//test//EN")
    writer.begin("VEVENT")
    writer.text("UID", "x@example.org")
    writer.text("SUMMARY", long_text)
    writer.texts("CATEGORIES", ["Lung, thoracic", "Breast;GYN"])
    writer.uri("URL", "http://example.org/a\r\nX-INJECTED:1")
    writer.end("VEVENT")
    writer.end("VCALENDAR")
    data = writer.to_bytes()
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert any(line.startswith(b" ") for line in lines)  # folded
    for line in lines:
        line.decode("utf-8")  # a fold never splits a UTF-8 sequence
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    expected = long_text.replace("\r\n", "\n").replace("\x00", "").replace("\x07", "")
    assert str(event["SUMMARY"]) == expected
    assert [str(c) for c in event["CATEGORIES"].cats] == ["Lung, thoracic", "Breast;GYN"]
    assert "X-INJECTED" not in event
    assert str(event["URL"]) == "http://example.org/aX-INJECTED:1"


@pytest.mark.parametrize("size", range(70, 82))
def test_ical_fold_never_splits_multibyte_characters(size):
    from conference.program.exports.ical import fold

    line = "SUMMARY:" + "a" * (size - 9) + "€€€€"
    folded = fold(line).encode()
    parts = folded[:-2].split(b"\r\n")
    assert all(len(p) <= 75 for p in parts)
    assert b"".join(p[1:] if i else p for i, p in enumerate(parts)).decode() == line


def test_ics_events_match_the_published_program(client, published):
    calendar = Calendar.from_ical(client.get("/met26/program/schedule.ics").data)
    assert str(calendar["VERSION"]) == "2.0"
    events = calendar.walk("VEVENT")
    talk = next(e for e in events if str(e["SUMMARY"]) == f"Talk {NASTY}")
    assert talk.decoded("DTSTART").tzinfo is not None
    assert str(talk["DESCRIPTION"]).startswith(NASTY)
    assert str(talk["LOCATION"]) == published.room.name
    session = next(e for e in events if str(e["SUMMARY"]) == NASTY)
    assert "Chairs: Cleo" in str(session["DESCRIPTION"])
