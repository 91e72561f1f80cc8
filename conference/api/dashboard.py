"""API resource of the organizer dashboard: the figures behind every chart of /manage/."""

from __future__ import annotations

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from conference.admin.dashboard import get_dashboard
from conference.api.auth import organizer_token_required
from conference.program.queries import get_current_congress

blp = Blueprint("api_dashboard", __name__, url_prefix="/api/v1", description="Dashboard")


def _money(**kwargs):
    return fields.Decimal(as_string=True, **kwargs)


class TotalsSchema(Schema):
    holding = fields.Integer(metadata={"description": "Registrations holding a place."})
    confirmed = fields.Integer()
    waitlisted = fields.Integer()
    cancelled = fields.Integer()
    fees = _money(metadata={"description": "Fees of the places held."})
    paid = _money(metadata={"description": "Money received less refunds (waivers excluded)."})
    outstanding = _money(metadata={"description": "What registrations holding a place owe."})


class CategoryFiguresSchema(TotalsSchema):
    slug = fields.String()
    name = fields.String()
    capacity = fields.Integer(allow_none=True)
    list_url = fields.String(metadata={"description": "The registrations holding a place."})
    all_url = fields.String(metadata={"description": "Every registration of the category."})


class PlacesDaySchema(Schema):
    day = fields.Date()
    new = fields.Integer()
    cumulative = fields.Integer()
    by_category = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Cumulative places held, by category slug."},
    )


class RegistrationFiguresSchema(Schema):
    capacity = fields.Integer(allow_none=True)
    places_per_day = fields.List(fields.Nested(PlacesDaySchema))
    categories = fields.List(fields.Nested(CategoryFiguresSchema))
    totals = fields.Nested(TotalsSchema)
    status_counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    list_url = fields.String()
    totals_url = fields.String()


class TrackAbstractsSchema(Schema):
    slug = fields.String(allow_none=True)
    name = fields.String()
    draft = fields.Integer()
    submitted = fields.Integer()
    withdrawn = fields.Integer()
    list_urls = fields.Dict(keys=fields.String(), values=fields.String(allow_none=True))


class DecisionFiguresSchema(Schema):
    outcome = fields.String()
    label = fields.String()
    count = fields.Integer()
    list_url = fields.String()


class ReviewProgressSchema(Schema):
    track = fields.String()
    slug = fields.String()
    assigned = fields.Integer()
    done = fields.Integer()
    list_url = fields.String()


class ReviewerBehindSchema(Schema):
    name = fields.String()
    assigned = fields.Integer()
    done = fields.Integer()


class AbstractFiguresSchema(Schema):
    by_track = fields.List(fields.Nested(TrackAbstractsSchema))
    decisions = fields.List(fields.Nested(DecisionFiguresSchema))
    accepted = fields.Integer()
    accepted_outcomes = fields.List(fields.String())
    review_progress = fields.List(fields.Nested(ReviewProgressSchema))
    reviewers_behind = fields.List(fields.Nested(ReviewerBehindSchema))
    reviewers_with_assignments = fields.Integer()
    reviewers_url = fields.String()


class ProgramFiguresSchema(Schema):
    accepted = fields.Integer()
    scheduled = fields.Integer()
    unscheduled = fields.Integer()
    conflicts = fields.Integer()
    conflicts_by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    schedule_url = fields.String()
    conflicts_url = fields.String()


class OutboxCountsSchema(Schema):
    queued = fields.Integer()
    sending = fields.Integer()
    sent = fields.Integer()
    failed = fields.Integer()


class OutboxFiguresSchema(Schema):
    counts = fields.Nested(OutboxCountsSchema)
    list_urls = fields.Dict(keys=fields.String(), values=fields.String())
    list_url = fields.String()


class DashboardSchema(Schema):
    congress = fields.String()
    currency = fields.String()
    registrations = fields.Nested(RegistrationFiguresSchema)
    abstracts = fields.Nested(AbstractFiguresSchema)
    program = fields.Nested(ProgramFiguresSchema)
    outbox = fields.Nested(OutboxFiguresSchema)


@blp.route("/dashboard", methods=["GET"])
@organizer_token_required
@blp.response(200, DashboardSchema)
@blp.doc(security=[{"bearerAuth": []}])
def dashboard():
    """The figures behind every chart of the organizer dashboard, each with the list behind it
    (`*_url`: pages of the organizer interface)."""
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return get_dashboard(congress)
