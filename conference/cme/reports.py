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
            .where(Certificate.congress_id == congress.id)
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
            Certificate.congress_id == congress.id, Certificate.kind == CertificateKind.CME
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
