"""Abstract submission, review and decision pages (blueprint `bp`).

Author pages are here; reviewer pages in `review_views.py`, organizer pages in
`manage_views.py` (both attach their routes to this blueprint).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from conference.abstracts import services
from conference.abstracts.counting import CountingRule
from conference.abstracts.forms import (
    AbstractForm,
    ActionForm,
    fill_form,
    form_data,
    pad_authors,
    place_errors,
)
from conference.abstracts.models import OUTCOME_LABELS, Abstract, AbstractStatus
from conference.abstracts.queries import (
    get_abstract,
    get_authorship_requests,
    get_own_abstracts,
)
from conference.errors import DomainError, ValidationFailed
from conference.extensions import db
from conference.program.published import get_abstract_placement
from conference.program.queries import get_current_congress, get_tracks

bp = Blueprint("abstracts", __name__)


def congress_or_404():
    congress = get_current_congress()
    if congress is None:
        abort(404, "No congress is set up yet.")
    return congress


def visible_abstract_or_404(abstract_id: int) -> Abstract:
    """The abstract if the current user may see it as author or organizer; else 404."""
    abstract = get_abstract(abstract_id)
    if (
        abstract is None
        or abstract.congress_id != congress_or_404().id
        or not abstract.can_view(current_user)
    ):
        abort(404)
    return abstract


@bp.route("/abstracts/")
@login_required
def my_abstracts():
    congress = congress_or_404()
    return render_template(
        "abstracts/mine.html",
        abstracts=get_own_abstracts(congress, current_user),
        authorship_requests=[
            (listing.abstract, services.authorship_token(listing))
            for listing in get_authorship_requests(congress, current_user)
        ],
        outcome_labels=OUTCOME_LABELS,
        submission_open=congress.is_abstract_submission_open(),
    )


@bp.route("/abstracts/new", methods=["GET", "POST"])
@bp.route("/abstracts/<int:abstract_id>/edit", methods=["GET", "POST"])
@login_required
def edit_abstract(abstract_id: int | None = None):
    congress = congress_or_404()
    abstract = None
    if abstract_id is not None:
        abstract = visible_abstract_or_404(abstract_id)
        if not abstract.can_edit(current_user):
            abort(403)
        if abstract.status == AbstractStatus.WITHDRAWN:
            flash("This abstract was withdrawn and can no longer be changed.", "warning")
            return redirect(url_for("abstracts.view_abstract", abstract_id=abstract.id))
    form = AbstractForm()
    form.track.choices = [("", "Choose a track")] + [
        (t.slug, t.name) for t in get_tracks(congress, active_only=True)
    ]
    if request.method == "GET":
        if abstract is not None:
            fill_form(form, abstract, congress.max_authors)
        else:
            form.authors.entries[0].form.name.data = current_user.name
            form.authors.entries[0].form.email.data = current_user.email
            form.authors.entries[0].form.affiliation.data = current_user.affiliation
            form.authors.entries[0].form.country.data = current_user.country
            form.authors.entries[0].form.presenting.data = True
            pad_authors(form, congress.max_authors)
    elif form.validate_on_submit():
        data, rows = form_data(form)
        wants_submit = bool(form.submit.data)
        try:
            if abstract is None:
                abstract = services.create_abstract(
                    congress, current_user, data, creation_key=form.creation_key.data
                )
            else:
                services.update_abstract(abstract, data)
            db.session.commit()
            if wants_submit and abstract.status == AbstractStatus.DRAFT:
                services.submit_abstract(abstract)
                db.session.commit()
                flash(f"Abstract {abstract.number} submitted. We sent you a receipt.", "success")
            else:
                flash("Abstract saved.", "success")
            for warning in services.warnings_for(abstract):
                flash(warning, "warning")
            return redirect(url_for("abstracts.view_abstract", abstract_id=abstract.id))
        except ValidationFailed as exc:
            db.session.rollback()
            unplaced = place_errors(form, exc.fields, rows)
            flash(exc.message, "danger")
            problems = unplaced
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            problems = []
        if abstract is not None and abstract.id is None:
            abstract = None
        pad_authors(form, congress.max_authors)
        return render_template(
            "abstracts/edit.html",
            form=form,
            abstract=abstract,
            problems=problems,
            rule=CountingRule.of(congress),
        ), 422
    return render_template(
        "abstracts/edit.html",
        form=form,
        abstract=abstract,
        problems=[],
        rule=CountingRule.of(congress),
    )


@bp.route("/abstracts/<int:abstract_id>")
@login_required
def view_abstract(abstract_id: int):
    abstract = visible_abstract_or_404(abstract_id)
    return render_template(
        "abstracts/view.html",
        abstract=abstract,
        placement=get_abstract_placement(congress_or_404(), abstract.id)
        if abstract.is_acceptance_released
        else None,
        action_form=ActionForm(),
        can_edit=abstract.can_change(current_user),
        length=services.length_of(abstract),
        warnings=services.warnings_for(abstract),
        outcome_labels=OUTCOME_LABELS,
        kind_labels=services.KIND_LABELS,
        confirm_token=services.presenter_confirm_token(abstract)
        if abstract.can_edit(current_user) and abstract.is_acceptance_released
        else None,
    )


@bp.route("/abstracts/<int:abstract_id>/withdraw", methods=["POST"])
@login_required
def withdraw_abstract(abstract_id: int):
    abstract = visible_abstract_or_404(abstract_id)
    if not abstract.can_edit(current_user):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.withdraw_abstract(abstract)
        db.session.commit()
        flash(f"Abstract {abstract.number} withdrawn.", "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("abstracts.view_abstract", abstract_id=abstract_id))


@bp.route("/abstracts/<int:abstract_id>/delete", methods=["POST"])
@login_required
def delete_abstract(abstract_id: int):
    abstract = visible_abstract_or_404(abstract_id)
    if not abstract.can_edit(current_user):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.delete_draft(abstract)
        db.session.commit()
        flash("Draft deleted.", "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("abstracts.view_abstract", abstract_id=abstract_id))
    return redirect(url_for("abstracts.my_abstracts"))


@bp.route("/abstracts/confirm/<token>", methods=["GET", "POST"])
def confirm_presenter(token: str):
    """The link in the acceptance email: the presenting author confirms (POST, CSRF)."""
    try:
        abstract = services.abstract_for_confirm_token(token)
    except DomainError:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.confirm_presentation(abstract)
            db.session.commit()
            flash("Thank you: your presentation is confirmed.", "success")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        return redirect(url_for("abstracts.confirm_presenter", token=token))
    return render_template(
        "abstracts/confirm.html",
        abstract=abstract,
        form=form,
        outcome_label=OUTCOME_LABELS.get(abstract.released_outcome, ""),
    )


def _authorship_or_404(token: str):
    try:
        return services.authorship_for_token(token)
    except DomainError:
        abort(404)


@bp.route("/abstracts/authorship/<token>")
def authorship(token: str):
    """The emailed link: shows how the person is listed; answering takes a POST (a mail
    scanner's GET changes nothing). No account is needed."""
    abstract, email = _authorship_or_404(token)
    return render_template(
        "abstracts/authorship.html",
        abstract=abstract,
        author=services.listed_author(abstract, email),
        form=ActionForm(),
        token=token,
    )


@bp.route("/abstracts/authorship/<token>/confirm", methods=["POST"])
def confirm_authorship(token: str):
    abstract, email = _authorship_or_404(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.confirm_authorship(abstract, email)
        db.session.commit()
        flash("Thank you: your authorship is confirmed.", "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("abstracts.authorship", token=token))


@bp.route("/abstracts/authorship/<token>/reject", methods=["POST"])
def reject_authorship(token: str):
    abstract, email = _authorship_or_404(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.reject_authorship(abstract, email)
        db.session.commit()
        flash("You have been removed from the authors; the submitter has been told.", "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("abstracts.authorship", token=token))


from conference.abstracts import manage_views, review_views  # noqa: E402, F401
