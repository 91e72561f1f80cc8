"""Decisions: outcomes kept internal until released, then one email per abstract."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from conference.abstracts.models import (
    OUTCOME_LABELS,
    PRESENTED_OUTCOMES,
    Abstract,
    AbstractStatus,
    DecisionTemplate,
    Outcome,
)
from conference.abstracts.services import presenter_confirm_url
from conference.accounts.models import User
from conference.errors import Conflict, FieldErrors, ValidationFailed
from conference.extensions import db
from conference.mail import queue_mail
from conference.models import utcnow
from conference.program.models import Congress

PLACEHOLDERS = {
    "number": "the abstract's number, e.g. A-0042",
    "title": "the abstract's title",
    "outcome": "the decision, e.g. Oral presentation",
    "presenting_author": "the presenting author's name",
    "congress": "the congress's name",
}
_ACCEPTED_BODY = (
    "We are pleased to tell you that abstract {{ number }}, “{{ title }}”, has been accepted "
    "for {{ outcome }} at {{ congress }}.\n\n"
    "{{ presenting_author }} is listed as presenting author. Please confirm that they will "
    "register and present, using the link below."
)
DEFAULT_TEMPLATES = {
    Outcome.PLENARY: ("Abstract {{ number }} accepted for the plenary session", _ACCEPTED_BODY),
    Outcome.ORAL: ("Abstract {{ number }} accepted as an oral presentation", _ACCEPTED_BODY),
    Outcome.POSTER_DISCUSSION: (
        "Abstract {{ number }} accepted for poster discussion",
        _ACCEPTED_BODY,
    ),
    Outcome.POSTER: ("Abstract {{ number }} accepted as a poster", _ACCEPTED_BODY),
    Outcome.PUBLICATION_ONLY: (
        "Abstract {{ number }}: publication only",
        "Abstract {{ number }}, “{{ title }}”, will be published in the abstract book of "
        "{{ congress }} but not presented.",
    ),
    Outcome.REJECTED: (
        "Abstract {{ number }}: decision",
        "Thank you for submitting abstract {{ number }}, “{{ title }}”, to {{ congress }}. "
        "We regret that the committee could not accept it this year.",
    ),
}
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def render_placeholders(text: str, values: dict[str, str]) -> str:
    """Fill `{{ name }}` placeholders; unknown names stay as typed (no code runs)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def get_template(congress: Congress, outcome: Outcome) -> DecisionTemplate:
    """The congress's template for `outcome`, created from the default the first time."""
    template = db.session.scalar(
        select(DecisionTemplate).where(
            DecisionTemplate.congress_id == congress.id, DecisionTemplate.outcome == outcome
        )
    )
    if template is None:
        subject, body = DEFAULT_TEMPLATES[outcome]
        template = DecisionTemplate(
            congress_id=congress.id, outcome=outcome, subject=subject, body=body
        )
        db.session.add(template)
        db.session.flush()
    return template


def update_decision_template(
    congress: Congress, outcome: Outcome, *, subject: str, body: str
) -> DecisionTemplate:
    errors = FieldErrors()
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or len(subject) > 300:
        errors.add("subject", "Give a subject of up to 300 characters.")
    if not body:
        errors.add("body", "Write the message.")
    for text, name in ((subject, "subject"), (body, "body")):
        unknown = {m for m in _PLACEHOLDER.findall(text) if m not in PLACEHOLDERS}
        if unknown:
            errors.add(
                name,
                "Unknown placeholder(s): "
                + ", ".join(sorted(unknown))
                + ". Use: "
                + ", ".join(PLACEHOLDERS)
                + ".",
            )
    errors.raise_if_any()
    template = get_template(congress, outcome)
    template.subject, template.body = subject, body
    db.session.flush()
    return template


def _outcome(value) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise ValidationFailed(
            "Unknown outcome.",
            fields={"outcome": ["Choose one of: " + ", ".join(o.value for o in Outcome) + "."]},
        ) from None


def decide_abstract(
    abstract: Abstract, outcome, by: User | None = None, now: datetime | None = None
) -> Abstract:
    """Record the committee's outcome; authors learn it only when decisions are released."""
    outcome = _outcome(outcome)
    if abstract.status != AbstractStatus.SUBMITTED:
        raise Conflict(
            f"Abstract {abstract.number or abstract.id} is not submitted (it is "
            f"{abstract.status}); only submitted abstracts are decided.",
            code="not_submitted",
        )
    if abstract.outcome == outcome:
        return abstract
    abstract.outcome = outcome
    abstract.decided_at = now or utcnow()
    abstract.decided_by_id = by.id if by else None
    if outcome not in PRESENTED_OUTCOMES:
        abstract.presenter_confirmed_at = None
    db.session.flush()
    return abstract


def decide_abstracts(abstracts: list[Abstract], outcome, by: User | None = None) -> int:
    """Decide several abstracts at once; refuse the lot if one cannot be decided."""
    outcome = _outcome(outcome)
    blocked = [a.number or str(a.id) for a in abstracts if a.status != AbstractStatus.SUBMITTED]
    if blocked:
        raise Conflict(
            "Not submitted, so not decided: " + ", ".join(blocked) + ".", code="not_submitted"
        )
    for abstract in abstracts:
        decide_abstract(abstract, outcome, by)
    return len(abstracts)


def release_decisions(congress: Congress, now: datetime | None = None) -> int:
    """Tell authors every decision not yet told (or changed since): one email per abstract.

    A decision changed after its release is sent again as a correction; one that was changed
    and changed back is not sent at all. The outbox's dedupe key makes a repeated release
    (double click, retry, two organizers) queue nothing more.
    """
    now = now or utcnow()
    abstracts = list(
        db.session.scalars(
            select(Abstract)
            .where(
                Abstract.congress_id == congress.id,
                Abstract.status == AbstractStatus.SUBMITTED,
                Abstract.outcome.is_not(None),
            )
            .options(
                selectinload(Abstract.authors),
                selectinload(Abstract.reviews),
                selectinload(Abstract.submitter),
            )
            .order_by(Abstract.id)
            .with_for_update()
        )
    )
    templates = {outcome: get_template(congress, outcome) for outcome in Outcome}
    sent = 0
    for abstract in abstracts:
        if not abstract.has_unreleased_change:
            continue
        correction = abstract.released_outcome is not None
        abstract.decision_notice_count += 1
        abstract.released_outcome = abstract.outcome
        abstract.decision_released_at = now
        template = templates[Outcome(abstract.outcome)]
        presenting = abstract.presenting_author
        values = {
            "number": abstract.number or "",
            "title": abstract.title,
            "outcome": OUTCOME_LABELS[Outcome(abstract.outcome)],
            "presenting_author": presenting.name if presenting else "",
            "congress": congress.name,
        }
        subject = render_placeholders(template.subject, values)
        if correction:
            subject = f"Correction: {subject}"
        # One message per abstract, addressed to the submitter and every author together.
        queue_mail(
            [abstract.submitter.email, *(author.email for author in abstract.authors)],
            subject[:300],
            "abstracts/decision",
            dedupe_key=f"abstract-decision:{abstract.id}:{abstract.decision_notice_count}",
            user_id=abstract.submitter_id,
            abstract=abstract,
            congress=congress,
            correction=correction,
            body=render_placeholders(template.body, values),
            comments=[r.comment_to_authors for r in abstract.reviews if r.comment_to_authors],
            secrets={"confirm_url": presenter_confirm_url(abstract)}
            if abstract.outcome in PRESENTED_OUTCOMES
            else None,
        )
        sent += 1
    db.session.flush()
    return sent
