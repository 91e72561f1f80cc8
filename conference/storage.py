"""Stored files (uploaded proofs, ...) behind one interface, so every web server sees them.

`STORAGE_BACKEND` chooses where bytes go:

- ``local`` (default): a directory on this machine, ``STORAGE_DIR/<namespace>/<name>``;
  proofs of status stay in ``UPLOAD_DIR/registration-proofs/`` where earlier versions wrote
  them (see ``LOCAL_DIR_SETTINGS``). Only right for a single server, or a shared volume.
- ``s3``: an S3-compatible object store (``S3_BUCKET``, ``S3_ENDPOINT_URL``, ``S3_REGION``;
  credentials from the standard AWS environment variables or instance role). One boto3 client
  per process and endpoint.

Keys are ``<namespace>/<name>`` built by `new_key` from a random token: a user-chosen name
never reaches a key, and `check_key` refuses anything else (no ``..``, no slashes in names).

Files and the database change together: `delete_after_commit` removes an object only once the
transaction that stopped using it commits, and `delete_after_rollback` removes a new object
when the transaction that was to point at it rolls back (services flush, never commit).
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import tempfile
import threading
from pathlib import Path
from typing import Protocol

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from conference.errors import DomainError

log = logging.getLogger(__name__)

#: ``namespace/name``: lower-case namespace, a name of letters, digits, dot, dash, underscore
#: that starts with a letter or digit (so never ``.`` or ``..``).
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,62}/[A-Za-z0-9][A-Za-z0-9._-]{0,199}")

#: Namespaces whose local directory is another setting than STORAGE_DIR: proofs of status
#: were written to UPLOAD_DIR/registration-proofs/ before this module existed.
LOCAL_DIR_SETTINGS = {"registration-proofs": "UPLOAD_DIR"}

BACKENDS = ("local", "s3")


class StorageError(Exception):
    """The store could not do what was asked (misconfigured, unreachable)."""


class ObjectNotFound(StorageError, LookupError):
    """No object is stored under this key."""


class InvalidKey(StorageError, ValueError):
    """A key that `new_key` cannot have made (refused before touching the store)."""


class StorageUnavailable(StorageError, DomainError):
    """The store did not answer or refused (network, credentials, full disk): a 503 with a
    message the user can act on, never a 500."""

    status = 503
    code = "storage_unavailable"

    def __init__(self, message: str = "", **kwargs):
        super().__init__(
            message or "Stored files cannot be reached just now. Please try again in a minute.",
            **kwargs,
        )


def new_key(namespace: str, extension: str = "") -> str:
    """A fresh random key in a namespace, e.g. ``registration-proofs/3f…a1.pdf``."""
    return check_key(f"{namespace}/{secrets.token_hex(16)}{extension}")


def check_key(key: str) -> str:
    """The key itself when it is well formed; InvalidKey otherwise."""
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise InvalidKey(f"Not a storage key: {key!r}")
    return key


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


class LocalStorage:
    """Files in directories: ``<dir of namespace>/<namespace>/<name>``, written atomically."""

    def __init__(self, root: str | os.PathLike, namespace_roots: dict | None = None):
        self.root = Path(root)
        self.namespace_roots = {k: Path(v) for k, v in (namespace_roots or {}).items()}

    def path(self, key: str) -> Path:
        namespace, name = check_key(key).split("/")
        folder = self.namespace_roots.get(namespace, self.root) / namespace
        target = folder / name
        # The pattern already forbids it; a resolved path outside its folder is refused too.
        if target.resolve().parent != folder.resolve():
            raise InvalidKey(f"Not a storage key: {key!r}")
        return target

    def put(self, key: str, data: bytes, content_type: str) -> None:
        target = self.path(key)
        temporary = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException as exc:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)
            if isinstance(exc, OSError):  # full disk, permissions, a lost network mount
                log.error("could not write %s", target, exc_info=True)
                raise StorageUnavailable() from exc
            raise

    def get(self, key: str) -> bytes:
        target = self.path(key)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        except OSError as exc:
            log.error("could not read %s", target, exc_info=True)
            raise StorageUnavailable() from exc

    def delete(self, key: str) -> None:
        target = self.path(key)
        try:
            target.unlink(missing_ok=True)
        except OSError as exc:
            log.error("could not delete %s", target, exc_info=True)
            raise StorageUnavailable() from exc

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


class S3Storage:
    """Objects in one bucket of an S3-compatible store."""

    def __init__(self, client, bucket: str):
        self.client = client
        self.bucket = bucket

    def _call(self, operation: str, key: str, **params):
        """One S3 request; None when the object is missing, StorageUnavailable on failure."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(Bucket=self.bucket, Key=check_key(key), **params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            log.error("S3 %s of %s refused", operation, key, exc_info=True)
            raise StorageUnavailable() from exc
        except BotoCoreError as exc:  # unreachable endpoint, timeouts, no credentials
            log.error("S3 %s of %s failed", operation, key, exc_info=True)
            raise StorageUnavailable() from exc

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self._call("put_object", key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        answer = self._call("get_object", key)
        if answer is None:
            raise ObjectNotFound(key)
        from botocore.exceptions import BotoCoreError

        try:
            with answer["Body"] as body:
                return body.read()
        except BotoCoreError as exc:  # the connection broke while reading
            log.error("S3 read of %s failed", key, exc_info=True)
            raise StorageUnavailable() from exc

    def delete(self, key: str) -> None:
        # Deleting a missing object is not an error in S3 either.
        self._call("delete_object", key)

    def exists(self, key: str) -> bool:
        return self._call("head_object", key) is not None


_clients: dict[tuple, object] = {}
_clients_lock = threading.Lock()


def s3_client(endpoint_url: str | None, region: str | None):
    """The process's boto3 client for an endpoint and region (clients are thread-safe; the
    process id in the key gives a gunicorn worker forked after a client was made its own)."""
    key = (os.getpid(), endpoint_url, region)
    with _clients_lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config as BotoConfig

            _clients[key] = boto3.session.Session().client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                # A store that hangs must not hold a web worker for minutes.
                config=BotoConfig(
                    connect_timeout=5,
                    read_timeout=30,
                    retries={"max_attempts": 3, "mode": "standard"},
                ),
            )
        return _clients[key]


