"""API of CME disclosures: a person's own disclosure (account token or signed link) and the
CME officer's review and mitigation of each relationship."""

from __future__ import annotations

from functools import wraps

from flask import Response, jsonify, request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from conference.abstracts.models import DISCLOSURE_TYPES
from conference.api.auth import bearer_user, organizer_token_required
from conference.api.schemas import Integer
from conference.cme import attendance, bulk, certificates, evaluations, queries, services
from conference.cme.models import (
    CONGRESS_QUESTIONS,
    SESSION_QUESTIONS,
    Mitigation,
    OwnerException,
    Relevance,
    can_review_disclosures,
)
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.program.queries import get_current_congress
from conference.registration.queries import get_active_registrations_by_email
from conference.security import mark_personal

blp = Blueprint("api_cme", __name__, url_prefix="/api/v1", description="CME disclosures")
SECURITY = [{"bearerAuth": []}]
LINK_HELP = (
    "Without a Bearer token, the signed token of the person's disclosure link "
    "(`?token=`, the last part of the emailed link) identifies them."
)


class CmeRelationshipIn(Schema):
    company = fields.String(required=True, validate=validate.Length(min=1, max=200))
    nature = fields.String(required=True, validate=validate.OneOf(DISCLOSURE_TYPES))
    started_on = fields.Date(required=True)
    ended_on = fields.Date(load_default=None, allow_none=True)


class CmeDisclosureIn(Schema):
    nothing_to_disclose = fields.Boolean(load_default=False)
    #: The ineligible company the person owns or works for ("" none; absent: unchanged).
    owner_employee_of = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=200)
    )
    relationships = fields.List(
        fields.Nested(CmeRelationshipIn), load_default=list, validate=validate.Length(max=50)
    )


class CmeReviewIn(Schema):
    relationship_id = Integer(required=True, strict=True)
    relevance = fields.String(
        required=True,
        validate=validate.OneOf([Relevance.NOT_RELEVANT.value, Relevance.RELEVANT.value]),
    )
    mitigation = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf([m.value for m in Mitigation]),
    )
    peer_reviewer = fields.String(load_default="", validate=validate.Length(max=200))
    note = fields.String(load_default="", validate=validate.Length(max=2000))


class CmeRelationshipOut(Schema):
    id = Integer()
    company = fields.String()
    nature = fields.String()
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)


class CmeReviewedRelationshipOut(CmeRelationshipOut):
    relevance = fields.String()
    mitigation = fields.String(allow_none=True)
    peer_reviewer = fields.String()
    note = fields.String()
    reviewed_by = fields.String(allow_none=True)
    reviewed_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class CmeDisclosureOut(Schema):
    id = Integer()
    name = fields.String()
    nothing_to_disclose = fields.Boolean()
    submitted_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    closes_at = fields.String(metadata={"format": "date-time"})
    owner_employee_of = fields.String()
    relationships = fields.List(fields.Nested(CmeRelationshipOut))


class CmeMitigationOut(Schema):
    id = Integer()
    name = fields.String()
    email = fields.String()
    nothing_to_disclose = fields.Boolean()
    submitted_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    is_cleared = fields.Boolean()
    owner_employee_of = fields.String()
    #: The allowed case recorded by the CME officer (ACCME Standard 3), with who and when.
    owner_exception = fields.String(allow_none=True)
    owner_exception_by = fields.String(allow_none=True)
    owner_exception_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    relationships = fields.List(fields.Nested(CmeReviewedRelationshipOut))


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return congress


def _own_disclosure(congress, *, create: bool):
    """The caller's disclosure: by their signed link token, else by their API token's account."""
    token = request.args.get("token")
    if token:
        try:
            return services.disclosure_for_token(congress, token)
        except services.DeadLink as dead:
            if dead.expired:
                abort(410, message="This disclosure link has expired: ask for a new one.")
            abort(404, message="This disclosure link is not valid.")
    user = bearer_user()
    if user is None:
        abort(401)
    disclosure = queries.get_disclosure_by_email(congress, user.email)
    if disclosure is None:
        person = queries.get_required_person(congress, user.email)
        if person is None:
            abort(404, message="You hold no role at this congress that requires a disclosure.")
        if not create:
            return None
        disclosure = services.ensure_disclosure(congress, person.email, person.name, user.id)
    return disclosure


