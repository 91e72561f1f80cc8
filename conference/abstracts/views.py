"""Abstract submission, review and decision pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("abstracts", __name__)
