"""The congress's terms, cancellation and privacy policies: read by anyone, written by organizers.

Handlers call conference.congresses services and queries, like the pages /terms, /cancellation,
/privacy and /manage/policies.
"""

from __future__ import annotations

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from conference.api.auth import bearer_user, organizer_token_required
from conference.api.schemas import Translations
from conference.congresses import services
from conference.congresses.models import PolicyKind
from conference.congresses.queries import get_policy, policy_text
from conference.congresses.rendering import render_markdown
from conference.content import services as content
from conference.errors import NotFound
from conference.extensions import db
from conference.program.queries import get_current_congress
from conference.urls import external_url

blp = Blueprint("api_policies", __name__, url_prefix="/api/v1", description="Policies")

KINDS = [kind.value for kind in PolicyKind]


class PolicyIn(Schema):
    body_markdown = fields.String(
        required=True,
        validate=validate.Length(max=services.MAX_POLICY_CHARS),
        metadata={"description": "Markdown source; an empty string withdraws the policy."},
    )
    translations = Translations("page", ("body",))


class PolicyOut(Schema):
    kind = fields.String(metadata={"enum": KINDS})
    title = fields.String()
    is_published = fields.Boolean()
    body_markdown = fields.String(allow_none=True)
    body_html = fields.String(
        allow_none=True,
        metadata={
            "description": "Rendered and sanitized HTML, in the reader's language "
            "(Accept-Language) when the policy is given in it, else in the main language."
        },
    )
    translations = Translations("page", ("body",))
    url = fields.String(metadata={"description": "The public page of the policy."})
    updated_at = fields.String(allow_none=True, metadata={"format": "date-time"})


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return congress


def _policy_json(congress, kind: PolicyKind, policy) -> dict:
    return {
        "kind": kind.value,
        "title": kind.label,
        "is_published": policy is not None,
        "body_markdown": policy.body_markdown if policy else None,
        "body_html": str(render_markdown(policy_text(congress, policy))) if policy else None,
        "url": external_url(kind.endpoint),
        "updated_at": policy.updated_at.isoformat() if policy else None,
        "translations": content.translations_of(congress, "page", policy.id) if policy else {},
    }


@blp.route("/policies/<kind>", methods=["GET"])
@blp.doc(
    description="A policy of the congress (`terms`, `cancellation` or `privacy`). Public. "
    "A policy not published yet is a 404 whose error code is `policy_not_published`.",
    parameters=[{"in": "path", "name": "kind", "schema": {"type": "string", "enum": KINDS}}],
)
@blp.alt_response(200, schema=PolicyOut, description="The published policy.")
def get_one(kind):
    """Read a published policy: its Markdown source and sanitized HTML."""
    policy_kind = services.policy_kind(kind)
    congress = _congress()
    policy = get_policy(congress, policy_kind)
    if policy is None:
        raise NotFound(
            f"The {policy_kind.label.lower()} is not published yet.", code="policy_not_published"
        )
    return _policy_json(congress, policy_kind, policy)


@blp.route("/policies/<kind>", methods=["PUT"])
@organizer_token_required
@blp.arguments(PolicyIn)
@blp.doc(
    security=[{"bearerAuth": []}],
    parameters=[{"in": "path", "name": "kind", "schema": {"type": "string", "enum": KINDS}}],
)
@blp.alt_response(200, schema=PolicyOut, description="The policy as saved (or withdrawn).")
def put_one(payload, kind):
    """Publish, change or (with an empty body) withdraw a policy (organizers)."""
    congress = _congress()
    policy_kind = services.policy_kind(kind)
    policy = services.save_policy(
        congress, policy_kind.value, payload["body_markdown"], by=bearer_user()
    )
    if policy is not None and payload.get("translations"):
        content.set_object_translations(congress, "page", policy.id, payload["translations"])
    body = _policy_json(congress, policy_kind, policy)
    db.session.commit()
    return body
