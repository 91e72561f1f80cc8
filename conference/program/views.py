"""Home page and the organizer's congress, track and room pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from conference.errors import DomainError
from conference.extensions import db
from conference.program import services
from conference.program.forms import KEY_DATE_LABELS, CongressForm, RoomForm, TrackForm
from conference.program.models import Room, Track
from conference.program.queries import get_current_congress, get_rooms, get_tracks
from conference.program.services import KEY_DATE_FIELDS
from conference.security import organizer_required
from conference.timeutil import to_local
from conference.webforms import show_domain_error

bp = Blueprint("program", __name__)


def _congress_or_404():
    congress = get_current_congress()
    if congress is None:
        abort(404, "No congress is set up yet.")
    return congress


@bp.route("/")
def home():
    congress = get_current_congress()
    tracks = get_tracks(congress, active_only=True) if congress else []
    return render_template("program/home.html", tracks=tracks)


@bp.route("/manage/congress", methods=["GET", "POST"])
@organizer_required
def edit_congress():
    congress = _congress_or_404()
    form = CongressForm(obj=congress)
    if request.method == "GET":
        from conference.abstracts.fees import waiver_countries

        form.abstract_fee_waiver_countries.data = ", ".join(waiver_countries(congress))
        for field in KEY_DATE_FIELDS:
            value = to_local(getattr(congress, field), congress.tz)
            getattr(form, field).data = value.replace(tzinfo=None) if value else None
    if form.validate_on_submit():
        data = {
            name: field.data
            for name, field in form._fields.items()
            if name not in ("csrf_token", "submit") and name not in KEY_DATE_FIELDS
        }
        # Naive wall times: the service reads them in the (possibly new) congress time zone.
        data.update({field: getattr(form, field).data for field in KEY_DATE_FIELDS})
        try:
            services.update_congress(congress, **data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash("Congress settings saved.", "success")
            return redirect(url_for("program.edit_congress"))
    return render_template(
        "program/edit_congress.html",
        form=form,
        key_date_fields=KEY_DATE_FIELDS,
        key_date_labels=KEY_DATE_LABELS,
    )


@bp.route("/manage/tracks")
@organizer_required
def tracks():
    return render_template("program/tracks.html", tracks=get_tracks(_congress_or_404()))


@bp.route("/manage/tracks/new", methods=["GET", "POST"])
@bp.route("/manage/tracks/<int:track_id>", methods=["GET", "POST"])
@organizer_required
def edit_track(track_id: int | None = None):
    congress = _congress_or_404()
    track = db.get_or_404(Track, track_id) if track_id else None
    if track is not None and track.congress_id != congress.id:
        abort(404)
    form = TrackForm(obj=track)
    if form.validate_on_submit():
        data = {
            "name": form.name.data,
            "slug": form.slug.data,
            "description": form.description.data,
            "colour": form.colour.data,
            "is_active": form.is_active.data,
        }
        if form.position.data is not None:
            data["position"] = form.position.data
        try:
            if track is None:
                services.create_track(congress, **data)
            else:
                if not data["slug"]:
                    data.pop("slug")
                services.update_track(track, **data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash("Track saved.", "success")
            return redirect(url_for("program.tracks"))
    return render_template("program/edit_track.html", form=form, track=track)


@bp.route("/manage/rooms")
@organizer_required
def rooms():
    return render_template("program/rooms.html", rooms=get_rooms(_congress_or_404()))


@bp.route("/manage/rooms/new", methods=["GET", "POST"])
@bp.route("/manage/rooms/<int:room_id>", methods=["GET", "POST"])
@organizer_required
def edit_room(room_id: int | None = None):
    congress = _congress_or_404()
    room = db.get_or_404(Room, room_id) if room_id else None
    if room is not None and room.congress_id != congress.id:
        abort(404)
    form = RoomForm(obj=room)
    if form.validate_on_submit():
        data = {"name": form.name.data, "capacity": form.capacity.data, "kind": form.kind.data}
        if form.position.data is not None:
            data["position"] = form.position.data
        try:
            if room is None:
                services.create_room(congress, **data)
            else:
                services.update_room(room, **data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash("Room saved.", "success")
            return redirect(url_for("program.rooms"))
    return render_template("program/edit_room.html", form=form, room=room)


# The schedule's organizer pages and the public program register their routes on `bp`.
from conference.program import editor_views, public_views, schedule_views  # noqa: E402, F401