def get_storage(config=None) -> Storage:
    """The store the app's config names (read at each call, so it is cheap to change)."""
    config = config if config is not None else current_app.config
    backend = (config.get("STORAGE_BACKEND") or "local").strip().lower()
    if backend == "local":
        roots = {
            namespace: config[setting]
            for namespace, setting in LOCAL_DIR_SETTINGS.items()
            if config.get(setting)
        }
        return LocalStorage(config["STORAGE_DIR"], roots)
    if backend == "s3":
        if not config.get("S3_BUCKET"):
            raise StorageError("STORAGE_BACKEND=s3 needs S3_BUCKET.")
        client = s3_client(config.get("S3_ENDPOINT_URL") or None, config.get("S3_REGION") or None)
        return S3Storage(client, config["S3_BUCKET"])
    raise StorageError(f"STORAGE_BACKEND={backend!r}: use one of {', '.join(BACKENDS)}.")


def put(key: str, data: bytes, content_type: str) -> None:
    get_storage().put(key, data, content_type)


def get(key: str) -> bytes:
    return get_storage().get(key)


def delete(key: str) -> None:
    get_storage().delete(key)


def exists(key: str) -> bool:
    return get_storage().exists(key)


# -- keeping files and rows together ------------------------------------------------------------

_AFTER_COMMIT = "storage_delete_after_commit"
_AFTER_ROLLBACK = "storage_delete_after_rollback"


def _current_session() -> Session:
    """The request's session, in a transaction (so its end, commit or not, is seen)."""
    from conference.extensions import db

    session = db.session()
    if session.get_transaction() is None:
        session.begin()
    return session


def delete_after_commit(key: str) -> None:
    """Delete the object once the current transaction commits (kept if it rolls back)."""
    _current_session().info.setdefault(_AFTER_COMMIT, []).append((get_storage(), check_key(key)))


def delete_after_rollback(key: str) -> None:
    """Delete a just-stored object if the current transaction rolls back instead of committing."""
    _current_session().info.setdefault(_AFTER_ROLLBACK, []).append((get_storage(), check_key(key)))


def _delete_quietly(pending: list) -> None:
    for store, key in pending:
        try:
            store.delete(key)
        except Exception:  # a file left over is better than a failed request after commit
            log.warning("could not delete %s", key, exc_info=True)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_AFTER_ROLLBACK, None)
    _delete_quietly(session.info.pop(_AFTER_COMMIT, []))


@event.listens_for(Session, "after_transaction_end")
def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the outermost transaction decides
    # Still pending here means the transaction ended without a commit (rolled back, closed).
    session.info.pop(_AFTER_COMMIT, None)
    _delete_quietly(session.info.pop(_AFTER_ROLLBACK, []))
