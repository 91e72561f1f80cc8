"""The one JSON error shape of the API."""

from __future__ import annotations

from flask import jsonify

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "server_error",
}
MESSAGES = {
    400: "The request could not be understood.",
    401: "Authentication required: send Authorization: Bearer <token>.",
    403: "You are not allowed to do this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    409: "The request conflicts with the current state.",
    413: "The request is too large.",
    422: "Some fields are not valid.",
    429: "Too many requests; slow down and try again later.",
    500: "Something went wrong on our side.",
}


def flatten_fields(messages) -> dict[str, list[str]]:
    """Turn webargs/marshmallow messages ({"json": {"a": {"b": [..]}}}) into {"a.b": [...]}."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and all(isinstance(item, str) for item in value):
            flat.setdefault(prefix or "_schema", []).extend(value)
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}", inner)
        else:
            flat.setdefault(prefix or "_schema", []).append(str(value))

    if isinstance(messages, dict) and set(messages) <= {
        "json",
        "query",
        "form",
        "files",
        "headers",
        "view_args",
    }:
        for location_messages in messages.values():
            walk("", location_messages)
    else:
        walk("", messages)
    return flat


def error_body(
    status: int,
    *,
    code: str | None = None,
    message: str | None = None,
    fields: dict | None = None,
    exc=None,
    **extra,
):
    """Build `{"error": {...}}` with the status, a code, a message and field errors."""
    data = getattr(exc, "data", None) or {}
    if fields is None and data.get("messages"):
        fields = flatten_fields(data["messages"])
    if status == 400 and fields and any("Invalid JSON" in " ".join(v) for v in fields.values()):
        message = "Malformed JSON body."
    if status == 422 and not message:
        message = MESSAGES[422]
    body = {
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": message or MESSAGES.get(status, "Error."),
    }
    if fields:
        body["fields"] = fields
    body.update(extra)
    response = jsonify(error=body)
    response.status_code = status
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    return response
