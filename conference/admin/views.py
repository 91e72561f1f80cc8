"""Organizer dashboard and the mail outbox."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select

from conference.accounts.services import count_users
from conference.admin.dashboard import build_charts, get_dashboard
from conference.extensions import db
from conference.mail import OutboxMessage, OutboxStatus, outbox_counts, retry_message
from conference.models import db_int
from conference.program.queries import get_current_congress
from conference.security import organizer_required

bp = Blueprint("admin", __name__, url_prefix="/manage")


@bp.route("/")
@organizer_required
def dashboard():
    congress = get_current_congress()
    data = get_dashboard(congress) if congress is not None else None
    return render_template(
        "admin/dashboard.html",
        outbox=outbox_counts(),
        users=count_users(),
        data=data,
        charts=build_charts(data) if data is not None else None,
    )


@bp.route("/outbox")
@organizer_required
def outbox():
    status = request.args.get("status", "")
    page = max(request.args.get("page", 1, type=db_int), 1)
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == status)
    pagination = db.paginate(query, page=page, per_page=50, error_out=False)
    return render_template(
        "admin/outbox.html",
        pagination=pagination,
        status=status,
        counts=outbox_counts(),
        statuses=[s.value for s in OutboxStatus],
        form=FlaskForm(),
    )


@bp.route("/outbox/<int:message_id>")
@organizer_required
def outbox_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template("admin/outbox_message.html", message=message, form=FlaskForm())


@bp.route("/outbox/<int:message_id>/retry", methods=["POST"])
@organizer_required
def retry(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    form = FlaskForm()
    if form.validate_on_submit() and retry_message(message):
        db.session.commit()
        flash(_("The message is queued again."), "success")
    return redirect(url_for("admin.outbox_message", message_id=message.id))
