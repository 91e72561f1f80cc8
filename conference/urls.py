"""Absolute URLs for emails, exports and the API, built from BASE_URL (no request needed)."""

from __future__ import annotations

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The public URL of an endpoint, e.g. for a link in an email sent by the worker."""
    adapter = current_app.url_map.bind("localhost")
    path = adapter.build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path
