"""Reports to the accreditor: the learners with the credits they claimed (one row per
learner, the columns a learner upload needs) and the event report (attendance per day and
category, countries, credits offered and claimed, the evaluation summary, disclosures and
their mitigation with who and when). CSV, every cell through conference.spreadsheet."""

from __future__ import annotations

import csv
import io
from collections import Counter

from sqlalchemy import func, select

from conference.cme.attendance import day_credits
from conference.cme.evaluations import evaluation_summary
from conference.cme.models import AttendanceScan, Certificate, CertificateKind
from conference.cme.queries import get_disclosures, get_settings
from conference.countries import country_name
from conference.extensions import db
from conference.labels import human
from conference.program.faculty import get_accredited_slots
from conference.program.models import Congress
from conference.registration.queries import get_learner_rows
from conference.spreadsheet import safe_row

LEARNER_COLUMNS = (
    "certificate_code",
    "name",
    "email",
    "profession",
    "country",
    "certificate",
    "credits",
    "date",
)


def _csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(safe_row(row))
    return out.getvalue().encode("utf-8-sig")


def learners_rows(congress: Congress) -> list[list]:
    """One row per learner with a certificate, by name."""
    certificates = list(
        db.session.scalars(
            select(Certificate)
            .where(Certificate.congress_id == congress.id, Certificate.purged_at.is_(None))
            .order_by(Certificate.name, Certificate.id)
        )
    )
    learners = get_learner_rows(congress, [c.registration_id for c in certificates])
    rows = []
    for c in certificates:
        learner = learners.get(c.registration_id)
        rows.append(
            [
                c.code,
                c.name,
                learner.email if learner else "",
                learner.category if learner else "",
                learner.country if learner else "",
                str(c.kind),
                float(c.credits),
                c.issued_at.astimezone(congress.tz).date().isoformat(),
            ]
        )
    return rows


def learners_csv(congress: Congress) -> bytes:
    return _csv([LEARNER_COLUMNS, *learners_rows(congress)])


def event_report(congress: Congress) -> dict:
    """The event report's figures (the CSV and the tests read the same numbers)."""
    tz = congress.tz
    scans = db.session.execute(
        select(AttendanceScan.registration_id, AttendanceScan.scanned_at).where(
            AttendanceScan.congress_id == congress.id,
            AttendanceScan.registration_id.is_not(None),
        )
    ).all()
    per_day: dict = {}
    for registration_id, scanned_at in scans:
        per_day.setdefault(scanned_at.astimezone(tz).date(), set()).add(registration_id)
    attendees = {registration_id for registration_id, _at in scans}
    learners = get_learner_rows(congress, attendees)
    settings = get_settings(congress)
    caps = (
        {"half_day_cap": float(settings.half_day_cap), "day_cap": float(settings.day_cap)}
        if settings is not None
        else {}
    )
    offered = day_credits(
        [(s.starts_at, s.ends_at) for s in get_accredited_slots(congress)], tz, **caps
    )
    claimed = db.session.execute(
        select(func.count(Certificate.id), func.coalesce(func.sum(Certificate.credits), 0)).where(
            Certificate.congress_id == congress.id,
            Certificate.kind == CertificateKind.CME,
            Certificate.purged_at.is_(None),
        )
    ).one()
    return {
        "attendance_per_day": {day: len(ids) for day, ids in sorted(per_day.items())},
        "attendance_per_category": dict(Counter(r.category for r in learners.values())),
        "countries": dict(Counter(r.country for r in learners.values() if r.country)),
        "credits_offered": sum(offered.values()),
        "cme_certificates": claimed[0],
        "credits_claimed": float(claimed[1]),
        "evaluations": evaluation_summary(congress),
        "disclosures": get_disclosures(congress),
        # After the retention purge: the counts kept from the purged records.
        "retained": dict(settings.retained_counts or {}) if settings is not None else {},
        "purged_at": settings.records_purged_at if settings is not None else None,
    }


