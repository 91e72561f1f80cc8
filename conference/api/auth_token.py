"""Authentication: POST /api/v1/auth/token trades email and password for a bearer token;
GET /api/v1/me tells a token's holder who they are."""

from __future__ import annotations

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from conference.accounts.services import AccountLocked, authenticate, issue_api_token
from conference.api.auth import bearer_user, token_required
from conference.errors import NotAllowed
from conference.extensions import db
from conference.security import password_check_limit

blp = Blueprint("api_auth", __name__, url_prefix="/api/v1", description="Authentication")

SECURITY = [{"bearerAuth": []}]


class TokenRequest(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class TokenResponse(Schema):
    token = fields.String()
    expires_at = fields.DateTime()


class MeResponse(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    title = fields.String()
    display_name = fields.String()
    affiliation = fields.String()
    country = fields.String(metadata={"description": "ISO 3166-1 alpha-2, or empty"})
    roles = fields.Function(
        lambda user: sorted(role.value for role in user.role_names),
        metadata={
            "type": "array",
            "items": {"type": "string", "enum": ["reviewer", "organizer", "admin"]},
            "description": "Roles beyond attending (an attendee has none).",
        },
    )
    email_confirmed = fields.Boolean(attribute="is_confirmed")


@blp.route("/auth/token", methods=["POST"])
@password_check_limit
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
@blp.alt_response(401, description="Wrong email or password")
@blp.alt_response(429, description="Too many attempts from this client or for this account")
def create_token(payload):
    """Issue a bearer token (valid API_TOKEN_DAYS days)."""
    try:
        user = authenticate(payload["email"], payload["password"])
    except NotAllowed as exc:
        db.session.rollback()
        if not isinstance(exc, AccountLocked):  # that one stays 429 with its own code
            exc.status, exc.code = 401, "unauthorized" if exc.code == "forbidden" else exc.code
        raise
    raw, token = issue_api_token(user)
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at}


@blp.route("/me", methods=["GET"])
@blp.doc(security=SECURITY)
@token_required()
@blp.response(200, MeResponse)
@blp.alt_response(401, description="No valid bearer token")
def me():
    """The account of the token's holder."""
    return bearer_user()
