"""The learner's CME pages: their record (sessions attended, minutes, credits per day, the
total), the session and congress evaluations, the credit claim and the certificate; and the
organizers' own evaluation questions. The same services as the API."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.cme import certificates, evaluations
from conference.cme.attendance import learner_credits
from conference.cme.forms import (
    ActionForm,
    AttendanceClaimForm,
    ClaimForm,
    QuestionForm,
    evaluation_form,
)
from conference.cme.models import (
    CONGRESS_QUESTIONS,
    QUESTION_KIND_LABELS,
    QUESTION_SCOPE_LABELS,
    SESSION_QUESTIONS,
    QuestionScope,
)
from conference.cme.queries import evaluation_required, get_settings, is_cme_eligible
from conference.cme.views import _congress, bp, cme_officer_required
from conference.errors import DomainError
from conference.extensions import db, login_manager
from conference.program.faculty import get_accredited_slots
from conference.registration.queries import get_active_registrations_by_email, get_registration
from conference.registration.tokens import token_matches
from conference.security import mark_personal
from conference.webforms import show_domain_error

# -- whose record --------------------------------------------------------------------------------


def _learner(reference: str):
    """The registration named in the URL, for its owner only: signed in with its address (or
    account), or holding its manage link's token (`?token=`). Another person: 403."""
    congress = _congress()
    registration = get_registration(congress, reference)
    if registration is None or registration.status.value == "cancelled":
        abort(404)
    token = request.args.get("token") or None
    if token is not None and token_matches(registration, token):
        mark_personal()
        return congress, registration, token
    if not current_user.is_authenticated:
        abort(login_manager.unauthorized())
    owns = registration.user_id == current_user.id or (
        registration.email.lower() == (current_user.email or "").lower()
    )
    if not owns:
        abort(403)
    mark_personal()
    return congress, registration, None


@bp.route("/cme/me")
@login_required
def my_cme():
    """The signed-in person's CME record at this congress (from the account menu)."""
    congress = _congress()
    email = (current_user.email or "").lower()
    registration = get_active_registrations_by_email(congress, [email]).get(email)
    if registration is None:
        return render_template("cme/learner_none.html", congress=congress)
    return redirect(url_for("cme.learner", reference=registration.reference))


def _record_context(congress, registration, token, claim_form=None):
    settings = get_settings(congress)
    credits = learner_credits(congress, registration.id)
    evaluated = evaluations.evaluated_scopes(registration.id)
    certificate = certificates.get_certificate(congress, registration.id)
    is_physician = is_cme_eligible(registration)
    if claim_form is None:
        if is_physician:
            claim_form = ClaimForm(formdata=None)
            claim_form.credits.data = (
                certificate.credits if certificate is not None else credits.claimable
            )
        else:
            claim_form = AttendanceClaimForm(formdata=None)
    days = []
    for day in sorted({a.slot.starts_at.astimezone(congress.tz).date() for a in credits.sessions}):
        sessions = [
            a for a in credits.sessions if a.slot.starts_at.astimezone(congress.tz).date() == day
        ]
        days.append((day, sessions, credits.by_day.get(day, 0.0)))
    return {
        "congress": congress,
        "registration": registration,
        "token": token,
        "settings": settings,
        "credits": credits,
        "days": days,
        "evaluable": evaluations.evaluable_sessions(congress, credits),
        "evaluated": evaluated,
        "requires_evaluation": evaluation_required(settings),
        "certificate": certificate,
        "is_physician": is_physician,
        "claim_form": claim_form,
        "window_closes_at": certificates.window_closes_at(congress),
    }


@bp.route("/cme/learners/<reference>")
def learner(reference: str):
    """The learner's record: accredited sessions attended with minutes and credits, per day
    with the caps applied, the total; evaluations, the claim and the certificate."""
    congress, registration, token = _learner(reference)
    return render_template("cme/learner.html", **_record_context(congress, registration, token))


@bp.route("/cme/learners/<reference>/claim", methods=["POST"])
def claim(reference: str):
    congress, registration, token = _learner(reference)
    is_physician = is_cme_eligible(registration)
    form = ClaimForm() if is_physician else AttendanceClaimForm()
    valid = form.validate_on_submit()
    if not form.attest.data:
        form.attest.errors = [_("Tick the box to confirm.")]
        valid = False
    if not valid:
        context = _record_context(congress, registration, token, claim_form=form)
        return render_template("cme/learner.html", **context), 422
    try:
        certificate = certificates.claim_credits(
            congress, registration, form.credits.data if is_physician else None
        )
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        context = _record_context(congress, registration, token, claim_form=form)
        return render_template("cme/learner.html", **context), exc.status
    db.session.commit()
    flash(
        _("Your certificate %(code)s is issued and on its way by email.", code=certificate.code),
        "success",
    )
    return redirect(url_for("cme.learner", reference=reference, token=token))


# -- evaluations ---------------------------------------------------------------------------------