def _own_json(congress, disclosure) -> dict:
    return {
        "id": disclosure.id,
        "name": disclosure.name,
        "nothing_to_disclose": disclosure.nothing_to_disclose,
        "submitted_at": disclosure.submitted_at.isoformat() if disclosure.submitted_at else None,
        "closes_at": queries.disclosure_closes_at(congress, disclosure.email).isoformat(),
        "owner_employee_of": disclosure.owner_employee_of,
        "relationships": [
            {
                "id": r.id,
                "company": r.company,
                "nature": r.nature,
                "started_on": r.started_on.isoformat(),
                "ended_on": r.ended_on.isoformat() if r.ended_on else None,
            }
            for r in disclosure.relationships
        ],
    }


def _review_json(disclosure) -> dict:
    return {
        "id": disclosure.id,
        "name": disclosure.name,
        "email": disclosure.email,
        "nothing_to_disclose": disclosure.nothing_to_disclose,
        "submitted_at": disclosure.submitted_at.isoformat() if disclosure.submitted_at else None,
        "is_cleared": disclosure.is_cleared,
        "owner_employee_of": disclosure.owner_employee_of,
        "owner_exception": disclosure.owner_exception,
        "owner_exception_by": disclosure.owner_exception_by_name or None,
        "owner_exception_at": disclosure.owner_exception_at.isoformat()
        if disclosure.owner_exception_at
        else None,
        "relationships": [
            {
                "id": r.id,
                "company": r.company,
                "nature": r.nature,
                "started_on": r.started_on.isoformat(),
                "ended_on": r.ended_on.isoformat() if r.ended_on else None,
                "relevance": str(r.relevance),
                "mitigation": str(r.mitigation) if r.mitigation else None,
                "peer_reviewer": r.peer_reviewer,
                "note": r.note,
                "reviewed_by": r.reviewed_by_name or None,
                "reviewed_at": r.reviewed_at.isoformat() if r.reviewed_at else None,
            }
            for r in disclosure.relationships
        ],
    }


@blp.route("/me/disclosure", methods=["GET"])
@blp.doc(security=SECURITY, description=LINK_HELP)
@blp.alt_response(200, schema=CmeDisclosureOut, description="The caller's disclosure.")
def get_my_disclosure():
    """The caller's disclosure of financial relationships for this congress."""
    congress = _congress()
    disclosure = _own_disclosure(congress, create=False)
    if disclosure is None:
        abort(404, message="You have not disclosed yet.")
    return jsonify(_own_json(congress, disclosure))


@blp.route("/me/disclosure", methods=["PUT"])
@blp.arguments(CmeDisclosureIn, location="json")
@blp.doc(security=SECURITY, description=LINK_HELP)
@blp.alt_response(200, schema=CmeDisclosureOut, description="The disclosure as recorded.")
def put_my_disclosure(payload):
    """State every financial relationship of the past 24 months with an ineligible company, or
    that there is none; an unchanged relationship keeps its review. 409 once the person's last
    session has started."""
    congress = _congress()
    disclosure = _own_disclosure(congress, create=True)
    services.submit_disclosure(
        disclosure,
        nothing_to_disclose=payload["nothing_to_disclose"],
        relationships=payload["relationships"],
        owner_employee_of=payload["owner_employee_of"],
    )
    db.session.commit()
    return jsonify(_own_json(congress, disclosure))


