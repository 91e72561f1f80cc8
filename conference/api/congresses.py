"""The congresses of the installation: listed for anyone, created by administrators.

Everything else in the API belongs to one congress, under /api/v1/congresses/{congress}/...
(conference.congresses.routing); the old paths without it answer for the default congress
during the deprecation period.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from conference.accounts.models import Role
from conference.api.auth import token_required
from conference.congresses import context
from conference.congresses.copying import new_congress
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.urls import external_url

blp = Blueprint(
    "api_congresses", __name__, url_prefix="/api/v1", description="Congresses of the site"
)
SECURITY = [{"bearerAuth": []}]


class CongressOut(Schema):
    slug = fields.String(metadata={"description": "The congress's part of every URL."})
    name = fields.String()
    short_name = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    timezone = fields.String()
    city = fields.String()
    country = fields.String()
    is_archived = fields.Boolean(metadata={"description": "Readable, closed for changes."})
    is_past = fields.Boolean()
    url = fields.String(metadata={"description": "The congress's home page."})
    api_url = fields.String(metadata={"description": "Base of the congress's API resources."})


class CongressList(Schema):
    congresses = fields.List(fields.Nested(CongressOut))


class CongressIn(Schema):
    slug = fields.String(required=True, validate=validate.Length(min=2, max=40))
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    short_name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(metadata={"description": "Required unless copy_from is given."})
    timezone = fields.String(load_default="Europe/Vienna")
    copy_from = fields.String(
        metadata={
            "description": "Slug of a congress to copy (setup only, every date shifted by the "
            "offset between the first days)."
        }
    )


def congress_json(congress, *, past: bool) -> dict:
    return {
        "slug": congress.slug,
        "name": congress.name,
        "short_name": congress.short_name,
        "starts_on": congress.starts_on,
        "ends_on": congress.ends_on,
        "timezone": congress.timezone,
        "city": congress.city,
        "country": congress.country,
        "is_archived": congress.is_archived,
        "is_past": past,
        "url": external_url("program.home", congress=congress.slug),
        "api_url": external_url("api_congresses.list_congresses").rstrip("/") + f"/{congress.slug}",
    }


@blp.route("/congresses", methods=["GET"])
@blp.response(200, CongressList)
def list_congresses():
    """Every congress: current and upcoming first (by date), then past ones (latest first)."""
    upcoming, past = context.split_by_time(context.list_congresses())
    return {
        "congresses": [congress_json(c, past=False) for c in upcoming]
        + [congress_json(c, past=True) for c in past]
    }


@blp.route("/congresses", methods=["POST"])
@blp.doc(security=SECURITY)
@token_required(Role.ADMIN)
@blp.arguments(CongressIn)
@blp.response(201, CongressOut)
@blp.alt_response(403, description="Only administrators create congresses")
@blp.alt_response(422, description="A field is missing or wrong (named in `fields`)")
def create_congress(data):
    """Create a congress, empty or as a copy of another (administrators)."""
    source = None
    if data.get("copy_from"):
        source = context.get_congress_by_slug(data["copy_from"])
        if source is None:
            raise ValidationFailed(
                _("No congress has this address."), fields={"copy_from": [_("Unknown congress.")]}
            )
    congress = new_congress(
        copy_from=source,
        slug=data["slug"],
        name=data["name"],
        short_name=data["short_name"],
        starts_on=data["starts_on"],
        ends_on=data.get("ends_on"),
        timezone=data.get("timezone"),
    )
    db.session.commit()
    return congress_json(congress, past=False)