def _evaluation(reference: str, session_id: int | None):
    congress, registration, token = _learner(reference)
    slot = None
    if session_id is not None:
        credits = learner_credits(congress, registration.id)
        slot = next(
            (
                s
                for s in evaluations.evaluable_sessions(congress, credits)
                if s.session_id == session_id
            ),
            None,
        )
        if slot is None:
            abort(404)
    scope = QuestionScope.SESSION if session_id else QuestionScope.CONGRESS
    questions = evaluations.get_questions(congress, scope)
    standard = SESSION_QUESTIONS if session_id else CONGRESS_QUESTIONS
    form = evaluation_form(
        standard,
        questions,
        session=session_id is not None,
        formdata=None if request.method == "GET" else request.form,
    )

    def render(status=200):
        return render_template(
            "cme/evaluation.html",
            congress=congress,
            registration=registration,
            token=token,
            slot=slot,
            form=form,
            done=evaluations.has_evaluated(registration.id, session_id),
        ), status

    if request.method == "GET":
        return render()
    if not form.validate_on_submit():
        return render(422)

    def rating(value):
        return int(value) if value in {"1", "2", "3", "4", "5"} else None

    scores = {}
    for name in standard:
        value = rating(getattr(form, f"score_{name}").data)
        if value is not None:
            scores[name] = value
    answers = {}
    for question, name in form.question_fields:
        value = getattr(form, name).data
        if question.kind == "rating":
            value = rating(value)
        elif question.kind == "yes_no":
            value = {"yes": True, "no": False}.get(value)
        if value not in (None, ""):
            answers[question.key] = value
    bias = getattr(form, "is_bias_free", None)
    aliases = {f"scores.{name}": f"score_{name}" for name in standard}
    aliases.update({f"answers.{q.key}": name for q, name in form.question_fields})
    aliases["session"] = "comment"
    try:
        evaluations.submit_evaluation(
            congress,
            registration.id,
            session_id=session_id,
            scores=scores,
            is_bias_free={"yes": True, "no": False}.get(bias.data) if bias else None,
            comment=form.comment.data or "",
            answers=answers,
        )
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc, aliases)
        return render(exc.status)
    db.session.commit()
    flash(_("Thank you: your evaluation is recorded, without your name."), "success")
    return redirect(url_for("cme.learner", reference=reference, token=token))


@bp.route("/cme/learners/<reference>/evaluation", methods=["GET", "POST"])
def congress_evaluation(reference: str):
    """The overall evaluation of the congress (UEMS-EACCME questions and the organizers')."""
    return _evaluation(reference, None)


@bp.route("/cme/learners/<reference>/sessions/<int:session_id>/evaluation", methods=["GET", "POST"])
def session_evaluation(reference: str, session_id: int):
    """The short evaluation of an accredited session the learner attended."""
    return _evaluation(reference, session_id)


# -- the organizers' own questions ---------------------------------------------------------------


def _questions_page(congress, form, status=200, editing=None):
    settings = get_settings(congress)
    return render_template(
        "cme/questions.html",
        congress=congress,
        questions=evaluations.get_questions(congress),
        form=form,
        editing=editing,
        action_form=ActionForm(),
        kind_labels=QUESTION_KIND_LABELS,
        scope_labels=QUESTION_SCOPE_LABELS,
        summaries=evaluations.evaluation_summary(congress),
        threshold=settings.evaluation_threshold if settings else evaluations.DEFAULT_THRESHOLD,
        session_titles={s.session_id: s.title for s in get_accredited_slots(congress)},
        standard={"congress": CONGRESS_QUESTIONS, "session": SESSION_QUESTIONS},
    ), status


def _question_data(form: QuestionForm) -> dict:
    return {
        "text": form.text.data,
        "kind": form.kind.data,
        "scope": form.scope.data,
        "position": form.position.data,
        "is_required": form.is_required.data,
    }


@bp.route("/manage/cme/questions", methods=["GET", "POST"])
@cme_officer_required
def questions():
    """The organizers' own evaluation questions: list and add."""
    congress = _congress()
    form = QuestionForm()
    if not form.is_submitted():
        return _questions_page(congress, form)
    if not form.validate():
        return _questions_page(congress, form, 422)
    try:
        evaluations.add_question(congress, **_question_data(form))
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return _questions_page(congress, form, exc.status)
    db.session.commit()
    flash(_("Question added to the evaluation."), "success")
    return redirect(url_for("cme.questions"))


@bp.route("/manage/cme/questions/<int:question_id>", methods=["GET", "POST"])
@cme_officer_required
def edit_question(question_id: int):
    congress = _congress()
    question = evaluations.get_question(congress, question_id)
    if question is None:
        abort(404)
    form = QuestionForm(obj=question)
    if not form.is_submitted():
        return _questions_page(congress, form, editing=question)
    if not form.validate():
        return _questions_page(congress, form, 422, editing=question)
    try:
        evaluations.update_question(question, **_question_data(form))
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return _questions_page(congress, form, exc.status, editing=question)
    db.session.commit()
    flash(_("Question saved."), "success")
    return redirect(url_for("cme.questions"))


@bp.route("/manage/cme/questions/<int:question_id>/delete", methods=["POST"])
@cme_officer_required
def delete_question(question_id: int):
    congress = _congress()
    question = evaluations.get_question(congress, question_id)
    if question is None:
        abort(404)
    if ActionForm().validate_on_submit():
        evaluations.delete_question(question)
        db.session.commit()
        flash(_("Question removed from the evaluation."), "success")
    return redirect(url_for("cme.questions"))