def question_rows(scope: str, question) -> list[list]:
    """Event report rows of one organizer's question (only shown scopes reach here)."""
    label = f"question {question.question_id}: {question.text}"
    rows = [["evaluation", scope, question.answers, f"answers to {label}"]]
    if question.mean is not None:
        rows.append(["evaluation", scope, question.mean, f"mean {label}"])
    if question.yes_share is not None:
        rows.append(["evaluation", scope, question.yes_share, f"share yes {label}"])
    for text in question.texts:
        rows.append(["evaluation", scope, text, label])
    return rows


def event_csv(congress: Congress) -> bytes:
    report = event_report(congress)
    rows: list[list] = [["section", "item", "value", "detail"]]
    for day, count in report["attendance_per_day"].items():
        rows.append(["attendance per day", day.isoformat(), count, ""])
    for category, count in sorted(report["attendance_per_category"].items()):
        rows.append(["attendance per category", category, count, ""])
    for code, count in sorted(report["countries"].items()):
        rows.append(["countries", country_name(code) or code, count, ""])
    rows.append(["credits", "offered", report["credits_offered"], ""])
    rows.append(["credits", "CME certificates", report["cme_certificates"], ""])
    rows.append(["credits", "claimed", report["credits_claimed"], ""])
    for summary in report["evaluations"]:
        scope = f"session {summary.session_id}" if summary.session_id else "congress"
        rows.append(["evaluation", scope, summary.answers, "answers"])
        for name, mean in summary.means.items():
            rows.append(["evaluation", scope, mean, f"mean {name}"])
        if summary.bias_free_share is not None:
            rows.append(["evaluation", scope, summary.bias_free_share, "free of commercial bias"])
        for question in summary.questions:
            rows.extend(question_rows(scope, question))
    for _email, disclosure in sorted(report["disclosures"].items()):
        if not disclosure.is_submitted:
            rows.append(["disclosure", disclosure.name, "not disclosed", ""])
        elif disclosure.nothing_to_disclose:
            rows.append(["disclosure", disclosure.name, "nothing to disclose", ""])
        for r in disclosure.relationships:
            detail = "; ".join(
                part
                for part in (
                    str(human(r.relevance, "cme_relevance")),
                    str(human(r.mitigation, "mitigation")) if r.mitigation else "",
                    r.peer_reviewer,
                    f"{r.reviewed_by_name} {r.reviewed_at.isoformat()}" if r.reviewed_at else "",
                )
                if part
            )
            rows.append(
                [
                    "disclosure",
                    disclosure.name,
                    f"{r.company} ({human(r.nature, 'disclosure')})",
                    detail,
                ]
            )
    return _csv(rows)


# -- the event report as PDF --------------------------------------------------------------------


def _session_rows(congress: Congress, slots) -> list[dict]:
    """Each accredited session with its hours, credits, faculty and learners attending."""
    from conference.cme.attendance import learners_credits
    from conference.program.faculty import get_faculty

    scanned = db.session.scalars(
        select(AttendanceScan.registration_id)
        .where(
            AttendanceScan.congress_id == congress.id,
            AttendanceScan.registration_id.is_not(None),
        )
        .distinct()
    )
    attending: Counter = Counter()
    for learner in learners_credits(congress, list(scanned), slots).values():
        for attended in learner.sessions:
            attending[attended.slot.session_id] += 1
    faculty: dict[int, list[str]] = {}
    for entry in get_faculty(congress, [s.session_id for s in slots]):
        names = faculty.setdefault(entry.session_id, [])
        if entry.name not in names:
            names.append(entry.name)
    return [
        {
            "slot": s,
            "hours": (s.ends_at - s.starts_at).total_seconds() / 3600,
            "faculty": faculty.get(s.session_id, []),
            "learners": attending[s.session_id],
        }
        for s in slots
    ]


