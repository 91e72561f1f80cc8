"""Domain errors raised by services, mapped to HTTP by the web and API layers."""

from __future__ import annotations


class DomainError(Exception):
    """A broken business rule, with a user-facing message and optional field errors."""

    status = 400
    code = "domain_error"

    def __init__(
        self,
        message: str,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
        **extra,
    ):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code
        #: More keys for the API error body (e.g. the earlier check-in time).
        self.extra = extra


class ValidationFailed(DomainError):
    """Input that breaks a rule; `fields` names each field with its problems."""

    status = 422
    code = "validation_error"


class Conflict(DomainError):
    """The request clashes with the current state (duplicate, already done, full)."""

    status = 409
    code = "conflict"


class NotAllowed(DomainError):
    """The user may not do this."""

    status = 403
    code = "forbidden"


class NotFound(DomainError):
    """The object does not exist or is not visible to the user."""

    status = 404
    code = "not_found"


class FieldErrors:
    """Collect problems by field, then raise them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self, message: str | None = None) -> None:
        if self.fields:
            from flask_babel import gettext

            message = message or gettext("Please correct the highlighted fields.")
            raise ValidationFailed(message, fields=self.fields)
