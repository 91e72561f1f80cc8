"""Absolute URLs for emails, exports and the API, built from BASE_URL (no request needed)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def site_path(endpoint: str, **values) -> str:
    """The path of an endpoint on this site, without a request (emails, tokens, exports).

    A congress page or resource is built for the current congress unless `congress` (a slug
    or a Congress) is given.
    """
    if "congress" not in values and endpoint in getattr(current_app, "scoped_endpoints", ()):
        from conference.congresses.context import get_current_congress

        congress = get_current_congress()
        if congress is not None:
            values["congress"] = congress.slug
    adapter = current_app.url_map.bind("localhost")
    return adapter.build(endpoint, values)


def external_url(endpoint: str, **values) -> str:
    """The public URL of an endpoint, e.g. for a link in an email sent by the worker."""
    return current_app.config["BASE_URL"].rstrip("/") + site_path(endpoint, **values)


def local_path(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (for `next=` redirects).

    Browsers drop tabs and line breaks from URLs and read a backslash as a slash, so
    "/\t/evil.example" or "/\\evil.example" would lead off the site; they are refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
