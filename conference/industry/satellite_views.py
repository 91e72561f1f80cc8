"""Satellite symposium pages: organizers offer and approve slots; sponsors request them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from conference.errors import DomainError, ValidationFailed
from conference.extensions import db
from conference.i18n import format_when
from conference.industry import satellites
from conference.industry.forms import ActionForm, SatelliteRequestForm, SlotForm
from conference.industry.models import SatelliteStatus
from conference.industry.views import bp, congress_or_404, sponsor_or_404
from conference.program.queries import get_rooms
from conference.security import organizer_required
from conference.timeutil import local_to_utc
from conference.webforms import show_domain_error


def _slot_form(congress, **kwargs) -> SlotForm:
    form = SlotForm(**kwargs)
    form.room_id.choices = [(str(room.id), room.name) for room in get_rooms(congress)]
    return form


def _slots_page(congress, form=None, status=200):
    return render_template(
        "industry/satellites.html",
        slots=satellites.get_slots(congress),
        form=form or _slot_form(congress, formdata=None),
        action_form=ActionForm(formdata=None),
        Status=SatelliteStatus,
    ), status


@bp.route("/manage/industry/satellites", methods=["GET", "POST"])
@organizer_required
def satellite_slots():
    congress = congress_or_404()
    if request.method == "GET":
        return _slots_page(congress)
    form = _slot_form(congress)
    if form.validate_on_submit():
        try:
            satellites.create_slot(
                congress,
                room_id=int(form.room_id.data) if (form.room_id.data or "").isdigit() else None,
                starts_at=local_to_utc(form.starts_at.data, congress.tz),
                ends_at=local_to_utc(form.ends_at.data, congress.tz),
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Slot offered."), "success")
            return redirect(url_for("industry.satellite_slots"))
    return _slots_page(congress, form=form, status=422)


def _slot_action(slot_id: int, action, success: str):
    slot = satellites.get_slot(congress_or_404(), slot_id)
    if slot is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        action(slot)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
    else:
        flash(success, "success")
    return redirect(url_for("industry.satellite_slots"))


@bp.route("/manage/industry/satellites/<int:slot_id>/approve", methods=["POST"])
@organizer_required
def approve_slot(slot_id: int):
    return _slot_action(
        slot_id, satellites.approve_slot, _("Approved: the satellite is in the program.")
    )


@bp.route("/manage/industry/satellites/<int:slot_id>/release", methods=["POST"])
@organizer_required
def release_slot(slot_id: int):
    return _slot_action(slot_id, satellites.release_slot, _("The slot is open again."))


# -- sponsors ---------------------------------------------------------------------------------


def _request_form(sponsor, slots, **kwargs) -> SatelliteRequestForm:
    form = SatelliteRequestForm(**kwargs)
    form.slot_id.choices = [
        (
            str(s.id),
            f"{format_when(s.starts_at, '%a %d %b %Y, %H:%M', tz=sponsor.congress.tz)}"
            f" - {format_when(s.ends_at, '%H:%M', tz=sponsor.congress.tz)} · {s.room.name}",
        )
        for s in slots
        if s.status == SatelliteStatus.OPEN
    ]
    return form


def _sponsor_page(sponsor, form=None, status=200):
    slots = satellites.get_slots(sponsor.congress)
    return render_template(
        "industry/sponsor_satellites.html",
        sponsor=sponsor,
        mine=[s for s in slots if s.sponsor_id == sponsor.id],
        form=form or _request_form(sponsor, slots, formdata=None),
        Status=SatelliteStatus,
    ), status


@bp.route("/sponsor/<int:sponsor_id>/satellites", methods=["GET", "POST"])
@login_required
def sponsor_satellites(sponsor_id: int):
    sponsor = sponsor_or_404(sponsor_id)
    if request.method == "GET":
        return _sponsor_page(sponsor)
    form = _request_form(sponsor, satellites.get_slots(sponsor.congress))
    if form.validate_on_submit():
        slot_id = int(form.slot_id.data) if (form.slot_id.data or "").isdigit() else 0
        slot = satellites.get_slot(sponsor.congress, slot_id)
        data = {
            "title": form.title.data,
            "description": form.description.data,
            "chairs": satellites.parse_faculty_lines(form.chairs.data),
            "speakers": satellites.parse_faculty_lines(form.speakers.data),
        }
        try:
            if slot is None:
                raise ValidationFailed(
                    _("Choose a slot from the list."),
                    fields={"slot_id": [_("Choose a slot from the list.")]},
                )
            satellites.request_slot(slot, sponsor, data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Request sent: the organizers will approve it."), "success")
            return redirect(url_for("industry.sponsor_satellites", sponsor_id=sponsor.id))
    return _sponsor_page(sponsor_or_404(sponsor_id), form=form, status=422)
