"""The program book (PDF) is built by the background worker after a publish, never in a request:
its progress shows on the publish page and in the API, a failed build is retried with
backoff, a newer publish supersedes a pending build, and the public URL serves the stored
book with validators (or, while it is built, an earlier book under the same embargo state,
else a "being prepared" page)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conference.abstracts.embargo import set_release_times
from conference.extensions import db
from conference.jobs import PERIODIC_JOBS
from conference.mail import run_worker
from conference.models import utcnow
from conference.program import book
from conference.program import sessions as services
from conference.program.schedule_models import BookBuildStatus, ProgramBookBuild

BOOK_JOB = [job for job in PERIODIC_JOBS if job[2] == "conference.program.book:build_due"]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def builds() -> list[ProgramBookBuild]:
    db.session.expire_all()
    return list(db.session.scalars(select(ProgramBookBuild).order_by(ProgramBookBuild.id)))


def stored_books(book_storage) -> list[str]:
    folder = book_storage / book.NAMESPACE
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def one_session(make_session, make_abstract):
    session = make_session("Hepatic metastases: resect or ablate")
    services.add_presentation(session, abstract=make_abstract(title="Ablation in 120 patients"))
    return session


def test_publishing_queues_the_book_and_the_request_does_not_build_it(
    client, congress, one_session, publish, book_storage
):
    version = publish()
    [build] = builds()
    assert (build.version_id, build.status) == (version.id, BookBuildStatus.QUEUED)

    response = client.get("/met26/program/schedule.pdf")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(book.RETRY_AFTER_SECONDS)
    assert response.headers["Cache-Control"] == "no-store"
    assert "The program book is being prepared" in response.get_data(as_text=True)
    # Nothing was built or stored by the request: the build still waits for the worker.
    assert builds()[0].status == BookBuildStatus.QUEUED and builds()[0].attempts == 0
    assert stored_books(book_storage) == []


def test_the_worker_builds_the_book_and_the_url_serves_it_with_validators(
    client, congress, one_session, publish, book_storage
):
    publish()
    run_worker(interval=0, max_rounds=1, jobs=BOOK_JOB)  # one round of the real worker

    [build] = builds()
    assert build.status == BookBuildStatus.READY
    assert (build.done, build.total, build.attempts) == (1, 1, 1)
    # The book in English (the build's own key) and one beside it per other language.
    assert stored_books(book_storage) == sorted(
        book.language_key(build.storage_key, language).split("/")[1]
        for language in ("en", "fr", "de", "es")
    )

    first = client.get("/met26/program/schedule.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    text = pdf_text(first.data)
    assert "Hepatic metastases: resect or ablate" in text and "Ablation in 120 patients" in text
    assert first.headers["ETag"] == f'"{build.etag}"'
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert first.headers["Last-Modified"]
    assert 'filename="program.pdf"' in first.headers["Content-Disposition"]

    again = client.get(
        "/met26/program/schedule.pdf", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    since = client.get(
        "/met26/program/schedule.pdf", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert since.status_code == 304
    # Another web worker (nothing in its memory) reads the same stored book.
    book._MEMORY.clear()
    assert client.get("/met26/program/schedule.pdf").data == first.data


def test_the_worker_stores_the_book_in_the_object_store(
    client, congress, one_session, publish, s3_storage, build_books
):
    publish()
    build_books()
    [build] = builds()
    data, content_type = s3_storage.read(build.storage_key)
    assert content_type == "application/pdf"
    book._MEMORY.clear()
    assert client.get("/met26/program/schedule.pdf").data == data


def test_progress_is_visible_to_organizers_on_the_page_and_in_the_api(
    client, auth, organizer, api_token, congress, one_session, publish, book_storage
):
    headers = api_token(organizer)
    publish()
    auth.login(organizer)
    page = client.get("/met26/manage/program/publish").get_data(as_text=True)
    assert "Program book (PDF)" in page and "waiting for the background worker" in page
    assert client.get("/api/v1/congresses/met26/program/publish", headers=headers).get_json()[
        "book"
    ]["status"] == ("queued")

    build_id, token = book.claim_next()
    book.ProgressWriter(build_id, token)(2, 5)  # what the build reports as it lays out
    page = client.get("/met26/manage/program/publish").get_data(as_text=True)
    assert "building, 2 of 5 sessions" in page and "Being built" in page
    status = client.get("/met26/manage/program/book/status").get_json()["book"]
    assert (status["status"], status["done"], status["total"]) == ("building", 2, 5)
    api = client.get("/api/v1/congresses/met26/program/publish", headers=headers).get_json()
    assert api["version"] == 1 and api["book"]["done"] == 2 and api["book"]["total"] == 5

    assert book.run_build(build_id, token).startswith("book of version 1")
    page = client.get("/met26/manage/program/publish").get_data(as_text=True)
    assert "Version 1: ready." in page and "Download the program book" in page
    assert client.get("/api/v1/congresses/met26/program/publish", headers=headers).get_json()[
        "book"
    ]["status"] == ("ready")


def test_a_failing_build_shows_failed_is_retried_with_backoff_and_by_an_organizer(
    client, auth, organizer, api_token, congress, one_session, publish, book_storage, build_books
):
    # The store cannot be written (a file stands where its directory should be).
    book_storage.parent.mkdir(parents=True, exist_ok=True)
    book_storage.write_text("not a directory")
    publish()
    build_books()
    [build] = builds()
    assert build.status == BookBuildStatus.FAILED and build.attempts == 1
    assert "StorageUnavailable" in build.last_error
    first_retry = build.next_attempt_at
    assert utcnow() + timedelta(seconds=20) < first_retry < utcnow() + timedelta(seconds=40)

    auth.login(organizer)
    page = client.get("/met26/manage/program/publish").get_data(as_text=True)
    assert "the build failed (attempt 1 of 5)" in page and "StorageUnavailable" in page
    assert 'id="book-retry"' in page
    api = client.get(
        "/api/v1/congresses/met26/program/publish", headers=api_token(organizer)
    ).get_json()
    assert api["book"]["status"] == "failed" and api["book"]["can_retry"] is True
    assert client.get("/met26/program/schedule.pdf").status_code == 503

    build_books()  # before the backoff ran out: left alone
    assert builds()[0].attempts == 1
    later = utcnow()
    for attempt in range(2, book.MAX_ATTEMPTS + 1):  # the worker keeps trying, backing off
        later = builds()[0].next_attempt_at + timedelta(seconds=1)
        build_books(now=later)
        assert builds()[0].attempts == attempt
    assert builds()[0].next_attempt_at is None  # given up: an organizer decides
    build_books(now=later + timedelta(days=1))
    assert builds()[0].attempts == book.MAX_ATTEMPTS
    page = client.get("/met26/manage/program/publish").get_data(as_text=True)
    assert f"the build failed {book.MAX_ATTEMPTS} times" in page

    book_storage.unlink()  # the store works again
    response = client.post("/met26/manage/program/book/retry")
    assert response.status_code == 302
    assert builds()[0].status == BookBuildStatus.QUEUED and builds()[0].attempts == 0
    build_books()
    assert builds()[0].status == BookBuildStatus.READY
    assert "Hepatic metastases" in pdf_text(client.get("/met26/program/schedule.pdf").data)
    refused = client.post(
        "/api/v1/congresses/met26/program/book/retry", headers=api_token(organizer)
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "book_not_failed"


def test_a_newer_publish_supersedes_a_pending_build(
    client, congress, one_session, publish, build_books
):
    first = publish()
    services.update_session(one_session, title="Hepatic metastases: the second version")
    db.session.commit()
    second = publish()
    old, new = builds()
    assert (old.version_id, old.status) == (first.id, BookBuildStatus.SUPERSEDED)
    assert (new.version_id, new.status) == (second.id, BookBuildStatus.QUEUED)

    assert build_books().startswith(f"book of version {second.number}: ")
    [only] = builds()  # the ready book replaced the superseded row
    assert (only.version_id, only.status, only.attempts) == (second.id, "ready", 1)
    text = pdf_text(client.get("/met26/program/schedule.pdf").data)
    assert "the second version" in text and "resect or ablate" not in text


def test_a_publish_during_a_build_stops_it(congress, one_session, publish, build_books):
    publish()
    build_id, token = book.claim_next()
    publish()
    with pytest.raises(book.Superseded):
        book.ProgressWriter(build_id, token)(1, 3)
    assert book.run_build(build_id, token).endswith("superseded by a newer state")
    build_books()
    assert [b.status for b in builds()] == [BookBuildStatus.READY]


def test_a_killed_workers_build_is_taken_over_after_its_lease(
    congress, one_session, publish, build_books
):
    publish()
    build_id, token = book.claim_next()  # this worker is then killed
    assert book.claim_next() is None  # its lease holds
    taken_id, new_token = book.claim_next(now=utcnow() + book.LEASE + timedelta(seconds=1))
    assert taken_id == build_id and new_token != token
    with pytest.raises(book.Superseded):  # had it survived, it would stop
        book.ProgressWriter(build_id, token)(1, 1)
    book.run_build(taken_id, new_token)
    assert builds()[0].status == BookBuildStatus.READY and builds()[0].attempts == 2


def test_while_the_new_book_is_built_visitors_get_the_previous_one(
    client, congress, one_session, publish, build_books
):
    publish()
    build_books()
    old = client.get("/met26/program/schedule.pdf")
    services.update_session(one_session, title="Hepatic metastases: the second version")
    db.session.commit()
    publish()
    meanwhile = client.get("/met26/program/schedule.pdf")
    assert meanwhile.status_code == 200 and meanwhile.data == old.data
    assert meanwhile.headers["Cache-Control"] == "public, no-cache"  # caches ask again
    build_books()
    fresh = client.get(
        "/met26/program/schedule.pdf", headers={"If-None-Match": old.headers["ETag"]}
    )
    assert fresh.status_code == 200 and "the second version" in pdf_text(fresh.data)
    assert fresh.headers["Cache-Control"].startswith("public, max-age=")


def test_an_earlier_book_is_never_served_once_the_embargo_hides_its_text(
    client, congress, make_session, make_abstract, publish, build_books
):
    session = make_session("Late-breaking trials")
    abstract = make_abstract(title="Overall survival doubled")
    services.add_presentation(session, abstract=abstract)
    publish()
    build_books()
    assert "Overall survival doubled" in pdf_text(client.get("/met26/program/schedule.pdf").data)
    later = utcnow() + timedelta(days=3)
    set_release_times(abstract, title_release_at=later, body_release_at=later)
    db.session.commit()
    assert client.get("/met26/program/schedule.pdf").status_code == 503  # not the old book
    build_books()  # the worker queues and builds the book of the new embargo state
    text = pdf_text(client.get("/met26/program/schedule.pdf").data)
    assert "Late-breaking trials" in text and "Overall survival doubled" not in text


def test_an_embargo_state_that_comes_back_before_the_worker_ran_is_built(
    client, congress, make_session, make_abstract, publish, build_books
):
    session = make_session("Late-breaking trials")
    abstract = make_abstract(title="Overall survival doubled")
    services.add_presentation(session, abstract=abstract)
    publish()
    title_at, body_at = abstract.title_release_at, abstract.body_release_at
    later = utcnow() + timedelta(days=3)
    set_release_times(abstract, title_release_at=later, body_release_at=later)
    db.session.commit()
    book.queue_current_books()  # the first book is superseded by the new state's
    assert [b.status for b in builds()] == ["superseded", "queued"]
    set_release_times(abstract, title_release_at=title_at, body_release_at=body_at)
    db.session.commit()  # ...and the organizer undoes the change
    build_books()
    assert "Overall survival doubled" in pdf_text(client.get("/met26/program/schedule.pdf").data)


def test_concurrent_workers_claim_a_build_once(pg_engine_url, app, congress, one_session, publish):
    """Eight workers ask for due builds at the same moment: one of them gets the book."""
    import threading

    publish()
    barrier = threading.Barrier(8)
    claims: list = []
    errors: list = []

    def worker():
        try:
            with app.app_context():
                barrier.wait(10)
                claims.append(book.claim_next())
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert len([c for c in claims if c is not None]) == 1
    assert builds()[0].attempts == 1 and builds()[0].status == BookBuildStatus.BUILDING
