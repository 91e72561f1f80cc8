"""conference.storage on both backends: a local directory and a real S3-compatible server."""

from __future__ import annotations

import os

import pytest

from conference import storage
from conference.extensions import db

PDF = b"%PDF-1.7 a scanned letter"

#: Keys a caller could be tricked into passing: none may reach the disk or the bucket.
BAD_KEYS = [
    "",
    "name-without-namespace",
    "../outside",
    "registration-proofs/../../etc/passwd",
    "registration-proofs/..",
    "registration-proofs/.hidden",
    "registration-proofs/a/b",
    "/etc/passwd",
    "registration-proofs/C:\\evil",
    "registration-proofs/name\x00.pdf",
    "Registration-Proofs/upper-namespace",
    "registration-proofs/" + "a" * 201,
]


@pytest.fixture(params=["local", "s3"])
def backend(request, app, tmp_path):
    """The app configured for one backend; yields the store and a way to list what it holds."""
    if request.param == "local":
        app.config.update(
            STORAGE_BACKEND="local",
            STORAGE_DIR=str(tmp_path / "storage"),
            UPLOAD_DIR=str(tmp_path / "uploads"),
        )

        def listing():
            return sorted(
                str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file()
            )

        return storage.get_storage(), listing
    bucket = request.getfixturevalue("s3_storage")
    return storage.get_storage(), bucket.keys


def test_put_get_exists_delete_round_trip(backend):
    store, _ = backend
    key = storage.new_key("exports", ".pdf")
    assert not store.exists(key)
    store.put(key, PDF, "application/pdf")
    assert store.exists(key)
    assert store.get(key) == PDF
    store.put(key, b"%PDF-1.7 second version", "application/pdf")
    assert store.get(key) == b"%PDF-1.7 second version"
    store.delete(key)
    assert not store.exists(key)
    with pytest.raises(storage.ObjectNotFound):
        store.get(key)
    store.delete(key)  # deleting what is gone is not an error


def test_the_module_functions_use_the_configured_backend(backend):
    store, listing = backend
    key = storage.new_key("registration-proofs", ".png")
    storage.put(key, b"\x89PNG\r\n\x1a\n...", "image/png")
    assert storage.exists(key) and storage.get(key) == b"\x89PNG\r\n\x1a\n..."
    assert any(key.split("/")[1] in item for item in listing())
    storage.delete(key)
    assert not storage.exists(key) and not store.exists(key)


def test_keys_are_random_namespaced_and_never_user_names():
    first, second = (
        storage.new_key("registration-proofs", ".pdf"),
        storage.new_key("registration-proofs", ".pdf"),
    )
    assert first != second
    assert first.startswith("registration-proofs/") and first.endswith(".pdf")
    assert len(first.split("/")[1]) == 32 + len(".pdf")
    with pytest.raises(storage.InvalidKey):
        storage.new_key("../etc")


def test_path_traversal_and_odd_keys_are_refused_everywhere(backend):
    store, listing = backend
    before = listing()
    for key in BAD_KEYS:
        for operation in (
            lambda key=key: store.put(key, b"x", "text/plain"),
            lambda key=key: store.get(key),
            lambda key=key: store.exists(key),
            lambda key=key: store.delete(key),
        ):
            with pytest.raises(storage.InvalidKey):
                operation()
    assert listing() == before


def test_local_files_stay_in_their_folders_and_proofs_stay_in_upload_dir(app, tmp_path):
    app.config.update(STORAGE_DIR=str(tmp_path / "storage"), UPLOAD_DIR=str(tmp_path / "up"))
    store = storage.get_storage()
    proof, other = storage.new_key("registration-proofs", ".pdf"), storage.new_key("exports")
    store.put(proof, PDF, "application/pdf")
    store.put(other, b"data", "text/plain")
    assert (tmp_path / "up" / "registration-proofs" / proof.split("/")[1]).read_bytes() == PDF
    assert (tmp_path / "storage" / "exports" / other.split("/")[1]).read_bytes() == b"data"


