"""Public program pages (published version only), personal agendas and exports."""

from __future__ import annotations

import threading
import time
from datetime import date

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from conference.congresses.routing import congress_by_id, legacy_congress_resolver
from conference.extensions import db
from conference.i18n import current_language
from conference.models import utcnow
from conference.program import agenda as agenda_services
from conference.program import book
from conference.program.export_store import (
    EXPORTS,
    compress_gzip,
    content_etag,
    serve_export,
)
from conference.program.exports import build_agenda_ics
from conference.program.exports.notes import needs_not_accredited_label
from conference.program.exports.urls import PublicUrls
from conference.program.published import get_published_program
from conference.program.queries import get_current_congress
from conference.program.schedule_queries import get_agenda_session_ids
from conference.program.views import bp
from conference.urls import local_path
from conference.webcache import public_response

legacy_congress_resolver("token", endpoint="program.agenda_feed")(
    lambda token: congress_by_id(agenda_services.congress_id_of_feed(token))
)
legacy_congress_resolver("session_id")(
    lambda session_id: congress_by_id(agenda_services.congress_id_of_session(session_id))
)
legacy_congress_resolver("speaker_id")(
    lambda speaker_id: congress_by_id(agenda_services.congress_id_of_speaker(speaker_id))
)


def _program_or_404():
    congress = get_current_congress()
    if congress is None:
        abort(404, _("No congress is set up yet."))
    return congress, get_published_program(congress)


def _parse_day(value: str | None, program) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


#: Program pages rendered for anonymous visitors: (version, embargo state, epoch, query) ->
#: (etag, html, gzip). Every server renders the same page for the same published version,
#: so the key, not the server, decides what is served.
#: A page is also rendered again after PAGE_SECONDS, so a change outside the program (the
#: congress's name, a policy link in the footer) shows within minutes.
_PAGES: dict[tuple, tuple[float, str, bytes, bytes]] = {}
_PAGES_LOCK = threading.Lock()
_PAGES_PER_VERSION = 200
PAGE_SECONDS = 300


def _cacheable_for_everyone() -> bool:
    """An anonymous request with nothing personal to show (no flashed message)."""
    return not current_user.is_authenticated and not session.get("_flashes")


@bp.route("/program")
def public_program():
    _congress, program = _program_or_404()
    now = utcnow()
    if program is None or not _cacheable_for_everyone():
        return _render_public_program(program, now)
    key = (
        program.version_id,
        program.number,
        program.published_at,
        program.embargo_fingerprint,
        program.embargo_epoch(now),
        current_language(),
        tuple(sorted(request.args.items(multi=True))),
    )
    page = _PAGES.get(key)
    if page is None or time.monotonic() - page[0] > PAGE_SECONDS:
        html = _render_public_program(program, now).encode()
        etag = content_etag(repr(key).encode() + html)
        page = (time.monotonic(), etag, html, compress_gzip(html))
        with _PAGES_LOCK:
            for old in [k for k in _PAGES if k[:4] != key[:4]]:
                del _PAGES[old]  # another version or embargo state
            while len(_PAGES) >= _PAGES_PER_VERSION:
                del _PAGES[next(iter(_PAGES))]  # the oldest query
            _PAGES[key] = page
    _rendered_at, etag, html, packed = page
    return public_response(
        html,
        mimetype="text/html; charset=utf-8",
        etag=etag,
        last_modified=program.published_at,
        encoded={"gzip": packed},
    )


def _render_public_program(program, now):
    filters = {
        "day": request.args.get("day", ""),
        "track": request.args.get("track", ""),
        "room": request.args.get("room", type=int),
        "q": request.args.get("q", "").strip()[:200],
    }
    days = []
    if program is not None:
        day = _parse_day(filters["day"], program)
        sessions = program.filter_sessions(
            day=day, track=filters["track"] or None, room=filters["room"], q=filters["q"], now=now
        )
        by_day: dict = {}
        for s in sessions:
            by_day.setdefault(s["day"], []).append(s)
        days = [(d, by_day[d], program.day_cme(d)) for d in sorted(by_day)]
    return render_template(
        "program/public_program.html",
        program=program,
        days=days,
        filters=filters,
        now=now,
        urls=PublicUrls(external=False),
        starred=set(get_agenda_session_ids(current_user)),
        needs_not_accredited_label=needs_not_accredited_label,
    )


@bp.route("/program/sessions/<int:session_id>")
def public_session(session_id: int):
    congress, program = _program_or_404()
    s = program.session_by_id.get(session_id) if program else None
    if s is None:
        abort(404, _("This session is not in the published program."))
    from conference.cme.slides import session_disclosure

    people = {}
    for person in s["chair_people"] + s["discussant_people"]:
        people[person["id"]] = person
    for p in s["presentations"]:
        for person in p["speaker_people"]:
            people[person["id"]] = person
    return render_template(
        "program/public_session.html",
        program=program,
        s=s,
        people=list(people.values()),
        cme=session_disclosure(congress, s),
        now=utcnow(),
        urls=PublicUrls(external=False),
        starred=set(get_agenda_session_ids(current_user)),
    )


