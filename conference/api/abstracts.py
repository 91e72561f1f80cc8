"""API resources of the abstracts domain: submission, review, decisions (same services as web)."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from conference.abstracts import decisions, review, services
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
    get_assignment,
    get_assignments,
    review_progress,
)
from conference.accounts.models import Role, User
from conference.api import responses
from conference.api.auth import bearer_user, organizer_token_required, token_required
from conference.api.schemas import Integer
from conference.errors import ValidationFailed
from conference.extensions import db
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
    reviewer_ids = fields.List(Integer(), required=True)


class TrackMoveSchema(Schema):
    track = fields.String(required=True)


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
    return data


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


def _visible(abstract_id: int, user: User) -> Abstract:
    """The abstract if `user` may see it; 404 otherwise (never reveal that it exists)."""
    abstract = get_abstract(abstract_id)
    if abstract is None or abstract.congress_id != _congress().id or not abstract.can_view(user):
        abort(404, message="No abstract with this id.")
    return abstract


def _editable(abstract_id: int, user: User) -> Abstract:
    abstract = _visible(abstract_id, user)
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
    db.session.commit()
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
    """Change a draft, or a submitted abstract until the deadline (rules re-checked)."""
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
    abstract = services.submit_abstract(_editable(abstract_id, user))
    db.session.commit()
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
    """Set a track's reviewer pool (reviewers who declared that expertise)."""
    track = _track(slug)
    ids = payload["reviewer_ids"]
    users = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    missing = set(ids) - {u.id for u in users}
    if missing:
        raise ValidationFailed(
            "Unknown reviewers.",
            fields={"reviewer_ids": [f"No user with id {i}." for i in sorted(missing)]},
        )
    review.set_track_reviewers(track, users)
    db.session.commit()
    return {"track": track.slug, "reviewer_ids": sorted(u.id for u in users)}


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


# -- decisions ----------------------------------------------------------------------------------


@blp.route("/abstracts/<int:abstract_id>/decision", methods=["POST"])
@organizer_token_required
@blp.arguments(DecisionSchema)
@blp.doc(security=SECURITY)
@blp.alt_response(200, schema=responses.AbstractOut, description="The abstract with its outcome.")
def decide(payload, abstract_id):
    """Record the outcome (internal until released)."""
    abstract = decisions.decide_abstract(
        _for_organizer(abstract_id), payload["outcome"], bearer_user()
    )
    db.session.commit()
    return abstract_json(abstract, bearer_user())


@blp.route("/decisions/release", methods=["POST"])
@organizer_token_required
@blp.doc(security=SECURITY)
@blp.alt_response(
    200, schema=responses.ReleasedOut, description="How many decision messages were queued."
)
def release():
    """Email every new or changed decision, one message per abstract."""
    sent = decisions.release_decisions(_congress())
    db.session.commit()
    return {"released": sent}


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
