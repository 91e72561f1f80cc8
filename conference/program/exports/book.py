"""A printable program book (PDF, reportlab): sessions by day with their presentations."""

from __future__ import annotations

import io
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from conference.i18n import format_number, format_when, in_language
from conference.labels import human
from conference.pdf_fonts import REGULAR, stylesheet
from conference.pdf_fonts import markup as escape
from conference.program.exports.notes import needs_not_accredited_label
from conference.progress import Progress, report


def credit_count(value) -> int:
    """The count that picks a plural for an amount of credits: whole amounts as they are,
    fractions (0.25 steps) as plural ("1.5 credits")."""
    value = float(value or 0)
    return int(value) if value == int(value) else 2


def build_pdf(
    program,
    now: datetime,
    progress: Progress | None = None,
    language: str | None = None,
    disclosures: dict | None = None,
) -> bytes:
    """Every user string goes through escape() (pdf_fonts.markup): Paragraph reads a
    mini-markup, and names in any script need their embedded face.

    The book's own words, dates and numbers are in `language` (default: the current one).
    `progress(done, total)` hears of each session laid out (the slow part is the layout,
    so it is counted as reportlab places each session's heading on a page).
    `disclosures`: {session id: disclosure line} in `language` (default: the program's
    `disclosure_lines`)."""
    if disclosures is None:
        disclosures = program.disclosure_lines
    if language is None:
        return _build_pdf(program, now, progress, disclosures)
    with in_language(language):
        return _build_pdf(program, now, progress, disclosures)


def _build_pdf(program, now: datetime, progress: Progress | None, disclosures: dict) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=_("%(congress)s \u2013 program", congress=program.congress["name"]),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        initialFontName=REGULAR,
    )
    styles = stylesheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    story = [
        Paragraph(escape(program.congress["name"]), styles["Title"]),
        Paragraph(
            escape(
                _(
                    "Program version %(number)s · times in %(zone)s",
                    number=program.number,
                    zone=program.congress["timezone"],
                )
            ),
            styles["Normal"],
        ),
    ]
    total = sum(len(program.sessions_by_day[day]) for day in program.days)
    placed = 0
    for day in program.days:
        story.append(PageBreak())
        cme = program.day_cme(day)
        story.append(Paragraph(escape(format_when(day, "%A %d %B %Y")), styles["Heading1"]))
        if cme.offered:
            story.append(
                Paragraph(
                    escape(
                        ngettext(
                            "CME: %(offered)s credit offered this day; up to %(claimable)s "
                            "claimable by one attendee (sessions at the same time count once).",
                            "CME: %(offered)s credits offered this day; up to %(claimable)s "
                            "claimable by one attendee (sessions at the same time count once).",
                            credit_count(cme.offered),
                            offered=format_number(cme.offered),
                            claimable=format_number(cme.claimable),
                        )
                    ),
                    small,
                )
            )
        for s in program.sessions_by_day[day]:
            parts = [
                f"{format_when(s['start'], '%H:%M')}\u2013{format_when(s['end'], '%H:%M')}",
                s["room"]["name"] if s["room"] else _("TBA"),
                human(s["format"], "session_format"),
            ]
            if s["track"]:
                parts.append(s["track"]["name"])
            if s["cme_credits"]:
                parts.append(_("CME credits: %(credits)s", credits=format_number(s["cme_credits"])))
            head = " · ".join(parts)
            story.append(Spacer(1, 4 * mm))
            heading = Paragraph(f"<b>{escape(s['title'])}</b>", styles["Heading3"])
            placed += 1
            heading.book_session = placed
            story.append(heading)
            story.append(Paragraph(escape(head), small))
            if needs_not_accredited_label(s):
                label = _("Industry satellite symposium: not accredited, organized by its sponsor")
                story.append(Paragraph(escape(label), small))
            if disclosures.get(s["id"]):
                story.append(Paragraph(escape(disclosures[s["id"]]), small))
            if s["chair_people"]:
                names = ", ".join(p["name"] for p in s["chair_people"])
                story.append(Paragraph(escape(_("Chairs: %(names)s", names=names)), small))
            rows = []
            for p in s["presentations"]:
                when = format_when(p["start"], "%H:%M") if p["start"] else (p["board_number"] or "")
                names = ", ".join(x["name"] for x in p["speaker_people"])
                rows.append(
                    [
                        Paragraph(escape(when), small),
                        Paragraph(
                            f"{escape(program.public_title(p, now))}<br/><i>{escape(names)}</i>",
                            small,
                        ),
                    ]
                )
            if rows:
                table = Table(rows, colWidths=[18 * mm, 160 * mm])
                table.setStyle(
                    TableStyle(
                        [
                            ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                            ("VALIGN", (0, 0), (-1, -1), "TOP"),
                            ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                        ]
                    )
                )
                story.append(table)

    def after_flowable(flowable) -> None:
        number = getattr(flowable, "book_session", None)
        if number is not None:
            report(progress, number, total)

    report(progress, 0, total)
    doc.afterFlowable = after_flowable
    doc.build(story)
    report(progress, total, total)
    return buffer.getvalue()