@bp.route("/program/speakers/<int:speaker_id>")
def public_speaker(speaker_id: int):
    _congress, program = _program_or_404()
    speaker = program.speakers.get(speaker_id) if program else None
    items = program.speaker_items.get(speaker_id) if program else None
    if speaker is None or not items:
        abort(404, _("This person is not in the published program."))
    return render_template(
        "program/public_speaker.html",
        program=program,
        speaker=speaker,
        items=items,
        now=utcnow(),
        urls=PublicUrls(external=False),
    )


@bp.route("/program/schedule.<any(ics, xml, json, csv, pdf):kind>")
def export(kind: str):
    congress = get_current_congress()
    if congress is None:
        abort(404, _("No congress is set up yet."))
    if kind == "pdf":
        return _program_book(congress)
    stored = serve_export(congress, kind)
    if stored is None:
        abort(404, _("The program is not published yet."))
    db.session.commit()  # an export built by this request is kept for the other workers
    _build, mimetype, filename = EXPORTS[kind]
    response = public_response(
        stored.content,
        mimetype=mimetype,
        etag=stored.etag,
        last_modified=stored.built_at,
        encoded={"gzip": stored.gzip, "br": lambda: stored.brotli},
    )
    if kind == "csv":
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _program_book(congress):
    """The stored program book (built by the worker); while the current one is built, the
    newest earlier book under the same embargo state, else a "being built" page (503)."""
    answer = book.serve_book(congress)
    if answer is None:
        abort(404, _("The program is not published yet."))
    if answer.export is None:
        response = Response(
            render_template(
                "program/book_pending.html",
                version=answer.version_number,
                retry_after=book.RETRY_AFTER_SECONDS,
            ),
            status=503,
            mimetype="text/html",
        )
        response.headers["Retry-After"] = str(book.RETRY_AFTER_SECONDS)
        response.headers["Cache-Control"] = "no-store"
        return response
    response = public_response(
        answer.export.content,
        mimetype=book.MIMETYPE,
        etag=answer.export.etag,
        last_modified=answer.export.built_at,
        encoded={},  # a PDF is compressed already
    )
    if not answer.is_current:
        # An earlier book while the current one is built: caches must ask again each time.
        response.headers["Cache-Control"] = "public, no-cache"
    response.headers["Content-Disposition"] = f'attachment; filename="{book.FILENAME}"'
    return response


@bp.route("/program/sessions/<int:session_id>/star", methods=["POST"])
@login_required
def star_session(session_id: int):
    if request.form.get("action") == "unstar":
        agenda_services.unstar_session(current_user, session_id)
        message = _("Removed from your agenda.")
    else:
        agenda_services.star_session(current_user, session_id)
        message = _("Added to your agenda.")
    db.session.commit()
    flash(message, "success")
    target = local_path(request.form.get("next"))
    return redirect(target or url_for("program.public_session", session_id=session_id))


@bp.route("/program/agenda")
@login_required
def my_agenda():
    _congress, program = _program_or_404()
    token = agenda_services.ensure_feed_token(current_user)
    db.session.commit()
    ids = get_agenda_session_ids(current_user)
    sessions = [program.session_by_id[i] for i in ids if program and i in program.session_by_id]
    sessions.sort(key=lambda s: s["start"])
    return render_template(
        "program/agenda.html",
        program=program,
        sessions=sessions,
        feed_url=url_for("program.agenda_feed", token=token, _external=True),
        urls=PublicUrls(external=False),
        now=utcnow(),
        starred=set(ids),
    )


@bp.route("/program/agenda/reset", methods=["POST"])
@login_required
def reset_agenda_feed():
    agenda_services.reset_feed_token(current_user)
    db.session.commit()
    flash(_("Your calendar feed has a new private address; the old one no longer works."), "info")
    return redirect(url_for("program.my_agenda"))


def _agenda_response(user, program, attachment: bool) -> Response:
    ids = get_agenda_session_ids(user)
    name = (
        _("%(congress)s: my agenda", congress=program.congress["short_name"])
        if program
        else _("My agenda")
    )
    body = build_agenda_ics(program, ids, utcnow(), name) if program else b""
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, no-store"
    if attachment:
        response.headers["Content-Disposition"] = 'attachment; filename="my-agenda.ics"'
    return response


@bp.route("/program/agenda.ics")
@login_required
def agenda_download():
    _congress, program = _program_or_404()
    return _agenda_response(current_user, program, attachment=True)


@bp.route("/program/agenda/<token>.ics")
def agenda_feed(token: str):
    _congress, program = _program_or_404()
    user = agenda_services.user_for_feed_token(token)
    if user is None:
        abort(404)
    return _agenda_response(user, program, attachment=False)
