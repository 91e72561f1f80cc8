"""API resources of the program domain: the published program (public) and the schedule
(organizers). Every session, presentation and speaker object carries `url`, its public page."""

from __future__ import annotations

from datetime import date

from flask import jsonify
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from conference.api.auth import bearer_user, organizer_token_required
from conference.api.schemas import CongressDateTime, Integer
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.models import utcnow
from conference.program import sessions as session_services
from conference.program.book import book_status, retry_book_build
from conference.program.conflicts import conflicts_touching, detect_conflicts
from conference.program.exports.urls import PublicUrls
from conference.program.published import get_published_program
from conference.program.publishing import (
    latest_version,
    preview_publication,
    publish_program,
    session_credits,
)
from conference.program.queries import get_current_congress
from conference.program.schedule_models import FORMAT_LABELS, SessionFormat
from conference.program.schedule_queries import get_abstract, get_session

blp = Blueprint("api_program", __name__, url_prefix="/api/v1", description="Program")


class SessionQuerySchema(Schema):
    day = fields.Date()
    track = fields.String()
    room = Integer()


class SessionInSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    format = fields.String(required=True, validate=validate.OneOf([f.value for f in SessionFormat]))
    track = fields.String(allow_none=True)
    room = Integer(allow_none=True)
    starts_at = CongressDateTime(required=True)
    ends_at = CongressDateTime(required=True)
    chairs = fields.List(fields.String(), load_default=list)
    discussants = fields.List(fields.String(), load_default=list)
    is_accredited = fields.Boolean(load_default=False)
    expected_audience = Integer(allow_none=True, validate=validate.Range(min=0, max=100_000))
    ticketed_seats = Integer(
        allow_none=True,
        validate=validate.Range(min=0, max=100_000),
        metadata={"description": "Only for sessions that need a ticket (null otherwise)."},
    )
    description = fields.String(load_default="")


class SessionPatchSchema(SessionInSchema):
    title = fields.String(validate=validate.Length(min=1, max=300))
    format = fields.String(validate=validate.OneOf([f.value for f in SessionFormat]))
    starts_at = CongressDateTime()
    ends_at = CongressDateTime()
    chairs = fields.List(fields.String())
    discussants = fields.List(fields.String())
    is_accredited = fields.Boolean()
    description = fields.String()


class PresentationInSchema(Schema):
    abstract = Integer()
    title = fields.String(validate=validate.Length(max=500))
    speakers = fields.List(fields.String(), load_default=list)
    starts_at = CongressDateTime(allow_none=True)
    ends_at = CongressDateTime(allow_none=True)
    board_number = fields.String(allow_none=True, validate=validate.Length(max=20))
    position = Integer(
        validate=validate.Range(min=0),
        metadata={"description": "Place in the session's order (default: at the end)."},
    )


#: The schedule editor's drag-and-drop calls validate with these same schemas.
SessionMoveSchema = SessionPatchSchema(partial=True, only=("room", "starts_at", "ends_at"))
EditorPresentationSchema = PresentationInSchema(only=("abstract", "position"))


class PresentationMoveSchema(Schema):
    session = Integer(required=True, metadata={"description": "The target session's id."})
    position = Integer(load_default=0, validate=validate.Range(min=0))


class PublishSchema(Schema):
    acknowledge = fields.List(fields.String(), load_default=list)
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "Return the preview (200): publish nothing, queue nothing."},
    )
    preview_token = fields.String(
        load_default=None,
        validate=validate.Length(equal=64),
        metadata={
            "description": "The `preview_token` of a dry run: publish exactly that preview, or "
            "409 (code publish_changed, with the new preview) when the draft or the latest "
            "version changed since. Optional: without it the draft is published as it is now."
        },
    )


# -- response schemas (document the bodies; dumping them returns the same JSON) ----------


def _datetime(**kwargs):
    """An ISO 8601 date-time already rendered as a string by the handler."""
    return fields.String(metadata={"format": "date-time"}, **kwargs)


def _url():
    return fields.String(metadata={"format": "uri", "description": "The public page."})


class PersonOutSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    affiliation = fields.String()
    url = _url()


class SectionOutSchema(Schema):
    heading = fields.String()
    text = fields.String()


class PublishedPresentationSchema(Schema):
    id = fields.Integer()
    url = _url()
    title = fields.String(
        metadata={"description": "“Abstract N (title embargoed)” until the title's release."}
    )
    abstract = fields.Integer(allow_none=True, metadata={"description": "The abstract's id."})
    starts_at = _datetime(allow_none=True)
    ends_at = _datetime(allow_none=True)
    board_number = fields.String(allow_none=True)
    speakers = fields.List(fields.Nested(PersonOutSchema))
    sections = fields.List(
        fields.Nested(SectionOutSchema),
        metadata={"description": "Single session only; empty until the text's release."},
    )


class RoomRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class PublishedSessionSchema(Schema):
    id = fields.Integer()
    url = _url()
    title = fields.String()
    format = fields.String(metadata={"enum": [f.value for f in SessionFormat]})
    track = fields.String(allow_none=True, metadata={"description": "The track's slug."})
    room = fields.Nested(RoomRefSchema, allow_none=True)
    starts_at = _datetime()
    ends_at = _datetime()
    is_accredited = fields.Boolean()
    cme_credits = fields.Float()
    ticketed_seats = fields.Integer(
        allow_none=True, metadata={"description": "Null: no ticket is needed."}
    )
    chairs = fields.List(fields.Nested(PersonOutSchema))
    discussants = fields.List(fields.Nested(PersonOutSchema))
    presentations = fields.List(fields.Nested(PublishedPresentationSchema))
    description = fields.String(metadata={"description": "Single session only."})


class ProgramDaySchema(Schema):
    date = fields.Date()
    sessions = fields.Integer(metadata={"description": "Sessions that day."})
    cme_offered = fields.Float(
        metadata={"description": "Sum of the credits of every accredited session that day."}
    )
    cme_claimable = fields.Float(
        metadata={
            "description": "The most one attendee can earn that day: sessions held at the "
            "same time count once."
        }
    )


class ProgramDaysSchema(Schema):
    version = fields.Integer(allow_none=True)
    days = fields.List(fields.Nested(ProgramDaySchema))


class PublishedSessionListSchema(Schema):
    version = fields.Integer(
        allow_none=True, metadata={"description": "The published version (null before any)."}
    )
    sessions = fields.List(fields.Nested(PublishedSessionSchema))


class ConflictObjectSchema(Schema):
    type = fields.String(
        metadata={"enum": ["session", "presentation", "speaker", "abstract", "room"]}
    )
    id = fields.Integer()
    label = fields.String()


class ConflictSchema(Schema):
    kind = fields.String()
    key = fields.String(metadata={"description": "Stable: acknowledge it by this key."})
    message = fields.String()
    blocking = fields.Boolean(
        metadata={"description": "Cannot be acknowledged: fix it before publishing."}
    )
    objects = fields.List(fields.Nested(ConflictObjectSchema))


class ConflictListSchema(Schema):
    count = fields.Integer()
    conflicts = fields.List(fields.Nested(ConflictSchema))


class LivePersonSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    email = fields.String(allow_none=True)
    url = _url()


class LivePresentationSchema(Schema):
    id = fields.Integer()
    url = _url()
    abstract = fields.Integer(allow_none=True)
    title = fields.String()
    starts_at = _datetime(allow_none=True)
    ends_at = _datetime(allow_none=True)
    board_number = fields.String(allow_none=True)
    speakers = fields.List(fields.Nested(LivePersonSchema))


