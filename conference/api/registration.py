"""API resources of the registration domain."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_registration", __name__, url_prefix="/api/v1", description="Registration")
