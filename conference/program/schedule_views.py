"""Organizer pages of the schedule: the day grid editor (with JSON calls for drag and drop,
and forms for the same actions without JavaScript), conflicts, publishing and import."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from marshmallow import ValidationError as MarshmallowValidationError
from sqlalchemy import select

from conference.errors import DomainError, ValidationFailed
from conference.extensions import csrf, db
from conference.labels import human
from conference.models import db_int, utcnow
from conference.program import book, publishing
from conference.program import sessions as session_services
from conference.program.conflicts import conflicts_touching, detect_conflicts
from conference.program.editor_grid import EditorView
from conference.program.forms import (
    ImportForm,
    PresentationForm,
    PresentationTimeForm,
    SessionForm,
    SpeakerForm,
)
from conference.program.frab_import import import_frab
from conference.program.published import (
    get_version,
    get_version_program,
    get_versions,
    latest_number,
)
from conference.program.queries import get_current_congress, get_rooms, get_tracks
from conference.program.schedule_models import (
    FORMAT_LABELS,
    Presentation,
)
from conference.program.schedule_queries import (
    get_abstract,
    get_presentation,
    get_session,
    get_speaker,
    get_unscheduled_abstracts,
    search_speakers,
)
from conference.program.views import bp
from conference.security import organizer_required
from conference.timeutil import local_to_utc, to_local
from conference.webforms import show_domain_error


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, _("No congress is set up yet."))
    return congress


def _days(congress) -> list[date]:
    count = (congress.ends_on - congress.starts_on).days + 1
    return [congress.starts_on + timedelta(days=i) for i in range(max(count, 1))]


def _fix_url(obj: dict, presentation_sessions: dict) -> str | None:
    if obj["type"] == "session":
        return url_for("program.edit_session", session_id=obj["id"])
    if obj["type"] == "presentation" and obj["id"] in presentation_sessions:
        return url_for("program.edit_session", session_id=presentation_sessions[obj["id"]]) + (
            f"#presentation-{obj['id']}"
        )
    if obj["type"] == "abstract":
        return url_for("program.schedule_editor") + f"#abstract-{obj['id']}"
    if obj["type"] == "speaker":
        return url_for("program.edit_speaker", speaker_id=obj["id"])
    if obj["type"] == "room":
        return url_for("program.edit_room", room_id=obj["id"])
    return None


def _conflict_views(conflicts) -> list[dict]:
    """Conflicts with links to the pages that fix them."""
    ids = [o["id"] for c in conflicts for o in c.objects if o["type"] == "presentation"]
    mapping = (
        dict(
            db.session.execute(
                select(Presentation.id, Presentation.session_id).where(Presentation.id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )
    views = []
    for c in conflicts:
        links = [(o["label"], url) for o in c.objects if (url := _fix_url(o, mapping))]
        views.append(
            {
                "kind": c.kind,
                "key": c.key,
                "message": c.message,
                "blocking": c.is_blocking,
                "links": links,
            }
        )
    return views


def _local_input(value: datetime | None, congress) -> datetime | None:
    return to_local(value, congress.tz).replace(tzinfo=None) if value else None


def _parse_local(value, congress) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return local_to_utc(parsed, congress.tz)


# -- the grid ------------------------------------------------------------------------------


@bp.route("/manage/program/conflicts")
@organizer_required
def conflicts():
    congress = _congress()
    return render_template(
        "program/conflicts.html", conflicts=_conflict_views(detect_conflicts(congress))
    )


# -- sessions (forms) -------------------------------------------------------------------------


def _session_form(congress, session=None) -> SessionForm:
    form = SessionForm(obj=session if request.method == "GET" else None)
    form.format.choices = [(f.value, label) for f, label in FORMAT_LABELS.items()]
    form.track.choices = [(0, "—")] + [(t.id, t.name) for t in get_tracks(congress)]
    form.room.choices = [(0, "—")] + [(r.id, r.name) for r in get_rooms(congress)]
    if request.method == "GET":
        if session is not None:
            form.track.data = session.track_id or 0
            form.room.data = session.room_id or 0
            form.starts_at.data = _local_input(session.starts_at, congress)
            form.ends_at.data = _local_input(session.ends_at, congress)
            form.chairs.data = "\n".join(
                f"{p.name} <{p.email}>" if p.email else p.name for p in session.chairs
            )
            form.discussants.data = "\n".join(
                f"{p.name} <{p.email}>" if p.email else p.name for p in session.discussants
            )
        else:
            try:
                day = date.fromisoformat(request.args.get("day", ""))
            except ValueError:
                day = congress.starts_on
            hour = request.args.get("hour", 9, type=int) % 24
            form.starts_at.data = datetime.combine(day, datetime.min.time()).replace(hour=hour)
            form.ends_at.data = form.starts_at.data + timedelta(minutes=90)
            form.room.data = request.args.get("room", 0, type=db_int)
    return form


def _session_data(form: SessionForm, congress) -> dict:
    return {
        "title": form.title.data,
        "format": form.format.data,
        "track": form.track.data or None,
        "room": form.room.data or None,
        "starts_at": local_to_utc(form.starts_at.data, congress.tz),
        "ends_at": local_to_utc(form.ends_at.data, congress.tz),
        "chairs": session_services.parse_people(form.chairs.data),
        "discussants": session_services.parse_people(form.discussants.data),
        "is_accredited": form.is_accredited.data,
        "expected_audience": form.expected_audience.data,
        "ticketed_seats": form.ticketed_seats.data,
        "description": form.description.data or "",
    }


@bp.route("/manage/program/sessions/new", methods=["GET", "POST"])
@organizer_required
def new_session():
    congress = _congress()
    form = _session_form(congress)
    if form.validate_on_submit():
        try:
            session = session_services.create_session(congress, **_session_data(form, congress))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Session created."), "success")
            return redirect(url_for("program.edit_session", session_id=session.id))
    return render_template("program/edit_session.html", form=form, session=None), (
        422 if form.errors else 200
    )


def _presentation_form(congress, session) -> PresentationForm:
    form = PresentationForm(prefix="add")
    form.abstract.choices = [(0, _("— invited talk —"))] + [
        (a.id, f"{a.number or a.id} · {human(a.outcome, 'outcome')} · {a.title[:90]}")
        for a in get_unscheduled_abstracts(congress)
    ]
    return form


@bp.route("/manage/program/sessions/<int:session_id>", methods=["GET", "POST"])
@organizer_required
def edit_session(session_id: int):
    congress = _congress()
    session = get_session(congress, session_id)
    if session is None:
        abort(404)
    form = _session_form(congress, session)
    if form.validate_on_submit():
        try:
            session_services.update_session(session, **_session_data(form, congress))
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
            session = get_session(congress, session_id)
        else:
            flash(_("Session saved."), "success")
            return redirect(url_for("program.edit_session", session_id=session.id))
    return _render_session_page(congress, session, form, _presentation_form(congress, session))


def _render_session_page(congress, session, form, add_form, status=None):
    time_forms = {}
    for p in session.presentations:
        time_form = PresentationTimeForm(prefix=f"p{p.id}", formdata=None)
        time_form.starts_at.data = _local_input(p.starts_at, congress)
        time_form.ends_at.data = _local_input(p.ends_at, congress)
        time_form.board_number.data = p.board_number
        time_forms[p.id] = time_form
    warnings = _conflict_views(conflicts_touching(detect_conflicts(congress), session))
    has_errors = bool(form.errors or add_form.errors)
    return render_template(
        "program/edit_session.html",
        form=form,
        session=session,
        add_form=add_form,
        time_forms=time_forms,
        warnings=warnings,
        local=lambda value: to_local(value, congress.tz),
    ), (status or (422 if has_errors else 200))


@bp.route("/manage/program/sessions/<int:session_id>/delete", methods=["POST"])
@organizer_required
def delete_session(session_id: int):
    congress = _congress()
    session = get_session(congress, session_id)
    if session is None:
        abort(404)
    day = to_local(session.starts_at, congress.tz).date()
    session_services.delete_session(session)
    db.session.commit()
    flash(_("Session deleted."), "success")
    return redirect(url_for("program.schedule_editor", day=day.isoformat()))


@bp.route("/manage/program/sessions/<int:session_id>/presentations", methods=["POST"])
@organizer_required
def add_presentation(session_id: int):
    congress = _congress()
    session = get_session(congress, session_id)
    if session is None:
        abort(404)
    add_form = _presentation_form(congress, session)
    if add_form.validate_on_submit():
        abstract = (
            get_abstract(congress, add_form.abstract.data) if add_form.abstract.data else None
        )
        try:
            if add_form.abstract.data and abstract is None:
                raise ValidationFailed(_("No such abstract."), fields={"abstract": [_("Unknown.")]})
            session_services.add_presentation(
                session,
                abstract=abstract,
                title=add_form.title.data or "",
                speakers=session_services.parse_people(add_form.speakers.data),
                starts_at=_parse_local(add_form.starts_at.data, congress),
                ends_at=_parse_local(add_form.ends_at.data, congress),
                board_number=add_form.board_number.data or None,
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(add_form, exc)
            session = get_session(congress, session_id)
        else:
            flash(_("Presentation added."), "success")
            return redirect(url_for("program.edit_session", session_id=session_id))
    form = _session_form(congress, session)
    return _render_session_page(congress, session, form, add_form, status=422)


@bp.route("/manage/program/presentations/<int:presentation_id>", methods=["POST"])
@organizer_required
def update_presentation(presentation_id: int):
    congress = _congress()
    presentation = get_presentation(congress, presentation_id)
    if presentation is None:
        abort(404)
    session_id = presentation.session_id
    action = request.form.get("action", "save")
    try:
        if action == "remove":
            session_services.remove_presentation(presentation)
            message = _("Presentation removed.")
        elif action in ("up", "down"):
            ids = [p.id for p in presentation.session.presentations]
            index = ids.index(presentation.id)
            target = index - 1 if action == "up" else index + 1
            if 0 <= target < len(ids):
                ids[index], ids[target] = ids[target], ids[index]
                session_services.reorder_presentations(presentation.session, ids)
            message = _("Order saved.")
        else:
            time_form = PresentationTimeForm(prefix=f"p{presentation.id}")
            if not time_form.validate():
                raise ValidationFailed(
                    _("Please correct the presentation's times."),
                    fields=dict(time_form.errors),
                )
            session_services.update_presentation(
                presentation,
                starts_at=_parse_local(time_form.starts_at.data, congress),
                ends_at=_parse_local(time_form.ends_at.data, congress),
                board_number=time_form.board_number.data,
            )
            message = _("Presentation saved.")
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        details = " ".join(m for messages in exc.fields.values() for m in messages)
        flash(f"{exc.message} {details}".strip(), "danger")
    else:
        flash(message, "success")
    return redirect(url_for("program.edit_session", session_id=session_id))


@bp.route("/manage/program/abstracts/<int:abstract_id>/place", methods=["POST"])
@organizer_required
def place_abstract(abstract_id: int):
    """Place an unscheduled abstract at the end of a session (the no-JavaScript path)."""
    congress = _congress()
    abstract = get_abstract(congress, abstract_id)
    session = get_session(congress, request.form.get("session", 0, type=db_int))
    back = url_for(
        "program.schedule_editor", **EditorView.from_args(request.form, _days(congress)).args()
    )
    if abstract is None or session is None:
        flash(_("Choose a session for this abstract."), "danger")
        return redirect(back)
    try:
        session_services.add_presentation(session, abstract=abstract)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        details = " ".join(m for messages in exc.fields.values() for m in messages)
        flash(f"{exc.message} {details}".strip(), "danger")
    else:
        flash(_("Abstract placed in “%(session)s”.", session=session.title), "success")
    return redirect(back)


# -- JSON bodies of the drag-and-drop editor (its calls are in editor_views.py) --------------


def _payload(schema) -> dict:
    """The JSON object the editor sent, loaded by the same schema as /api/v1 (422 naming the
    fields when it does not fit)."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise ValidationFailed(
            _("Send a JSON object."), fields={"json": [_("The body must be a JSON object.")]}
        )
    try:
        return schema.load(payload)
    except MarshmallowValidationError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"json": exc.messages}
        raise ValidationFailed(
            _("Please correct the highlighted fields."),
            fields={
                key: list(value) if isinstance(value, list) else [str(value)]
                for key, value in messages.items()
            },
        ) from None


