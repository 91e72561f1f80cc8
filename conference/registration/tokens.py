"""References and private manage links of registrations."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from flask import current_app

#: No 0/O, 1/I/L, U/V: easy to read out at the door and to type.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"


def new_reference(prefix: str, length: int = 4) -> str:
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(length))
    return f"{prefix.upper()}-{code}"


def normalize_reference(text: str) -> str:
    return (text or "").strip().upper().replace(" ", "")


def is_reference(text: str) -> bool:
    """Whether `text` looks like a reference (PREFIX-CODE, code in REFERENCE_ALPHABET)."""
    prefix, dash, code = text.rpartition("-")
    return (
        bool(dash and prefix and 4 <= len(code) <= 6 and len(text) <= 24)
        and all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in prefix)
        and all(ch in REFERENCE_ALPHABET for ch in code)
    )


def new_salt() -> str:
    return secrets.token_hex(16)


def manage_token(reference: str, salt: str) -> str:
    """The private token of a manage link: an HMAC under SECRET_KEY (nothing stored)."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"registration-manage:{reference}:{salt}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")[:32]


def token_matches(registration, token: str) -> bool:
    """Constant-time check of a manage token against a registration."""
    expected = manage_token(registration.reference, registration.manage_salt)
    return hmac.compare_digest(expected.encode(), (token or "").encode())


def manage_path(registration) -> str:
    """The private manage page of a registration, under its congress's address."""
    from conference.urls import site_path

    token = manage_token(registration.reference, registration.manage_salt)
    return site_path(
        "registration.manage",
        congress=registration.congress,
        reference=registration.reference,
        token=token,
    )


def manage_url(registration) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + manage_path(registration)
