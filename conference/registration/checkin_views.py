"""Organizer pages: the check-in desk at the door.

The desk finishes the job without leaving its page: look a person up (a USB scanner types the
reference and presses Enter), take a card or cash payment, correct the badge name, print the
badge (an A6 PDF opened inline in a new tab), check in. Each action comes back to the desk
showing that person (`?ref=`), with the lookup field focused for the next scan.
"""

from __future__ import annotations

import secrets

from flask import (
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from conference.errors import Conflict, DomainError
from conference.extensions import db
from conference.registration import checkin, services
from conference.registration.forms import BadgeNameForm, CheckInForm, DeskPaymentForm
from conference.registration.models import ProofStatus, RegistrationStatus
from conference.registration.payments import record_payment
from conference.registration.queries import (
    get_checkin_counts,
    get_registration,
    search_registrations,
)
from conference.registration.views import bp, congress_or_404, local_time
from conference.security import mark_personal, organizer_required
from conference.webforms import show_domain_error

#: What the desk says after an action, by the `done` value of the redirect.
DONE_MESSAGES = {
    "paid": "Payment taken.",
    "badge_name": "Badge name corrected.",
}

# -- organizer: the check-in desk -------------------------------------------------------------


def _person_context(registration, payment_form=None, badge_form=None) -> dict:
    """The person shown at the desk, with what can be done for them now."""
    if registration is None:
        return {"person": None}
    if payment_form is None:
        payment_form = DeskPaymentForm(prefix="pay", formdata=None)
        payment_form.idempotency_key.data = secrets.token_urlsafe(24)
        payment_form.amount.data = str(registration.amount_due)
    if badge_form is None:
        badge_form = BadgeNameForm(prefix="badge", formdata=None)
        badge_form.badge_name.data = registration.badge_name
    status = registration.status
    return {
        "person": registration,
        "payment_form": payment_form,
        "badge_form": badge_form,
        "can_pay": registration.amount_due > 0
        and status in (RegistrationStatus.AWAITING_PAYMENT, RegistrationStatus.CONFIRMED),
        "can_check_in": registration.is_fully_paid and registration.checked_in_at is None,
        "can_print_badge": status == RegistrationStatus.CONFIRMED,
        "can_correct_badge": not registration.erased_at and status != RegistrationStatus.CANCELLED,
    }


def _render_desk(form=None, *, result=None, matches=(), person=None, status=200, **forms):
    return render_template(
        "registration/checkin.html",
        form=form or CheckInForm(formdata=None),
        result=result,
        matches=matches,
        counts=get_checkin_counts(congress_or_404()),
        ProofStatus=ProofStatus,
        **_person_context(person, **forms),
    ), status


@bp.route("/manage/check-in", methods=["GET", "POST"])
@organizer_required
def checkin_desk():
    congress = congress_or_404()
    mark_personal()
    form = CheckInForm()
    if request.method == "GET":
        person = None
        result = None
        if reference := request.args.get("ref", "")[:40]:
            person = get_registration(congress, reference)
            message = DONE_MESSAGES.get(request.args.get("done", ""))
            if person is not None and message:
                result = {"ok": True, "registration": person, "message": message}
        return _render_desk(form, result=result, person=person)
    result = None
    matches = []
    status = 200
    found = None
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
    return _render_desk(form, result=result, matches=matches, person=found, status=status)


def _desk_person(reference: str):
    registration = get_registration(congress_or_404(), reference)
    if registration is None:
        abort(404)
    mark_personal()
    return registration


def _desk_action(reference: str, form, form_key: str, act, done: str):
    """Validate a desk form for one person, run `act(registration, form)` and commit; back to
    the desk showing that person, or the desk again with the error next to the field."""
    registration = _desk_person(reference)
    if not form.validate_on_submit():
        return _render_desk(person=registration, status=422, **{form_key: form})
    try:
        act(registration, form)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        show_domain_error(form, exc)
        registration = _desk_person(reference)
        return _render_desk(person=registration, status=exc.status, **{form_key: form})
    return redirect(url_for("registration.checkin_desk", ref=registration.reference, done=done))


@bp.route("/manage/check-in/<reference>/payment", methods=["POST"])
@organizer_required
def desk_payment(reference):
    def take(registration, form):
        record_payment(
            registration,
            kind=form.kind.data,
            # Empty: what is due now (the service refuses more than is due, under its lock).
            amount=(form.amount.data or "").strip() or str(registration.amount_due),
            note=form.note.data,
            by=current_user,
            idempotency_key=form.idempotency_key.data or None,
        )

    form = DeskPaymentForm(prefix="pay")
    return _desk_action(reference, form, "payment_form", take, "paid")


@bp.route("/manage/check-in/<reference>/badge-name", methods=["POST"])
@organizer_required
def desk_badge_name(reference):
    def correct(registration, form):
        services.correct_badge_name(registration, form.badge_name.data)

    form = BadgeNameForm(prefix="badge")
    return _desk_action(reference, form, "badge_form", correct, "badge_name")


@bp.route("/manage/check-in/counts")
@organizer_required
def checkin_counts():
    return jsonify(get_checkin_counts(congress_or_404()))
