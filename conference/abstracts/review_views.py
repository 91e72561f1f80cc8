"""Reviewer pages: assigned abstracts, blinded, with the score form and a CSV download."""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference.abstracts import review
from conference.abstracts.forms import DeclareConflictForm, ExpertiseForm, ReviewForm
from conference.abstracts.models import SCORE_CRITERIA, SCORE_LABELS
from conference.abstracts.queries import get_assignment, get_assignments, get_expertise
from conference.abstracts.services import KIND_LABELS
from conference.abstracts.views import bp, congress_or_404
from conference.accounts.models import Role, User
from conference.errors import DomainError, ValidationFailed
from conference.extensions import db
from conference.program.queries import get_tracks
from conference.security import organizer_required, role_required
from conference.spreadsheet import safe_cell
from conference.webforms import show_domain_error


@bp.route("/review/")
@role_required(Role.REVIEWER)
def assignments():
    congress = congress_or_404()
    return render_template(
        "abstracts/review_list.html",
        assignments=get_assignments(current_user, congress),
        kind_labels=KIND_LABELS,
        expertise=get_expertise(current_user, congress),
    )


def _assignment_or_403(abstract_id: int):
    assignment = get_assignment(current_user, abstract_id)
    if assignment is None or assignment.abstract.congress_id != congress_or_404().id:
        abort(403)
    return assignment


@bp.route("/review/<int:abstract_id>", methods=["GET", "POST"])
@role_required(Role.REVIEWER)
def review_abstract(abstract_id: int):
    assignment = _assignment_or_403(abstract_id)
    form = ReviewForm(obj=assignment)
    if form.validate_on_submit():
        data = {
            "scores": {name: getattr(form, name).data for name in SCORE_CRITERIA},
            "overall": form.overall.data,
            "comment_to_committee": form.comment_to_committee.data,
            "comment_to_authors": form.comment_to_authors.data,
        }
        try:
            review.save_review(assignment, data)
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            show_domain_error(
                form,
                exc,
                aliases={f"scores.{name}": name for name in SCORE_CRITERIA},
            )
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            flash(_("Review of %(number)s saved.", number=assignment.abstract.number), "success")
            return redirect(url_for("abstracts.assignments"))
    elif not form.is_submitted():
        for name in (*SCORE_CRITERIA, "overall"):
            value = getattr(assignment, name)
            getattr(form, name).data = str(value) if value else ""
    return render_template(
        "abstracts/review_form.html",
        assignment=assignment,
        abstract=assignment.abstract,
        form=form,
        kind_labels=KIND_LABELS,
        score_labels=SCORE_LABELS,
        review_closed=review.review_is_closed(assignment.abstract.congress),
        locked_reason=review.review_lock_reason(assignment.abstract),
        conflict_form=DeclareConflictForm(),
    )


@bp.route("/review/<int:abstract_id>/conflict", methods=["POST"])
@role_required(Role.REVIEWER)
def declare_conflict(abstract_id: int):
    """The reviewer declares a conflict of interest; the abstract goes to another reviewer."""
    assignment = _assignment_or_403(abstract_id)
    form = DeclareConflictForm()
    if not form.validate_on_submit():
        abort(400)
    number = assignment.abstract.number
    try:
        review.declare_conflict(assignment, form.explanation.data or "")
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("abstracts.review_abstract", abstract_id=abstract_id))
    flash(
        _(
            "Thank you: your conflict of interest with %(number)s is recorded and the abstract "
            "goes to another reviewer.",
            number=number,
        ),
        "success",
    )
    return redirect(url_for("abstracts.assignments"))


@bp.route("/review/assignments.csv")
@role_required(Role.REVIEWER)
def download_assignments():
    """The reviewer's assigned abstracts as CSV, blinded like the pages."""
    congress = congress_or_404()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "number",
            "title",
            "track",
            "type",
            "background",
            "methods",
            "results",
            "conclusions",
            "keywords",
            "table",
            "trial_registration",
            *SCORE_CRITERIA,
            "overall",
        ]
    )
    for assignment in get_assignments(current_user, congress):
        abstract = assignment.abstract
        writer.writerow(
            [
                safe_cell(abstract.number),
                safe_cell(abstract.title),
                safe_cell(abstract.track.name if abstract.track else ""),
                KIND_LABELS[abstract.kind],
                *(safe_cell(text) for text in abstract.sections.values()),
                safe_cell("; ".join(abstract.keywords or [])),
                safe_cell("\n".join(" | ".join(row) for row in abstract.table or [])),
                safe_cell(abstract.trial_registration),
                *(getattr(assignment, name) or "" for name in SCORE_CRITERIA),
                assignment.overall or "",
            ]
        )
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=review-assignments.csv"},
    )


# -- reviewer expertise --------------------------------------------------------------------------


def _expertise_page(user, congress, back_url: str):
    form = ExpertiseForm()
    form.tracks.choices = [(t.id, t.name) for t in get_tracks(congress, active_only=True)]
    if request.method == "GET":
        form.tracks.data = [t.id for t in get_expertise(user, congress)]
    if form.validate_on_submit():
        try:
            review.set_reviewer_expertise(user, congress, form.tracks.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Tracks of expertise of %(name)s saved.", name=user.display_name), "success")
            return redirect(back_url)
    return render_template("abstracts/expertise.html", form=form, person=user)


@bp.route("/review/expertise", methods=["GET", "POST"])
@role_required(Role.REVIEWER)
def my_expertise():
    """Reviewers declare the tracks they can review."""
    return _expertise_page(current_user, congress_or_404(), url_for("abstracts.assignments"))


@bp.route("/manage/reviewers/<int:user_id>/expertise", methods=["GET", "POST"])
@organizer_required
def reviewer_expertise(user_id: int):
    """Organizers set a reviewer's tracks of expertise."""
    user = db.get_or_404(User, user_id)
    return _expertise_page(user, congress_or_404(), url_for("abstracts.manage_review"))
