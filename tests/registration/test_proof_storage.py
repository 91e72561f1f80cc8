"""Proofs of status go through conference.storage: with STORAGE_BACKEND=s3 they live in the
object store every web server shares, never on one server's disk."""

from __future__ import annotations

import io

from conference.extensions import db
from conference.registration import proofs, services
from conference.registration.models import Registration
from conference.registration.tokens import manage_path, manage_token
from tests.registration.conftest import PDF_BYTES, attendee_data

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _form(**overrides) -> dict:
    data = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "affiliation": "Analytical Engines",
        "country": "GB",
        "category": "student-trainee",
        "badge_name": "",
        "dietary": "",
        "accessibility": "",
        "accept_terms": "y",
        "submission_key": "form-key-storage",
    }
    data.update(overrides)
    return data


def _key(registration: Registration) -> str:
    return f"registration-proofs/{registration.proof_file}"


def test_a_proof_sent_with_the_form_lands_in_the_bucket_and_reaches_the_organizer(
    client, auth, organizer, priced, s3_storage, upload_dir
):
    upload = (io.BytesIO(PDF_BYTES), "../../../etc/passwd.pdf")
    response = client.post(
        "/met26/register", data={**_form(), "proof": upload}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    registration = db.session.query(Registration).one()
    key = _key(registration)
    assert s3_storage.keys() == [key]
    assert "passwd" not in key and ".." not in key  # the user's file name never makes a key
    assert s3_storage.read(key) == (PDF_BYTES, "application/pdf")
    assert not upload_dir.exists() or not any(upload_dir.rglob("*.pdf"))  # nothing on disk

    auth.login(organizer)
    served = client.get(f"/met26/manage/registrations/{registration.reference}/proof-file")
    assert served.status_code == 200
    assert served.data == PDF_BYTES and served.mimetype == "application/pdf"
    assert f"proof-{registration.reference}.pdf" in served.headers["Content-Disposition"]


def test_a_replaced_proof_leaves_the_bucket_once_the_new_one_is_recorded(
    client, register, s3_storage
):
    registration = register(category="student-trainee")
    first = _key(registration)
    proofs.refuse_proof(registration, None, "The letter is not signed.")
    db.session.commit()
    headers = {"X-Manage-Token": manage_token(registration.reference, registration.manage_salt)}
    url = f"/api/v1/congresses/met26/registrations/{registration.reference}/proof"
    sent = client.post(url, data={"proof": (io.BytesIO(PNG_BYTES), "scan.png")}, headers=headers)
    assert sent.status_code == 200 and sent.json["proof_status"] == "pending"
    db.session.refresh(registration)
    assert s3_storage.keys() == [_key(registration)] != [first]
    assert s3_storage.read(_key(registration)) == (PNG_BYTES, "image/png")


def test_erasure_deletes_the_proof_from_the_bucket(client, register, s3_storage):
    registration = register(category="student-trainee")
    assert s3_storage.keys() == [_key(registration)]
    erased = client.post(f"{manage_path(registration)}/erase", data={"erase-confirm": "y"})
    assert erased.status_code == 302
    db.session.refresh(registration)
    assert registration.erased_at is not None and registration.proof_file is None
    assert s3_storage.keys() == []


def test_a_registration_rolled_back_leaves_no_file_behind(priced, s3_storage):
    services.register_attendee(
        priced[0], attendee_data(category="student-trainee"), proof=("l.pdf", PDF_BYTES)
    )
    assert len(s3_storage.keys()) == 1
    db.session.rollback()
    assert s3_storage.keys() == []


def test_an_erasure_rolled_back_keeps_the_proof(register, s3_storage):
    from conference.registration import privacy

    registration = register(category="student-trainee")
    privacy.erase_registration(registration)
    db.session.rollback()
    assert s3_storage.keys() == [_key(registration)]


def test_a_proof_missing_from_the_store_is_a_404_for_the_organizer(
    client, auth, organizer, register, s3_storage
):
    registration = register(category="student-trainee")
    s3_storage.client.delete_object(Bucket=s3_storage.name, Key=_key(registration))
    auth.login(organizer)
    assert (
        client.get(f"/met26/manage/registrations/{registration.reference}/proof-file").status_code
        == 404
    )


def test_a_tampered_stored_name_never_reads_outside_the_proofs(
    client, auth, organizer, register, upload_dir
):
    registration = register(category="student-trainee")
    registration.proof_file = "../../config.py"
    db.session.commit()
    auth.login(organizer)
    assert (
        client.get(f"/met26/manage/registrations/{registration.reference}/proof-file").status_code
        == 404
    )


def test_on_the_local_backend_proofs_stay_under_upload_dir(register, upload_dir):
    registration = register(category="student-trainee")
    assert (upload_dir / "registration-proofs" / registration.proof_file).read_bytes() == PDF_BYTES


def test_an_unreachable_store_keeps_the_form_and_says_so_next_to_the_file(
    app, client, priced, s3_storage
):
    from tests.conftest import free_port

    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing listens
    upload = (io.BytesIO(PDF_BYTES), "letter.pdf")
    response = client.post(
        "/met26/register", data={**_form(), "proof": upload}, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code < 500
    assert "could not be stored just now" in page and 'value="Lovelace"' in page
    assert db.session.query(Registration).count() == 0


def test_an_unreachable_store_is_a_503_naming_the_field_in_the_api(
    app, client, register, s3_storage
):
    from tests.conftest import free_port

    registration = register(category="student-trainee")
    proofs.refuse_proof(registration, None, "The letter is not signed.")
    db.session.commit()
    app.config["S3_ENDPOINT_URL"] = f"http://127.0.0.1:{free_port()}"
    headers = {"X-Manage-Token": manage_token(registration.reference, registration.manage_salt)}
    url = f"/api/v1/congresses/met26/registrations/{registration.reference}/proof"
    sent = client.post(url, data={"proof": (io.BytesIO(PNG_BYTES), "scan.png")}, headers=headers)
    assert sent.status_code == 503
    assert sent.json["error"]["code"] == "storage_unavailable"
    assert "proof" in sent.json["error"]["fields"]