def test_a_proof_written_by_the_earlier_version_is_still_found(app, tmp_path):
    """Earlier versions wrote UPLOAD_DIR/registration-proofs/<random>.pdf directly."""
    app.config.update(UPLOAD_DIR=str(tmp_path / "uploads"))
    folder = tmp_path / "uploads" / "registration-proofs"
    folder.mkdir(parents=True)
    (folder / "0123456789abcdef0123456789abcdef.pdf").write_bytes(PDF)
    assert storage.get("registration-proofs/0123456789abcdef0123456789abcdef.pdf") == PDF


def test_a_failed_local_write_leaves_the_previous_file_and_no_partial_file(app, tmp_path):
    app.config.update(STORAGE_DIR=str(tmp_path))
    store = storage.get_storage()
    key = storage.new_key("exports")
    store.put(key, b"complete", "text/plain")

    with pytest.raises(TypeError):
        store.put(key, ["not", "bytes"], "text/plain")  # fails while writing
    assert store.get(key) == b"complete"
    assert os.listdir(tmp_path / "exports") == [key.split("/")[1]]


def test_s3_objects_keep_their_content_type(s3_storage):
    key = storage.new_key("registration-proofs", ".pdf")
    storage.put(key, PDF, "application/pdf")
    assert s3_storage.read(key) == (PDF, "application/pdf")


def test_one_s3_client_per_process(s3_storage):
    assert storage.get_storage().client is storage.get_storage().client


def test_a_missing_or_unknown_backend_setting_is_a_clear_error(app):
    app.config.update(STORAGE_BACKEND="s3", S3_BUCKET=None)
    with pytest.raises(storage.StorageError, match="S3_BUCKET"):
        storage.get_storage()
    app.config.update(STORAGE_BACKEND="ftp")
    with pytest.raises(storage.StorageError, match="local, s3"):
        storage.get_storage()


def test_delete_after_commit_waits_for_the_commit(backend):
    store, _ = backend
    key = storage.new_key("exports")
    store.put(key, b"data", "text/plain")
    storage.delete_after_commit(key)
    db.session.rollback()
    assert store.exists(key)  # the transaction that stopped using it did not happen
    storage.delete_after_commit(key)
    assert store.exists(key)
    db.session.commit()
    assert not store.exists(key)


def test_delete_after_rollback_removes_an_orphan(backend):
    store, _ = backend
    kept, orphan = storage.new_key("exports"), storage.new_key("exports")
    store.put(kept, b"kept", "text/plain")
    storage.delete_after_rollback(kept)
    db.session.commit()
    store.put(orphan, b"orphan", "text/plain")
    storage.delete_after_rollback(orphan)
    db.session.rollback()
    assert store.exists(kept) and not store.exists(orphan)


def test_a_savepoint_rollback_does_not_decide(backend):
    store, _ = backend
    key = storage.new_key("exports")
    store.put(key, b"data", "text/plain")
    storage.delete_after_rollback(key)
    with db.session.begin_nested() as savepoint:
        savepoint.rollback()
    assert store.exists(key)
    db.session.commit()
    assert store.exists(key)


def test_production_refuses_a_storage_backend_it_cannot_use(monkeypatch):
    from conference import create_app
    from config import ProductionConfig

    monkeypatch.setenv("SECRET_KEY", "s3cret-for-test")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@db.example/congress")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    no_bucket = type("Prod", (ProductionConfig,), {"STORAGE_BACKEND": "s3", "S3_BUCKET": None})
    with pytest.raises(RuntimeError, match="needs S3_BUCKET"):
        create_app(no_bucket)
    typo = type("Prod", (ProductionConfig,), {"STORAGE_BACKEND": "s4"})
    with pytest.raises(RuntimeError, match="use local or s3"):
        create_app(typo)
