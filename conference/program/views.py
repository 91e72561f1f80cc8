"""Home page and the organizer's congress, track and room pages."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from conference.content import services as content
from conference.errors import DomainError
from conference.extensions import db
from conference.i18n import LANGUAGES, format_when
from conference.program import services
from conference.program.exports.book import credit_count
from conference.program.forms import KEY_DATE_LABELS, CongressForm, RoomForm, TrackForm
from conference.program.messages import change_message, localized_conflict
from conference.program.models import Room, Track
from conference.program.queries import get_current_congress, get_rooms, get_tracks
from conference.program.services import KEY_DATE_FIELDS
from conference.security import organizer_required
from conference.timeutil import to_local
from conference.webforms import show_domain_error

bp = Blueprint("program", __name__)


@bp.app_template_filter("change_text")
def change_text(change: dict) -> str:
    """A published version's change, in the reader's language."""
    return change_message(change)


@bp.app_template_filter("conflict_text")
def conflict_text(conflict) -> str:
    """A conflict (live, or stored with a version) in the reader's language."""
    if isinstance(conflict, dict):
        return localized_conflict(conflict)["message"]
    return conflict.message


bp.add_app_template_filter(credit_count, "credit_count")


@bp.app_template_global("tr")
def translated_text(obj, kind: str, field: str) -> str:
    """An organizer's text (a model or a snapshot dict) in the reader's language, falling back
    to the congress's main language: `{{ tr(track, "track", "name") }}`."""
    if obj is None:
        return ""
    if isinstance(obj, dict):
        default, object_id = obj.get(field) or "", obj.get("id")
    else:
        default, object_id = getattr(obj, field) or "", obj.id
    if object_id is None:
        return default
    congress = obj if kind == "congress" and not isinstance(obj, dict) else get_current_congress()
    return content.translated(congress, kind, object_id, field, default)


@bp.app_template_global("content_languages_of")
def content_languages_of(congress) -> list[tuple[str, str, str]]:
    """(code, name, main language's name) of each language an organizer can give texts in."""
    if congress is None:
        return []
    main = LANGUAGES.get(congress.language, congress.language)
    return [(code, LANGUAGES[code], main) for code in content.other_languages(congress)]


@bp.app_template_filter("wall")
def wall_time(value, fmt: str = "%a %d %b %Y, %H:%M") -> str:
    """A date, or a time already in the congress time zone, in the reader's language."""
    return format_when(value, fmt)


def _congress_or_404():
    congress = get_current_congress()
    if congress is None:
        abort(404, _("No congress is set up yet."))
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
            flash(_("Congress settings saved."), "success")
            return redirect(url_for("program.edit_congress"))
    return render_template(
        "program/edit_congress.html",
        form=form,
        key_date_fields=KEY_DATE_FIELDS,
        key_date_labels=KEY_DATE_LABELS,
    )


class _ContentForm(FlaskForm):
    """Only the CSRF token: the fields are each translatable text (content_fields)."""


def _congress_items(congress) -> list[dict]:
    """The congress's own texts on the content page."""
    return [
        {"kind": "congress", "id": congress.id, "field": field, "label": label, "main": main}
        for field, label, main in (
            ("name", _("Congress name"), congress.name),
            ("short_name", _("Short name"), congress.short_name),
            ("description", _("Description"), congress.description),
            ("venue", _("Venue"), congress.venue),
        )
    ]


def _track_items(congress) -> list[dict]:
    """Each track's name and description on the content page."""
    items = []
    for track in get_tracks(congress):
        items.append(
            {
                "kind": "track",
                "id": track.id,
                "field": "name",
                "label": _("Track “%(track)s”: name", track=track.name),
                "main": track.name,
            }
        )
        items.append(
            {
                "kind": "track",
                "id": track.id,
                "field": "description",
                "label": _("Track “%(track)s”: description", track=track.name),
                "main": track.description,
            }
        )
    return items


content.register_kind("congress", {}, items=_congress_items)
content.register_kind("track", {}, items=_track_items)


def content_fields(congress) -> list[dict]:
    """The texts an organizer can give per language on the content page: the congress's own,
    each track's, and those the other domains register (categories, pages, email templates)."""
    return content.content_items(congress)


@bp.route("/manage/content/<language>", methods=["GET", "POST"])
@organizer_required
def edit_content(language: str):
    """The congress's own texts in another language than its main one."""
    congress = _congress_or_404()
    try:
        content.check_language(congress, language)
    except DomainError:
        abort(404)
    form = _ContentForm()
    items = content_fields(congress)
    saved = content.get_translations(congress, language)
    values = {
        item["name"]: saved.get((item["kind"], item["id"], item["field"]), "") for item in items
    }
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        values = {item["name"]: request.form.get(item["name"], "") for item in items}
        try:
            content.set_translations(
                congress,
                language,
                {(item["kind"], item["id"], item["field"]): values[item["name"]] for item in items},
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            errors = exc.fields
            flash(exc.message, "danger")
        else:
            flash(
                _("The texts in %(language)s are saved.", language=LANGUAGES[language]), "success"
            )
            return redirect(url_for("program.edit_content", language=language))
    status = 422 if errors or form.errors else 200
    return render_template(
        "program/edit_content.html",
        form=form,
        items=items,
        values=values,
        errors=errors,
        language=language,
        language_name=LANGUAGES[language],
        main_language_name=LANGUAGES.get(congress.language, congress.language),
        other_languages=[(code, LANGUAGES[code]) for code in content.other_languages(congress)],
    ), status


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
            flash(_("Track saved."), "success")
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
            flash(_("Room saved."), "success")
            return redirect(url_for("program.rooms"))
    return render_template("program/edit_room.html", form=form, room=room)


# The schedule's organizer pages and the public program register their routes on `bp`.
from conference.program import editor_views, public_views, schedule_views  # noqa: E402, F401
