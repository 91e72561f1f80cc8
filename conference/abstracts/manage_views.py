"""Organizer pages: review pools and assignment, scores and progress, decisions and release."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from conference.abstracts import decisions, fees, review
from conference.abstracts.embargo import set_release_times
from conference.abstracts.forms import (
    ActionForm,
    AssignForm,
    DecisionForm,
    FeeWaiverForm,
    ReleaseTimesForm,
    TemplateForm,
)
from conference.abstracts.models import (
    OUTCOME_LABELS,
    SCORE_CRITERIA,
    SCORE_LABELS,
    Abstract,
    FeeStatus,
    Outcome,
)
from conference.abstracts.queries import (
    abstracts_query,
    get_abstract,
    get_affiliation_changes,
    get_expertise_ids,
    get_pool_ids,
    get_review_conflicts,
    get_reviewers,
    get_submitted_abstracts,
    outcome_filter,
    review_progress,
)
from conference.abstracts.services import KIND_LABELS
from conference.abstracts.views import bp, congress_or_404
from conference.accounts.models import User
from conference.content import services as content
from conference.errors import DomainError
from conference.extensions import db
from conference.models import db_int, db_ints
from conference.program.models import Track
from conference.program.queries import get_track_by_slug, get_tracks
from conference.security import organizer_required
from conference.timeutil import local_to_utc, to_local
from conference.webforms import show_domain_error


def _abstract_or_404(abstract_id: int) -> Abstract:
    abstract = get_abstract(abstract_id)
    if abstract is None or abstract.congress_id != congress_or_404().id:
        abort(404)
    return abstract


def _check_csrf() -> None:
    if not ActionForm().validate_on_submit():
        abort(400)


@bp.route("/manage/abstracts")
@organizer_required
def manage_abstracts():
    congress = congress_or_404()
    track = get_track_by_slug(congress, request.args.get("track", "")) or None
    sort = request.args.get("sort", "mean")
    status = request.args.get("status", "submitted")
    outcome = outcome_filter(request.args.get("outcome", ""))
    if status == "submitted":
        abstracts = get_submitted_abstracts(congress, track=track, sort=sort, outcome=outcome)
    else:
        abstracts = list(
            db.session.scalars(
                abstracts_query(
                    congress,
                    current_user,
                    status=status or None,
                    track=track,
                    outcome=outcome,
                    all_visible=True,
                )
            )
        )
    form = DecisionForm()
    return render_template(
        "abstracts/manage_list.html",
        abstracts=abstracts,
        tracks=get_tracks(congress),
        track=track,
        sort=sort,
        status=status,
        outcome=outcome,
        form=form,
        outcome_labels=OUTCOME_LABELS,
        pending=sum(1 for a in abstracts if a.has_unreleased_change),
        action_form=ActionForm(),
    )


@bp.route("/manage/abstracts/decide", methods=["POST"])
@organizer_required
def bulk_decide():
    congress = congress_or_404()
    form = DecisionForm()
    ids = db_ints(request.form.getlist("abstract_ids"))
    if not form.validate_on_submit():
        abort(400)
    if not ids:
        flash(_("Tick the abstracts to decide first."), "warning")
        return redirect(request.referrer or url_for("abstracts.manage_abstracts"))
    abstracts = list(
        db.session.scalars(
            select(Abstract).where(Abstract.id.in_(ids), Abstract.congress_id == congress.id)
        )
    )
    try:
        count = decisions.decide_abstracts(
            abstracts, form.outcome.data, current_user, confirm_incomplete=_confirmed()
        )
        db.session.commit()
        flash(
            ngettext(
                "%(num)d abstract decided: %(outcome)s.",
                "%(num)d abstracts decided: %(outcome)s.",
                count,
                outcome=OUTCOME_LABELS[Outcome(form.outcome.data)],
            ),
            "success",
        )
    except DomainError as exc:
        db.session.rollback()
        if exc.code == "incomplete_reviews":
            return _confirm_decision(exc, form, abstracts, url_for("abstracts.bulk_decide"))
        flash(exc.message, "danger")
    return redirect(request.referrer or url_for("abstracts.manage_abstracts"))


def _confirmed() -> bool:
    """The organizer explicitly confirmed deciding on fewer reviews than required."""
    return request.form.get("confirm_incomplete") == "1"


def _confirm_decision(exc: DomainError, form: DecisionForm, abstracts, action: str):
    """Ask again before recording a decision on fewer completed reviews than required."""
    return render_template(
        "abstracts/confirm_decision.html",
        message=exc.message,
        form=form,
        abstracts=abstracts,
        incomplete=set(exc.extra.get("abstract_ids", [])),
        outcome_label=OUTCOME_LABELS[Outcome(form.outcome.data)],
        action=action,
    ), 409


@bp.route("/manage/abstracts/<int:abstract_id>")
@organizer_required
def manage_abstract(abstract_id: int):
    abstract = _abstract_or_404(abstract_id)
    tz = abstract.congress.tz
    release_form = ReleaseTimesForm(
        formdata=None,
        title_release_at=_local(abstract.title_release_at, tz),
        body_release_at=_local(abstract.body_release_at, tz),
    )
    return _render_detail(abstract, release_form)


def _local(value, tz):
    return to_local(value, tz).replace(tzinfo=None) if value else None


def _render_detail(
    abstract: Abstract, release_form: ReleaseTimesForm, status: int = 200, waiver_form=None
):
    congress = congress_or_404()
    form = DecisionForm(outcome=abstract.outcome)
    if abstract.fee_status == FeeStatus.AWAITING and waiver_form is None:
        waiver_form = FeeWaiverForm(formdata=None)
    return render_template(
        "abstracts/manage_detail.html",
        abstract=abstract,
        waiver_form=waiver_form if abstract.fee_status == FeeStatus.AWAITING else None,
        form=form,
        release_form=release_form,
        release_times=abstract.release_times(),
        action_form=ActionForm(),
        candidates=review.assignment_candidates(abstract, get_reviewers(congress)),
        tracks=get_tracks(congress, active_only=True),
        outcome_labels=OUTCOME_LABELS,
        kind_labels=KIND_LABELS,
        score_criteria=SCORE_CRITERIA,
        score_labels=SCORE_LABELS,
        review_conflicts=get_review_conflicts(congress, abstract),
    ), status


@bp.route("/manage/abstracts/<int:abstract_id>/fee/waiver", methods=["POST"])
@organizer_required
def waive_fee(abstract_id: int):
    abstract = _abstract_or_404(abstract_id)
    form = FeeWaiverForm()
    tz = abstract.congress.tz
    release_form = ReleaseTimesForm(
        formdata=None,
        title_release_at=_local(abstract.title_release_at, tz),
        body_release_at=_local(abstract.body_release_at, tz),
    )
    if not form.validate_on_submit():
        return _render_detail(abstract, release_form, 400, form)
    try:
        fees.waive_fee(abstract, current_user, form.reason.data or "")
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return _render_detail(abstract, release_form, 422, form)
    flash(_("Abstract fee of %(number)s waived.", number=abstract.number), "success")
    return redirect(url_for("abstracts.manage_abstract", abstract_id=abstract_id))


@bp.route("/manage/abstracts/<int:abstract_id>/release-times", methods=["POST"])
@organizer_required
def set_abstract_release_times(abstract_id: int):
    abstract = _abstract_or_404(abstract_id)
    form = ReleaseTimesForm()
    if form.validate_on_submit():
        tz = abstract.congress.tz
        try:
            set_release_times(
                abstract,
                title_release_at=local_to_utc(form.title_release_at.data, tz)
                if form.title_release_at.data
                else None,
                body_release_at=local_to_utc(form.body_release_at.data, tz)
                if form.body_release_at.data
                else None,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Release times of %(number)s saved.", number=abstract.number), "success")
            return redirect(url_for("abstracts.manage_abstract", abstract_id=abstract_id))
    return _render_detail(abstract, form, status=422)


@bp.route("/manage/abstracts/<int:abstract_id>/decision", methods=["POST"])
@organizer_required
def decide(abstract_id: int):
    abstract = _abstract_or_404(abstract_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        decisions.decide_abstract(
            abstract, form.outcome.data, current_user, confirm_incomplete=_confirmed()
        )
        db.session.commit()
        flash(
            _("Decision recorded for %(number)s (not yet released).", number=abstract.number),
            "success",
        )
    except DomainError as exc:
        db.session.rollback()
        if exc.code == "incomplete_reviews":
            return _confirm_decision(
                exc, form, [abstract], url_for("abstracts.decide", abstract_id=abstract_id)
            )
        flash(exc.message, "danger")
    return redirect(url_for("abstracts.manage_abstract", abstract_id=abstract_id))


@bp.route("/manage/abstracts/<int:abstract_id>/reviewers", methods=["POST"])
@organizer_required
def add_reviewer(abstract_id: int):
    abstract = _abstract_or_404(abstract_id)
    _check_csrf()
    reviewer = db.session.get(User, request.form.get("reviewer_id", type=db_int) or 0)
    if reviewer is None:
        flash(_("Choose a reviewer."), "warning")
    else:
        try:
            review.add_reviewer(abstract, reviewer)
            db.session.commit()
            flash(f"{reviewer.display_name} assigned.", "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
    return redirect(url_for("abstracts.manage_abstract", abstract_id=abstract_id))


@bp.route("/manage/abstracts/<int:abstract_id>/reviewers/<int:user_id>/remove", methods=["POST"])
@organizer_required
def remove_reviewer(abstract_id: int, user_id: int):
    abstract = _abstract_or_404(abstract_id)
    _check_csrf()
    reviewer = db.get_or_404(User, user_id)
    review.remove_reviewer(abstract, reviewer)
    db.session.commit()
    flash(f"{reviewer.display_name} removed.", "success")
    return redirect(url_for("abstracts.manage_abstract", abstract_id=abstract_id))


@bp.route("/manage/abstracts/<int:abstract_id>/track", methods=["POST"])
@organizer_required
def move_track(abstract_id: int):
    congress = congress_or_404()
    abstract = _abstract_or_404(abstract_id)
    _check_csrf()
    track = get_track_by_slug(congress, request.form.get("track", ""))
    if track is None:
        flash(_("Choose a track."), "warning")
        return redirect(url_for("abstracts.manage_abstract", abstract_id=abstract_id))
    try:
        review.move_abstract_track(abstract, track)
        db.session.commit()
        flash(
            _(
                "Moved to %(track)s; reviews kept. Run the assignment for %(track)s to add "
                "reviewers from its pool.",
                track=track.name,
            ),
            "success",
        )
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("abstracts.manage_review", track=track.slug))


@bp.route("/manage/review", methods=["GET", "POST"])
@organizer_required
def manage_review():
    """Track pools, automatic assignment and progress."""
    congress = congress_or_404()
    tracks = get_tracks(congress, active_only=True)
    form = AssignForm()
    form.track.choices = [("", _("All tracks"))] + [(t.slug, t.name) for t in tracks]
    if request.method == "GET":
        form.track.data = request.args.get("track", "")
        form.reviews_per_abstract.data = congress.reviews_per_abstract
    summary = None
    if form.validate_on_submit():
        track = get_track_by_slug(congress, form.track.data) if form.track.data else None
        try:
            summary = review.assign_reviewers(
                congress,
                reviews_per_abstract=form.reviews_per_abstract.data,
                track=track,
                allow_overload=form.allow_overload.data,
            )
            db.session.commit()
            flash(
                ngettext(
                    "%(num)d review assignment made.",
                    "%(num)d review assignments made.",
                    summary.assigned,
                ),
                "success",
            )
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
    per_track, per_reviewer = review_progress(congress)
    reviewers = get_reviewers(congress)
    return render_template(
        "abstracts/manage_review.html",
        form=form,
        summary=summary,
        tracks=tracks,
        reviewers=reviewers,
        expertise=get_expertise_ids(r.id for r in reviewers),
        pools=get_pool_ids(congress),
        per_track=per_track,
        per_reviewer=per_reviewer,
        action_form=ActionForm(),
        review_conflicts=get_review_conflicts(congress),
        affiliation_changes=get_affiliation_changes(congress),
        score_labels=SCORE_LABELS,
    )


@bp.route("/manage/review/pools/<int:track_id>", methods=["POST"])
@organizer_required
def set_pool(track_id: int):
    congress = congress_or_404()
    track = db.get_or_404(Track, track_id)
    if track.congress_id != congress.id:
        abort(404)
    _check_csrf()
    ids = db_ints(request.form.getlist("reviewer_ids"))
    users = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    try:
        review.set_track_reviewers(track, users)
        db.session.commit()
        flash(
            ngettext(
                "%(track)s: %(num)d reviewer in the pool.",
                "%(track)s: %(num)d reviewers in the pool.",
                len(users),
                track=track.name,
            ),
            "success",
        )
    except DomainError as exc:
        db.session.rollback()
        messages = [message for items in exc.fields.values() for message in items]
        flash(" ".join(messages) or exc.message, "danger")
    return redirect(url_for("abstracts.manage_review"))


def _email_template_items(congress) -> list[dict]:
    """The decision emails an organizer changed, on the congress's content page (unchanged
    ones are already sent in each author's language)."""
    items = []
    for template in decisions.changed_templates(congress):
        label = OUTCOME_LABELS[Outcome(template.outcome)]
        items.append(
            {
                "kind": "email_template",
                "id": template.id,
                "field": "subject",
                "label": _("Decision email “%(outcome)s”: subject", outcome=label),
                "main": template.subject,
            }
        )
        items.append(
            {
                "kind": "email_template",
                "id": template.id,
                "field": "body",
                "label": _("Decision email “%(outcome)s”: message", outcome=label),
                "main": template.body,
            }
        )
    return items


