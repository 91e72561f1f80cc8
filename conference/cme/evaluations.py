"""Evaluations: a short one per attended session and an overall one of the congress (the
UEMS-EACCME standard questions). Anonymous: the answers hold nobody's identity, organizers
see aggregates only, and none under the congress's threshold of answers (default 5)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from conference.cme.attendance import learner_credits
from conference.cme.models import (
    CONGRESS_QUESTIONS,
    SESSION_QUESTIONS,
    CreditMode,
    Evaluation,
    EvaluationQuestion,
    EvaluationReceipt,
    QuestionKind,
    QuestionScope,
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


# -- the organizers' own questions ------------------------------------------------------------


def get_questions(congress: Congress, scope: str | None = None) -> list[EvaluationQuestion]:
    """The organizers' questions of a congress (of one scope), in their order."""
    query = select(EvaluationQuestion).where(EvaluationQuestion.congress_id == congress.id)
    if scope is not None:
        query = query.where(EvaluationQuestion.scope == scope)
    return list(
        db.session.scalars(
            query.order_by(
                EvaluationQuestion.scope, EvaluationQuestion.position, EvaluationQuestion.id
            )
        )
    )


def get_question(congress: Congress, question_id) -> EvaluationQuestion | None:
    if not isinstance(question_id, int) or isinstance(question_id, bool):
        return None
    question = db.session.get(EvaluationQuestion, question_id)
    return question if question is not None and question.congress_id == congress.id else None


def _clean_question(data: dict) -> dict:
    errors = FieldErrors()
    text = " ".join(str(data.get("text") or "").split())
    if not text:
        errors.add("text", _("Enter the question."))
    elif len(text) > 300:
        errors.add("text", _("At most 300 characters."))
    kind = data.get("kind")
    if kind not in {k.value for k in QuestionKind}:
        errors.add("kind", _("Choose the kind of answer."))
    scope = data.get("scope")
    if scope not in {s.value for s in QuestionScope}:
        errors.add("scope", _("Choose which evaluation asks it."))
    position = data.get("position", 0)
    if position is None:
        position = 0
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= 999:
        errors.add("position", _("Enter a whole number from %(low)s to %(high)s.", low=0, high=999))
    errors.raise_if_any(_("Please correct the highlighted fields."))
    return {
        "text": text,
        "kind": QuestionKind(kind),
        "scope": QuestionScope(scope),
        "position": position,
        "is_required": bool(data.get("is_required")),
    }


def add_question(congress: Congress, **data) -> EvaluationQuestion:
    """Add a question (rating 1 to 5, yes/no or free text) to the congress's or each
    session's evaluation."""
    question = EvaluationQuestion(congress_id=congress.id, **_clean_question(data))
    db.session.add(question)
    db.session.flush()
    return question


def update_question(question: EvaluationQuestion, **data) -> EvaluationQuestion:
    """Change a question's wording, order or whether it is required. Its kind and scope stay
    once someone has answered (the answers would no longer fit)."""
    clean = _clean_question(data)
    if _has_answers(question) and (
        clean["kind"] != question.kind or clean["scope"] != question.scope
    ):
        errors = FieldErrors()
        errors.add("kind", _("This question has answers: its kind and evaluation stay."))
        errors.raise_if_any(_("Please correct the highlighted fields."))
    for name, value in clean.items():
        setattr(question, name, value)
    db.session.flush()
    return question


def delete_question(question: EvaluationQuestion) -> None:
    """Remove a question; answers already given stay in the evaluations, unreported."""
    db.session.delete(question)
    db.session.flush()


def _has_answers(question: EvaluationQuestion) -> bool:
    key = question.key
    for answers in db.session.scalars(
        select(Evaluation.answers).where(Evaluation.congress_id == question.congress_id)
    ):
        if isinstance(answers, dict) and key in answers:
            return True
    return False


def _clean_answers(questions, answers, errors: FieldErrors) -> dict:
    """The answers to the organizers' questions, checked against each question's kind."""
    answers = answers if isinstance(answers, dict) else {}
    known = {q.key: q for q in questions}
    clean = {}
    for key in answers:
        if str(key) not in known:
            errors.add(f"answers.{key}", _("There is no such question."))
    for question in questions:
        value = answers.get(question.key, answers.get(question.id))
        name = f"answers.{question.key}"
        if value is None or (isinstance(value, str) and not value.strip()):
            if question.is_required:
                errors.add(name, _("Please answer this question."))
            continue
        if question.kind == QuestionKind.RATING:
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
                errors.add(name, _("Give a score from 1 to 5."))
                continue
        elif question.kind == QuestionKind.YES_NO:
            if not isinstance(value, bool):
                errors.add(name, _("Answer yes or no."))
                continue
        else:
            if not isinstance(value, str):
                errors.add(name, _("Answer in words."))
                continue
            value = value.strip()
            if len(value) > 4000:
                errors.add(name, _("At most 4000 characters."))
                continue
        clean[question.key] = value
    return clean


