"""API resources of the abstracts domain: submission, review, decisions (same services as web)."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select

from conference.abstracts import decisions, embargo, fees, review, services
from conference.abstracts.counting import CountingRule
from conference.abstracts.models import (
    SCORE_CRITERIA,
    Abstract,
    AbstractKind,
    AbstractStatus,
    Outcome,
)
from conference.abstracts.queries import (
    abstracts_query,
    get_abstract,
    get_affiliation_changes,
    get_assignment,
    get_assignments,
    get_review_conflicts,
    review_progress,
)
from conference.accounts.models import Role, User
from conference.api import responses
from conference.api.auth import bearer_user, organizer_token_required, token_required
from conference.api.schemas import CongressDateTime, Integer
from conference.errors import Conflict, ValidationFailed
from conference.extensions import commit_keeping_loaded, db
from conference.program.queries import get_current_congress, get_track_by_slug

blp = Blueprint("api_abstracts", __name__, url_prefix="/api/v1", description="Abstracts")
SECURITY = [{"bearerAuth": []}]


# -- schemas ------------------------------------------------------------------------------------


class SectionsSchema(Schema):
    background = fields.String(allow_none=True)
    methods = fields.String(allow_none=True)
    results = fields.String(allow_none=True)
    conclusions = fields.String(allow_none=True)


class DisclosureSchema(Schema):
    company = fields.String(required=True)
    relationship = fields.String(required=True)


class AuthorSchema(Schema):
    name = fields.String(required=True)
    email = fields.String(required=True)
    affiliation = fields.String(load_default="")
    country = fields.String(load_default="")
    presenting = fields.Boolean(load_default=False)
    disclosures = fields.List(fields.Nested(DisclosureSchema), load_default=list)
    nothing_to_disclose = fields.Boolean(load_default=False)


class AttestationsSchema(Schema):
    ethics_approval = fields.Boolean()
    not_previously_published = fields.Boolean()
    coauthors_agree = fields.Boolean()
    will_present = fields.Boolean()


class AbstractInSchema(Schema):
    title = fields.String()
    track = fields.String(allow_none=True)
    kind = fields.String(validate=validate.OneOf([k.value for k in AbstractKind]))
    sections = fields.Nested(SectionsSchema)
    keywords = fields.List(fields.String())
    table = fields.List(fields.List(fields.String()), allow_none=True)
    is_clinical_trial = fields.Boolean()
    trial_registration = fields.String(allow_none=True)
    group_name = fields.String(allow_none=True)
    authors = fields.List(fields.Nested(AuthorSchema))
    attestations = fields.Nested(AttestationsSchema)


class ListArgs(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in AbstractStatus]))
    track = fields.String()
    all = fields.Boolean(load_default=True)
    page = Integer(load_default=1, validate=validate.Range(min=1))
    per_page = Integer(load_default=50, validate=validate.Range(min=1, max=200))


class AssignSchema(Schema):
    reviews_per_abstract = Integer(validate=validate.Range(min=1, max=20))
    track = fields.String()
    allow_overload = fields.Boolean(load_default=False)


class PoolSchema(Schema):
    """The whole pool, by user id, by email, or both (an empty list empties the pool)."""

    reviewer_ids = fields.List(Integer(), load_default=None)
    reviewer_emails = fields.List(
        fields.String(validate=validate.Length(max=254)), load_default=None
    )

    @validates_schema
    def _one_list(self, data, **kwargs):
        if data.get("reviewer_ids") is None and data.get("reviewer_emails") is None:
            raise ValidationError(
                "Give the pool as reviewer_ids, reviewer_emails or both.",
                field_name="reviewer_ids",
            )


class ConflictDeclarationSchema(Schema):
    explanation = fields.String(load_default="", validate=validate.Length(max=1000))


class TrackMoveSchema(Schema):
    track = fields.String(required=True)


class ReleaseTimesSchema(Schema):
    title_release_at = CongressDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "When the title becomes public; null: the congress's default."},
    )
    body_release_at = CongressDateTime(
        required=True,
        allow_none=True,
        metadata={
            "description": "When the text becomes public; null: the congress's default, or "
            "for a late-breaking abstract the start of its session."
        },
    )


class ReleaseTimesOut(Schema):
    id = fields.Integer()
    number = fields.String(allow_none=True)
    title_release_at = fields.DateTime(allow_none=True)
    body_release_at = fields.DateTime(allow_none=True)


class ReviewerRefSchema(Schema):
    reviewer_id = Integer()
    email = fields.String()


class ScoresSchema(Schema):
    novelty = Integer(required=True)
    methods = Integer(required=True)
    results = Integer(required=True)
    relevance = Integer(required=True)


class ReviewInSchema(Schema):
    scores = fields.Nested(ScoresSchema, required=True)
    overall = Integer(required=True)
    comment_to_committee = fields.String(load_default="")
    comment_to_authors = fields.String(load_default="")


class DecisionSchema(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf([o.value for o in Outcome]))
    confirm_incomplete_reviews = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Decide although fewer reviews than required are completed "
            "(otherwise 409 with code incomplete_reviews)."
        },
    )


class ReleaseSchema(Schema):
    """Which pending decisions to release; nothing given: every new or changed decision."""

    track = fields.String(load_default="", metadata={"description": "Track slug."})
    outcomes = fields.List(
        fields.String(validate=validate.OneOf([o.value for o in Outcome])), load_default=list
    )
    abstract_ids = fields.List(Integer(validate=validate.Range(min=1)), load_default=list)
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "Return the preview; queue nothing."}
    )
    fingerprint = fields.String(
        load_default=None,
        validate=validate.Length(equal=64),
        metadata={
            "description": "The preview's fingerprint: release exactly the previewed decisions "
            "(with `abstract_ids` from the preview), or 409 if any changed since."
        },
    )


class ReleaseMessageOut(Schema):
    abstract_id = fields.Integer()
    number = fields.String()
    outcome = fields.String()
    correction = fields.Boolean(metadata={"description": "Sent as a correction."})
    name = fields.String()
    email = fields.String()


class ReleaseSampleOut(Schema):
    outcome = fields.String()
    subject = fields.String()
    text = fields.String(metadata={"description": "Rendered; private links are placeholders."})


class ReleasePreviewOut(Schema):
    abstract_ids = fields.List(fields.Integer())
    decisions = fields.Integer()
    changed_since_release = fields.Integer()
    never_released = fields.Integer()
    by_outcome = fields.Dict(keys=fields.String(), values=fields.Integer())
    message_count = fields.Integer()
    recipient_count = fields.Integer()
    summary = fields.String()
    messages = fields.List(fields.Nested(ReleaseMessageOut))
    samples = fields.List(fields.Nested(ReleaseSampleOut))
    fingerprint = fields.String(metadata={"description": "Send back to confirm this preview."})


class ReleaseOut(Schema):
    dry_run = fields.Boolean()
    released = fields.Integer(metadata={"description": "Decisions released (0 on a dry run)."})
    messages = fields.Integer(metadata={"description": "Messages queued (0 on a dry run)."})
    preview = fields.Nested(ReleasePreviewOut, allow_none=True)


# -- payloads ----------------------------------------------------------------------------------


def abstract_json(abstract: Abstract, user: User) -> dict:
    """The author's (or organizer's) view of an abstract."""
    data = {
        "id": abstract.id,
        "number": abstract.number,
        "status": str(abstract.status),
        "kind": str(abstract.kind),
        "track": abstract.track.slug if abstract.track else None,
        "title": abstract.title,
        "sections": abstract.sections,
        "keywords": list(abstract.keywords or []),
        "table": abstract.table,
        "is_clinical_trial": abstract.is_clinical_trial,
        "trial_registration": abstract.trial_registration,
        "group_name": abstract.group_name,
        "authors": [
            {
                "name": a.name,
                "email": a.email,
                "affiliation": a.affiliation,
                "country": a.country,
                "presenting": a.is_presenting,
                "nothing_to_disclose": a.nothing_to_disclose,
                "is_confirmed": a.is_confirmed,
                "disclosures": [
                    {"company": d.company, "relationship": d.relationship_type}
                    for d in a.disclosures
                ],
            }
            for a in abstract.authors
        ],
        "attestations": {
            name: getattr(abstract, f"attests_{name}") for name in services.ATTESTATIONS
        },
        "submitted_at": abstract.submitted_at.isoformat() if abstract.submitted_at else None,
        "withdrawn_at": abstract.withdrawn_at.isoformat() if abstract.withdrawn_at else None,
        "length": {"count": services.length_of(abstract), "limit": abstract.congress.length_limit},
        "warnings": services.warnings_for(abstract),
        "decision": str(abstract.released_outcome) if abstract.released_outcome else None,
        "presenter_confirmed_at": abstract.presenter_confirmed_at.isoformat()
        if abstract.presenter_confirmed_at
        else None,
        "fee": fee_json(abstract),
    }
    if user.is_organizer:
        data["outcome"] = str(abstract.outcome) if abstract.outcome else None
        data["reviews"] = [
            {
                "reviewer_id": r.reviewer_id,
                "scores": r.scores,
                "overall": r.overall,
                "comment_to_committee": r.comment_to_committee,
                "comment_to_authors": r.comment_to_authors,
            }
            for r in abstract.reviews
        ]
        data["mean_score"] = abstract.mean_score
        data["score_spread"] = abstract.score_spread
        data["large_disagreement"] = abstract.has_large_disagreement
        data["completed_reviews"] = abstract.completed_review_count
        data["reviews_required"] = abstract.reviews_required
        data["mean_is_incomplete"] = abstract.has_incomplete_reviews
    return data


def _iso(value):
    return value.isoformat() if value else None


def fee_json(abstract: Abstract) -> dict:
    """The abstract fee as its authors and organizers see it (amounts as strings)."""
    return {
        "status": str(abstract.fee_status),
        "amount": str(abstract.fee_amount) if abstract.fee_amount is not None else None,
        "currency": abstract.congress.currency,
        "is_complete": bool(abstract.is_complete),
        "invoice_number": abstract.fee_invoice_number,
        "paid_at": _iso(abstract.fee_paid_at),
        "waived_at": _iso(abstract.fee_waived_at),
        "waiver_reason": abstract.fee_waiver_reason or None,
    }


def blinded_json(abstract: Abstract, assignment) -> dict:
    """What a reviewer sees: the science, never who wrote it."""
    return {
        "id": abstract.id,
        "number": abstract.number,
        "kind": str(abstract.kind),
        "track": abstract.track.name if abstract.track else None,
        "title": abstract.title,
        "sections": abstract.sections,
        "keywords": list(abstract.keywords or []),
        "table": abstract.table,
        "is_clinical_trial": abstract.is_clinical_trial,
        "trial_registration": abstract.trial_registration,
        "review": {
            "scores": assignment.scores,
            "overall": assignment.overall,
            "comment_to_committee": assignment.comment_to_committee,
            "comment_to_authors": assignment.comment_to_authors,
            "complete": assignment.is_complete,
        },
    }


# -- helpers ------------------------------------------------------------------------------------


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return congress


def _visible(abstract_id: int, user: User, *, for_update: bool = False) -> Abstract:
    """The abstract if `user` may see it; 404 otherwise (never reveal that it exists)."""
    abstract = get_abstract(abstract_id, for_update=for_update)
    if abstract is None or abstract.congress_id != _congress().id or not abstract.can_view(user):
        abort(404, message="No abstract with this id.")
    return abstract


def _editable(abstract_id: int, user: User, *, for_update: bool = False) -> Abstract:
    abstract = _visible(abstract_id, user, for_update=for_update)
    if not abstract.can_edit(user):
        abort(403, message="Only the submitter can change this abstract.")
    return abstract


def _for_organizer(abstract_id: int) -> Abstract:
    abstract = get_abstract(abstract_id)
    if abstract is None or abstract.congress_id != _congress().id:
        abort(404, message="No abstract with this id.")
    return abstract


def _track(slug: str):
    track = get_track_by_slug(_congress(), slug)
    if track is None:
        raise ValidationFailed("Unknown track.", fields={"track": ["No track with this slug."]})
    return track


def _reviewer_from(payload: dict) -> User:
    user = None
    if payload.get("reviewer_id"):
        user = db.session.get(User, payload["reviewer_id"])
    elif payload.get("email"):
        user = db.session.scalar(select(User).where(User.email == payload["email"].lower()))
    if user is None:
        raise ValidationFailed(
            "Name an existing reviewer.",
            fields={"reviewer_id": ["Name an existing reviewer by reviewer_id or email."]},
        )
    return user


# -- submission ---------------------------------------------------------------------------------


@blp.route("/abstracts", methods=["POST"])
@token_required()
@blp.arguments(AbstractInSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(201, schema=responses.AbstractOut, description="The new draft.")
def create_abstract(payload):
    """Save a new draft (incomplete is fine). 201 with `id`, `status`, `length`, `warnings`.

    Send an `Idempotency-Key` header to make retries safe: the same key returns the same
    abstract.
    """
    user = bearer_user()
    abstract = services.create_abstract(
        _congress(), user, payload, creation_key=request.headers.get("Idempotency-Key")
    )
    commit_keeping_loaded()
    return abstract_json(abstract, user), 201


@blp.route("/abstracts", methods=["GET"])
@token_required()
@blp.arguments(ListArgs, location="query")
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.AbstractPageOut, description="One page of abstracts.")
def list_abstracts(args):
    """Own abstracts (organizers: all), filtered by `status` and `track`, paginated."""
    user = bearer_user()
    congress = _congress()
    track = None
    if args.get("track"):
        track = get_track_by_slug(congress, args["track"])
        if track is None:
            raise ValidationFailed("Unknown track.", fields={"track": ["No track with this slug."]})
    query = abstracts_query(
        congress, user, status=args.get("status"), track=track, all_visible=args["all"]
    )
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page, per_page = args["page"], args["per_page"]
    items = db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).all()
    return {
        "items": [abstract_json(a, user) for a in items],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


@blp.route("/abstracts/<int:abstract_id>", methods=["GET"])
@token_required()
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.AbstractOut, description="The abstract.")
def get_one(abstract_id):
    """One abstract (submitter, listed authors, organizers)."""
    user = bearer_user()
    return abstract_json(_visible(abstract_id, user), user)


@blp.route("/abstracts/<int:abstract_id>", methods=["PATCH"])
@token_required()
@blp.arguments(AbstractInSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.AbstractOut, description="The abstract as saved.")
def patch_abstract(payload, abstract_id):
    """Change a draft, or a submitted abstract until the deadline (rules re-checked).

    409 with code `accepted` once its acceptance was released to the authors (organizers
    change it then), `withdrawn` once withdrawn; the message says why."""
    user = bearer_user()
    abstract = services.update_abstract(_editable(abstract_id, user), payload)
    db.session.commit()
    return abstract_json(abstract, user)


@blp.route("/abstracts/<int:abstract_id>/submit", methods=["POST"])
@token_required()
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.AbstractOut, description="The submitted abstract.")
def submit(abstract_id):
    """Submit: 200 with the number, or 422 with every problem by field. Repeats are no-ops."""
    user = bearer_user()
    # Loaded FOR UPDATE: the submission is serialized per abstract (no second read).
    abstract = services.submit_abstract(_editable(abstract_id, user, for_update=True))
    commit_keeping_loaded()
    return abstract_json(abstract, user)


@blp.route("/abstracts/<int:abstract_id>/withdraw", methods=["POST"])
@token_required()
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.AbstractOut, description="The withdrawn abstract.")
def withdraw(abstract_id):
    """Withdraw until the withdrawal deadline."""
    user = bearer_user()
    abstract = services.withdraw_abstract(_editable(abstract_id, user))
    db.session.commit()
    return abstract_json(abstract, user)


class FeeInvoiceSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = fields.String(load_default="", validate=validate.Length(max=500))
    country = fields.String(required=True, validate=validate.Length(equal=2))
    vat_id = fields.String(load_default="", validate=validate.Length(max=40))
    email = fields.String(load_default="", validate=validate.Length(max=254))


class FeeWaiverSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=300))


@blp.route("/abstracts/<int:abstract_id>/fee/invoice", methods=["POST"])
@token_required()
@blp.arguments(FeeInvoiceSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.AbstractOut, description="The abstract with its invoice.")
def invoice_fee(payload, abstract_id):
    """The submitter asks for the invoice of the abstract fee (issued once; 409 `no_fee_due`)."""
    from conference.money.services import Buyer

    user = bearer_user()
    abstract = _visible(abstract_id, user)
    if abstract.submitter_id != user.id:
        abort(403, message="Only the submitter can ask for the fee's invoice.")
    fees.invoice_fee(abstract, Buyer(**payload))
    db.session.commit()
    return abstract_json(abstract, user)


@blp.route("/abstracts/<int:abstract_id>/fee/checkout", methods=["POST"])
@token_required()
@blp.doc(
    security=SECURITY,
    description="The submitter pays the abstract fee by card: returns the provider's hosted "
    "payment page. The fee's invoice is paid (the one issued, or one issued now to the "
    "submitter); the provider's webhook confirms it and the abstract counts as complete. 409 "
    "`no_fee_due`, `card_payment_unavailable` (no provider keys or no seller profile); 502 when "
    "the provider cannot be reached.",
)
@blp.alt_response(201, schema=responses.CheckoutOut, description="The hosted payment page.")
def fee_checkout(abstract_id):
    """Pay the abstract fee by card."""
    user = bearer_user()
    abstract = _visible(abstract_id, user)
    if abstract.submitter_id != user.id:
        abort(403, message="Only the submitter can pay the fee.")
    row, url = fees.open_card_payment(abstract)
    body = {
        "checkout_url": url,
        "session_id": row.session_id,
        "provider": row.provider,
        "amount": {"amount": str(row.amount), "currency": row.currency},
    }
    db.session.commit()
    return body, 201


@blp.route("/abstracts/<int:abstract_id>/fee/waiver", methods=["POST"])
@organizer_token_required
@blp.arguments(FeeWaiverSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.AbstractOut, description="The abstract, fee waived.")
def waive_fee(payload, abstract_id):
    """Organizers waive an unpaid abstract fee with a reason (409 `no_fee_due`)."""
    user = bearer_user()
    abstract = _for_organizer(abstract_id)
    fees.waive_fee(abstract, user, payload["reason"])
    db.session.commit()
    return abstract_json(abstract, user)


# -- review -------------------------------------------------------------------------------------


@blp.route("/review/assign", methods=["POST"])
@organizer_token_required
@blp.arguments(AssignSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(
    200,
    schema=responses.AssignmentSummaryOut,
    description="What was assigned, and what could not be.",
)
def assign(payload):
    """Automatic, conflict-free, load-balanced assignment (organizers)."""
    congress = _congress()
    track = None
    if payload.get("track"):
        track = get_track_by_slug(congress, payload["track"])
        if track is None:
            raise ValidationFailed("Unknown track.", fields={"track": ["No track with this slug."]})
    summary = review.assign_reviewers(
        congress,
        reviews_per_abstract=payload.get("reviews_per_abstract"),
        track=track,
        allow_overload=payload["allow_overload"],
    )
    db.session.commit()
    return {
        "assigned": summary.assigned,
        "unassigned": [
            {"id": a.id, "number": a.number, "reason": reason} for a, reason in summary.unassigned
        ],
    }


@blp.route("/review/pools/<slug>", methods=["PUT"])
@organizer_token_required
@blp.arguments(PoolSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.PoolOut, description="The track's reviewer pool.")
def put_pool(payload, slug):
    """Set a track's reviewer pool by user id, by email or both (reviewers with that expertise)."""
    track = _track(slug)
    ids = payload.get("reviewer_ids") or []
    emails = [email.strip().lower() for email in payload.get("reviewer_emails") or []]
    by_id = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    by_email = (
        list(db.session.scalars(select(User).where(User.email.in_(emails)))) if emails else []
    )
    errors = {}
    missing_ids = set(ids) - {u.id for u in by_id}
    if missing_ids:
        errors["reviewer_ids"] = [f"No user with id {i}." for i in sorted(missing_ids)]
    missing_emails = [e for e in dict.fromkeys(emails) if e not in {u.email for u in by_email}]
    if missing_emails:
        errors["reviewer_emails"] = [f"No user with the email {e}." for e in missing_emails]
    if errors:
        raise ValidationFailed("Unknown reviewers.", fields=errors)
    users = list({u.id: u for u in (*by_id, *by_email)}.values())
    review.set_track_reviewers(track, users)
    db.session.commit()
    return {
        "track": track.slug,
        "reviewer_ids": sorted(u.id for u in users),
        "reviewer_emails": sorted(u.email for u in users),
    }


