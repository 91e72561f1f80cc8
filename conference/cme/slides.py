"""What learners are told before an accredited session: each faculty member's relevant
financial relationships (name, company, nature) and, only when recorded, that all were
mitigated. Shown on the session page and as a one-page slide (PDF) for the chair; text only,
never a company logo."""

from __future__ import annotations

import io

from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer

from conference.cme.queries import LearnerDisclosure, get_learner_disclosure, get_settings
from conference.labels import human
from conference.pdf_fonts import REGULAR, markup, stylesheet
from conference.program.models import Congress
from conference.program.published import get_published_program


def session_people(s: dict) -> list[tuple[str, str | None]]:
    """(name, email) of a published session's chairs, discussants and speakers, in order."""
    people = []
    for person in s["chair_people"] + s["discussant_people"]:
        people.append((person["name"], person.get("email")))
    for p in s["presentations"]:
        for person in p["speaker_people"]:
            people.append((person["name"], person.get("email")))
    return people


def is_disclosed_session(s: dict) -> bool:
    """A published session whose learners are told the disclosures: an accredited one."""
    return bool(s.get("is_accredited") and s.get("cme_credits"))


def session_disclosure(congress: Congress, s: dict) -> LearnerDisclosure | None:
    """The learners' disclosure of a published session; None unless it is accredited and the
    congress has set up CME accreditation (its settings)."""
    if not is_disclosed_session(s) or get_settings(congress) is None:
        return None
    return get_learner_disclosure(congress, session_people(s))


def person_line(person) -> str:
    """One faculty member's line: their relevant relationships, none, or not reviewed yet."""
    if person.relevant:
        items = "; ".join(
            _("%(company)s (%(nature)s)", company=company, nature=human(nature, "disclosure"))
            for company, nature in person.relevant
        )
        return _("%(name)s: %(relationships)s", name=person.name, relationships=items)
    if person.is_cleared:
        return _("%(name)s: no relevant financial relationships", name=person.name)
    return _("%(name)s: disclosure not yet reviewed", name=person.name)


def mitigation_statement(statement: LearnerDisclosure) -> str:
    """That all relevant relationships were mitigated (or none had any): only when recorded."""
    if not statement.all_mitigated:
        return ""
    if statement.any_relevant:
        return _("All relevant financial relationships listed above have been mitigated.")
    return _(
        "None of the faculty of this session has a relevant financial relationship "
        "with an ineligible company."
    )


def disclosure_text(statement: LearnerDisclosure) -> str:
    """The disclosure as one line of text (the program exports' description line)."""
    lines = [person_line(person) for person in statement.people]
    body = _("Disclosures: %(people)s.", people=" · ".join(lines)) if lines else ""
    return " ".join(part for part in (body, mitigation_statement(statement)) if part)


def disclosure_slide_pdf(congress: Congress, session_id: int) -> bytes | None:
    """The slide of an accredited session of the published program; None otherwise."""
    program = get_published_program(congress)
    s = program.session_by_id.get(session_id) if program is not None else None
    if s is None:
        return None
    statement = session_disclosure(congress, s)
    if statement is None:
        return None
    styles = stylesheet()
    title, heading, body = styles["Title"], styles["Heading2"], styles["BodyText"]
    body.fontSize, body.leading = 14, 18
    room = s["room"]["name"] if s.get("room") else ""
    story = [
        Paragraph(markup(_("Disclosure of financial relationships")), title),
        Paragraph(markup(s["title"]), heading),
        Paragraph(
            markup(
                _(
                    "%(congress)s · %(when)s · %(room)s",
                    congress=congress.short_name,
                    when=s["start"].strftime("%d.%m.%Y %H:%M"),
                    room=room,
                )
            ),
            body,
        ),
        Spacer(1, 6 * mm),
    ]
    for person in statement.people:
        story.append(Paragraph(markup(person_line(person)), body))
    story.append(Spacer(1, 6 * mm))
    text = mitigation_statement(statement)
    if text:
        story.append(Paragraph(markup(text), body))
    out = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("Disclosure of financial relationships"),
        author=congress.short_name,
        initialFontName=REGULAR,  # no PDF core font ever enters the file
    )
    # One page whatever the number of faculty: the content shrinks to fit.
    frame = KeepInFrame(doc.width, doc.height, story, mode="shrink")
    doc.build([frame])
    return out.getvalue()
