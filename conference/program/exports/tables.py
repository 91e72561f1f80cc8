"""The program as CSV (one row per presentation, and per session without any)."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from conference.program.exports.notes import session_notes
from conference.program.exports.urls import PublicUrls
from conference.spreadsheet import safe_cell

HEADER = [
    "day",
    "start",
    "end",
    "room",
    "track",
    "session",
    "format",
    "cme_credits",
    "presentation_start",
    "presentation_end",
    "board",
    "title",
    "speakers",
    "url",
    "accreditation",
]


def build_csv(program, now: datetime) -> bytes:
    urls = PublicUrls()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for s in program.sessions:
        notes = safe_cell(" ".join(session_notes(program, s)))
        common = [
            s["day"].isoformat(),
            s["start"].strftime("%H:%M"),
            s["end"].strftime("%H:%M"),
            s["room"]["name"] if s["room"] else "",
            s["track"]["name"] if s["track"] else "",
            s["title"],
            s["format_label"],
            f"{s['cme_credits']:g}",
        ]
        if not s["presentations"]:
            writer.writerow(
                [safe_cell(v) for v in [*common, "", "", "", "", "", urls.session(s["id"])]]
                + [notes]
            )
        for p in s["presentations"]:
            writer.writerow(
                [safe_cell(v) for v in common]
                + [
                    p["start"].strftime("%H:%M") if p["start"] else "",
                    p["end"].strftime("%H:%M") if p["end"] else "",
                    safe_cell(p["board_number"] or ""),
                    safe_cell(program.public_title(p, now)),
                    safe_cell("; ".join(x["name"] for x in p["speaker_people"])),
                    urls.presentation(s["id"], p["id"]),
                    notes,
                ]
            )
    return buffer.getvalue().encode("utf-8-sig")
