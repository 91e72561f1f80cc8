"""Evaluations: a short one per attended session and an overall one of the congress (the
UEMS-EACCME standard questions). Anonymous: the answers hold nobody's identity, organizers
see aggregates only, and none under the congress's threshold of answers (default 5)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from conference.cme.attendance import learner_credits
from conference.cme.models import (
    CONGRESS_QUESTIONS,
    SESSION_QUESTIONS,
    CreditMode,
    Evaluation,
    EvaluationReceipt,
)
from conference.cme.queries import get_settings
from conference.errors import Conflict, FieldErrors
from conference.extensions import db
from conference.models import utcnow
from conference.program.faculty import get_accredited_slots
from conference.program.models import Congress

DEFAULT_THRESHOLD = 5


def _scope(session_id: int | None) -> str:
    return f"session:{session_id}" if session_id else "congress"


def has_evaluated(registration_id: int, session_id: int | None = None) -> bool:
    return (
        db.session.scalar(
            select(EvaluationReceipt.id).where(
                EvaluationReceipt.registration_id == registration_id,
                EvaluationReceipt.scope == _scope(session_id),
            )
        )
        is not None
    )


def submit_evaluation(
    congress: Congress,
    registration_id: int,
    *,
    session_id: int | None = None,
    scores: dict,
    is_bias_free: bool | None = None,
    comment: str = "",
) -> Evaluation:
    """Record a registrant's evaluation of a session they attended, or of the congress; once
    each."""
    errors = FieldErrors()
    questions = SESSION_QUESTIONS if session_id else CONGRESS_QUESTIONS
    if session_id:
        slots = {s.session_id for s in get_accredited_slots(congress)}
        if session_id not in slots:
            errors.add("session", _("Only accredited sessions are evaluated."))
        else:
            settings = get_settings(congress)
            verified = settings is None or settings.credit_mode == CreditMode.VERIFIED
            attended = {
                a.slot.session_id for a in learner_credits(congress, registration_id).sessions
            }
            if verified and session_id not in attended:
                errors.add("session", _("You can evaluate only the sessions you attended."))
        if is_bias_free is None:
            errors.add("is_bias_free", _("Say whether the session was free of commercial bias."))
    scores = scores if isinstance(scores, dict) else {}
    for name in questions:
        value = scores.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors.add(f"scores.{name}", _("Give a score from 1 to 5."))
    for name in set(scores) - set(questions):
        errors.add(f"scores.{name}", _("There is no such question."))
    if len(comment or "") > 4000:
        errors.add("comment", _("At most 4000 characters."))
    errors.raise_if_any(_("Please correct the highlighted fields."))
    if has_evaluated(registration_id, session_id):
        raise Conflict(_("You have already sent this evaluation."), code="already_evaluated")
    db.session.add(
        EvaluationReceipt(
            congress_id=congress.id, registration_id=registration_id, scope=_scope(session_id)
        )
    )
    evaluation = Evaluation(
        congress_id=congress.id,
        session_id=session_id,
        scores={name: scores[name] for name in questions},
        is_bias_free=is_bias_free if session_id else None,
        comment=(comment or "").strip(),
        submitted_on=utcnow().astimezone(congress.tz).date(),
    )
    db.session.add(evaluation)
    db.session.flush()
    return evaluation


@dataclass
class Summary:
    """Aggregates of one scope; `answers` only (no figures) under the threshold."""

    session_id: int | None
    answers: int
    shown: bool
    #: {question: mean score}
    means: dict[str, float]
    bias_free_share: float | None
    comments: list[str]


def evaluation_summary(congress: Congress) -> list[Summary]:
    """The congress's evaluation, then each evaluated session: counts always, figures and
    comments only from the threshold of answers on."""
    settings = get_settings(congress)
    threshold = settings.evaluation_threshold if settings is not None else DEFAULT_THRESHOLD
    counts = dict(
        db.session.execute(
            select(Evaluation.session_id, func.count(Evaluation.id))
            .where(Evaluation.congress_id == congress.id)
            .group_by(Evaluation.session_id)
        ).all()
    )
    shown_scopes = [scope for scope, count in counts.items() if count >= threshold]
    rows: dict = {}
    scope_clauses = []
    if any(s is not None for s in shown_scopes):
        scope_clauses.append(Evaluation.session_id.in_([s for s in shown_scopes if s]))
    if None in shown_scopes:
        scope_clauses.append(Evaluation.session_id.is_(None))
    if scope_clauses:
        for session_id, scores, bias_free, comment in db.session.execute(
            select(
                Evaluation.session_id,
                Evaluation.scores,
                Evaluation.is_bias_free,
                Evaluation.comment,
            ).where(Evaluation.congress_id == congress.id, or_(*scope_clauses))
        ):
            rows.setdefault(session_id, []).append((scores, bias_free, comment))
    summaries = []
    for session_id in sorted(counts, key=lambda s: (s is not None, s or 0)):
        answers = counts[session_id]
        items = rows.get(session_id, [])
        if answers < threshold or not items:
            summaries.append(Summary(session_id, answers, False, {}, None, []))
            continue
        questions = SESSION_QUESTIONS if session_id else CONGRESS_QUESTIONS
        means = {
            name: round(sum(scores.get(name, 0) for scores, _b, _c in items) / len(items), 2)
            for name in questions
        }
        flags = [b for _s, b, _c in items if b is not None]
        share = round(sum(flags) / len(flags), 2) if flags else None
        # Comments in a stable order unrelated to when each was given.
        comments = sorted(c for _s, _b, c in items if c)
        summaries.append(Summary(session_id, answers, True, means, share, comments))
    return summaries
