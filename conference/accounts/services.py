"""Accounts: sign-up, confirmation, login, password reset, profile, roles and API tokens."""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from datetime import datetime, timedelta

import pycountry
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from conference.accounts.models import ApiToken, Role, User, UserRole
from conference.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from conference.extensions import db
from conference.mail import queue_mail
from conference.models import utcnow
from conference.program.models import Track
from conference.registration.models import ProfessionalCategory
from conference.urls import external_url

_hashers: dict[tuple, PasswordHasher] = {}


def _password_hasher() -> PasswordHasher:
    """Argon2id with the configured cost (tests use a cheap one; production the default)."""
    params = tuple(sorted((current_app.config.get("ARGON2_PARAMS") or {}).items()))
    if params not in _hashers:
        _hashers[params] = PasswordHasher(**dict(params))
    return _hashers[params]


#: A few of the most common passwords; a long list would add little with the length rule.
COMMON_PASSWORDS = {
    "password",
    "password1",
    "password123",
    "passw0rd",
    "qwerty123",
    "1234567890",
    "123456789a",
    "iloveyou1",
    "letmein123",
    "welcome123",
    "qwertyuiop",
    "abc123456",
    "oncology123",
    "conference",
    "congress2026",
}
MIN_PASSWORD_LENGTH = 10
PASSWORD_RULE = (
    f"Use at least {MIN_PASSWORD_LENGTH} characters, with at least one letter and one digit "
    "or symbol, not your email address and not a common password."
)

CONFIRM_SALT = "email-confirm"
RESET_SALT = "password-reset"


# -- validation helpers ------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def check_email(email: str) -> str | None:
    """Return an error message for an unusable email address, else None."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        return str(exc)
    return None


def password_problems(password: str, email: str = "") -> list[str]:
    """Explain what is wrong with a password under the policy (empty list: acceptable)."""
    problems = []
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Password must be at least {MIN_PASSWORD_LENGTH} characters long.")
    if len(password) > 128:
        problems.append("Password must be at most 128 characters long.")
    if not re.search(r"[A-Za-z]", password) or not re.search(r"[^A-Za-z]", password):
        problems.append("Password needs at least one letter and one digit or symbol.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        problems.append("This password is too common; choose another.")
    if email and lowered == normalize_email(email):
        problems.append("Password must not be your email address.")
    return problems


def check_country(code: str) -> str | None:
    if not code:
        return None
    if pycountry.countries.get(alpha_2=code.upper()) is None:
        return "Choose a country from the list (ISO 3166 two-letter code)."
    return None


def country_choices() -> list[tuple[str, str]]:
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda item: item[1])


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code.upper()) if code else None
    return country.name if country else code


def hash_password(password: str) -> str:
    return _password_hasher().hash(password)


def verify_password(user: User, password: str) -> bool:
    """Check a password; upgrade the hash when the hasher's parameters changed."""
    hasher = _password_hasher()
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def _burn_time(password: str) -> None:
    """Hash anyway when the email is unknown, so timing does not reveal which emails exist."""
    hasher = _password_hasher()
    with contextlib.suppress(VerificationError):
        hasher.verify(hasher.hash("not-a-real-password-0"), password or "x")


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


# -- sign-up and confirmation ------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _validate_profile(errors: FieldErrors, data: dict) -> None:
    if "name" in data and not (data.get("name") or "").strip():
        errors.add("name", "Enter your name.")
    if "country" in data and (problem := check_country(data.get("country") or "")):
        errors.add("country", problem)
    category_id = data.get("category_id")
    if category_id:
        category = db.session.get(ProfessionalCategory, category_id)
        if category is None or not category.is_active:
            errors.add("category_id", "Choose a professional category from the list.")


