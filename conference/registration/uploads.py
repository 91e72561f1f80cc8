"""Proof-of-status files: checked by their content, stored outside static/ under UPLOAD_DIR."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app

MAX_PROOF_BYTES = 5 * 1024 * 1024

#: Accepted types, recognised by their first bytes (never by name or declared type).
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, PNG or JPEG file; None for anything else."""
    for magic, content_type, extension in SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    return None


def check_proof(data: bytes) -> str | None:
    """A user-facing problem with an uploaded proof, or None."""
    if not data:
        return "The file is empty."
    if len(data) > MAX_PROOF_BYTES:
        return "The file is larger than 5 MB."
    if sniff(data) is None:
        return "Upload a PDF, PNG or JPEG file."
    return None


def proof_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "registration-proofs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_proof(data: bytes) -> tuple[str, str]:
    """Write a checked file under a random name; return (stored name, content type)."""
    content_type, extension = sniff(data)
    name = secrets.token_hex(16) + extension
    target = proof_dir() / name
    with open(target, "xb") as handle:
        handle.write(data)
    return name, content_type


def proof_path(stored_name: str) -> Path:
    return proof_dir() / os.path.basename(stored_name)


def delete_proof(stored_name: str | None) -> None:
    if stored_name:
        proof_path(stored_name).unlink(missing_ok=True)