@blp.route("/review/conflicts", methods=["GET"])
@organizer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.ReviewConflictsOut, description="Conflicts found late.")
def review_conflicts():
    """Assignments removed for conflicts found after assignment (with the drafts kept), and
    reviewers' affiliation changes with the assignments they affected."""
    congress = _congress()
    return {
        "removed": [
            {
                "abstract_id": c.abstract_id,
                "number": c.abstract.number,
                "reviewer_id": c.reviewer_id,
                "reviewer": c.reviewer.display_name,
                "source": c.source,
                "reason": c.reason,
                "found_at": c.found_at.isoformat(),
                "draft": c.draft,
            }
            for c in get_review_conflicts(congress)
        ],
        "affiliation_changes": [
            {
                "reviewer_id": change.user_id,
                "reviewer": change.user.display_name,
                "previous": change.previous,
                "current": change.current,
                "changed_at": change.changed_at.isoformat(),
                "assignments": affected,
            }
            for change, affected in get_affiliation_changes(congress)
        ],
    }


@blp.route("/review/progress", methods=["GET"])
@organizer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.ProgressOut, description="Review progress.")
def progress():
    """Reviews assigned and done, per track and per reviewer."""
    per_track, per_reviewer = review_progress(_congress())
    return {
        "tracks": [{"track": p.label, "assigned": p.assigned, "done": p.done} for p in per_track],
        "reviewers": [
            {"reviewer": p.label, "assigned": p.assigned, "done": p.done} for p in per_reviewer
        ],
    }


