"""POST /api/v1/auth/token: trade email and password for a bearer token."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from conference.accounts.services import authenticate, issue_api_token
from conference.errors import NotAllowed
from conference.extensions import db, limiter

blp = Blueprint("api_auth", __name__, url_prefix="/api/v1/auth", description="Authentication")


class TokenRequest(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)


class TokenResponse(Schema):
    token = fields.String()
    expires_at = fields.DateTime()


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/token", methods=["POST"])
@limiter.limit(_login_limit)
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
@blp.alt_response(401, description="Wrong email or password")
@blp.alt_response(429, description="Too many attempts")
def create_token(payload):
    """Issue a bearer token (valid API_TOKEN_DAYS days)."""
    try:
        user = authenticate(payload["email"], payload["password"])
    except NotAllowed as exc:
        db.session.rollback()
        exc.status, exc.code = 401, "unauthorized" if exc.code == "forbidden" else exc.code
        raise
    raw, token = issue_api_token(user)
    db.session.commit()
    return {"token": raw, "expires_at": token.expires_at}
