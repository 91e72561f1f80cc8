"""HTTP validators and compression for public, shared responses (exports, public pages).

A public response carries a strong `ETag` per representation (identity, gzip, brotli: RFC 9110
requires different tags for different content codings), `Last-Modified`, `Vary:
Accept-Encoding` and `Cache-Control: public, max-age=PUBLIC_CACHE_SECONDS`, so a reverse proxy
or CDN may keep it briefly; a conditional request that still matches any representation gets
304 with no body. Responses to signed-in users are turned into `no-store` by
`conference.security.set_cache_control` whatever is set here.
"""

from __future__ import annotations

from datetime import datetime

from flask import Response, current_app, request

ENCODINGS = ("br", "gzip")


def _tag(etag: str, coding: str | None) -> str:
    return f"{etag}-{coding}" if coding else etag


def choose_encoding(available: dict[str, object]) -> str | None:
    """The content coding to send: brotli, then gzip, when the client accepts it."""
    for coding in ENCODINGS:
        if coding in available and request.accept_encodings[coding] > 0:
            return coding
    return None


def is_not_modified(etag: str, last_modified: datetime | None) -> bool:
    """The client's copy (any representation of this content) is current."""
    if request.if_none_match:
        return any(
            request.if_none_match.contains_weak(_tag(etag, coding)) for coding in (None, *ENCODINGS)
        )
    if request.if_modified_since and last_modified is not None:
        return last_modified.replace(microsecond=0) <= request.if_modified_since
    return False


def public_response(
    content: bytes,
    *,
    mimetype: str,
    etag: str,
    last_modified: datetime | None = None,
    encoded: dict[str, object] | None = None,
) -> Response:
    """A shared response with validators; `encoded` maps a coding to its bytes (or to a
    callable that makes them, called only when that coding is sent)."""
    encoded = encoded or {}
    coding = choose_encoding(encoded)
    if is_not_modified(etag, last_modified):
        response = Response(status=304)
    else:
        body = content
        if coding is not None:
            made = encoded[coding]
            body = made() if callable(made) else made
        response = Response(body, mimetype=mimetype.split(";")[0])
        response.headers["Content-Type"] = mimetype
        if coding is not None:
            response.headers["Content-Encoding"] = coding
    response.headers["ETag"] = f'"{_tag(etag, coding)}"'
    if last_modified is not None:
        response.last_modified = last_modified.replace(microsecond=0)
    response.vary.add("Accept-Encoding")
    seconds = current_app.config["PUBLIC_CACHE_SECONDS"]
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response
