"""Access decorators and security headers shared by every blueprint."""

from __future__ import annotations

from functools import wraps

from flask import abort, request
from flask_login import current_user, login_required
from werkzeug.datastructures import ImmutableMultiDict

from conference.accounts.models import Role

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'; media-src 'self' blob:; connect-src 'self'"
)


def role_required(role: Role | str):
    """Let through signed-in users holding `role` (admins hold all); others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


organizer_required = role_required(Role.ORGANIZER)


def set_security_headers(response):
    """Add CSP, frame denial, nosniff and referrer policy to every response."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _without_nul(values: ImmutableMultiDict) -> ImmutableMultiDict:
    if not any("\x00" in key or "\x00" in value for key, value in values.items(multi=True)):
        return values
    return ImmutableMultiDict(
        (key.replace("\x00", ""), value.replace("\x00", ""))
        for key, value in values.items(multi=True)
    )


def _nul_paths(value, path: str = "") -> list[str]:
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        found = [f"{path}.{key}".lstrip(".") for key in value if "\x00" in str(key)]
        for key, inner in value.items():
            found += _nul_paths(inner, f"{path}.{key}".lstrip("."))
        return found
    if isinstance(value, list):
        return [
            p for index, inner in enumerate(value) for p in _nul_paths(inner, f"{path}.{index}")
        ]
    return []


def drop_nul_characters():
    """NUL characters never belong in text and PostgreSQL cannot store them.

    Form fields and query parameters lose them (so a form keeps what was typed and shows its
    usual messages); a JSON body that contains one is refused with a 422 naming the fields.
    """
    from conference.errors import ValidationFailed

    request.args = _without_nul(request.args)
    limit = request.max_content_length
    if limit is not None and (request.content_length or 0) > limit:
        return  # a view may raise its own limit (program import) before the body is read
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        request.form = _without_nul(request.form)
    elif request.is_json:
        paths = _nul_paths(request.get_json(silent=True))
        if paths:
            raise ValidationFailed(
                "Text may not contain NUL characters.",
                fields={path: ["Remove the NUL character (\\u0000)."] for path in paths},
            )