def cme_officer_token_required(view):
    """401 without a valid token; 403 unless CME officer or organizer (before the body is read)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        user = bearer_user()
        if user is None:
            abort(401)
        if not can_review_disclosures(user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _reviewable(disclosure_id: int):
    user = bearer_user()
    disclosure = queries.get_disclosure(_congress(), disclosure_id)
    if disclosure is None:
        abort(404, message="No such disclosure.")
    return user, disclosure


@blp.route("/disclosures/<int:disclosure_id>/mitigation", methods=["GET"])
@cme_officer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=CmeMitigationOut, description="The disclosure and its review.")
def get_mitigation(disclosure_id: int):
    """A disclosure with the relevance and mitigation of each relationship (CME officer)."""
    _user, disclosure = _reviewable(disclosure_id)
    return jsonify(_review_json(disclosure))


@blp.route("/disclosures/<int:disclosure_id>/mitigation", methods=["POST"])
@cme_officer_token_required
@blp.arguments(CmeReviewIn, location="json")
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=CmeMitigationOut, description="The disclosure after the review.")
def post_mitigation(payload, disclosure_id: int):
    """Record one relationship's relevance and, when relevant, its mitigation (peer review of
    the slides names its reviewer); who and when are recorded (CME officer)."""
    user, disclosure = _reviewable(disclosure_id)
    relationship = next(
        (r for r in disclosure.relationships if r.id == payload["relationship_id"]), None
    )
    if relationship is None:
        raise ValidationFailed(
            "No such relationship in this disclosure.",
            fields={"relationship_id": ["No such relationship in this disclosure."]},
        )
    services.review_relationship(
        relationship,
        user,
        relevance=payload["relevance"],
        mitigation=payload["mitigation"],
        peer_reviewer=payload["peer_reviewer"],
        note=payload["note"],
    )
    db.session.commit()
    return jsonify(_review_json(disclosure))


class CmeOwnerExceptionIn(Schema):
    exception = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf([e.value for e in OwnerException]),
        metadata={
            "description": "The allowed case (ACCME Standard 3): not_related, "
            "research_technology or research_presenter; null withdraws it."
        },
    )
    note = fields.String(load_default="", validate=validate.Length(max=2000))


@blp.route("/disclosures/<int:disclosure_id>/owner-exception", methods=["POST"])
@cme_officer_token_required
@blp.arguments(CmeOwnerExceptionIn, location="json")
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=CmeMitigationOut, description="The disclosure after the record.")
def post_owner_exception(payload, disclosure_id: int):
    """Record (or withdraw) in which allowed case an owner or employee of an ineligible company
    takes part in accredited content; who and when are recorded (CME officer)."""
    user, disclosure = _reviewable(disclosure_id)
    services.record_owner_exception(
        disclosure, user, exception=payload["exception"], note=payload["note"]
    )
    db.session.commit()
    return jsonify(_review_json(disclosure))


# -- attendance ---------------------------------------------------------------------------------


class CmeScanIn(Schema):
    client_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Chosen by the device: a scan sent twice is stored once."},
    )
    reference = fields.String(required=True, validate=validate.Length(max=40))
    room = Integer(required=True, strict=True)
    scanned_at = fields.AwareDateTime(
        required=True, metadata={"description": "When the badge was scanned (with offset)."}
    )
    direction = fields.String(required=True, validate=validate.OneOf(["in", "out"]))


class CmeScanBatchIn(Schema):
    scans = fields.List(
        fields.Nested(CmeScanIn), required=True, validate=validate.Length(min=1, max=500)
    )


class CmeScanAnswerOut(Schema):
    client_id = fields.String()
    status = fields.String(metadata={"enum": ["stored", "duplicate", "rejected"]})
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class CmeScanBatchOut(Schema):
    results = fields.List(fields.Nested(CmeScanAnswerOut))


class CmeSessionOut(Schema):
    session_id = Integer()
    title = fields.String()
    minutes = Integer()
    credits_offered = fields.Float()


class CmeLearnerOut(Schema):
    mode = fields.String(metadata={"enum": ["verified", "self_reported"]})
    sessions = fields.List(fields.Nested(CmeSessionOut))
    credits_by_day = fields.Dict(keys=fields.String(), values=fields.Float())
    claimable = fields.Float()


def door_staff_token_required(view):
    """Door scanning: organizers and the CME officer (401 without a token, else 403)."""
    return cme_officer_token_required(view)


@blp.route("/attendance/scans", methods=["POST"])
@door_staff_token_required
@blp.arguments(CmeScanBatchIn, location="json")
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=CmeScanBatchOut, description="One answer per scan, in order.")
def post_scans(payload):
    """Store a batch of door scans (badge reference, room id, time of the scan, in or out);
    idempotent by `client_id`: a scan sent again answers `duplicate` and is not stored twice."""
    answers = attendance.record_scans(_congress(), payload["scans"], staff=bearer_user())
    db.session.commit()
    return jsonify({"results": [a.as_dict() for a in answers]})


@blp.route("/me/cme", methods=["GET"])
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=CmeLearnerOut, description="Sessions, minutes, credits.")
def get_my_cme():
    """The accredited sessions the caller attended (from door scans) with minutes, and the
    credits they can claim (1 per 60 minutes in 0.25 steps, half-day and day caps)."""
    user = bearer_user()
    if user is None:
        abort(401)
    congress = _congress()
    registration = get_active_registrations_by_email(congress, [user.email]).get(user.email.lower())
    if registration is None:
        abort(404, message="You are not registered for this congress.")
    result = attendance.learner_credits(congress, registration.id)
    return jsonify(
        {
            "mode": result.mode,
            "sessions": [
                {
                    "session_id": a.slot.session_id,
                    "title": a.slot.title,
                    "minutes": a.minutes,
                    "credits_offered": a.slot.credits,
                }
                for a in result.sessions
            ],
            "credits_by_day": {day.isoformat(): c for day, c in sorted(result.by_day.items())},
            "claimable": result.claimable,
        }
    )


# -- evaluations --------------------------------------------------------------------------------


class CmeEvaluationIn(Schema):
    session = Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        metadata={"description": "An accredited session you attended; empty: the congress."},
    )
    scores = fields.Dict(
        keys=fields.String(),
        values=Integer(strict=True),
        required=True,
        metadata={
            "description": "1 to 5 for each question: content, speakers, relevance (a "
            "session); objectives, expectations, relevance, practice_change, time, overall "
            "(the congress, UEMS-EACCME)."
        },
    )
    is_bias_free = fields.Boolean(load_default=None, allow_none=True)
    comment = fields.String(load_default="", validate=validate.Length(max=4000))
    answers = fields.Dict(
        keys=fields.String(),
        values=fields.Raw(allow_none=True),
        load_default=dict,
        metadata={
            "description": "Answers to the organizers' own questions, by question id (see "
            "`GET /evaluations/questions`): 1 to 5 (rating), true/false (yes_no) or text."
        },
    )


class CmeQuestionIn(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=300))
    kind = fields.String(required=True, validate=validate.OneOf(["rating", "yes_no", "text"]))
    scope = fields.String(
        load_default="congress",
        validate=validate.OneOf(["congress", "session"]),
        metadata={"description": "congress: the overall evaluation; session: each session's."},
    )
    position = Integer(load_default=0, strict=True, validate=validate.Range(0, 999))
    is_required = fields.Boolean(load_default=False)


class CmeQuestionOut(Schema):
    id = Integer()
    text = fields.String()
    kind = fields.String(metadata={"enum": ["rating", "yes_no", "text"]})
    scope = fields.String(metadata={"enum": ["congress", "session"]})
    position = Integer()
    is_required = fields.Boolean()


class CmeQuestionsOut(Schema):
    standard = fields.Dict(
        keys=fields.String(),
        values=fields.Dict(keys=fields.String(), values=fields.String()),
        metadata={"description": "The standard questions (scores 1 to 5) by evaluation."},
    )
    questions = fields.List(fields.Nested(CmeQuestionOut))


class CmeQuestionSummaryOut(Schema):
    question_id = Integer()
    text = fields.String()
    kind = fields.String()
    answers = Integer()
    mean = fields.Float(allow_none=True)
    yes_share = fields.Float(allow_none=True)
    texts = fields.List(fields.String())


class CmeRecordedOut(Schema):
    recorded = fields.Boolean()


class CmeSummaryItemOut(Schema):
    session_id = Integer(allow_none=True)
    answers = Integer()
    shown = fields.Boolean(metadata={"description": "False under the anonymity threshold."})
    means = fields.Dict(keys=fields.String(), values=fields.Float())
    bias_free_share = fields.Float(allow_none=True)
    comments = fields.List(fields.String())
    questions = fields.List(fields.Nested(CmeQuestionSummaryOut))


class CmeSummaryOut(Schema):
    threshold = Integer()
    summaries = fields.List(fields.Nested(CmeSummaryItemOut))


def _own_registration(congress):
    user = bearer_user()
    if user is None:
        abort(401)
    registration = get_active_registrations_by_email(congress, [user.email]).get(user.email.lower())
    if registration is None:
        abort(404, message="You are not registered for this congress.")
    return registration


@blp.route("/evaluations", methods=["POST"])
@blp.arguments(CmeEvaluationIn, location="json")
@blp.doc(security=SECURITY)
@blp.alt_response(201, schema=CmeRecordedOut, description="Recorded, anonymously.")
def post_evaluation(payload):
    """Evaluate an accredited session you attended, or the congress (once each). Answers are
    kept without your identity; organizers see aggregates only."""
    congress = _congress()
    registration = _own_registration(congress)
    evaluations.submit_evaluation(
        congress,
        registration.id,
        session_id=payload["session"],
        scores=payload["scores"],
        is_bias_free=payload["is_bias_free"],
        comment=payload["comment"],
        answers=payload["answers"],
    )
    db.session.commit()
    return jsonify({"recorded": True}), 201


def _question_json(question) -> dict:
    return {
        "id": question.id,
        "text": question.text,
        "kind": str(question.kind),
        "scope": str(question.scope),
        "position": question.position,
        "is_required": question.is_required,
    }


@blp.route("/evaluations/questions", methods=["GET"])
@blp.alt_response(200, schema=CmeQuestionsOut, description="The questions of each evaluation.")
def get_evaluation_questions():
    """The questions of the congress and session evaluations: the standard ones (scores
    1 to 5) and the organizers' own, in order."""
    congress = _congress()
    return jsonify(
        {
            "standard": {
                "congress": {k: str(v) for k, v in CONGRESS_QUESTIONS.items()},
                "session": {k: str(v) for k, v in SESSION_QUESTIONS.items()},
            },
            "questions": [_question_json(q) for q in evaluations.get_questions(congress)],
        }
    )


