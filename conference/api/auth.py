"""Bearer-token authentication for the API."""

from __future__ import annotations

from functools import wraps

from flask import abort, g, request

from conference.accounts.models import Role, User
from conference.accounts.services import user_for_api_token


def bearer_user() -> User | None:
    """The user of the request's Bearer token, looked up once per request."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        g.api_user = user_for_api_token(raw.strip()) if scheme.lower() == "bearer" and raw else None
    return g.api_user


def token_required(role: Role | str | None = None):
    """401 without a valid token; 403 when the token's user lacks `role`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = bearer_user()
            if user is None:
                abort(401)
            if role is not None and not user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


organizer_token_required = token_required(Role.ORGANIZER)