class LiveSessionSchema(Schema):
    """A session of the schedule being edited (not necessarily published)."""

    id = fields.Integer()
    url = _url()
    title = fields.String()
    format = fields.String(metadata={"enum": [f.value for f in SessionFormat]})
    format_label = fields.String()
    track = fields.String(allow_none=True)
    room = fields.Integer(allow_none=True, metadata={"description": "The room's id."})
    starts_at = _datetime()
    ends_at = _datetime()
    is_accredited = fields.Boolean()
    cme_credits = fields.Float()
    expected_audience = fields.Integer(allow_none=True)
    ticketed_seats = fields.Integer(allow_none=True)
    description = fields.String()
    chairs = fields.List(fields.Nested(LivePersonSchema))
    discussants = fields.List(fields.Nested(LivePersonSchema))
    presentations = fields.List(fields.Nested(LivePresentationSchema))
    warnings = fields.List(
        fields.Nested(ConflictSchema), metadata={"description": "Conflicts touching it."}
    )


class AddedPresentationSchema(LiveSessionSchema):
    presentation = fields.Nested(LivePresentationSchema, metadata={"description": "The new one."})


class DeletedSchema(Schema):
    deleted = fields.Integer()
    warnings = fields.List(fields.Nested(ConflictSchema))


class ChangeSchema(Schema):
    kind = fields.String()
    message = fields.String()
    session = fields.Integer()
    presentation = fields.Integer()


class BookStatusSchema(Schema):
    """The program book (PDF) of the latest version, built by the background worker."""

    status = fields.String(
        metadata={"enum": ["queued", "building", "ready", "failed"]},
    )
    version = fields.Integer(metadata={"description": "The version the book is of."})
    done = fields.Integer(metadata={"description": "Sessions laid out so far."})
    total = fields.Integer(metadata={"description": "Sessions in the book (0 until started)."})
    attempts = fields.Integer()
    max_attempts = fields.Integer(
        metadata={"description": "The worker retries a failed build (with backoff) this often."}
    )
    error = fields.String(allow_none=True, metadata={"description": "Why the last try failed."})
    next_attempt_at = _datetime(allow_none=True)
    queued_at = _datetime(allow_none=True)
    built_at = _datetime(allow_none=True)
    size = fields.Integer(metadata={"description": "Bytes of the PDF once ready."})
    can_retry = fields.Boolean(metadata={"description": "POST /program/book/retry may retry it."})
    message = fields.String()


class PublishResultSchema(Schema):
    version = fields.Integer()
    published_at = _datetime()
    changes = fields.List(fields.Nested(ChangeSchema))
    acknowledged = fields.List(fields.Nested(ConflictSchema))
    messages = fields.Integer(metadata={"description": "Emails queued, one per person affected."})
    book = fields.Nested(BookStatusSchema, metadata={"description": "Queued for the worker."})


class PublishStatusSchema(Schema):
    version = fields.Integer(allow_none=True, metadata={"description": "None: not published."})
    published_at = _datetime(allow_none=True)
    book = fields.Nested(BookStatusSchema, allow_none=True)


class PublishEmailSchema(Schema):
    """One email a publication would queue: one per person, listing their own changes."""

    recipient = fields.String(metadata={"description": "The email address."})
    name = fields.String()
    template = fields.String(metadata={"enum": ["program/placed", "program/schedule_changed"]})
    summary = fields.String(metadata={"description": "E.g. “1 newly placed, 1 moved”."})
    placed = fields.List(fields.String())
    moved = fields.List(fields.String())
    removed = fields.List(fields.String())
    sessions_moved = fields.List(
        fields.String(), metadata={"description": "Sessions they chair or discuss that moved."}
    )


class PublishSampleSchema(Schema):
    template = fields.String()
    subject = fields.String()
    text = fields.String()


class PublishPreviewSchema(Schema):
    version = fields.Integer(metadata={"description": "The number the version would get."})
    previous_version = fields.Integer(allow_none=True)
    summary = fields.String()
    changes = fields.List(fields.Nested(ChangeSchema))
    acknowledged = fields.List(fields.Nested(ConflictSchema))
    message_count = fields.Integer()
    by_template = fields.Dict(keys=fields.String(), values=fields.Integer())
    emails = fields.List(fields.Nested(PublishEmailSchema))
    samples = fields.List(fields.Nested(PublishSampleSchema))
    preview_token = fields.String(metadata={"description": "Send back to publish this preview."})


