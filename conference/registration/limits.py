"""Rate limit of registering: one budget per client shared by the web form and the API."""

from __future__ import annotations

from flask import current_app

from conference.extensions import limiter


def _registration_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


def _organizer_token() -> bool:
    from conference.api.auth import bearer_user

    user = bearer_user()
    return user is not None and user.is_organizer


#: The register form (anyone) and POST /api/v1/registrations (anonymous or attendee tokens;
#: organizers registering people in bulk are exempt) draw on the same per-client budget, so
#: places cannot be hoarded through the API.
limit_web_registration = limiter.shared_limit(
    _registration_limit, scope="registration", methods=["POST"]
)
limit_api_registration = limiter.shared_limit(
    _registration_limit, scope="registration", exempt_when=_organizer_token
)
