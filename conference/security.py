"""Access decorators, rate limits of password checks, security and caching headers shared by
every blueprint, and the request filters that run before any view."""

from __future__ import annotations

import re
from functools import wraps

from flask import abort, current_app, g, request
from flask_login import current_user, login_required
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest

from conference.accounts.models import Role
from conference.extensions import limiter

#: Deepest nesting of arrays and objects a JSON body may have (real payloads need under 10).
MAX_JSON_DEPTH = 64

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


# -- rate limits -------------------------------------------------------------------------------


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _signup_limit() -> str:
    return current_app.config["SIGNUP_RATE_LIMIT"]


#: One bucket per client for every password (or emailed-token) check: web login, API token,
#: password reset, confirmation. Shared by every worker process through REDIS_URL.
password_check_limit = limiter.shared_limit(_login_limit, scope="password-check", methods=["POST"])

#: Account creation per client (sign-up would otherwise probe or flood mailboxes).
signup_limit = limiter.shared_limit(_signup_limit, scope="sign-up", methods=["POST"])


# -- caching of personal data ------------------------------------------------------------------


def mark_personal() -> None:
    """Mark this response as carrying personal data: it gets `Cache-Control: no-store`.

    Responses to a signed-in user (session or API token) get it anyway; call this in views that
    show personal data to someone who is not signed in (a registration reached by its private
    link, for example).
    """
    g.personal_data = True


def _is_signed_in() -> bool:
    if g.get("api_user") is not None:
        return True
    # Only look up the session's user when the request could have one (no query otherwise).
    if "_login_user" not in g and not request.cookies:
        return False
    return bool(current_user and current_user.is_authenticated)


def set_cache_control(response):
    """No shared or browser cache keeps a page meant for one person (after_request)."""
    if request.endpoint == "static":
        return response
    if g.get("personal_data") or _is_signed_in():
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


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


_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _json_too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when arrays and objects nest deeper than `limit`: checked before parsing and
    without recursion, so no body can exhaust the parser's stack or ours."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for match in _JSON_TOKENS.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def _nul_paths(value) -> list[str]:
    """Paths (a.0.b) of every string or key holding a NUL character, found without recursion."""
    found = []
    stack = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                found.append(path or "body")
        elif isinstance(item, dict):
            for key, inner in item.items():
                inner_path = f"{path}.{key}".lstrip(".")
                if "\x00" in str(key):
                    found.append(inner_path)
                stack.append((inner, inner_path))
        elif isinstance(item, list):
            stack.extend((inner, f"{path}.{index}") for index, inner in enumerate(item))
    return sorted(found)


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
        if _json_too_deep(request.get_data(cache=True)):
            raise BadRequest(
                f"The JSON body is nested too deeply (more than {MAX_JSON_DEPTH} levels of "
                "arrays and objects)."
            )
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # pragma: no cover - the depth check comes first
            raise BadRequest("The JSON body is nested too deeply.") from None
        paths = _nul_paths(body)
        if paths:
            raise ValidationFailed(
                "Text may not contain NUL characters.",
                fields={path: ["Remove the NUL character (\\u0000)."] for path in paths},
            )
