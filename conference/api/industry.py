"""API resources of the industry domain: packages, sponsors, exhibitor passes, leads."""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from conference.api.auth import bearer_user, organizer_token_required
from conference.api.schemas import Integer
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.industry import exhibition, leads, queries, services
from conference.program.queries import get_current_congress

blp = Blueprint("api_industry", __name__, url_prefix="/api/v1", description="Industry")
SECURITY = [{"bearerAuth": []}]


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return congress


class PackageSchema(Schema):
    id = Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=80))
    price = fields.Decimal(required=True, as_string=True, places=2)
    available = Integer(required=True, validate=validate.Range(min=0, max=10_000))
    sold = Integer(dump_only=True)
    remaining = Integer(dump_only=True)
    exhibitor_passes = Integer(load_default=0, validate=validate.Range(min=0, max=10_000))
    booth_size = fields.String(load_default="", validate=validate.Length(max=40))
    benefits = fields.List(fields.String(validate=validate.Length(max=200)), load_default=list)
    position = Integer(validate=validate.Range(min=0, max=10_000))


class PackagePatchSchema(PackageSchema):
    """Any field of a package (the others are kept)."""


class PublicSponsorSchema(Schema):
    id = Integer()
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
    package_id = Integer(required=True)
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
    package_id = Integer()
    contact_email = fields.String()
    contact_phone = fields.String()
    legal_name = fields.String()
    address = fields.String()
    country = fields.String()
    vat_id = fields.String()
    invoice_number = fields.String(allow_none=True)
    passes_used = Integer()
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


# -- exhibitor passes and booths ----------------------------------------------------------------


def managed_sponsor(sponsor_id):
    """The sponsor for its own contact people and organizers (token); 404 for anyone else."""
    user = bearer_user()
    if user is None:
        abort(401)
    sponsor = queries.get_sponsor(_congress(), sponsor_id)
    if sponsor is None or not sponsor.can_manage(user):
        abort(404, message="No sponsor with this id.")
    return sponsor, user


class PassInSchema(Schema):
    first_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    last_name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    country = fields.String(
        load_default="",
        validate=validate.Length(max=2),
        metadata={"description": "ISO 3166-1 alpha-2; empty: the company's country."},
    )
    extra = fields.Boolean(
        load_default=False,
        metadata={
            "description": "A pass beyond the package's, at the exhibitor fee (invoiced to the "
            "company); without it, 409 passes_used_up once the package's passes are used."
        },
    )


class PassSchema(Schema):
    id = Integer()
    name = fields.String()
    email = fields.String()
    reference = fields.String(attribute="registration_reference")
    is_included = fields.Boolean(
        metadata={"description": "False: bought beyond the package at the exhibitor fee."}
    )
    passes_used = Integer(attribute="sponsor.passes_used")
    passes_included = Integer(attribute="sponsor.package.exhibitor_passes")


@blp.route("/sponsors/<int:sponsor_id>/passes", methods=["POST"])
@blp.arguments(PassInSchema)
@blp.response(201, PassSchema)
@blp.doc(security=SECURITY)
def create_pass(payload, sponsor_id):
    """Register a staff member on one of the sponsor's exhibitor passes, without paying
    (the sponsor's contact people and organizers). 409 `passes_used_up` when all are used."""
    sponsor, user = managed_sponsor(sponsor_id)
    extra = payload.pop("extra")
    exhibitor_pass = exhibition.register_staff(sponsor, payload, by=user, extra=extra)
    db.session.commit()
    return exhibitor_pass


@blp.route("/sponsors/<int:sponsor_id>/passes", methods=["GET"])
@blp.response(200, PassSchema(many=True))
@blp.doc(security=SECURITY)
def list_passes(sponsor_id):
    """The sponsor's exhibitor passes (its contact people and organizers)."""
    sponsor, _user = managed_sponsor(sponsor_id)
    return exhibition.get_passes(sponsor)


class BoothSchema(Schema):
    id = Integer()
    number = fields.String()
    hall = fields.String(
        attribute="hall_name", metadata={"description": "The exhibition area (room) it stands in."}
    )
    room_id = Integer(allow_none=True, metadata={"description": "That room's id."})
    size = fields.String()
    x = fields.Decimal(as_string=True, allow_none=True)
    y = fields.Decimal(as_string=True, allow_none=True)
    sponsor = fields.String(attribute="sponsor.name", allow_none=True)


