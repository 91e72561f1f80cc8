"""Proof-of-status files: checked by their content, kept through conference.storage (never
under static/, never under a name the user chose)."""

from __future__ import annotations

import io
import logging

from flask_babel import gettext as _
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from conference import storage

log = logging.getLogger(__name__)

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
        return _("The file is empty.")
    if len(data) > MAX_PROOF_BYTES:
        return _("The file is larger than 5 MB.")
    sniffed = sniff(data)
    if sniffed is None:
        return _("Upload a PDF, PNG or JPEG file.")
    if sniffed[0] == "application/pdf":
        return pdf_problem(data)
    return None


#: Keys that carry scripts, attached files or embedded media (PDF 1.7, 12.6 and 7.11).
ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFile", "/EmbeddedFiles", "/EF", "/RichMedia"}
#: Action types that run something (/S of an action dictionary).
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/RichMediaExecute", "/ImportData"}
#: Objects visited before giving up on a PDF as too complex to check.
MAX_PDF_OBJECTS = 200_000


def _has_active_content(reader: PdfReader) -> bool:
    """Walk every object reachable from the trailer (names decoded, object streams read)."""
    stack, seen, visited = [reader.trailer], set(), 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        visited += 1
        if visited > MAX_PDF_OBJECTS:
            raise ValueError("too many objects")
        if isinstance(item, DictionaryObject):
            for name, value in item.items():
                if name in ACTIVE_KEYS:
                    return True
                if name == "/S" and isinstance(value, NameObject) and value in ACTIVE_ACTIONS:
                    return True
                if name != "/Parent":  # walk down, not back up the page tree
                    stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return False


def pdf_problem(data: bytes) -> str | None:
    """A user-facing problem with a PDF: unreadable, locked, or carrying JavaScript, attached
    files or embedded media (a proof of status is a letter or a card: it needs none)."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return _("This PDF is password-protected. Upload a copy without a password.")
        active = _has_active_content(reader)
    except Exception:  # pypdf raises many kinds on broken files
        log.info("unreadable proof PDF", exc_info=True)
        return _(
            "This PDF could not be read. Save it again as a PDF, or upload a PNG or JPEG scan."
        )
    if active:
        return _(
            "This PDF contains JavaScript, attached files or embedded media, which we do not "
            "accept for security reasons. Print it to a new PDF or scan it, and upload that."
        )
    return None


#: Storage namespace of proofs (conference/storage.py); the local backend keeps them in
#: UPLOAD_DIR/registration-proofs/ as earlier versions did.
PROOF_NAMESPACE = "registration-proofs"


def proof_key(stored_name: str) -> str:
    """The storage key of a proof from its `Registration.proof_file` (a random name we made)."""
    return storage.check_key(f"{PROOF_NAMESPACE}/{stored_name}")


def store_proof(data: bytes) -> tuple[str, str]:
    """Store a checked file under a random name; return (stored name, content type).

    The file is removed again if the transaction that records it rolls back.
    """
    content_type, extension = sniff(data)
    key = storage.new_key(PROOF_NAMESPACE, extension)
    try:
        storage.put(key, data, content_type)
    except storage.StorageUnavailable as exc:
        message = "Your file could not be stored just now. Please try again in a minute."
        raise storage.StorageUnavailable(message, fields={"proof": [message]}) from exc
    storage.delete_after_rollback(key)
    return key.split("/", 1)[1], content_type


def read_proof(stored_name: str) -> bytes:
    """The bytes of a stored proof; storage.ObjectNotFound when it is gone."""
    try:
        key = proof_key(stored_name)
    except storage.InvalidKey:
        raise storage.ObjectNotFound(stored_name) from None
    return storage.get(key)


def delete_proof(stored_name: str | None) -> None:
    """Delete a proof once the current transaction commits (kept if it rolls back)."""
    if not stored_name:
        return
    try:
        storage.delete_after_commit(proof_key(stored_name))
    except storage.InvalidKey:  # not a name store_proof made: nothing of ours to delete
        log.warning("registration names no stored proof: %r", stored_name)