class PublishDryRunSchema(Schema):
    dry_run = fields.Boolean()
    preview = fields.Nested(PublishPreviewSchema)


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return congress


# -- published (public) --------------------------------------------------------------------


def _person(person: dict, urls: PublicUrls) -> dict:
    return {
        "id": person["id"],
        "name": person["name"],
        "affiliation": person["affiliation"],
        "url": urls.speaker(person["id"]),
    }


def _published_session(program, s: dict, urls: PublicUrls, now, *, full: bool) -> dict:
    item = {
        "id": s["id"],
        "url": urls.session(s["id"]),
        "title": s["title"],
        "format": s["format"],
        "track": s["track"]["slug"] if s["track"] else None,
        "room": {"id": s["room"]["id"], "name": s["room"]["name"]} if s["room"] else None,
        "starts_at": s["start"].isoformat(),
        "ends_at": s["end"].isoformat(),
        "is_accredited": s["is_accredited"],
        "cme_credits": s["cme_credits"],
        "ticketed_seats": s["ticketed_seats"],
        "chairs": [_person(p, urls) for p in s["chair_people"]],
        "discussants": [_person(p, urls) for p in s["discussant_people"]],
        "presentations": [],
    }
    for p in s["presentations"]:
        presentation = {
            "id": p["id"],
            "url": urls.presentation(s["id"], p["id"]),
            "title": program.public_title(p, now),
            "abstract": p["abstract_id"] if program.title_public(p, now) else None,
            "starts_at": p["start"].isoformat() if p["start"] else None,
            "ends_at": p["end"].isoformat() if p["end"] else None,
            "board_number": p["board_number"],
            "speakers": [_person(x, urls) for x in p["speaker_people"]],
        }
        if full:
            presentation["sections"] = [
                {"heading": name, "text": text} for name, text in program.public_sections(p, now)
            ]
        item["presentations"].append(presentation)
    if full:
        item["description"] = s["description"]
    return item


@blp.route("/sessions", methods=["GET"])
@blp.arguments(SessionQuerySchema, location="query")
@blp.response(200, PublishedSessionListSchema)
def list_sessions(query):
    """Sessions of the published program, filtered by day (congress time zone), track, room."""
    program = get_published_program(_congress())
    if program is None:
        return {"version": None, "sessions": []}
    now, urls = utcnow(), PublicUrls()
    day: date | None = query.get("day")
    sessions = program.filter_sessions(day=day, track=query.get("track"), room=query.get("room"))
    return {
        "version": program.number,
        "sessions": [_published_session(program, s, urls, now, full=False) for s in sessions],
    }


@blp.route("/sessions/<int:session_id>", methods=["GET"])
@blp.response(200, PublishedSessionSchema)
def get_published_session(session_id: int):
    """One session of the published program with its presentations (abstract text after
    its embargo)."""
    program = get_published_program(_congress())
    s = program.session_by_id.get(session_id) if program else None
    if s is None:
        abort(404, message="This session is not in the published program.")
    return _published_session(program, s, PublicUrls(), utcnow(), full=True)


@blp.route("/program/days", methods=["GET"])
@blp.response(200, ProgramDaysSchema)
def list_program_days():
    """Days of the published program with their CME figures: credits offered and the most
    one attendee can claim."""
    program = get_published_program(_congress())
    if program is None:
        return {"version": None, "days": []}
    days = []
    for day in program.days:
        cme = program.day_cme(day)
        days.append(
            {
                "date": day,
                "sessions": len(program.sessions_by_day[day]),
                "cme_offered": cme.offered,
                "cme_claimable": cme.claimable,
            }
        )
    return {"version": program.number, "days": days}


# -- the schedule (organizers) -------------------------------------------------------------


def _live_person(speaker, urls) -> dict:
    return {
        "id": speaker.id,
        "name": speaker.name,
        "email": speaker.email,
        "url": urls.speaker(speaker.id),
    }


