"""API resources of the industry domain: packages, sponsors, exhibitor passes, leads."""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from conference.api.auth import organizer_token_required
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.industry import queries, services
from conference.program.queries import get_current_congress

blp = Blueprint("api_industry", __name__, url_prefix="/api/v1", description="Industry")
SECURITY = [{"bearerAuth": []}]


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return congress


class PackageSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    price = fields.Decimal(required=True, as_string=True, places=2)
    available = fields.Integer(required=True, validate=validate.Range(min=0, max=10_000))
    sold = fields.Integer(dump_only=True)
    remaining = fields.Integer(dump_only=True)
    exhibitor_passes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000))
    booth_size = fields.String(load_default="", validate=validate.Length(max=40))
    benefits = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list)
    position = fields.Integer(validate=validate.Range(min=0, max=10_000))


class PackagePatchSchema(PackageSchema):
    """Any field of a package (the others are kept)."""


class PublicSponsorSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    tier = fields.String(attribute="package.name")
    description = fields.String()
    website = fields.String()
    logo_url = fields.Method(
        "_logo_url", allow_none=True, metadata={"description": "Null without a logo."}
    )

    def _logo_url(self, sponsor):
        if not sponsor.logo_key:
            return None
        return url_for("industry.sponsor_logo", sponsor_id=sponsor.id, _external=True)


class SponsorInSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    package_id = fields.Integer(required=True)
    description = fields.String(validate=validate.Length(max=5000))
    website = fields.String(validate=validate.Length(max=300))
    contact_email = fields.String(validate=validate.Length(max=254))
    contact_phone = fields.String(validate=validate.Length(max=40))
    legal_name = fields.String(validate=validate.Length(max=200))
    address = fields.String(validate=validate.Length(max=1000))
    country = fields.String(validate=validate.Length(max=2))
    vat_id = fields.String(validate=validate.Length(max=20))


class SponsorPatchSchema(SponsorInSchema):
    """Any field of a sponsor (the others are kept)."""


class SponsorSchema(PublicSponsorSchema):
    package_id = fields.Integer()
    contact_email = fields.String()
    contact_phone = fields.String()
    legal_name = fields.String()
    address = fields.String()
    country = fields.String()
    vat_id = fields.String()
    invoice_number = fields.String(allow_none=True)
    passes_used = fields.Integer()
    benefits = fields.Method("_benefits")

    def _benefits(self, sponsor):
        return [{"name": b.name, "delivered": b.delivered_at is not None} for b in sponsor.benefits]


def _package(congress, package_id):
    package = queries.get_package(congress, package_id)
    if package is None:
        raise ValidationFailed(
            "No package with this id.", fields={"package_id": ["No package with this id."]}
        )
    return package


@blp.route("/packages", methods=["GET"])
@organizer_token_required
@blp.response(200, PackageSchema(many=True))
@blp.doc(security=SECURITY)
def list_packages():
    """Sponsorship packages with how many are sold (organizers)."""
    return queries.get_packages(_congress())


@blp.route("/packages", methods=["POST"])
@organizer_token_required
@blp.arguments(PackageSchema)
@blp.response(201, PackageSchema)
@blp.doc(security=SECURITY)
def create_package(payload):
    """Create a sponsorship package (organizers)."""
    package = services.create_package(_congress(), **payload)
    db.session.commit()
    return package


@blp.route("/packages/<int:package_id>", methods=["PATCH"])
@organizer_token_required
@blp.arguments(PackagePatchSchema(partial=True))
@blp.response(200, PackageSchema)
@blp.doc(security=SECURITY)
def patch_package(payload, package_id):
    """Change a package; `available` never below what is sold (organizers)."""
    package = queries.get_package(_congress(), package_id)
    if package is None:
        abort(404, message="No package with this id.")
    services.update_package(package, **payload)
    db.session.commit()
    return package


@blp.route("/sponsors", methods=["GET"])
@blp.response(200, PublicSponsorSchema(many=True))
def list_sponsors():
    """The sponsors, highest tier first (public)."""
    return [
        sponsor for _, sponsors in queries.get_sponsors_by_tier(_congress()) for sponsor in sponsors
    ]


@blp.route("/sponsors", methods=["POST"])
@organizer_token_required
@blp.arguments(SponsorInSchema)
@blp.response(201, SponsorSchema)
@blp.doc(security=SECURITY)
def create_sponsor(payload):
    """Sign a company up to a package: 409 `sold_out` when none is left (organizers)."""
    congress = _congress()
    package = _package(congress, payload.pop("package_id"))
    sponsor = services.sign_up_sponsor(congress, package, **payload)
    db.session.commit()
    return sponsor


@blp.route("/sponsors/<int:sponsor_id>", methods=["PATCH"])
@organizer_token_required
@blp.arguments(SponsorPatchSchema(partial=True))
@blp.response(200, SponsorSchema)
@blp.doc(security=SECURITY)
def patch_sponsor(payload, sponsor_id):
    """Change a sponsor's profile or package (organizers)."""
    congress = _congress()
    sponsor = queries.get_sponsor(congress, sponsor_id)
    if sponsor is None:
        abort(404, message="No sponsor with this id.")
    if "package_id" in payload:
        services.change_package(sponsor, _package(congress, payload.pop("package_id")))
    services.update_sponsor(sponsor, **payload)
    db.session.commit()
    return sponsor