@blp.route("/evaluations/questions", methods=["POST"])
@cme_officer_token_required
@blp.arguments(CmeQuestionIn, location="json")
@blp.doc(security=SECURITY)
@blp.alt_response(201, schema=CmeQuestionOut, description="The question added.")
def post_evaluation_question(payload):
    """Add a question to the congress's or each session's evaluation (organizers, CME
    officer)."""
    question = evaluations.add_question(_congress(), **payload)
    db.session.commit()
    return jsonify(_question_json(question)), 201


@blp.route("/evaluations/summary", methods=["GET"])
@cme_officer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=CmeSummaryOut, description="Aggregates per scope.")
def evaluation_summary():
    """Answers counted per scope (the congress, each session); means, the share judging the
    session free of commercial bias and comments only from the anonymity threshold on."""
    congress = _congress()
    settings = queries.get_settings(congress)
    return jsonify(
        {
            "threshold": settings.evaluation_threshold
            if settings
            else evaluations.DEFAULT_THRESHOLD,
            "summaries": [
                {
                    "session_id": s.session_id,
                    "answers": s.answers,
                    "shown": s.shown,
                    "means": s.means,
                    "bias_free_share": s.bias_free_share,
                    "comments": s.comments,
                    "questions": [
                        {
                            "question_id": q.question_id,
                            "text": q.text,
                            "kind": q.kind,
                            "answers": q.answers,
                            "mean": q.mean,
                            "yes_share": q.yes_share,
                            "texts": q.texts,
                        }
                        for q in s.questions
                    ],
                }
                for s in evaluations.evaluation_summary(congress)
            ],
        }
    )