# -- answering ----------------------------------------------------------------------------------


def evaluable_sessions(congress: Congress, credits) -> list:
    """The accredited sessions a learner may evaluate: those attended (verified attendance),
    or every accredited session (self-reported time). `credits`: `learner_credits(...)`."""
    if credits.mode == CreditMode.SELF_REPORTED:
        return get_accredited_slots(congress)
    return [a.slot for a in credits.sessions]


def submit_evaluation(
    congress: Congress,
    registration_id: int,
    *,
    session_id: int | None = None,
    scores: dict,
    is_bias_free: bool | None = None,
    comment: str = "",
    answers: dict | None = None,
) -> Evaluation:
    """Record a registrant's evaluation of a session they attended, or of the congress; once
    each. `answers` holds the answers to the organizers' own questions, by question id."""
    errors = FieldErrors()
    questions = SESSION_QUESTIONS if session_id else CONGRESS_QUESTIONS
    if session_id:
        slots = {s.session_id for s in get_accredited_slots(congress)}
        if session_id not in slots:
            errors.add("session", _("Only accredited sessions are evaluated."))
        else:
            evaluable = evaluable_sessions(congress, learner_credits(congress, registration_id))
            if session_id not in {slot.session_id for slot in evaluable}:
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
    extra = _clean_answers(
        get_questions(congress, QuestionScope.SESSION if session_id else QuestionScope.CONGRESS),
        answers,
        errors,
    )
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
        answers=extra,
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
    #: The organizers' questions of this scope, from the threshold on.
    questions: list[QuestionSummary] = field(default_factory=list)


@dataclass
class QuestionSummary:
    """Aggregates of one organizer's question: mean score, share of "yes", or the texts."""

    question_id: int
    text: str
    kind: str
    answers: int
    mean: float | None = None
    yes_share: float | None = None
    texts: list[str] = field(default_factory=list)


def _question_summaries(questions, answer_sets: list[dict]) -> list[QuestionSummary]:
    result = []
    for question in questions:
        values = [a[question.key] for a in answer_sets if question.key in a]
        item = QuestionSummary(question.id, question.text, str(question.kind), len(values))
        if question.kind == QuestionKind.RATING and values:
            item.mean = round(sum(values) / len(values), 2)
        elif question.kind == QuestionKind.YES_NO and values:
            item.yes_share = round(sum(bool(v) for v in values) / len(values), 2)
        elif question.kind == QuestionKind.TEXT:
            # In a stable order unrelated to when each was given.
            item.texts = sorted(str(v) for v in values if v)
        result.append(item)
    return result


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
    extras: dict = {}
    scope_clauses = []
    if any(s is not None for s in shown_scopes):
        scope_clauses.append(Evaluation.session_id.in_([s for s in shown_scopes if s]))
    if None in shown_scopes:
        scope_clauses.append(Evaluation.session_id.is_(None))
    if scope_clauses:
        for session_id, scores, bias_free, comment, answers in db.session.execute(
            select(
                Evaluation.session_id,
                Evaluation.scores,
                Evaluation.is_bias_free,
                Evaluation.comment,
                Evaluation.answers,
            ).where(Evaluation.congress_id == congress.id, or_(*scope_clauses))
        ):
            rows.setdefault(session_id, []).append((scores, bias_free, comment))
            extras.setdefault(session_id, []).append(answers if isinstance(answers, dict) else {})
    own_questions = get_questions(congress)
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
        scope = QuestionScope.SESSION if session_id else QuestionScope.CONGRESS
        asked = [q for q in own_questions if q.scope == scope]
        extra = _question_summaries(asked, extras.get(session_id, []))
        summaries.append(Summary(session_id, answers, True, means, share, comments, extra))
    return summaries


def evaluated_scopes(registration_id: int) -> set[int | None]:
    """What a registrant has evaluated: session ids, and None for the congress."""
    scopes = set()
    for scope in db.session.scalars(
        select(EvaluationReceipt.scope).where(EvaluationReceipt.registration_id == registration_id)
    ):
        if scope == "congress":
            scopes.add(None)
        elif scope.startswith("session:") and scope[8:].isdigit():
            scopes.add(int(scope[8:]))
    return scopes
