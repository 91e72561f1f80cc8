"""API resources of the abstracts domain."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_abstracts", __name__, url_prefix="/api/v1", description="Abstracts")
