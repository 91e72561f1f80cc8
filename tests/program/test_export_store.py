"""Rendered exports are stored per published version and embargo epoch, built when
publishing (or by the first request), and shared by every worker through the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from conference.extensions import db
from conference.models import utcnow
from conference.program import export_store, published
from conference.program import sessions as services
from conference.program.export_store import get_export
from conference.program.published import get_published_program
from conference.program.schedule_models import ProgramExport

#: Stored in the database; the PDF book is built by the worker (tests/program/test_book.py).
KINDS = ["ics", "xml", "json", "csv"]


def stored(version_id=None) -> list[tuple[str, int]]:
    query = select(ProgramExport.kind, ProgramExport.embargo_epoch).order_by(
        ProgramExport.kind, ProgramExport.embargo_epoch
    )
    if version_id is not None:
        query = query.where(ProgramExport.version_id == version_id)
    return list(db.session.execute(query).tuples())


def new_worker():
    """What another gunicorn worker sees: nothing parsed or rendered in its memory."""
    published._CACHE.clear()
    export_store._MEMORY.clear()


@pytest.fixture
def no_building(monkeypatch):
    """no_building(): every builder fails from then on; an export must come from the database."""

    def refuse(program, now):
        raise AssertionError("export rebuilt instead of read from the database")

    def apply():
        for kind, (_build, mimetype, filename) in list(export_store.EXPORTS.items()):
            monkeypatch.setitem(export_store.EXPORTS, kind, (refuse, mimetype, filename))

    return apply


def test_publishing_stores_the_exports_of_the_new_version(congress, make_session, publish):
    make_session("Stored at publish time")
    version = publish()
    assert stored(version.id) == [(kind, 0) for kind in sorted(export_store.BUILT_ON_PUBLISH)]
    content = db.session.scalar(
        select(ProgramExport.content).where(
            ProgramExport.version_id == version.id, ProgramExport.kind == "xml"
        )
    )
    assert b"Stored at publish time" in content


def test_every_worker_reads_the_stored_export(client, congress, make_session, publish, no_building):
    make_session("Shared")
    publish()
    no_building()
    for kind in ("ics", "xml", "json", "csv"):
        new_worker()
        response = client.get(f"/met26/program/schedule.{kind}")
        assert response.status_code == 200
        assert b"Shared" in response.data


def test_exports_of_a_version_published_before_the_store_are_built_on_request(
    client, congress, make_session, publish
):
    make_session("Older version")
    publish()
    db.session.execute(ProgramExport.__table__.delete())
    db.session.commit()
    new_worker()
    for kind in KINDS:
        assert client.get(f"/met26/program/schedule.{kind}").status_code == 200
    assert sorted(k for k, _ in stored()) == sorted(KINDS)


def test_a_passing_release_time_changes_the_key(
    client, congress, make_session, make_abstract, publish
):
    session = make_session()
    release = utcnow() + timedelta(hours=2)
    abstract = make_abstract(
        title="Embargoed trial", results="Hidden result", title_release_at=release
    )
    abstract.body_release_at = release
    db.session.commit()
    services.add_presentation(session, abstract=abstract)
    version = publish()
    before = client.get("/met26/program/schedule.json").data
    assert b"Embargoed trial" not in before and b"Hidden result" not in before
    program = get_published_program(congress)
    assert program.embargo_epoch(utcnow()) == 0
    valid_until = db.session.scalar(
        select(ProgramExport.valid_until).where(
            ProgramExport.version_id == version.id,
            ProgramExport.kind == "json",
            ProgramExport.embargo_epoch == 0,
        )
    )
    assert valid_until == release
    later = release + timedelta(seconds=1)
    assert program.embargo_epoch(later) == 1
    after = get_export(program, "json", later)
    db.session.commit()
    assert b"Embargoed trial" in after and b"Hidden result" in after
    assert ("json", 1) in stored(version.id)
    assert ("json", 0) not in stored(version.id)  # its window ended: never served again
    # A worker whose clock is behind rebuilds the embargoed one rather than leak the text.
    new_worker()
    assert get_export(get_published_program(congress), "json") == before


def test_storing_the_same_export_twice_is_harmless(congress, make_session, publish):
    make_session()
    version = publish()
    new_worker()
    program = get_published_program(congress)
    export_store._store(
        version.id, "xml", program.embargo_fingerprint, (0, None, None), b"other worker"
    )  # already there
    db.session.commit()
    assert stored(version.id).count(("xml", 0)) == 1
    assert b"<schedule>" in get_export(program, "xml")


def test_a_new_version_gets_its_own_exports_and_drops_the_old_ones(
    client, congress, make_session, publish
):
    session = make_session("First title")
    first = publish()
    assert client.get("/met26/program/schedule.xml").status_code == 200
    assert len(stored(first.id)) == 4
    services.update_session(session, title="Second title")
    db.session.commit()
    second = publish()
    assert stored(first.id) == []  # never served again
    assert len(stored(second.id)) == len(export_store.BUILT_ON_PUBLISH)
    data = client.get("/met26/program/schedule.ics").data
    assert b"Second title" in data and b"First title" not in data


def test_a_stored_export_is_served_without_parsing_the_snapshot(
    client, congress, make_session, publish, no_building, monkeypatch
):
    make_session("No parsing")
    publish()
    new_worker()
    no_building()

    def refuse(*args, **kwargs):
        raise AssertionError("the snapshot was parsed")

    monkeypatch.setattr(published.PublishedProgram, "__init__", refuse)
    response = client.get("/met26/program/schedule.ics")
    assert response.status_code == 200 and b"No parsing" in response.data


def test_exports_are_found_by_their_embargo_window(congress, make_session, make_abstract, publish):
    session = make_session()
    release = utcnow() + timedelta(hours=1)
    services.add_presentation(
        session,
        abstract=make_abstract(
            title="Late breaking", title_release_at=release, body_release_at=release
        ),
    )
    version = publish()
    later = release + timedelta(minutes=1)
    after = export_store.serve_export(congress, "xml", later).content
    db.session.commit()
    assert b"Late breaking" in after
    windows = db.session.execute(
        select(
            ProgramExport.embargo_epoch, ProgramExport.valid_from, ProgramExport.valid_until
        ).where(ProgramExport.version_id == version.id, ProgramExport.kind == "xml")
    ).all()
    assert windows == [(1, release, None)]
    before = export_store.serve_export(congress, "xml", release - timedelta(seconds=1)).content
    assert b"Late breaking" not in before  # rebuilt for a time inside the old window
    new_worker()
    assert export_store.serve_export(congress, "xml", later).content == after


def test_exports_whose_window_ended_are_deleted(congress, make_session, make_abstract, publish):
    session = make_session()
    soon, later = utcnow() + timedelta(hours=1), utcnow() + timedelta(hours=2)
    services.add_presentation(
        session, abstract=make_abstract(title_release_at=soon, body_release_at=later)
    )
    version = publish()
    for moment in (soon + timedelta(seconds=1), later + timedelta(seconds=1)):
        export_store.serve_export(congress, "csv", moment)
        db.session.commit()
    epochs = [e for k, e in stored(version.id) if k == "csv"]
    assert epochs == [2]  # epochs 0 and 1 ended when the later releases passed


def test_no_export_before_the_first_version(client, congress):
    assert export_store.serve_export(congress, "ics") is None
    assert client.get("/met26/program/schedule.ics").status_code == 404