# -- claims and certificates ---------------------------------------------------------------------


class CmeClaimIn(Schema):
    credits = fields.Float(
        load_default=None,
        allow_none=True,
        metadata={"description": "In 0.25 steps, at most the claimable; empty: all of it."},
    )


class CmeCertificateOut(Schema):
    code = fields.String()
    name = fields.String()
    congress = fields.String()
    kind = fields.String(metadata={"enum": ["cme", "attendance"]})
    credits = fields.Float()
    issued_at = fields.String(metadata={"format": "date-time"})


def _certificate_json(congress, certificate) -> dict:
    return {
        "code": certificate.code,
        "name": certificate.name,
        "congress": congress.name,
        "kind": str(certificate.kind),
        "credits": float(certificate.credits),
        "issued_at": certificate.issued_at.isoformat(),
    }


@blp.route("/me/cme/claim", methods=["POST"])
@blp.arguments(CmeClaimIn, location="json")
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=CmeCertificateOut, description="The certificate issued.")
def post_claim(payload):
    """Claim CME credits (physicians) or attendance (others) and get the certificate by email;
    a claim can be corrected until the certificate window closes (then 409)."""
    congress = _congress()
    registration = _own_registration(congress)
    certificate = certificates.claim_credits(congress, registration, payload["credits"])
    db.session.commit()
    return jsonify(_certificate_json(congress, certificate))


