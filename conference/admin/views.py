"""Organizer dashboard and the mail outbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from conference.accounts.models import Role
from conference.accounts.services import count_users
from conference.admin.dashboard import build_charts, get_dashboard
from conference.congresses import copying
from conference.congresses.context import list_congresses
from conference.congresses.forms import ArchiveForm, NewCongressForm
from conference.errors import DomainError
from conference.extensions import db
from conference.mail import (
    OutboxMessage,
    OutboxStatus,
    outbox_counts,
    outbox_scope,
    retry_message,
)
from conference.models import db_int
from conference.program import services as program_services
from conference.program.models import Congress
from conference.program.queries import get_current_congress
from conference.security import organizer_required, role_required
from conference.webforms import show_domain_error

admin_required = role_required(Role.ADMIN)

bp = Blueprint("admin", __name__, url_prefix="/manage")


def _outbox_scope():
    """This congress's messages; administrators also see the site's own (password resets)."""
    return outbox_scope(
        getattr(get_current_congress(), "id", None), with_site_mail=current_user.is_admin
    )


def _message_or_404(message_id: int) -> OutboxMessage:
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.id == message_id, _outbox_scope())
    )
    if message is None:
        abort(404)
    return message


@bp.route("/")
@organizer_required
def dashboard():
    congress = get_current_congress()
    data = get_dashboard(congress) if congress is not None else None
    return render_template(
        "admin/dashboard.html",
        outbox=outbox_counts(_outbox_scope()),
        users=count_users(),
        data=data,
        charts=build_charts(data) if data is not None else None,
    )


@bp.route("/outbox")
@organizer_required
def outbox():
    status = request.args.get("status", "")
    page = max(request.args.get("page", 1, type=db_int), 1)
    query = select(OutboxMessage).where(_outbox_scope()).order_by(OutboxMessage.id.desc())
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == status)
    pagination = db.paginate(query, page=page, per_page=50, error_out=False)
    return render_template(
        "admin/outbox.html",
        pagination=pagination,
        status=status,
        counts=outbox_counts(_outbox_scope()),
        statuses=[s.value for s in OutboxStatus],
        form=FlaskForm(),
    )


@bp.route("/outbox/<int:message_id>")
@organizer_required
def outbox_message(message_id: int):
    message = _message_or_404(message_id)
    return render_template("admin/outbox_message.html", message=message, form=FlaskForm())


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@organizer_required
def retry(message_id: int):
    message = _message_or_404(message_id)
    form = FlaskForm()
    if form.validate_on_submit() and retry_message(message):
        db.session.commit()
        flash(_("The message is queued again."), "success")
    return redirect(url_for("admin.outbox_message", message_id=message.id))


# -- congresses (global administrators) ---------------------------------------------------------


@bp.route("/congresses")
@admin_required
def congresses():
    return render_template(
        "admin/congresses.html", congresses=list_congresses(), form=ArchiveForm()
    )


@bp.route("/congresses/new", methods=["GET", "POST"])
@admin_required
def new_congress():
    existing = list_congresses()
    form = NewCongressForm()
    form.copy_from.choices = [("", _("Nothing: an empty congress"))] + [
        (str(item.id), f"{item.short_name}: {item.name}") for item in reversed(existing)
    ]
    if form.validate_on_submit():
        source = next((c for c in existing if str(c.id) == form.copy_from.data), None)
        try:
            congress = copying.new_congress(
                copy_from=source,
                slug=form.slug.data,
                name=form.name.data,
                short_name=form.short_name.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                timezone=form.timezone.data,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("%(congress)s is created.", congress=congress.short_name), "success")
            return redirect(url_for("program.edit_congress", congress=congress.slug))
    return render_template("admin/new_congress.html", form=form)


@bp.route("/congresses/<int:congress_id>/archive", methods=["POST"])
@admin_required
def archive_congress(congress_id: int):
    congress = db.get_or_404(Congress, congress_id)
    form = ArchiveForm()
    if form.validate_on_submit():
        archived = request.form.get("archived", "1") == "1"
        program_services.set_archived(congress, archived)
        db.session.commit()
        flash(
            _(
                "%(congress)s is archived: readable, closed for changes.",
                congress=congress.short_name,
            )
            if archived
            else _("%(congress)s is open for changes again.", congress=congress.short_name),
            "success",
        )
    return redirect(url_for("admin.congresses"))
