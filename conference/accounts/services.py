"""Accounts: sign-up, confirmation, login, password reset, profile, roles and API tokens."""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
import secrets
import time
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from limits import parse_many
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from conference.accounts.models import ApiToken, Role, User, UserRole
from conference.countries import check_country
from conference.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from conference.extensions import db, limiter
from conference.institutions.signals import affiliation_changed
from conference.labels import plural
from conference.mail import queue_mail
from conference.models import utcnow
from conference.urls import external_url

#: Per cost parameters: the hasher, and a hash of a random password made with it once.
_hashers: dict[tuple, tuple[PasswordHasher, str]] = {}


def _hasher_and_dummy_hash() -> tuple[PasswordHasher, str]:
    """Argon2id with the configured cost (tests use a cheap one; production the default)."""
    params = tuple(sorted((current_app.config.get("ARGON2_PARAMS") or {}).items()))
    if params not in _hashers:
        hasher = PasswordHasher(**dict(params))
        _hashers[params] = (hasher, hasher.hash(secrets.token_urlsafe(16)))
    return _hashers[params]


def _password_hasher() -> PasswordHasher:
    return _hasher_and_dummy_hash()[0]


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
PASSWORD_RULE = _l(
    "Use at least %(length)s characters, with at least one letter and one digit or symbol, "
    "not your email address and not a common password.",
    length=MIN_PASSWORD_LENGTH,
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
    """Verify against a stored dummy hash when the email is unknown: exactly the work of a
    wrong password for a real account, so timing does not reveal which emails exist."""
    hasher, dummy_hash = _hasher_and_dummy_hash()
    with contextlib.suppress(VerificationError, InvalidHashError):
        hasher.verify(dummy_hash, password or "")


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


# -- sign-up and confirmation ------------------------------------------------------------------


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _validate_profile(errors: FieldErrors, data: dict) -> None:
    if "name" in data and not (data.get("name") or "").strip():
        errors.add("name", _("Enter your name."))
    if "country" in data and (problem := check_country(data.get("country") or "")):
        errors.add("country", problem)


def sign_up(
    *,
    email: str,
    password: str,
    name: str,
    title: str = "",
    affiliation: str = "",
    country: str = "",
    confirmed: bool = False,
) -> User:
    """Create an account and queue the confirmation email (unless already confirmed)."""
    email = normalize_email(email)
    errors = FieldErrors()
    if problem := check_email(email):
        errors.add("email", problem)
    for problem in password_problems(password, email):
        errors.add("password", problem)
    _validate_profile(errors, {"name": name, "country": country})
    errors.raise_if_any()
    if get_user_by_email(email) is not None:
        raise Conflict(
            _(
                "An account with this email address already exists. Log in, or reset "
                "your password if you forgot it.",
            ),
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
            _("An account with this email address already exists."),
            code="email_taken",
            fields={"email": ["An account with this email address already exists."]},
        ) from None
    if not confirmed:
        send_confirmation(user)
    return user


def register_account(
    *,
    email: str,
    password: str,
    name: str,
    title: str = "",
    affiliation: str = "",
    country: str = "",
) -> None:
    """Public sign-up: the same answer whether the address already has an account or not.

    A new address gets an unconfirmed account and a confirmation link; an address that has an
    account gets, instead, an email telling its owner (no account is touched). Both cost the
    same password hashing, so neither the answer nor its timing reveals which emails exist.
    """
    try:
        sign_up(
            email=email,
            password=password,
            name=name,
            title=title,
            affiliation=affiliation,
            country=country,
        )
    except Conflict as exc:
        if exc.code != "email_taken":
            raise
        hash_password(password)  # the work a new account costs
        owner = get_user_by_email(email)
        if owner is not None:
            _tell_owner_of_sign_up_attempt(owner)


def _tell_owner_of_sign_up_attempt(owner: User) -> None:
    queue_mail(
        owner.email,
        _l("Someone tried to create an account with your email address"),
        "accounts/account_exists",
        # At most one such message a day per account: sign-up must not flood a mailbox.
        dedupe_key=f"account-exists:{owner.id}:{utcnow().date().isoformat()}",
        user_id=owner.id,
        user=owner,
        login_link=external_url("accounts.login"),
        reset_link=external_url("accounts.forgot_password"),
    )


def send_confirmation(user: User) -> None:
    """Queue an email with a time-limited link that confirms the address."""
    token = _serializer(CONFIRM_SALT).dumps({"id": user.id, "email": user.email})
    hours = current_app.config["EMAIL_TOKEN_MAX_AGE"] // 3600
    queue_mail(
        user.email,
        _l("Confirm your email address"),
        "accounts/confirm",
        user_id=user.id,
        user=user,
        secrets={"link": external_url("accounts.confirm_email", token=token)},
        hours=hours,
    )


def confirm_email(token: str) -> User:
    """Confirm the address named in a token; raise ValidationFailed for a bad/expired one."""
    user = check_confirmation_token(token)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    return user


def check_confirmation_token(token: str) -> User:
    """The user a confirmation token names, without confirming; ValidationFailed if bad."""
    max_age = current_app.config["EMAIL_TOKEN_MAX_AGE"]
    try:
        data = _serializer(CONFIRM_SALT).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed(_("This confirmation link has expired.")) from None
    except BadSignature:
        raise ValidationFailed(_("This confirmation link is not valid.")) from None
    user = db.session.get(User, data.get("id"))
    if user is None or user.email != data.get("email"):
        raise ValidationFailed(_("This confirmation link is not valid."))
    return user


# -- login -------------------------------------------------------------------------------------


class AccountLocked(NotAllowed):
    """Too many failed logins for one account: refused for a while, whoever asks."""

    status = 429
    code = "account_locked"


def _failure_limits() -> list:
    return parse_many(current_app.config["ACCOUNT_LOCKOUT_LIMIT"])


def _failure_key(email: str) -> tuple[str, str, str]:
    # A digest: the shared storage (Redis) never holds email addresses.
    digest = hashlib.sha256(normalize_email(email).encode()).hexdigest()
    return (current_app.config.get("RATELIMIT_KEY_PREFIX", ""), "login-failures", digest)


def _refuse_if_locked(email: str) -> None:
    """Raise AccountLocked while the address has too many recent failures (known or not)."""
    key = _failure_key(email)
    for limit in _failure_limits():
        if not limiter.limiter.test(limit, *key):
            reset_at, _remaining = limiter.limiter.get_window_stats(limit, *key)
            minutes = max(1, math.ceil((reset_at - time.time()) / 60))
            raise AccountLocked(
                "Too many failed login attempts for this account: it is locked for "
                f"{plural(minutes, 'more minute')}. Try again later, or reset your password "
                "by email."
            )


def _count_failure(email: str) -> None:
    key = _failure_key(email)
    for limit in _failure_limits():
        limiter.limiter.hit(limit, *key)


def clear_login_failures(email: str) -> None:
    """Forget the failed attempts of an address (a successful login or a password reset)."""
    key = _failure_key(email)
    for limit in _failure_limits():
        limiter.limiter.clear(limit, *key)


DEVICE_SALT = "login-device"
#: How long a browser that signed in stays known to the lockout (a device cookie).
DEVICE_DAYS = 180


def issue_device_token(user: User) -> str:
    """A signed token saying "this browser signed in as this account" (OWASP device cookie).

    While an account is locked by failed attempts from elsewhere, a browser holding such a
    token may still try the password: a stranger can no longer lock the owner out of their
    own account by failing on purpose. The token names the address by a digest and dies with
    the security stamp (a password change or reset).
    """
    return _serializer(DEVICE_SALT).dumps(
        {"e": _failure_key(user.email)[2], "s": user.security_stamp}
    )


def _is_known_device(email: str, token: str | None) -> bool:
    if not token:
        return False
    try:
        data = _serializer(DEVICE_SALT).loads(token, max_age=DEVICE_DAYS * 86400)
    except BadSignature:
        return False
    if not isinstance(data, dict) or data.get("e") != _failure_key(email)[2]:
        return False
    user = get_user_by_email(email)
    return user is not None and data.get("s") == user.security_stamp


def authenticate(email: str, password: str, device_token: str | None = None) -> User:
    """Return the user for these credentials or raise; unconfirmed accounts are refused.

    Failed attempts are counted per address, in the rate-limit storage shared by every worker:
    past ACCOUNT_LOCKOUT_LIMIT the address is refused (AccountLocked) until the window passes,
    whatever the client's address. Unknown addresses are counted and verified the same way.
    A browser that signed in to this account before (`device_token`, see
    `issue_device_token`) is not locked out; its attempts stay under the per-client limit.
    """
    if not _is_known_device(email, device_token):
        _refuse_if_locked(email)
    user = get_user_by_email(email)
    if user is None:
        _burn_time(password)
        _count_failure(email)
        raise NotAllowed(_("Wrong email address or password."))
    if not verify_password(user, password or ""):
        _count_failure(email)
        raise NotAllowed(_("Wrong email address or password."))
    clear_login_failures(email)
    if not user.is_active_account:
        raise NotAllowed(_("This account is disabled. Contact the organizers."))
    if not user.is_confirmed:
        raise NotAllowed(
            _(
                "Please confirm your email address first: follow the link we emailed you.",
            ),
            code="unconfirmed",
        )
    user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Log out everywhere: every session and remember-me cookie of the user stops working."""
    user.session_generation = (user.session_generation or 0) + 1


# -- password reset ----------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Queue a reset link if the account exists; say nothing either way (no enumeration)."""
    user = get_user_by_email(email)
    if user is None or not user.is_active_account:
        return
    token = _serializer(RESET_SALT).dumps({"id": user.id, "stamp": user.security_stamp})
    queue_mail(
        user.email,
        _l("Reset your password"),
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
        raise ValidationFailed(_("This reset link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise ValidationFailed(_("This reset link is not valid.")) from None
    user = db.session.get(User, data.get("id"))
    if user is None or user.security_stamp != data.get("stamp"):
        raise ValidationFailed(_("This reset link has already been used or is no longer valid."))
    return user


def _end_sessions_and_tokens(user: User) -> None:
    """A new security stamp: sessions, reset links and API tokens issued before stop working."""
    user.security_stamp = secrets.token_hex(16)
    revoke_all_api_tokens(user)


def set_password(user: User, password: str) -> None:
    """Change the password; other sessions, old reset links and API tokens stop working."""
    problems = password_problems(password, user.email)
    if problems:
        raise ValidationFailed(_("Choose a stronger password."), fields={"password": problems})
    user.password_hash = hash_password(password)
    _end_sessions_and_tokens(user)
    if user.email_confirmed_at is None:
        # Following an emailed link proves the address as well as confirmation would.
        user.email_confirmed_at = utcnow()


def reset_password(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    set_password(user, password)
    clear_login_failures(user.email)
    return user


# -- profile -----------------------------------------------------------------------------------

PROFILE_FIELDS = ("name", "title", "affiliation", "country")


def update_profile(user: User, **data) -> User:
    """Update a user's own profile fields."""
    data = {key: value for key, value in data.items() if key in PROFILE_FIELDS}
    errors = FieldErrors()
    _validate_profile(errors, data)
    errors.raise_if_any()
    previous_affiliation = user.affiliation
    for key, value in data.items():
        if isinstance(value, str):
            value = value.strip()
        if key == "country":
            value = (value or "").upper()
        setattr(user, key, value)
    affiliation_changed.send(user, previous=previous_affiliation)
    return user


def set_language(user: User, language: str | None) -> User:
    """Store the user's interface and email language (None: follow the browser)."""
    from conference.i18n import LANGUAGES

    if language is not None and language not in LANGUAGES:
        errors = FieldErrors()
        errors.add("language", _("Choose one of the languages offered."))
        errors.raise_if_any()
    user.language = language
    return user


def language_of(user_id: int | None) -> str | None:
    """The language a user chose, for emails queued for them (None: not chosen)."""
    if user_id is None:
        return None
    return db.session.scalar(select(User.language).where(User.id == user_id))


def languages_of(user_ids) -> dict[int, str]:
    """{user id: chosen language} of those of these users who chose one (one query)."""
    ids = sorted({user_id for user_id in user_ids if user_id})
    if not ids:
        return {}
    rows = db.session.execute(
        select(User.id, User.language).where(User.id.in_(ids), User.language.is_not(None))
    )
    return dict(rows.tuples().all())


def languages_by_email(emails) -> dict[str, str]:
    """{lower-cased email: chosen language} of the accounts among `emails` (one query)."""
    wanted = sorted({email.strip().lower() for email in emails if email})
    if not wanted:
        return {}
    rows = db.session.execute(
        select(User.email, User.language).where(
            func.lower(User.email).in_(wanted), User.language.is_not(None)
        )
    )
    return {email.strip().lower(): language for email, language in rows}


# -- roles -------------------------------------------------------------------------------------


def _congress_id(congress) -> int:
    """The congress a role is given in: the one named, else the current one."""
    if congress is None:
        from conference.congresses.context import get_current_congress

        congress = get_current_congress()
    if congress is None:
        raise ValidationFailed(
            _("Create a congress first: roles other than administrator belong to a congress."),
            fields={"roles": [_("There is no congress to give this role in.")]},
        )
    return congress.id


def set_roles(user: User, roles: set[Role | str], *, actor: User, congress=None) -> User:
    """Give a user exactly these roles in one congress (default: the current one).

    Only organizers of that congress may; administrator is global and only administrators
    give or take it. Roles in other congresses are not touched.
    """
    congress_id = _congress_id(congress)
    if not actor.roles_in(congress_id) & {Role.ORGANIZER, Role.ADMIN}:
        raise NotAllowed(_("Only organizers can change roles."))
    wanted = {Role(role) for role in roles}
    held = user.roles_in(congress_id)
    if Role.ADMIN in wanted and Role.ADMIN not in held and not actor.is_admin:
        raise NotAllowed(_("Only administrators can make someone an administrator."))
    if Role.ADMIN in held and Role.ADMIN not in wanted and not actor.is_admin:
        raise NotAllowed(_("Only administrators can remove an administrator."))
    drops_own_organizer = (
        user.id == actor.id and Role.ORGANIZER in held and not {Role.ORGANIZER, Role.ADMIN} & wanted
    )
    if drops_own_organizer:
        raise ValidationFailed(
            _("You cannot remove your own organizer role; ask another organizer."),
            fields={"roles": ["You cannot remove your own organizer role."]},
        )
    current = {
        Role(item.role): item
        for item in user.roles
        if item.congress_id is None or item.congress_id == congress_id
    }
    for role, item in current.items():
        if role not in wanted:
            user.roles.remove(item)
    for role in wanted - set(current):
        user.roles.append(
            UserRole(role=role, congress_id=None if role == Role.ADMIN else congress_id)
        )
    if wanted != set(current):
        # Tokens were handed out for the old roles; the user gets new ones when needed.
        revoke_all_api_tokens(user)
    return user


def set_account_active(user: User, active: bool, *, actor: User) -> User:
    """Disable an account (its sessions and API tokens end at once) or enable it again."""
    if not actor.is_organizer:
        raise NotAllowed(_("Only organizers can disable or enable accounts."))
    if user.id == actor.id and not active:
        raise ValidationFailed(
            _("You cannot disable your own account; ask another organizer."),
            fields={"is_active": ["You cannot disable your own account."]},
        )
    if user.is_admin and not actor.is_admin:
        raise NotAllowed(_("Only administrators can disable or enable an administrator."))
    if user.is_active_account and not active:
        _end_sessions_and_tokens(user)
    user.is_active_account = active
    return user


def grant_role(user: User, role: Role | str, *, congress=None) -> None:
    """Add one role without checks (CLI and demo data): administrator is global, any other
    role is given in `congress` (default: the current congress)."""
    role = Role(role)
    congress_id = None if role == Role.ADMIN else _congress_id(congress)
    if not any(Role(item.role) == role and item.congress_id == congress_id for item in user.roles):
        user.roles.append(UserRole(role=role, congress_id=congress_id))


# -- API tokens --------------------------------------------------------------------------------


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_api_token(user: User, days: int | None = None) -> tuple[str, ApiToken]:
    """Create a bearer token; the raw value is returned once and only its digest stored."""
    days = days or current_app.config["API_TOKEN_DAYS"]
    raw = "ct_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        token_hash=_digest(raw),
        expires_at=utcnow() + timedelta(days=days),
        security_stamp=user.security_stamp,
    )
    db.session.add(token)
    db.session.flush()
    return raw, token


def user_for_api_token(raw: str, now: datetime | None = None) -> User | None:
    """Return the active user owning a valid, unexpired token.

    A token is bound to its owner's security stamp: a password change or reset, or disabling
    the account, invalidates every token issued before.
    """
    now = now or utcnow()
    # The token, its user and their roles in one statement (every API request asks).
    token = (
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == _digest(raw))
            .options(joinedload(ApiToken.user).joinedload(User.roles))
        )
        .unique()
        .first()
    )
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    user = token.user
    if not user.is_active_account or token.security_stamp != user.security_stamp:
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
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def revoke_all_api_tokens(user: User) -> None:
    """Revoke every token of the user (password change, disabling, role change)."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )


def get_active_api_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utcnow(),
                ApiToken.security_stamp == user.security_stamp,
            )
            .order_by(ApiToken.created_at.desc())
        )
    )


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
