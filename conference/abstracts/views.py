"""Abstract submission, review and decision pages (blueprint `bp`).

Author pages are here; reviewer pages in `review_views.py`, organizer pages in
`manage_views.py` (both attach their routes to this blueprint).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.abstracts import fees, services
from conference.abstracts.counting import CountingRule
from conference.abstracts.forms import (
    AbstractForm,
    ActionForm,
    FeeInvoiceForm,
    change_author_rows,
    fill_form,
    form_data,
    pad_authors,
    place_errors,
)
from conference.abstracts.models import OUTCOME_LABELS, Abstract, AbstractStatus, FeeStatus
from conference.abstracts.queries import (
    get_abstract,
    get_authorship_requests,
    get_own_abstracts,
)
from conference.errors import DomainError, ValidationFailed
from conference.extensions import db
from conference.money.services import Buyer
from conference.program.published import get_abstract_placement
from conference.program.queries import get_current_congress, get_tracks
from conference.webforms import show_domain_error

bp = Blueprint("abstracts", __name__)


def congress_or_404():
    congress = get_current_congress()
    if congress is None:
        abort(404, _("No congress is set up yet."))
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
        if abstract.edit_lock_reason:
            # The abstract page says why (accepted, withdrawn) and whom to ask.
            return redirect(url_for("abstracts.view_abstract", abstract_id=abstract.id))
    form = AbstractForm()
    form.track.choices = [("", _("Choose a track"))] + [
        (t.slug, t.name) for t in get_tracks(congress, active_only=True)
    ]
    if request.method == "POST" and change_author_rows(form, congress.max_authors):
        # "Add author" / "Remove": the same form again, one row more or less, nothing saved.
        return render_template(
            "abstracts/edit.html",
            form=form,
            abstract=abstract,
            problems=[],
            rule=CountingRule.of(congress),
        )
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
                flash(
                    _(
                        "Abstract %(number)s submitted. We sent you a receipt.",
                        number=abstract.number,
                    ),
                    "success",
                )
            else:
                flash(_("Abstract saved."), "success")
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
    return _render_view(abstract)


def _render_view(abstract: Abstract, fee_form: FeeInvoiceForm | None = None, status: int = 200):
    owes = abstract.fee_status == FeeStatus.AWAITING and abstract.submitter_id == current_user.id
    if owes and fee_form is None:
        fee_form = FeeInvoiceForm(
            formdata=None, buyer_name=current_user.name, buyer_email=current_user.email
        )
    return render_template(
        "abstracts/view.html",
        abstract=abstract,
        fee_form=fee_form if owes else None,
        pay_by_card=owes and fees.can_pay_by_card(abstract),
        fee_invoice=fees.fee_invoice(abstract) if abstract.fee_invoice_number else None,
        payment_details=fees.payment_details(abstract.congress)
        if abstract.fee_invoice_number
        else None,
        placement=get_abstract_placement(congress_or_404(), abstract.id)
        if abstract.is_acceptance_released
        else None,
        action_form=ActionForm(),
        can_edit=abstract.can_change(current_user),
        edit_lock_reason=abstract.edit_lock_reason if abstract.can_edit(current_user) else None,
        length=services.length_of(abstract),
        warnings=services.warnings_for(abstract),
        outcome_labels=OUTCOME_LABELS,
        kind_labels=services.KIND_LABELS,
        confirm_token=services.presenter_confirm_token(abstract)
        if abstract.can_edit(current_user) and abstract.is_acceptance_released
        else None,
    ), status


@bp.route("/abstracts/<int:abstract_id>/fee/invoice", methods=["POST"])
@login_required
def invoice_fee(abstract_id: int):
    abstract = visible_abstract_or_404(abstract_id)
    if abstract.submitter_id != current_user.id:
        abort(403)
    form = FeeInvoiceForm()
    if not form.validate_on_submit():
        return _render_view(abstract, form, 400)
    buyer = Buyer(
        name=form.buyer_name.data or "",
        address=form.buyer_address.data or "",
        country=form.buyer_country.data or "",
        vat_id=form.buyer_vat_id.data or "",
        email=form.buyer_email.data or "",
    )
    try:
        invoice = fees.invoice_fee(abstract, buyer)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        return _render_view(abstract, form, 422)
    flash(_("Invoice %(number)s issued.", number=invoice.number), "success")
    return redirect(url_for("abstracts.view_abstract", abstract_id=abstract_id))


@bp.route("/abstracts/<int:abstract_id>/fee/checkout", methods=["POST"])
@login_required
def fee_checkout(abstract_id: int):
    """ "Pay now": to the card provider's hosted payment page."""
    abstract = visible_abstract_or_404(abstract_id)
    if abstract.submitter_id != current_user.id:
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        _row, url = fees.open_card_payment(abstract)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return redirect(url_for("abstracts.view_abstract", abstract_id=abstract_id))
    return redirect(url, code=303)


@bp.route("/abstracts/<int:abstract_id>/fee/checkout/return")
@login_required
def fee_checkout_return(abstract_id: int):
    """Back from the payment page: paid, or being confirmed until the provider says so."""
    abstract = visible_abstract_or_404(abstract_id)
    session_id = request.args.get("session_id", "")
    if not session_id or len(session_id) > 255:
        abort(404)
    try:
        state = fees.confirm_card_return(abstract, session_id)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        state = "pending"
    if state == "unknown":
        abort(404)
    if state in ("paid", "duplicate"):
        flash(_("Thank you: your card payment of the abstract fee is confirmed."), "success")
    elif state in ("refunded", "needs_refund"):
        flash(
            _("Your card payment arrived when no fee was due any more: it is being refunded."),
            "warning",
        )
    else:
        flash(
            _(
                "Your card payment is being confirmed by the provider; this page shows the fee "
                "as paid once it is."
            ),
            "info",
        )
    return redirect(url_for("abstracts.view_abstract", abstract_id=abstract_id))


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
        flash(_("Abstract %(number)s withdrawn.", number=abstract.number), "success")
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
        flash(_("Draft deleted."), "success")
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
            flash(_("Thank you: your presentation is confirmed."), "success")
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
        flash(_("Thank you: your authorship is confirmed."), "success")
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
        flash(_("You have been removed from the authors; the submitter has been told."), "success")
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    return redirect(url_for("abstracts.authorship", token=token))


from conference.abstracts import manage_views, review_views  # noqa: E402, F401