# -- people ---------------------------------------------------------------------------------


@bp.route("/manage/program/speakers")
@organizer_required
def speakers():
    congress = _congress()
    query = request.args.get("q", "").strip()[:100]
    return render_template(
        "program/speakers.html", speakers=search_speakers(congress, query), q=query
    )


@bp.route("/manage/program/speakers/<int:speaker_id>", methods=["GET", "POST"])
@organizer_required
def edit_speaker(speaker_id: int):
    congress = _congress()
    speaker = get_speaker(congress, speaker_id)
    if speaker is None:
        abort(404)
    form = SpeakerForm(obj=speaker)
    if request.method == "GET":
        form.disclosures.data = "\n".join(
            f"{d['company']}: {human(d['relationship'], 'disclosure')}"
            for d in speaker.disclosures or []
        )
    if form.validate_on_submit():
        try:
            session_services.update_speaker(
                speaker,
                name=form.name.data,
                email=form.email.data,
                affiliation=form.affiliation.data,
                country=(form.country.data or "").upper(),
                nothing_to_disclose=form.nothing_to_disclose.data,
                disclosures=session_services.parse_disclosures(form.disclosures.data),
            )
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(_("Person saved."), "success")
            return redirect(url_for("program.edit_speaker", speaker_id=speaker_id))
    return render_template("program/edit_speaker.html", form=form, speaker=speaker), (
        422 if form.errors else 200
    )