@blp.route("/me/cme/certificate.pdf", methods=["GET"])
@blp.doc(
    security=SECURITY,
    responses={
        "200": {
            "description": "The caller's certificate, as stored when it was issued.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def get_my_certificate_pdf():
    """Download your certificate (the PDF stored when it was issued); 404 before a claim."""
    congress = _congress()
    registration = _own_registration(congress)
    certificate = certificates.get_certificate(congress, registration.id)
    if certificate is None:
        abort(404, message="You have no certificate yet: claim your credits first.")
    if certificate.purged_at is not None:
        abort(410, message="This certificate is no longer held.")
    mark_personal()
    response = Response(certificates.stored_pdf(congress, certificate), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{certificate.code}.pdf"'
    return response


@blp.route("/certificates/<code>", methods=["GET"])
@blp.alt_response(200, schema=CmeCertificateOut, description="A genuine certificate.")
def get_certificate(code: str):
    """Public verification of a certificate by its code: name, congress and credits (410 once
    the congress's CME records were purged after their retention period)."""
    congress = _congress()
    certificate = certificates.find_certificate(code)
    if certificate is None or certificate.congress_id != congress.id:
        abort(404, message="No certificate has this code.")
    if certificate.purged_at is not None:
        abort(
            410,
            message="This certificate is no longer held: the congress's CME records were "
            "deleted after their retention period.",
        )
    return jsonify(_certificate_json(congress, certificate))


# -- certificates for every eligible learner (organizers) ----------------------------------------


class CertificateRunOut(Schema):
    status = fields.String(metadata={"description": "queued, running, done or failed"})
    requested_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    total = fields.Integer(metadata={"description": "Learners to handle."})
    done = fields.Integer(metadata={"description": "Learners handled so far."})
    issued = fields.Integer()
    skipped = fields.Integer(
        metadata={"description": "Already holding a certificate, not eligible, or no evaluation."}
    )


def _run_json(run) -> dict:
    return CertificateRunOut().dump(
        {
            "status": str(run.status),
            "requested_at": run.requested_at,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "total": run.total,
            "done": run.done,
            "issued": run.issued,
            "skipped": run.skipped,
        }
    )


@blp.route("/certificate-runs", methods=["POST"])
@organizer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(202, schema=CertificateRunOut, description="Queued for the worker.")
@blp.alt_response(
    409,
    description="Before the end of the congress, after the certificate "
    "window, or while a run is under way.",
)
def start_certificate_run():
    """Issue certificates to every eligible learner, in the background (organizers); the
    progress is read with GET /certificate-runs/latest."""
    run = bulk.start_certificate_run(_congress(), bearer_user())
    db.session.commit()
    return jsonify(_run_json(run)), 202


@blp.route("/certificate-runs/latest", methods=["GET"])
@organizer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=CertificateRunOut, description="The latest run and its progress.")
def latest_certificate_run():
    """The progress of the latest run (organizers); 404 when none was started."""
    run = bulk.get_latest_run(_congress())
    if run is None:
        abort(404, message="No certificate run was started.")
    return jsonify(_run_json(run))