@blp.route("/booths", methods=["GET"])
@blp.arguments(
    Schema.from_dict({"q": fields.String(load_default="", validate=validate.Length(max=100))})(),
    location="query",
)
@blp.response(200, BoothSchema(many=True))
def list_booths(args):
    """The exhibition's booths with their companies (public); `q` searches them."""
    return exhibition.get_booths(_congress(), args["q"])


# -- leads ----------------------------------------------------------------------------------------


class ScanInSchema(Schema):
    reference = fields.String(
        required=True,
        validate=validate.Length(max=40),
        metadata={"description": "The badge's reference (its QR code)."},
    )
    scan_id = fields.String(
        load_default=None,
        validate=validate.Length(max=64),
        metadata={
            "description": "Client-chosen id: the same id sent again records nothing more "
            "(200 with the first result)."
        },
    )
    sponsor_id = Integer(
        load_default=None, metadata={"description": "Needed only when you scan for several."}
    )


class ContactOut(Schema):
    name = fields.String()
    email = fields.String()
    affiliation = fields.String()
    country = fields.String()
    category = fields.String()


class ScanOut(Schema):
    scan_id = fields.String(attribute="lead.scan_id")
    created = fields.Boolean()
    is_prescriber = fields.Boolean(
        metadata={"description": "May be shown promotion of prescription medicines."}
    )
    consented = fields.Boolean(attribute="is_consented")
    contact = fields.Nested(
        ContactOut, allow_none=True, metadata={"description": "Null without consent."}
    )


class LeadOut(ContactOut):
    scanned_at = fields.DateTime()
    is_prescriber = fields.Boolean()


class LeadsOut(Schema):
    sponsor_id = Integer()
    consented = Integer()
    anonymous = Integer()
    prescribers = Integer()
    leads = fields.List(fields.Nested(LeadOut), metadata={"description": "Consenting people only."})


def _token_user():
    user = bearer_user()
    if user is None:
        abort(401)
    return user


@blp.route("/leads/scans", methods=["POST"])
@blp.arguments(ScanInSchema)
@blp.doc(security=SECURITY, responses={"201": {"description": "Recorded"}})
@blp.response(200, ScanOut)
def post_scan(payload):
    """Record a badge scanned at the booth (exhibitor staff): contact details only with the
    attendee's consent, the prescriber flag always; idempotent by `scan_id`."""
    user = _token_user()
    sponsor = leads.scanning_sponsor(_congress(), user, payload["sponsor_id"])
    result = leads.record_scan(sponsor, payload["reference"], scan_id=payload["scan_id"], by=user)
    db.session.commit()
    return result, 201 if result.created else 200


@blp.route("/leads", methods=["GET"])
@blp.arguments(Schema.from_dict({"sponsor_id": Integer(load_default=None)})(), location="query")
@blp.response(200, LeadsOut)
@blp.doc(security=SECURITY)
def get_leads(args):
    """The company's own leads (its contact people only; never another company's)."""
    user = _token_user()
    congress = _congress()
    if args["sponsor_id"] is not None:
        sponsor = queries.get_sponsor(congress, args["sponsor_id"])
    else:
        managed = queries.get_sponsors_managed_by(congress, user)
        sponsor = managed[0] if len(managed) == 1 else None
    if sponsor is None or not leads.can_see_leads(sponsor, user):
        abort(404, message="No sponsor with this id.")
    found = leads.get_leads(sponsor)
    return {
        "sponsor_id": sponsor.id,
        "consented": found.consented,
        "anonymous": found.anonymous,
        "prescribers": found.prescribers,
        "leads": [
            {**row.contact, "scanned_at": row.scanned_at, "is_prescriber": row.is_prescriber}
            for row in found.rows
            if row.contact is not None
        ],
    }


# -- transfers of value ---------------------------------------------------------------------------


@blp.route("/transfers-of-value", methods=["GET"])
@organizer_token_required
@blp.arguments(Schema.from_dict({"sponsor_id": Integer(load_default=None)})(), location="query")
@blp.doc(
    security=SECURITY,
    responses={
        "200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
def transfers_of_value(args):
    """Transfers of value as CSV, all or one company's (organizers): payer, recipient, kind,
    amount, currency, date, for the transparency reports companies file."""
    from flask import Response

    from conference.industry import transfers

    data = transfers.transfers_csv(transfers.get_transfers(_congress(), args["sponsor_id"]))
    response = Response(data, mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="transfers-of-value.csv"'
    return response