# -- publishing and import ----------------------------------------------------------------


def _render_publish_page(congress, status: int = 200):
    latest = publishing.latest_version(congress)
    pending, _affected = publishing.diff_snapshots(
        latest.snapshot if latest else None, publishing.build_snapshot(congress), congress.tz
    )
    return render_template(
        "program/publish.html",
        pending=pending,
        conflicts=_conflict_views(detect_conflicts(congress)),
        acknowledged=set(request.form.getlist("acknowledge")),
        versions=get_versions(congress),
        book=book.book_status(congress),
    ), status


def _render_publish_preview(congress, acknowledged, status: int = 200, changed: bool = False):
    """The preview of publishing now, or the publish page when a conflict stands in the way."""
    try:
        preview = publishing.preview_publication(congress, acknowledged)
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return _render_publish_page(congress, exc.status)
    db.session.rollback()  # a preview writes nothing
    return render_template(
        "program/publish_preview.html",
        preview=preview,
        acknowledged=sorted(set(acknowledged)),
        changed=changed,
    ), status


@bp.route("/manage/program/publish", methods=["GET"])
@organizer_required
def publish():
    """The draft's conflicts and changes; the organizer previews before publishing."""
    return _render_publish_page(_congress())


@bp.route("/manage/program/publish/preview", methods=["POST"])
@organizer_required
def publish_preview():
    """Step one: what publishing now would change and who would be emailed. Sends nothing."""
    congress = _congress()
    return _render_publish_preview(congress, request.form.getlist("acknowledge"))


