"""Two web servers (two apps, each with its own disk) behind one load balancer: a proof
uploaded through one is served and erased through the other when STORAGE_BACKEND=s3."""

from __future__ import annotations

import io

import pytest

from conference import create_app
from conference.extensions import db
from conference.registration.models import Registration
from conference.registration.tokens import manage_path
from tests.conftest import AuthActions
from tests.registration.conftest import PDF_BYTES


def _web_server(app_config, tmp_path, name: str, **settings):
    config = type(
        f"Web{name}",
        (app_config,),
        {
            "UPLOAD_DIR": str(tmp_path / name / "uploads"),
            "STORAGE_DIR": str(tmp_path / name / "storage"),
            **settings,
        },
    )
    return create_app(config)


@pytest.fixture
def two_servers(app_config, tmp_path):
    def make(**settings):
        return (
            _web_server(app_config, tmp_path, "one", **settings),
            _web_server(app_config, tmp_path, "two", **settings),
        )

    return make


def _register_on(web, data: dict) -> None:
    form = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "affiliation": "Analytical Engines",
        "country": "GB",
        "category": "student-trainee",
        "accept_terms": "y",
        "submission_key": "two-servers",
        **data,
    }
    response = web.test_client().post(
        "/met26/register", data=form, content_type="multipart/form-data"
    )
    assert response.status_code == 302


def test_a_proof_sent_to_one_server_is_served_and_erased_by_another(
    two_servers, priced, organizer, s3_bucket
):
    one, two = two_servers(
        STORAGE_BACKEND="s3",
        S3_BUCKET=s3_bucket.name,
        S3_ENDPOINT_URL=s3_bucket.endpoint_url,
        S3_REGION="eu-central-1",
    )
    _register_on(one, {"proof": (io.BytesIO(PDF_BYTES), "letter.pdf")})
    registration = db.session.query(Registration).one()
    assert s3_bucket.keys() == [f"registration-proofs/{registration.proof_file}"]

    organizer_on_two = two.test_client()
    AuthActions(organizer_on_two).login(organizer)
    served = organizer_on_two.get(
        f"/met26/manage/registrations/{registration.reference}/proof-file"
    )
    assert served.status_code == 200 and served.data == PDF_BYTES

    erased = two.test_client().post(
        f"{manage_path(registration)}/erase", data={"erase-confirm": "y"}
    )
    assert erased.status_code == 302
    assert s3_bucket.keys() == []


def test_with_local_disks_the_other_server_cannot_see_the_file(two_servers, priced, organizer):
    """Why several servers need STORAGE_BACKEND=s3 (or one shared directory)."""
    one, two = two_servers(STORAGE_BACKEND="local")
    _register_on(one, {"proof": (io.BytesIO(PDF_BYTES), "letter.pdf")})
    registration = db.session.query(Registration).one()
    organizer_on_two = two.test_client()
    AuthActions(organizer_on_two).login(organizer)
    served = organizer_on_two.get(
        f"/met26/manage/registrations/{registration.reference}/proof-file"
    )
    assert served.status_code == 404