def sign_up(
    *,
    email: str,
    password: str,
    name: str,
    title: str = "",
    affiliation: str = "",
    country: str = "",
    category_id: int | None = None,
    confirmed: bool = False,
) -> User:
    """Create an account and queue the confirmation email (unless already confirmed)."""
    email = normalize_email(email)
    errors = FieldErrors()
    if problem := check_email(email):
        errors.add("email", problem)
    for problem in password_problems(password, email):
        errors.add("password", problem)
    _validate_profile(errors, {"name": name, "country": country, "category_id": category_id})
    errors.raise_if_any()
    if get_user_by_email(email) is not None:
        raise Conflict(
            "An account with this email address already exists. Log in, or reset your "
            "password if you forgot it.",
            code="email_taken",
            fields={"email": ["An account with this email address already exists."]},
        )
    user = User(
        email=email,
        password_hash=hash_password(password),
        name=name.strip(),
        title=(title or "").strip(),
        affiliation=(affiliation or "").strip(),
        country=(country or "").upper(),
        category_id=category_id or None,
        security_stamp=secrets.token_hex(16),
        email_confirmed_at=utcnow() if confirmed else None,
    )
    try:
        with db.session.begin_nested():  # a savepoint: a lost race must not undo the caller
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        # Someone signed up with this address between our check and our insert.
        raise Conflict(
            "An account with this email address already exists.",
            code="email_taken",
            fields={"email": ["An account with this email address already exists."]},
        ) from None
    if not confirmed:
        send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    """Queue an email with a time-limited link that confirms the address."""
    token = _serializer(CONFIRM_SALT).dumps({"id": user.id, "email": user.email})
    hours = current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600
    queue_mail(
        user.email,
        "Confirm your email address",
        "accounts/confirm",
        user_id=user.id,
        user=user,
        secrets={"link": external_url("accounts.confirm_email", token=token)},
        hours=hours,
    )


def confirm_email(token: str) -> User:
    """Confirm the address named in a token; raise ValidationFailed for a bad/expired one."""
    max_age = current_app.config["EMAIL_TOKEN_MAX_AGE"]
    try:
        data = _serializer(CONFIRM_SALT).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed(
            "This confirmation link has expired. Log in to have a new one sent."
        ) from None
    except BadSignature:
        raise ValidationFailed("This confirmation link is not valid.") from None
    user = db.session.get(User, data.get("id"))
    if user is None or user.email != data.get("email"):
        raise ValidationFailed("This confirmation link is not valid.")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


# -- login -------------------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User:
    """Return the user for these credentials or raise; unconfirmed accounts are refused."""
    user = get_user_by_email(email)
    if user is None:
        _burn_time(password)
        raise NotAllowed("Wrong email address or password.")
    if not verify_password(user, password or ""):
        raise NotAllowed("Wrong email address or password.")
    if not user.is_active_account:
        raise NotAllowed("This account is disabled. Contact the organizers.")
    if not user.is_confirmed:
        raise NotAllowed(
            "Please confirm your email address first: follow the link we emailed you.",
            code="unconfirmed",
        )
    user.last_login_at = utcnow()
    return user