@bp.route("/manage/program/publish", methods=["POST"])
@organizer_required
def publish_confirm():
    """Step two: publish exactly the previewed draft, or show the new preview if it changed."""
    congress = _congress()
    acknowledged = request.form.getlist("acknowledge")
    token = request.form.get("preview_token", "")
    if not token:
        return _render_publish_preview(congress, acknowledged)
    try:
        version = publishing.publish_program(
            congress, current_user, acknowledged, preview_token=token
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        if exc.code == "publish_changed":
            flash(exc.message, "warning")
            return _render_publish_preview(congress, acknowledged, status=409, changed=True)
        flash(exc.message, "danger")
        return _render_publish_page(congress, exc.status)
    flash(_("Version %(number)s of the program is published.", number=version.number), "success")
    return redirect(url_for("program.publish"))


@bp.route("/manage/program/book/status")
@organizer_required
def book_status():
    """The program book's build as JSON (the publish page polls it while it is built)."""
    status = book.book_status(_congress())
    return {"book": status.as_dict() if status else None}


@bp.route("/manage/program/book/retry", methods=["POST"])
@organizer_required
def book_retry():
    """Queue the failed program book again, now."""
    try:
        book.retry_book_build(_congress())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("program.publish"))
    flash(_("The program book is queued again: the background worker builds it next."), "success")
    return redirect(url_for("program.publish"))