def _live_session(session, urls, conflicts=None) -> dict:
    body = {
        "id": session.id,
        "url": urls.session(session.id),
        "title": session.title,
        "format": str(session.format),
        "format_label": str(FORMAT_LABELS.get(session.format, "")),
        "track": session.track.slug if session.track else None,
        "room": session.room_id,
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "is_accredited": session.is_accredited,
        "cme_credits": session_credits(
            session.format, session.is_accredited, session.starts_at, session.ends_at
        ),
        "expected_audience": session.expected_audience,
        "ticketed_seats": session.ticketed_seats,
        "description": session.description,
        "chairs": [_live_person(s, urls) for s in session.chairs],
        "discussants": [_live_person(s, urls) for s in session.discussants],
        "presentations": [
            {
                "id": p.id,
                "url": urls.presentation(session.id, p.id),
                "abstract": p.abstract_id,
                "title": p.display_title,
                "starts_at": p.starts_at.isoformat() if p.starts_at else None,
                "ends_at": p.ends_at.isoformat() if p.ends_at else None,
                "board_number": p.board_number,
                "speakers": [_live_person(link.speaker, urls) for link in p.speakers],
            }
            for p in session.presentations
        ],
    }
    if conflicts is not None:
        body["warnings"] = [c.as_dict() for c in conflicts_touching(conflicts, session)]
    return body


def _session_or_404(congress, session_id):
    session = get_session(congress, session_id)
    if session is None:
        abort(404, message="No session with this id.")
    return session


def _reloaded(congress, session_id):
    db.session.expire_all()
    return _live_session(
        get_session(congress, session_id), PublicUrls(), detect_conflicts(congress)
    )


@blp.route("/sessions", methods=["POST"])
@organizer_token_required
@blp.arguments(SessionInSchema)
@blp.response(201, LiveSessionSchema)
@blp.doc(security=[{"bearerAuth": []}])
def create_session(payload):
    """Add a session (organizers). Overlaps are saved and returned as `warnings`."""
    congress = _congress()
    session = session_services.create_session(congress, **payload)
    db.session.commit()
    return _reloaded(congress, session.id), 201


@blp.route("/sessions/<int:session_id>", methods=["PATCH"])
@organizer_token_required
@blp.arguments(SessionPatchSchema(partial=True))
@blp.response(200, LiveSessionSchema)
@blp.doc(security=[{"bearerAuth": []}])
def patch_session(payload, session_id: int):
    """Move, resize or edit a session (organizers); returns the warnings touching it."""
    congress = _congress()
    session = _session_or_404(congress, session_id)
    session_services.update_session(session, **payload)
    db.session.commit()
    return _reloaded(congress, session_id)


@blp.route("/sessions/<int:session_id>", methods=["DELETE"])
@organizer_token_required
@blp.response(200, DeletedSchema)
@blp.doc(security=[{"bearerAuth": []}])
def delete_session(session_id: int):
    """Delete a session and its presentations (organizers)."""
    congress = _congress()
    session = _session_or_404(congress, session_id)
    session_services.delete_session(session)
    db.session.commit()
    return {"deleted": session_id, "warnings": []}


@blp.route("/sessions/<int:session_id>/presentations", methods=["POST"])
@organizer_token_required
@blp.arguments(PresentationInSchema)
@blp.response(201, AddedPresentationSchema)
@blp.doc(security=[{"bearerAuth": []}])
def add_presentation(payload, session_id: int):
    """Place an accepted abstract (or an invited talk) in a session (organizers); 422 if the
    abstract is not accepted or the times fall outside the session."""
    congress = _congress()
    session = _session_or_404(congress, session_id)
    abstract = None
    if payload.get("abstract") is not None:
        abstract = get_abstract(congress, payload["abstract"])
        if abstract is None:
            raise ValidationFailed("No such abstract.", fields={"abstract": ["Unknown abstract."]})
    elif not payload.get("title"):
        raise ValidationFailed(
            "Give an accepted abstract, or the title of an invited talk.",
            fields={"abstract": ["Required unless a title is given."]},
        )
    presentation = session_services.add_presentation(
        session,
        abstract=abstract,
        title=payload.get("title") or "",
        speakers=payload.get("speakers") or [],
        starts_at=payload.get("starts_at"),
        ends_at=payload.get("ends_at"),
        board_number=payload.get("board_number"),
        position=payload.get("position"),
    )
    db.session.commit()
    body = _reloaded(congress, session_id)
    body["presentation"] = next(p for p in body["presentations"] if p["id"] == presentation.id)
    return body, 201


