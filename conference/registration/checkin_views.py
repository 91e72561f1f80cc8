"""Organizer pages: the check-in desk at the door."""

from __future__ import annotations

from flask import (
    jsonify,
    render_template,
)
from flask_login import current_user

from conference.errors import Conflict
from conference.extensions import db
from conference.registration import checkin
from conference.registration.forms import CheckInForm
from conference.registration.models import ProofStatus
from conference.registration.queries import (
    get_checkin_counts,
    get_registration,
    search_registrations,
)
from conference.registration.views import bp, congress_or_404, local_time
from conference.security import mark_personal, organizer_required

# -- organizer: the check-in desk -------------------------------------------------------------


@bp.route("/manage/check-in", methods=["GET", "POST"])
@organizer_required
def checkin_desk():
    congress = congress_or_404()
    mark_personal()
    form = CheckInForm()
    result = None
    matches = []
    status = 200
    if form.validate_on_submit():
        query = form.query.data.strip()
        found = get_registration(congress, query)
        if found is None:
            matches = search_registrations(congress, query)
            if len(matches) == 1:
                found = matches[0]
        if found is not None:
            matches = []
            try:
                checkin.check_in(found, by=current_user)
                db.session.commit()
                result = {"ok": True, "registration": found, "message": "Checked in: welcome!"}
            except Conflict as exc:
                db.session.rollback()
                found = get_registration(congress, found.reference)
                message = exc.message
                if exc.code == "already_checked_in":
                    message = f"Already checked in at {local_time(found.checked_in_at)}."
                result = {"ok": False, "registration": found, "message": message}
                status = 409
            form.query.data = ""
        elif not matches:
            form.query.errors = [f"No registration matches {query!r}."]
            status = 404
    return render_template(
        "registration/checkin.html",
        form=form,
        result=result,
        matches=matches,
        counts=get_checkin_counts(congress),
        ProofStatus=ProofStatus,
    ), status


@bp.route("/manage/check-in/counts")
@organizer_required
def checkin_counts():
    return jsonify(get_checkin_counts(congress_or_404()))