@bp.route("/manage/program/versions")
@organizer_required
def versions():
    congress = _congress()
    return render_template("program/versions.html", versions=get_versions(congress))


@bp.route("/manage/program/versions/<int:number>")
@organizer_required
def version_program(number: int):
    """An old (or the current) published version's program, read from its snapshot."""
    congress = _congress()
    version = get_version(congress, number)
    program = get_version_program(congress, number) if version is not None else None
    if program is None:
        abort(404, _("No published version with this number."))
    try:
        day = date.fromisoformat(request.args.get("day", "")) if request.args.get("day") else None
    except ValueError:
        day = None
    shown = [day] if day in program.sessions_by_day else ([] if day else program.days)
    current = latest_number(congress)
    return render_template(
        "program/version_program.html",
        version=version,
        program=program,
        day=day,
        days=[(d, program.sessions_by_day[d], program.day_cme(d)) for d in shown],
        now=utcnow(),
        is_current=current == number,
        current_number=current,
    )


#: Programs of large congresses are bigger than the app-wide upload limit.
IMPORT_MAX_BYTES = 32 * 1024 * 1024


def _import_count(key: str, value: int) -> str:
    if key == "tracks":
        return ngettext("%(num)d track", "%(num)d tracks", value)
    if key == "rooms":
        return ngettext("%(num)d room", "%(num)d rooms", value)
    if key == "sessions":
        return ngettext("%(num)d session", "%(num)d sessions", value)
    if key == "speakers":
        return ngettext("%(num)d person", "%(num)d people", value)
    if key == "presentations":
        return ngettext("%(num)d presentation", "%(num)d presentations", value)
    return ngettext("%(num)d skipped", "%(num)d skipped", value)


@bp.route("/manage/program/import", methods=["GET", "POST"])
@organizer_required
def import_program():
    congress = _congress()
    request.max_content_length = IMPORT_MAX_BYTES
    form = ImportForm()  # its own csrf_token field is still checked
    if form.validate_on_submit():
        try:
            counts = import_frab(congress, form.file.data.read(), replace=form.replace.data)
            db.session.commit()
        except DomainError as exc:
            db.session.rollback()
            show_domain_error(form, exc)
        else:
            flash(
                _(
                    "Imported: %(counts)s. Check the conflicts, then publish.",
                    counts=", ".join(
                        _import_count(key, value) for key, value in sorted(counts.items())
                    ),
                ),
                "success",
            )
            return redirect(url_for("program.schedule_editor"))
    return render_template("program/import.html", form=form), (422 if form.errors else 200)


# The app-wide CSRF check reads the body under the default size limit before the view can
# raise it; ImportForm (a FlaskForm) validates the CSRF token itself.
csrf.exempt(import_program)
