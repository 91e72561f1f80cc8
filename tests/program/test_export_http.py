"""Public exports on the congress morning: validators (ETag, Last-Modified) answered with 304,
compressed bodies stored once and decoding to the export, never cached for signed-in users."""

from __future__ import annotations

import gzip

import brotli
import pytest
from sqlalchemy import select

from conference.extensions import db
from conference.program import sessions as services
from conference.program.schedule_models import ProgramExport

KINDS = ("ics", "xml", "json", "csv", "pdf")


@pytest.fixture
def published(congress, make_session, make_abstract, publish, build_books):
    session = make_session("Liver metastasis resection after chemotherapy")
    for i in range(5):
        services.add_presentation(session, abstract=make_abstract(title=f"Hepatic talk {i}"))
    publish()
    build_books()  # the worker builds the program book
    return session


@pytest.mark.parametrize("kind", KINDS)
def test_every_export_answers_a_revalidation_with_304(client, published, kind):
    first = client.get(f"/met26/program/schedule.{kind}")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Last-Modified"]
    assert "Accept-Encoding" in first.headers["Vary"]
    assert first.headers["Cache-Control"].startswith("public, max-age=")

    again = client.get(f"/met26/program/schedule.{kind}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag

    since = client.get(
        f"/met26/program/schedule.{kind}",
        headers={"If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert since.status_code == 304

    stale = client.get(f"/met26/program/schedule.{kind}", headers={"If-None-Match": '"not-it"'})
    assert stale.status_code == 200 and stale.data == first.data


@pytest.mark.parametrize(
    ("coding", "decode"), [("gzip", gzip.decompress), ("br", brotli.decompress)]
)
@pytest.mark.parametrize("kind", ("json", "xml", "ics", "csv"))
def test_compressed_exports_decode_to_the_export(client, published, kind, coding, decode):
    plain = client.get(f"/met26/program/schedule.{kind}").data
    packed = client.get(f"/met26/program/schedule.{kind}", headers={"Accept-Encoding": coding})
    assert packed.headers["Content-Encoding"] == coding
    assert decode(packed.data) == plain
    assert len(packed.data) < len(plain)
    # The compressed representation has its own tag, and revalidating with it is a 304.
    assert packed.headers["ETag"] != client.get(f"/met26/program/schedule.{kind}").headers["ETag"]
    again = client.get(
        f"/met26/program/schedule.{kind}",
        headers={"Accept-Encoding": coding, "If-None-Match": packed.headers["ETag"]},
    )
    assert again.status_code == 304


def test_the_stored_export_keeps_its_compressed_bytes(client, published):
    body = client.get("/met26/program/schedule.json").data
    row = db.session.scalar(select(ProgramExport).where(ProgramExport.kind == "json"))
    assert gzip.decompress(row.content_gzip) == bytes(row.content) == body
    served = client.get("/met26/program/schedule.json", headers={"Accept-Encoding": "gzip"})
    assert served.data == bytes(row.content_gzip)  # served as stored, not compressed again


def test_a_new_version_changes_the_validator(client, published, publish):
    etag = client.get("/met26/program/schedule.json").headers["ETag"]
    services.update_session(published, title="Liver metastasis: resection or ablation")
    db.session.commit()
    publish()
    fresh = client.get("/met26/program/schedule.json", headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert b"resection or ablation" in fresh.data
    assert fresh.headers["ETag"] != etag


def test_signed_in_users_never_get_a_shared_cacheable_export(client, auth, published, create_user):
    auth.login(create_user("attendee"))
    response = client.get("/met26/program/schedule.json")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_the_program_page_revalidates_for_visitors_and_never_for_signed_in_users(
    client, auth, published, publish, create_user
):
    first = client.get("/met26/program?track=&day=")
    assert first.status_code == 200 and first.headers["ETag"]
    assert b"Liver metastasis resection" in first.data
    again = client.get(
        "/met26/program?track=&day=", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    packed = client.get("/met26/program?track=&day=", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(packed.data) == first.data

    # A new version is a new page: the old validator no longer matches.
    services.update_session(published, title="Liver metastasis: ablation first")
    db.session.commit()
    publish()
    fresh = client.get(
        "/met26/program?track=&day=", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert fresh.status_code == 200 and b"ablation first" in fresh.data

    auth.login(create_user("attendee"))
    signed_in = client.get(
        "/met26/program?track=&day=", headers={"If-None-Match": fresh.headers["ETag"]}
    )
    assert signed_in.status_code == 200
    assert "ETag" not in signed_in.headers
    assert signed_in.headers["Cache-Control"] == "no-store"
    assert b"My agenda" in signed_in.data
