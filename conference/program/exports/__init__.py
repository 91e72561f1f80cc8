"""Exports of the published program: iCalendar, frab XML, c3voc JSON, CSV and a PDF book.

Each builder takes a `PublishedProgram` and the current time (for the embargo) and works
on its plain data only: no database access, so the cost does not depend on the ORM.
"""

from conference.program.exports.book import build_pdf
from conference.program.exports.calendar import build_agenda_ics, build_ics
from conference.program.exports.frab import build_frab_xml, build_schedule_json
from conference.program.exports.tables import build_csv

__all__ = [
    "build_agenda_ics",
    "build_csv",
    "build_frab_xml",
    "build_ics",
    "build_pdf",
    "build_schedule_json",
]