@blp.route("/abstracts/<int:abstract_id>/track", methods=["POST"])
@organizer_token_required
@blp.arguments(TrackMoveSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.AbstractOut, description="The abstract in its new track.")
def move_track(payload, abstract_id):
    """Move an abstract to another track (reviews kept; run /review/assign for that track)."""
    abstract = review.move_abstract_track(_for_organizer(abstract_id), _track(payload["track"]))
    db.session.commit()
    return abstract_json(abstract, bearer_user())


@blp.route("/abstracts/<int:abstract_id>/release-times", methods=["PUT"])
@organizer_token_required
@blp.arguments(ReleaseTimesSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=ReleaseTimesOut, description="The abstract's own release times.")
def put_release_times(payload, abstract_id):
    """Set an abstract's own title and text release times (the embargo follows at once)."""
    abstract = embargo.set_release_times(
        _for_organizer(abstract_id),
        title_release_at=payload["title_release_at"],
        body_release_at=payload["body_release_at"],
    )
    db.session.commit()
    return {
        "id": abstract.id,
        "number": abstract.number,
        "title_release_at": abstract.title_release_at,
        "body_release_at": abstract.body_release_at,
    }


@blp.route("/abstracts/<int:abstract_id>/reviewers", methods=["POST"])
@organizer_token_required
@blp.arguments(ReviewerRefSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(201, schema=responses.ReviewerAddedOut, description="The new assignment.")
def add_reviewer(payload, abstract_id):
    """Assign a reviewer by hand; 409 on a conflict of interest."""
    abstract = _for_organizer(abstract_id)
    assignment = review.add_reviewer(abstract, _reviewer_from(payload))
    db.session.commit()
    return {"abstract_id": abstract.id, "reviewer_id": assignment.reviewer_id}, 201


@blp.route("/abstracts/<int:abstract_id>/reviewers", methods=["DELETE"])
@organizer_token_required
@blp.arguments(ReviewerRefSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(204, description="The reviewer is no longer assigned.")
def remove_reviewer(payload, abstract_id):
    """Take a reviewer off an abstract."""
    abstract = _for_organizer(abstract_id)
    review.remove_reviewer(abstract, _reviewer_from(payload))
    db.session.commit()
    return "", 204


@blp.route("/abstracts/<int:abstract_id>/reviewers/<int:reviewer_id>", methods=["DELETE"])
@organizer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(204, description="The reviewer is no longer assigned.")
def remove_reviewer_by_id(abstract_id, reviewer_id):
    """Take a reviewer off an abstract (for clients that cannot send a DELETE body)."""
    abstract = _for_organizer(abstract_id)
    review.remove_reviewer(abstract, _reviewer_from({"reviewer_id": reviewer_id}))
    db.session.commit()
    return "", 204


@blp.route("/review/assignments", methods=["GET"])
@token_required(Role.REVIEWER)
@blp.doc(security=SECURITY)
@blp.alt_response(
    200, schema=responses.AssignmentsOut, description="The reviewer's abstracts, blinded."
)
def assignments():
    """The reviewer's assigned abstracts, blinded (no author names, emails, affiliations)."""
    user = bearer_user()
    return {
        "items": [blinded_json(a.abstract, a) for a in get_assignments(user, _congress())],
    }


@blp.route("/abstracts/<int:abstract_id>/review", methods=["PUT"])
@token_required(Role.REVIEWER)
@blp.arguments(ReviewInSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(
    200, schema=responses.BlindedAbstractOut, description="The abstract with the saved review."
)
def put_review(payload, abstract_id):
    """Score an assigned abstract 1-5 on each criterion and overall; revisable until close."""
    user = bearer_user()
    assignment = get_assignment(user, abstract_id, include_withdrawn=True)
    if assignment is None or assignment.abstract.congress_id != _congress().id:
        abort(403, message="You are not assigned to review this abstract.")
    review.save_review(assignment, payload)
    db.session.commit()
    return blinded_json(assignment.abstract, assignment)


@blp.route("/abstracts/<int:abstract_id>/review/conflict", methods=["POST"])
@token_required(Role.REVIEWER)
@blp.arguments(ConflictDeclarationSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.ConflictDeclaredOut, description="Declared.")
def declare_conflict(payload, abstract_id):
    """Declare a conflict of interest with an assigned abstract; it goes to another reviewer."""
    user = bearer_user()
    assignment = get_assignment(user, abstract_id)
    if assignment is None or assignment.abstract.congress_id != _congress().id:
        abort(403, message="You are not assigned to review this abstract.")
    review.declare_conflict(assignment, payload["explanation"])
    db.session.commit()
    return {"abstract_id": abstract_id, "declared": True}


# -- decisions ----------------------------------------------------------------------------------


@blp.route("/abstracts/<int:abstract_id>/decision", methods=["POST"])
@organizer_token_required
@blp.arguments(DecisionSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.AbstractOut, description="The abstract with its outcome.")
def decide(payload, abstract_id):
    """Record the outcome (internal until released)."""
    abstract = decisions.decide_abstract(
        _for_organizer(abstract_id),
        payload["outcome"],
        bearer_user(),
        confirm_incomplete=payload["confirm_incomplete_reviews"],
    )
    db.session.commit()
    return abstract_json(abstract, bearer_user())


def preview_json(preview: decisions.ReleasePreview) -> dict:
    return {
        "abstract_ids": preview.abstract_ids,
        "decisions": len(preview.abstracts),
        "changed_since_release": preview.changed,
        "never_released": preview.never_released,
        "by_outcome": {str(o): n for o, n in preview.by_outcome.items()},
        "message_count": len(preview.messages),
        "recipient_count": preview.recipient_count,
        "summary": preview.summary,
        "messages": [
            {
                "abstract_id": m.abstract.id,
                "number": m.abstract.number,
                "outcome": str(m.abstract.outcome),
                "correction": m.correction,
                "name": m.name,
                "email": m.email,
            }
            for m in preview.messages
        ],
        "samples": [
            {"outcome": str(outcome), "subject": subject, "text": text}
            for outcome, (subject, text) in preview.samples.items()
        ],
        "fingerprint": preview.fingerprint,
    }


@blp.route("/decisions/release", methods=["POST"])
@organizer_token_required
@blp.arguments(ReleaseSchema, location="json", required=False)
@blp.doc(security=SECURITY)
@blp.alt_response(
    200,
    schema=ReleaseOut,
    description="The preview (dry_run), or how many decisions and messages were released.",
)
def release(payload):
    """Release new or changed decisions, one message per recipient; `dry_run` only previews.

    Select by `track`, `outcomes` and `abstract_ids` (nothing given: all pending). With a
    `fingerprint` from a dry run, exactly the previewed decisions are released, or 409 with the
    new preview when any of them changed in between.
    """
    congress = _congress()
    payload = payload or {}
    selection = decisions.parse_selection(
        congress,
        track=payload.get("track"),
        outcomes=payload.get("outcomes"),
        abstract_ids=payload.get("abstract_ids"),
    )
    if payload.get("dry_run"):
        preview = decisions.preview_release(congress, selection)
        body = {"dry_run": True, "released": 0, "messages": 0, "preview": preview_json(preview)}
        db.session.rollback()  # a preview writes nothing
        return body
    if payload.get("fingerprint"):
        if not selection.abstract_ids:
            raise ValidationFailed(
                "Give the previewed abstract_ids with the fingerprint.",
                fields={"abstract_ids": ["Give the abstract ids of the preview."]},
            )
        try:
            result = decisions.confirm_release(
                congress, selection.abstract_ids, payload["fingerprint"]
            )
        except Conflict as exc:
            db.session.rollback()
            preview = decisions.preview_release(congress, selection)
            body = preview_json(preview)
            db.session.rollback()
            raise Conflict(exc.message, code=exc.code, preview=body) from None
        db.session.commit()
        return {"dry_run": False, "released": result.decisions, "messages": result.messages}
    result = decisions.release_selection(congress, selection)
    db.session.commit()
    return {"dry_run": False, "released": result.decisions, "messages": result.messages}


@blp.route("/abstracts/rules", methods=["GET"])
@blp.alt_response(
    200, schema=responses.CountingRulesOut, description="The counting rule and limits."
)
def rules():
    """The counting rule and limits authors write against."""
    congress = _congress()
    rule = CountingRule.of(congress)
    return {
        "limit": rule.limit,
        "count_title": rule.count_title,
        "count_headings": rule.count_headings,
        "count_spaces": rule.count_spaces,
        "table_counting": rule.table_counting,
        "table_flat_amount": rule.table_flat_amount,
        "max_authors": congress.max_authors,
        "max_tables": congress.max_tables,
        "score_criteria": list(SCORE_CRITERIA),
    }
