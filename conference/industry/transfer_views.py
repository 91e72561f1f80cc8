"""Organizer pages of transfers of value: record them, export them per company (CSV)."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from conference.errors import DomainError
from conference.extensions import db
from conference.industry import queries, transfers
from conference.industry.forms import ActionForm, TransferForm
from conference.industry.views import bp, congress_or_404
from conference.models import db_int
from conference.security import organizer_required
from conference.webforms import show_domain_error


def _form(congress, **kwargs) -> TransferForm:
    form = TransferForm(**kwargs)
    form.sponsor_id.choices = [(str(s.id), s.name) for s in queries.get_sponsors(congress)]
    return form


def _page(congress, form=None, status=200):
    return render_template(
        "industry/transfers.html",
        transfers=transfers.get_transfers(congress),
        sponsors=queries.get_sponsors(congress),
        form=form or _form(congress, formdata=None),
        action_form=ActionForm(formdata=None),
        kinds=transfers.KIND_LABELS,
    ), status


@bp.route("/manage/industry/transfers", methods=["GET", "POST"])
@organizer_required
def transfer_list():
    congress = congress_or_404()
    if request.method == "GET":
        return _page(congress)
    form = _form(congress)
    if form.validate_on_submit():
        data = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
        data["sponsor_id"] = db_int(data["sponsor_id"]) if data["sponsor_id"] else None
        try:
            transfers.record_transfer(congress, data, by=current_user)
            db.session.commit()
        except (DomainError, ValueError) as exc:
            db.session.rollback()
            if isinstance(exc, DomainError):
                show_domain_error(form, exc)
            else:
                form.sponsor_id.errors = [_("Choose a sponsor from the list.")]
        else:
            flash(_("Transfer of value recorded."), "success")
            return redirect(url_for("industry.transfer_list"))
    return _page(congress, form=form, status=422)


@bp.route("/manage/industry/transfers/<int:transfer_id>/delete", methods=["POST"])
@organizer_required
def delete_transfer(transfer_id: int):
    congress = congress_or_404()
    if ActionForm().validate_on_submit():
        try:
            transfers.delete_transfer(congress, transfer_id)
            db.session.commit()
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash(_("Transfer of value deleted."), "success")
    return redirect(url_for("industry.transfer_list"))


@bp.route("/manage/industry/transfers.csv")
@organizer_required
def transfers_csv():
    """Every transfer, or one company's (`?sponsor_id=`), for its transparency report."""
    congress = congress_or_404()
    sponsor_id = request.args.get("sponsor_id", None, type=db_int)
    response = Response(
        transfers.transfers_csv(transfers.get_transfers(congress, sponsor_id)),
        mimetype="text/csv",
    )
    response.headers["Content-Disposition"] = 'attachment; filename="transfers-of-value.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