def event_pdf(congress: Congress) -> bytes:
    """The event report for the accreditor as a PDF (A4, Unicode fonts): sessions with hours,
    faculty, credits and attendance; attendance per day, category and country; credits
    offered and claimed; evaluation aggregates (none under the anonymity threshold);
    disclosures and their mitigation with who and when."""
    from flask_babel import gettext as _
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from conference.cme.evaluations import DEFAULT_THRESHOLD
    from conference.cme.models import (
        ACCREDITOR_LABELS,
        CONGRESS_QUESTIONS,
        OWNER_EXCEPTION_LABELS,
        SESSION_QUESTIONS,
    )
    from conference.pdf_fonts import REGULAR, markup, stylesheet

    report = event_report(congress)
    settings = get_settings(congress)
    tz = congress.tz
    styles = stylesheet()
    body, small = styles["BodyText"], styles["BodyText"].clone("small", fontSize=8, leading=10)
    heading = styles["Heading2"]

    def p(text, style=body):
        return Paragraph(markup(str(text)), style)

    def table(rows, widths):
        t = Table(
            [[p(cell, small) for cell in row] for row in rows], colWidths=widths, repeatRows=1
        )
        t.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # never a PDF core font
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        return t

    story = [
        p(_("CME event report"), styles["Title"]),
        p(congress.name),
        p(
            ", ".join(
                part
                for part in (
                    f"{congress.starts_on:%d.%m.%Y} - {congress.ends_on:%d.%m.%Y}",
                    congress.venue,
                    congress.city,
                )
                if part
            )
        ),
    ]
    if settings is not None:
        story.append(
            p(_("Accreditor: %(accreditor)s", accreditor=ACCREDITOR_LABELS[settings.accreditor]))
        )
    if report["purged_at"] is not None:
        kept = report["retained"]
        story += [
            Spacer(1, 4 * mm),
            p(
                _(
                    "The CME records of this congress were deleted on %(day)s after their "
                    "retention period; these counts were kept: %(learners)s learners scanned, "
                    "%(cme)s CME certificates, %(attendance)s certificates of attendance, "
                    "%(credits)s credits claimed, %(disclosures)s disclosures.",
                    day=report["purged_at"].astimezone(tz).date().isoformat(),
                    learners=kept.get("learners_scanned", 0),
                    cme=kept.get("cme_certificates", 0),
                    attendance=kept.get("attendance_certificates", 0),
                    credits=f"{kept.get('credits_claimed', 0):g}",
                    disclosures=kept.get("disclosures", 0),
                )
            ),
        ]

    slots = get_accredited_slots(congress)
    story += [Spacer(1, 4 * mm), p(_("Accredited sessions"), heading)]
    rows = [
        [_("Date and time"), _("Session"), _("Hours"), _("Credits"), _("Faculty"), _("Learners")]
    ]
    for row in _session_rows(congress, slots):
        slot = row["slot"]
        rows.append(
            [
                f"{slot.starts_at.astimezone(tz):%d.%m.%Y %H:%M}"
                f"-{slot.ends_at.astimezone(tz):%H:%M}",
                slot.title,
                f"{row['hours']:.2f}",
                f"{slot.credits:g}",
                ", ".join(row["faculty"]),
                row["learners"],
            ]
        )
    if len(rows) == 1:
        story.append(p(_("No accredited session is scheduled.")))
    else:
        story.append(table(rows, [30 * mm, 50 * mm, 14 * mm, 14 * mm, 50 * mm, 16 * mm]))

    story += [Spacer(1, 4 * mm), p(_("Credits"), heading)]
    story.append(
        p(
            _(
                "Credits offered: %(offered)s. CME certificates: %(certificates)s. Credits "
                "claimed: %(claimed)s.",
                offered=f"{report['credits_offered']:g}",
                certificates=report["cme_certificates"],
                claimed=f"{report['credits_claimed']:g}",
            )
        )
    )
    story += [Spacer(1, 4 * mm), p(_("Attendance"), heading)]
    rows = [[_("Day"), _("Learners")]]
    rows += [[day.isoformat(), count] for day, count in report["attendance_per_day"].items()]
    story.append(table(rows, [40 * mm, 30 * mm]) if len(rows) > 1 else p(_("No scans yet.")))
    if report["attendance_per_category"]:
        story.append(Spacer(1, 2 * mm))
        rows = [[_("Professional category"), _("Learners")]]
        rows += sorted([k, v] for k, v in report["attendance_per_category"].items())
        story.append(table(rows, [80 * mm, 30 * mm]))
    if report["countries"]:
        story.append(Spacer(1, 2 * mm))
        rows = [[_("Country"), _("Learners")]]
        rows += sorted([country_name(k) or k, v] for k, v in report["countries"].items())
        story.append(table(rows, [80 * mm, 30 * mm]))

    story += [Spacer(1, 4 * mm), p(_("Evaluation"), heading)]
    titles = {s.session_id: s.title for s in slots}
    threshold = settings.evaluation_threshold if settings is not None else DEFAULT_THRESHOLD
    questions = {**SESSION_QUESTIONS, **CONGRESS_QUESTIONS}
    if not report["evaluations"]:
        story.append(p(_("No evaluations yet.")))
    for summary in report["evaluations"]:
        scope = (
            _("Session “%(title)s”", title=titles.get(summary.session_id, summary.session_id))
            if summary.session_id
            else _("The congress as a whole")
        )
        story.append(p(_("%(scope)s: %(answers)s answers", scope=scope, answers=summary.answers)))
        if not summary.shown:
            story.append(
                p(
                    _(
                        "Fewer than %(threshold)s answers: no figures are shown, so that no "
                        "answer can be traced to a learner.",
                        threshold=threshold,
                    ),
                    small,
                )
            )
            continue
        rows = [[_("Question"), _("Mean (1 to 5)")]]
        rows += [[questions.get(name, name), f"{mean:.1f}"] for name, mean in summary.means.items()]
        if summary.bias_free_share is not None:
            rows.append([_("Free of commercial bias"), f"{summary.bias_free_share:.0%}"])
        story.append(table(rows, [110 * mm, 30 * mm]))

    story += [Spacer(1, 4 * mm), p(_("Disclosures and mitigation"), heading)]
    disclosures = list(report["disclosures"].values())
    relationships = [r for d in disclosures for r in d.relationships]
    story.append(
        p(
            _(
                "Disclosures: %(total)s (%(submitted)s submitted, %(nothing)s with nothing to "
                "disclose). Relationships: %(relationships)s, of which %(relevant)s relevant "
                "and %(mitigated)s mitigated.",
                total=len(disclosures),
                submitted=sum(d.is_submitted for d in disclosures),
                nothing=sum(d.nothing_to_disclose for d in disclosures),
                relationships=len(relationships),
                relevant=sum(r.relevance == "relevant" for r in relationships),
                mitigated=sum(r.mitigation is not None for r in relationships),
            )
        )
    )
    rows = [[_("Person"), _("Company and relationship"), _("Finding and mitigation"), _("By, on")]]
    for d in sorted(disclosures, key=lambda d: d.name.casefold()):
        for r in d.relationships:
            finding = str(human(r.relevance, "cme_relevance"))
            if r.mitigation:
                finding += " · " + str(human(r.mitigation, "mitigation"))
            if r.peer_reviewer:
                finding += " · " + r.peer_reviewer
            rows.append(
                [
                    d.name,
                    f"{r.company} ({human(r.nature, 'disclosure')})",
                    finding,
                    f"{r.reviewed_by_name}, {r.reviewed_at.astimezone(tz):%d.%m.%Y}"
                    if r.reviewed_at
                    else "",
                ]
            )
        if d.owner_employee_of:
            rows.append(
                [
                    d.name,
                    _("Owner or employee of %(company)s", company=d.owner_employee_of),
                    str(OWNER_EXCEPTION_LABELS[d.owner_exception])
                    if d.owner_exception
                    else _("No exception recorded"),
                    f"{d.owner_exception_by_name}, {d.owner_exception_at.astimezone(tz):%d.%m.%Y}"
                    if d.owner_exception_at
                    else "",
                ]
            )
    if len(rows) > 1:
        story.append(table(rows, [40 * mm, 50 * mm, 55 * mm, 30 * mm]))

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("CME event report"),
        author=congress.short_name,
        initialFontName=REGULAR,
    )
    doc.build(story)
    return out.getvalue()