content.register_kind(
    "email_template", {}, items=_email_template_items, check=decisions.check_placeholders
)


@bp.route("/manage/decisions/templates", methods=["GET", "POST"])
@organizer_required
def decision_templates():
    congress = congress_or_404()
    outcome = request.args.get("outcome", Outcome.ORAL.value)
    try:
        outcome = Outcome(outcome)
    except ValueError:
        abort(404)
    template = decisions.get_template(congress, outcome)
    db.session.commit()
    form = TemplateForm(obj=template)
    if form.validate_on_submit():
        try:
            decisions.update_decision_template(
                congress, outcome, subject=form.subject.data, body=form.body.data
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(
                _("Template for “%(outcome)s” saved.", outcome=OUTCOME_LABELS[outcome]), "success"
            )
            return redirect(url_for("abstracts.decision_templates", outcome=outcome.value))
    return render_template(
        "abstracts/decision_templates.html",
        form=form,
        outcome=outcome,
        outcome_labels=OUTCOME_LABELS,
        placeholders=decisions.PLACEHOLDERS,
        template=template,
        is_changed=decisions.is_changed(template),
    )


def _selection_from_request(congress):
    """The release selection from a form or query string (track, outcomes, abstract_ids)."""
    values = request.values
    return decisions.parse_selection(
        congress,
        track=values.get("track", ""),
        outcomes=[o for o in values.getlist("outcomes") if o],
        abstract_ids=[i for i in values.getlist("abstract_ids") if i],
    )


def _render_preview(preview, status: int = 200, changed: bool = False):
    return render_template(
        "abstracts/release_preview.html",
        preview=preview,
        changed=changed,
        outcome_labels=OUTCOME_LABELS,
        tracks=get_tracks(congress_or_404()),
        action_form=ActionForm(),
    ), status


@bp.route("/manage/decisions/release/preview", methods=["GET", "POST"])
@organizer_required
def release_preview():
    """Step one: what a release would send (to whom, samples, what is included). Sends nothing."""
    congress = congress_or_404()
    if request.method == "POST":
        _check_csrf()
    try:
        selection = _selection_from_request(congress)
    except DomainError as exc:
        flash(" ".join(m for items in exc.fields.values() for m in items) or exc.message, "danger")
        return redirect(url_for("abstracts.manage_abstracts"))
    preview = decisions.preview_release(congress, selection)
    db.session.rollback()  # a preview writes nothing
    return _render_preview(preview)


@bp.route("/manage/decisions/release", methods=["POST"])
@organizer_required
def release_decisions():
    """Step two: send exactly the previewed decisions, or show the new preview if they changed."""
    congress = congress_or_404()
    _check_csrf()
    fingerprint = request.form.get("fingerprint", "")
    ids = db_ints(request.form.getlist("release_ids"))
    try:
        selection = _selection_from_request(congress)
    except DomainError:
        selection = decisions.ReleaseSelection(abstract_ids=frozenset(ids))
    if not fingerprint:
        return _render_preview(decisions.preview_release(congress, selection))
    try:
        result = decisions.confirm_release(congress, ids, fingerprint)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return _render_preview(
            decisions.preview_release(congress, selection), status=409, changed=True
        )
    flash(
        _released(result.decisions, result.messages)
        if result.decisions
        else _("No new or changed decisions to release."),
        "success" if result.decisions else "info",
    )
    return redirect(url_for("abstracts.manage_abstracts"))


def _released(decision_count: int, message_count: int) -> str:
    """The flash after a release: "3 decisions released: 5 emails queued."."""
    return _(
        "%(decisions)s released: %(emails)s queued.",
        decisions=ngettext("%(num)d decision", "%(num)d decisions", decision_count),
        emails=ngettext("%(num)d email", "%(num)d emails", message_count),
    )
