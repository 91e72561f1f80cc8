"""The schedule editor's day grid: the page (zoom, compact mode, room and track filters, all GET
parameters), the move form (the keyboard and no-JavaScript path of a drag) and the calls of the
drag-and-drop editor. A change answers with the re-rendered blocks of the sessions it touched
(the same partial as the page), so the grid is updated without reloading the page."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from conference.api.program import (
    EditorPresentationSchema,
    PresentationMoveSchema,
    SessionMoveSchema,
)
from conference.errors import DomainError, ValidationFailed
from conference.extensions import db
from conference.program import sessions as session_services
from conference.program.conflicts import conflicts_touching, detect_conflicts
from conference.program.editor_grid import ZOOM_LABELS, EditorView, Grid, flagged_sessions
from conference.program.forms import SessionMoveForm
from conference.program.queries import get_rooms, get_tracks, is_id
from conference.program.schedule_models import FORMAT_LABELS, SessionFormat
from conference.program.schedule_queries import (
    count_unscheduled_abstracts,
    get_abstract,
    get_day_session_times,
    get_presentation,
    get_session,
    get_sessions,
    get_sessions_by_ids,
    get_unscheduled_abstracts,
)
from conference.program.schedule_views import _conflict_views, _congress, _days, _payload
from conference.program.views import bp
from conference.security import organizer_required
from conference.timeutil import local_to_utc, to_local
from conference.webforms import show_domain_error


def _view(congress, args, rooms=None, tracks=None) -> EditorView:
    """The view named by `args`, without filter values naming no room or track of the congress."""
    rooms = get_rooms(congress) if rooms is None else rooms
    tracks = get_tracks(congress) if tracks is None else tracks
    view = EditorView.from_args(args, _days(congress))
    return view.known([r.id for r in rooms], [t.id for t in tracks])


# -- the page ---------------------------------------------------------------------------------


@bp.route("/manage/program")
@organizer_required
def schedule_editor():
    congress = _congress()
    rooms = get_rooms(congress)
    tracks = get_tracks(congress)
    view = _view(congress, request.args, rooms, tracks)
    sessions = get_sessions(congress, view.day)
    grid = Grid.for_day(
        view.day, congress.tz, [(s.starts_at, s.ends_at) for s in sessions], view.px_per_minute
    )
    conflicts = detect_conflicts(congress)
    flagged = flagged_sessions(conflicts)
    shown_rooms = [room for room in rooms if view.shows_room(room.id)]
    blocks: dict = {room.id: [] for room in shown_rooms}
    unplaced, hidden = [], 0
    for s in sessions:
        if not view.shows_track(s.track_id):
            hidden += 1
        elif s.room_id is None:
            unplaced.append(grid.block(s, s.id in flagged))
        elif s.room_id in blocks:
            blocks[s.room_id].append(grid.block(s, s.id in flagged))
        else:
            hidden += 1
    return render_template(
        "program/editor.html",
        view=view,
        days=_days(congress),
        grid=grid,
        all_rooms=rooms,
        rooms=shown_rooms,
        tracks=tracks,
        zooms=ZOOM_LABELS,
        blocks=blocks,
        unplaced=unplaced,
        hidden=hidden,
        conflicts=_conflict_views(conflicts),
        unscheduled=get_unscheduled_abstracts(congress),
        day_sessions=[s for s in sessions if s.format != SessionFormat.BREAK],
        format_labels=FORMAT_LABELS,
    )


# -- fragments ---------------------------------------------------------------------------------


def _blocks(congress, view: EditorView, session_ids, flagged: set[int], always=()) -> tuple:
    """The re-rendered block of each session this view shows; for those of `always` it does
    not show (any more: another day, a room or track filtered out, no room), html None."""
    day_sessions = get_day_session_times(congress, view.day)
    grid = Grid.for_day(
        view.day, congress.tz, [(start, end) for _, start, end in day_sessions], view.px_per_minute
    )
    on_day = {session_id for session_id, _, _ in day_sessions}
    session_ids = {i for i in session_ids if i in on_day or i in always}
    sessions = {s.id: s for s in get_sessions_by_ids(congress, session_ids)}
    blocks = []
    for session_id in sorted(session_ids):
        session = sessions.get(session_id)
        shown = (
            session is not None
            and session.room_id is not None
            and grid.shows(session)
            and view.shows_room(session.room_id)
            and view.shows_track(session.track_id)
        )
        if not shown and session_id not in always:
            continue
        html = (
            render_template(
                "program/_session_block.html",
                b=grid.block(session, session_id in flagged),
                view=view,
            )
            if shown
            else None
        )
        blocks.append(
            {
                "session_id": session_id,
                "room_id": session.room_id if session is not None else None,
                "html": html,
            }
        )
    return blocks, grid


def _layout(grid: Grid) -> dict:
    return {"first_hour": grid.first_hour, "last_hour": grid.last_hour}


def _flagged_before(congress) -> set[int]:
    """The sessions marked as in conflict before a change. The page's script sends the marks it
    shows (`flagged=1,2`, empty for none), which saves detecting every conflict twice; without
    them (the form without JavaScript, other callers) they are detected."""
    hint = request.args.get("flagged")
    if hint is None:
        return flagged_sessions(detect_conflicts(congress))
    return {int(v) for v in hint.split(",") if v.strip().isdigit() and is_id(int(v))}


def _changed(congress, view, moved_ids, flagged_before: set[int], session=None, **extra):
    """200: the blocks of the moved sessions and of those whose conflict mark changed, the
    re-rendered conflict list, and the warnings touching `session`."""
    conflicts = detect_conflicts(congress)
    flagged = flagged_sessions(conflicts)
    blocks, grid = _blocks(
        congress, view, set(moved_ids) | (flagged ^ flagged_before), flagged, always=moved_ids
    )
    touching = conflicts_touching(conflicts, session) if session is not None else conflicts
    return jsonify(
        {
            "ok": True,
            "warnings": [c.as_dict() for c in touching],
            "conflicts": len(conflicts),
            "conflicts_html": render_template(
                "program/_conflicts.html", conflicts=_conflict_views(conflicts)
            ),
            "blocks": blocks,
            "grid": _layout(grid),
            **extra,
        }
    )


def _refused(exc: DomainError, congress, view, session_ids, flagged: set[int]):
    """The service's refusal (its status, 409 or 422, and message) with the unchanged blocks
    (`flagged`: the marks before the change), so the page can put back what the drag moved."""
    db.session.rollback()
    blocks, grid = _blocks(congress, view, set(session_ids), flagged, always=session_ids)
    body = {
        "error": {
            "status": exc.status,
            "code": exc.code,
            "message": exc.message,
            "fields": exc.fields,
        },
        "blocks": blocks,
        "grid": _layout(grid),
    }
    return jsonify(body), exc.status


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


# -- the move form (keyboard and no-JavaScript path; the page's JS posts it with fetch) -------


@bp.route("/manage/program/sessions/<int:session_id>/move", methods=["GET", "POST"])
@organizer_required
def move_session(session_id: int):
    congress = _congress()
    session = get_session(congress, session_id)
    if session is None:
        abort(404)
    rooms = get_rooms(congress)
    view = _view(congress, request.args, rooms)  # the form's own "room" is the target room
    form = SessionMoveForm()
    form.room.choices = [(room.id, room.name) for room in rooms]
    if request.method == "GET":
        form.room.data = session.room_id
        form.starts_at.data = to_local(session.starts_at, congress.tz).replace(tzinfo=None)
        form.ends_at.data = to_local(session.ends_at, congress.tz).replace(tzinfo=None)
    wants_json = _wants_json()
    if form.validate_on_submit():
        before = _flagged_before(congress) if wants_json else set()
        changes = {
            "room": form.room.data,
            "starts_at": local_to_utc(form.starts_at.data, congress.tz),
        }
        if form.ends_at.data:
            changes["ends_at"] = local_to_utc(form.ends_at.data, congress.tz)
        try:
            session_services.update_session(session, **changes)
            db.session.commit()
        except DomainError as exc:
            if wants_json:
                return _refused(exc, congress, view, [session_id], before)
            db.session.rollback()
            session = get_session(congress, session_id)
            show_domain_error(form, exc)
        else:
            if wants_json:
                return _changed(
                    congress, view, [session_id], before, session, message=_("Session moved.")
                )
            flash(_("Session moved."), "success")
            return redirect(
                url_for("program.schedule_editor", **view.args(), _anchor=f"session-{session_id}")
            )
    elif request.method == "POST" and wants_json:
        fields = {name: list(messages) for name, messages in form.errors.items()}
        refusal = ValidationFailed(_("Please correct the highlighted fields."), fields=fields)
        return _refused(refusal, congress, view, [session_id], _flagged_before(congress))
    return render_template("program/move_session.html", form=form, session=session, view=view), (
        422 if form.errors else 200
    )


# -- JSON calls from the drag-and-drop editor (CSRF token in the X-CSRFToken header; the view
# -- of the page in the query string, so that the returned blocks fit its grid) ---------------


@bp.route("/manage/program/editor/sessions/<int:session_id>/move", methods=["POST"])
@organizer_required
def editor_move_session(session_id: int):
    congress = _congress()
    session = get_session(congress, session_id)
    if session is None:
        abort(404)
    view = _view(congress, request.args)
    before = _flagged_before(congress)
    try:
        changes = _payload(SessionMoveSchema)
        session_services.update_session(session, **changes)
        db.session.commit()
    except DomainError as exc:
        return _refused(exc, congress, view, [session_id], before)
    return _changed(congress, view, [session_id], before, session)


@bp.route("/manage/program/editor/sessions/<int:session_id>/presentations", methods=["POST"])
@organizer_required
def editor_add_presentation(session_id: int):
    congress = _congress()
    session = get_session(congress, session_id)
    if session is None:
        abort(404)
    view = _view(congress, request.args)
    before = _flagged_before(congress)
    try:
        payload = _payload(EditorPresentationSchema)
        abstract = get_abstract(congress, payload.get("abstract"))
        if abstract is None:
            raise ValidationFailed(
                _("No such abstract in this congress."),
                fields={"abstract": [_("Unknown abstract.")]},
            )
        session_services.add_presentation(
            session, abstract=abstract, position=payload.get("position", 0)
        )
        db.session.commit()
    except DomainError as exc:
        return _refused(exc, congress, view, [session_id], before)
    return _changed(
        congress,
        view,
        [session_id],
        before,
        session,
        unscheduled=count_unscheduled_abstracts(congress),
    )


@bp.route("/manage/program/editor/presentations/<int:presentation_id>/move", methods=["POST"])
@organizer_required
def editor_move_presentation(presentation_id: int):
    congress = _congress()
    presentation = get_presentation(congress, presentation_id)
    if presentation is None:
        abort(404)
    view = _view(congress, request.args)
    source_id = presentation.session_id
    touched = [source_id]
    before = _flagged_before(congress)
    try:
        payload = _payload(PresentationMoveSchema())
        target = get_session(congress, payload["session"])
        if target is None:
            raise ValidationFailed(
                _("No such session in this congress."), fields={"session": [_("Unknown session.")]}
            )
        touched.append(target.id)
        session_services.move_presentation(presentation, target, payload["position"])
        db.session.commit()
    except DomainError as exc:
        return _refused(exc, congress, view, touched, before)
    return _changed(congress, view, touched, before, target)
