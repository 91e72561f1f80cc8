"""The congress, its tracks, rooms and professional categories."""

from __future__ import annotations

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from conference.api.auth import organizer_token_required
from conference.api.schemas import Integer, LocalOrAwareDateTime, Translations
from conference.content import services as content
from conference.extensions import db
from conference.program import services as program_services
from conference.program.models import CountingPreset, Room, RoomKind, TableCounting
from conference.program.queries import (
    get_current_congress,
    get_rooms,
    get_track_by_slug,
    get_tracks,
)
from conference.registration.queries import get_categories

blp = Blueprint("api_congress", __name__, url_prefix="/api/v1", description="Congress setup")

KEY_DATES = program_services.KEY_DATE_FIELDS


class AbstractRulesSchema(Schema):
    counting_preset = fields.String(validate=validate.OneOf([p.value for p in CountingPreset]))
    length_limit = Integer()
    count_title = fields.Boolean()
    count_headings = fields.Boolean()
    count_spaces = fields.Boolean()
    table_counting = fields.String(validate=validate.OneOf([t.value for t in TableCounting]))
    table_flat_amount = Integer()
    max_tables = Integer()
    max_authors = Integer()
    first_author_quota = Integer()
    reviews_per_abstract = Integer()
    abstract_fee = fields.String(
        allow_none=True,
        metadata={"description": "Fee per abstract; null or 0: none.", "example": "75.00"},
    )
    abstract_fee_waiver_countries = fields.List(
        fields.String(),
        allow_none=True,
        metadata={"description": "ISO codes whose authors pay no fee; null: the default list."},
    )


class CongressSchema(Schema):
    name = fields.String()
    short_name = fields.String()
    slug = fields.String(dump_only=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    timezone = fields.String()
    venue = fields.String()
    city = fields.String()
    country = fields.String()
    description = fields.String()
    currency = fields.String()
    website = fields.String()
    contact_email = fields.String()
    translations = Translations("congress", ("name", "short_name", "description", "venue"))
    key_dates = fields.Method("dump_key_dates", dump_only=True)
    abstract_rules = fields.Method("dump_rules", dump_only=True)

    def dump_key_dates(self, congress):
        return {
            field: (getattr(congress, field).isoformat() if getattr(congress, field) else None)
            for field in KEY_DATES
        }

    def dump_rules(self, congress):
        from conference.abstracts.fees import waiver_countries

        rules = AbstractRulesSchema().dump(congress)
        rules["abstract_fee_waiver_countries"] = waiver_countries(congress)
        return rules


def _patch_fields():
    declared = {
        name: field
        for name, field in CongressSchema._declared_fields.items()
        if not field.dump_only
    }
    declared.update({name: LocalOrAwareDateTime(allow_none=True) for name in KEY_DATES})
    declared.update(AbstractRulesSchema._declared_fields)
    return declared


CongressPatchSchema = Schema.from_dict(_patch_fields(), name="CongressPatch")


class TrackSchema(Schema):
    id = Integer(dump_only=True)
    name = fields.String(required=True)
    slug = fields.String()
    description = fields.String()
    colour = fields.String()
    position = Integer()
    is_active = fields.Boolean()
    translations = Translations("track", ("name", "description"))


class TrackPatchSchema(TrackSchema):
    name = fields.String()


class RoomSchema(Schema):
    id = Integer(dump_only=True)
    name = fields.String(required=True)
    capacity = Integer(allow_none=True)
    position = Integer()
    kind = fields.String(
        validate=validate.OneOf([kind.value for kind in RoomKind]),
        metadata={"description": "session_room (default), exhibition_area or poster_area."},
    )


class RoomPatchSchema(RoomSchema):
    name = fields.String()


class CategorySchema(Schema):
    slug = fields.String()
    name = fields.String()
    description = fields.String()
    requires_proof = fields.Boolean()
    proof_hint = fields.String()
    is_prescriber = fields.Boolean()
    is_cme_eligible = fields.Boolean()
    translations = Translations("category", ("name", "description", "proof_hint"))


def _congress():
    congress = get_current_congress()
    if congress is None:
        abort(404, message="No congress is set up yet.")
    return congress


@blp.route("/conference", methods=["GET"])
@blp.response(200, CongressSchema)
def get_conference():
    """The congress: names, dates, time zone, venue, key dates and abstract rules."""
    return _congress()


@blp.route("/conference", methods=["PATCH"])
@organizer_token_required
@blp.arguments(CongressPatchSchema)
@blp.response(200, CongressSchema)
@blp.doc(security=[{"bearerAuth": []}])
def patch_conference(payload):
    """Change the congress's details, key dates, counting rule and limits (organizers)."""
    congress = _congress()
    translations = payload.pop("translations", None)
    program_services.update_congress(congress, **payload)
    if translations:
        content.set_object_translations(congress, "congress", congress.id, translations)
    db.session.commit()
    return congress


@blp.route("/tracks", methods=["GET"])
@blp.response(200, TrackSchema(many=True))
def list_tracks():
    """Active tracks in their display order."""
    return get_tracks(_congress(), active_only=True)


@blp.route("/tracks", methods=["POST"])
@organizer_token_required
@blp.arguments(TrackSchema)
@blp.response(201, TrackSchema)
@blp.doc(security=[{"bearerAuth": []}])
def create_track(payload):
    """Add a track (organizers)."""
    congress = _congress()
    translations = payload.pop("translations", None)
    track = program_services.create_track(congress, **payload)
    if translations:
        content.set_object_translations(congress, "track", track.id, translations)
    db.session.commit()
    return track


@blp.route("/tracks/<slug>", methods=["PATCH"])
@organizer_token_required
@blp.arguments(TrackPatchSchema)
@blp.response(200, TrackSchema)
@blp.doc(security=[{"bearerAuth": []}])
def patch_track(payload, slug):
    """Rename, recolour, reorder or retire a track (organizers)."""
    congress = _congress()
    track = get_track_by_slug(congress, slug)
    if track is None:
        abort(404, message="No track with this slug.")
    translations = payload.pop("translations", None)
    program_services.update_track(track, **payload)
    if translations:
        content.set_object_translations(congress, "track", track.id, translations)
    db.session.commit()
    return track


@blp.route("/rooms", methods=["GET"])
@blp.response(200, RoomSchema(many=True))
def list_rooms():
    """Rooms of the venue with their capacity."""
    return get_rooms(_congress())


@blp.route("/rooms", methods=["POST"])
@organizer_token_required
@blp.arguments(RoomSchema)
@blp.response(201, RoomSchema)
@blp.doc(security=[{"bearerAuth": []}])
def create_room(payload):
    """Add a room (organizers)."""
    room = program_services.create_room(_congress(), **payload)
    db.session.commit()
    return room


@blp.route("/rooms/<int:room_id>", methods=["PATCH"])
@organizer_token_required
@blp.arguments(RoomPatchSchema)
@blp.response(200, RoomSchema)
@blp.doc(security=[{"bearerAuth": []}])
def patch_room(payload, room_id):
    """Rename a room or change its capacity (organizers)."""
    room = db.session.get(Room, room_id)
    if room is None or room.congress_id != _congress().id:
        abort(404, message="No room with this id.")
    program_services.update_room(room, **payload)
    db.session.commit()
    return room


@blp.route("/categories", methods=["GET"])
@blp.response(200, CategorySchema(many=True))
def list_categories():
    """Professional categories attendees register under."""
    return get_categories(_congress(), active_only=True)