@blp.route("/program/conflicts", methods=["GET"])
@organizer_token_required
@blp.response(200, ConflictListSchema)
@blp.doc(security=[{"bearerAuth": []}])
def list_conflicts():
    """Every conflict of the current schedule: kind, key, objects involved and a message."""
    conflicts = detect_conflicts(_congress())
    return {"count": len(conflicts), "conflicts": [c.as_dict() for c in conflicts]}


def publish_preview_json(preview) -> dict:
    return {
        "version": preview.number,
        "previous_version": preview.previous_number,
        "summary": preview.summary,
        "changes": preview.changes,
        "acknowledged": [c.as_dict() for c in preview.conflicts],
        "message_count": preview.message_count,
        "by_template": preview.by_template,
        "emails": [
            {"recipient": n.email, **{k: v for k, v in n.as_dict().items() if k != "email"}}
            for n in preview.notices
        ],
        "samples": [
            {"template": template, "subject": subject, "text": text}
            for template, (subject, text) in preview.samples.items()
        ],
        "preview_token": preview.token,
    }


@blp.route("/program/publish", methods=["POST"])
@organizer_token_required
@blp.arguments(PublishSchema)
@blp.response(201, PublishResultSchema)
@blp.alt_response(
    200, schema=PublishDryRunSchema, description="dry_run: what would be published and sent."
)
@blp.doc(security=[{"bearerAuth": []}])
def publish(payload):
    """Publish a new version and email everyone whose part changed; `dry_run` only previews.

    409 listing the conflicts not acknowledged (by `key`). With a `preview_token` from a dry
    run, exactly that preview is published, or 409 (code publish_changed) with the new preview.
    """
    congress = _congress()
    if payload["dry_run"]:
        preview = preview_publication(congress, payload["acknowledge"])
        body = {"dry_run": True, "preview": publish_preview_json(preview)}
        db.session.rollback()  # a preview writes nothing
        return jsonify(body), 200
    try:
        version = publish_program(
            congress, bearer_user(), payload["acknowledge"], preview_token=payload["preview_token"]
        )
    except Conflict as exc:
        db.session.rollback()
        if exc.code != "publish_changed":
            raise
        body = publish_preview_json(preview_publication(congress, payload["acknowledge"]))
        db.session.rollback()
        raise Conflict(exc.message, code=exc.code, preview=body) from None
    db.session.commit()
    status = book_status(congress)
    return {
        "version": version.number,
        "published_at": version.published_at.isoformat(),
        "changes": version.changes,
        "acknowledged": version.acknowledged,
        "messages": version.messages_queued,
        "book": status.as_dict() if status else None,
    }, 201


@blp.route("/program/publish", methods=["GET"])
@organizer_token_required
@blp.response(200, PublishStatusSchema)
@blp.doc(security=[{"bearerAuth": []}])
def publish_status():
    """The latest published version and its program book's build (queued, building n of m
    sessions, ready, or failed with the error)."""
    congress = _congress()
    latest = latest_version(congress)
    status = book_status(congress)
    return {
        "version": latest.number if latest else None,
        "published_at": latest.published_at.isoformat() if latest else None,
        "book": status.as_dict() if status else None,
    }


@blp.route("/program/book/retry", methods=["POST"])
@organizer_token_required
@blp.response(202, BookStatusSchema)
@blp.doc(security=[{"bearerAuth": []}])
def retry_book():
    """Queue the program book again after its build failed; 409 (book_not_failed) otherwise."""
    congress = _congress()
    retry_book_build(congress)
    db.session.commit()
    return book_status(congress).as_dict()