# -- password reset ----------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Queue a reset link if the account exists; say nothing either way (no enumeration)."""
    user = get_user_by_email(email)
    if user is None or not user.is_active_account:
        return
    token = _serializer(RESET_SALT).dumps({"id": user.id, "stamp": user.security_stamp})
    queue_mail(
        user.email,
        "Reset your password",
        "accounts/reset_password",
        user_id=user.id,
        user=user,
        secrets={"link": external_url("accounts.reset_password", token=token)},
        hours=max(1, current_app.config["PASSWORD_RESET_MAX_AGE"] // 3600),
    )


def user_for_reset_token(token: str) -> User:
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"]
    try:
        data = _serializer(RESET_SALT).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed("This reset link has expired. Ask for a new one.") from None
    except BadSignature:
        raise ValidationFailed("This reset link is not valid.") from None
    user = db.session.get(User, data.get("id"))
    if user is None or user.security_stamp != data.get("stamp"):
        raise ValidationFailed("This reset link has already been used or is no longer valid.")
    return user


def set_password(user: User, password: str) -> None:
    """Change the password; other sessions and old reset links stop working."""
    problems = password_problems(password, user.email)
    if problems:
        raise ValidationFailed("Choose a stronger password.", fields={"password": problems})
    user.password_hash = hash_password(password)
    user.security_stamp = secrets.token_hex(16)
    if user.email_confirmed_at is None:
        # Following an emailed link proves the address as well as confirmation would.
        user.email_confirmed_at = utcnow()


def reset_password(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    set_password(user, password)
    return user


# -- profile -----------------------------------------------------------------------------------

PROFILE_FIELDS = ("name", "title", "affiliation", "country", "category_id")


def update_profile(user: User, **data) -> User:
    """Update a user's own profile fields."""
    data = {key: value for key, value in data.items() if key in PROFILE_FIELDS}
    errors = FieldErrors()
    _validate_profile(errors, data)
    errors.raise_if_any()
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        if key == "country":
            value = (value or "").upper()
        if key == "category_id":
            value = value or None
        setattr(user, key, value)
    return user


# -- roles -------------------------------------------------------------------------------------


def set_roles(
    user: User, roles: set[Role | str], *, actor: User, track_ids: list[int] | None = None
) -> User:
    """Give a user exactly these roles (and reviewer tracks); only organizers may."""
    if not user.can_manage_roles(actor):
        raise NotAllowed("Only organizers can change roles.")
    wanted = {Role(role) for role in roles}
    if (
        Role.ADMIN in wanted
        and Role.ADMIN not in user.role_names
        and not actor.has_role(Role.ADMIN)
    ):
        raise NotAllowed("Only administrators can make someone an administrator.")
    if (
        Role.ADMIN in user.role_names
        and Role.ADMIN not in wanted
        and not actor.has_role(Role.ADMIN)
    ):
        raise NotAllowed("Only administrators can remove an administrator.")
    drops_own_organizer = (
        user.id == actor.id
        and Role.ORGANIZER in user.role_names
        and not {Role.ORGANIZER, Role.ADMIN} & wanted
    )
    if drops_own_organizer:
        raise ValidationFailed(
            "You cannot remove your own organizer role; ask another organizer.",
            fields={"roles": ["You cannot remove your own organizer role."]},
        )
    current = {Role(item.role): item for item in user.roles}
    for role, item in current.items():
        if role not in wanted:
            user.roles.remove(item)
    for role in wanted - set(current):
        user.roles.append(UserRole(role=role))
    if track_ids is not None:
        tracks = list(db.session.scalars(select(Track).where(Track.id.in_(track_ids))))
        if len(tracks) != len(set(track_ids)):
            raise ValidationFailed("Unknown track.", fields={"tracks": ["Unknown track."]})
        user.expertise = tracks
    return user


def grant_role(user: User, role: Role | str) -> None:
    """Add one role without checks (CLI and demo data)."""
    role = Role(role)
    if role not in user.role_names:
        user.roles.append(UserRole(role=role))


# -- API tokens --------------------------------------------------------------------------------


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_api_token(user: User, days: int | None = None) -> tuple[str, ApiToken]:
    """Create a bearer token; the raw value is returned once and only its digest stored."""
    days = days or current_app.config["API_TOKEN_DAYS"]
    raw = "ct_" + secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_digest(raw), expires_at=utcnow() + timedelta(days=days))
    db.session.add(token)
    db.session.flush()
    return raw, token


def user_for_api_token(raw: str, now: datetime | None = None) -> User | None:
    """Return the active user owning a valid, unexpired token."""
    now = now or utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(raw)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    if not token.user.is_active_account:
        return None
    # Record use at most once a minute, in its own short transaction: read-only calls never
    # commit the request's session, and a failed request must not lose it either.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        with db.engine.begin() as connection:
            connection.execute(
                update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
            )
        db.session.expire(token, ["last_used_at"])
    return token.user


def revoke_api_token(user: User, token_id: int) -> None:
    """Revoke one of the user's own tokens (someone else's is "not found")."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def get_active_api_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utcnow(),
            )
            .order_by(ApiToken.created_at.desc())
        )
    )


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
