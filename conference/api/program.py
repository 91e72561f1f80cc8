"""API resources of the program domain."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("api_program", __name__, url_prefix="/api/v1", description="Program")
