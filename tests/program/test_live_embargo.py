"""The public program follows the release times as they are now, not as they were when the
version was published: moving a release later hides the text again on every page and export
at once, and stored exports are rebuilt for the new embargo state."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from conference.abstracts.models import AbstractKind
from conference.extensions import db
from conference.models import utcnow
from conference.program import export_store
from conference.program import sessions as services
from conference.program.export_store import get_export
from conference.program.published import get_published_program
from conference.program.schedule_models import ProgramExport
from conference.program.services import update_congress


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


PUBLIC_PATHS = (
    "/met26/program",
    "/met26/program?q=metastasectomy",
    "/met26/program/sessions/{sid}",
    "/met26/program/schedule.xml",
    "/met26/program/schedule.json",
    "/met26/program/schedule.ics",
    "/met26/program/schedule.csv",
    "/met26/program/schedule.pdf",
    "/api/v1/congresses/met26/sessions",
    "/api/v1/congresses/met26/sessions/{sid}",
)


def public_bodies(client, session_id) -> list[bytes]:
    """Every public page and export as a visitor gets it, once the worker built the program
    book for the embargo state of now (pypdf's text of the book, not its compressed bytes)."""
    from conference.program.book import build_due

    build_due(limit=10)
    bodies = []
    for path in PUBLIC_PATHS:
        response = client.get(path.format(sid=session_id))
        assert response.status_code == 200, path
        if path.endswith(".pdf"):
            bodies.append(pdf_text(response.get_data()).encode())
        else:
            bodies.append(response.get_data())
    return bodies


def following_congress_defaults(make_abstract, **kw):
    """An accepted abstract without its own release times (the congress's dates apply)."""
    abstract = make_abstract(**kw)
    abstract.title_release_at = None
    abstract.body_release_at = None
    db.session.commit()
    return abstract


def test_moving_the_congress_title_release_later_hides_titles_everywhere_at_once(
    client, congress, make_session, make_abstract, publish, book_storage
):
    past = utcnow() - timedelta(days=2)
    update_congress(congress, abstract_titles_release_at=past, abstract_bodies_release_at=past)
    db.session.commit()
    session = make_session("Oligometastatic disease")
    abstract = following_congress_defaults(
        make_abstract, title="Metastasectomy in oligometastatic CRC"
    )
    services.add_presentation(session, abstract=abstract)
    publish()
    before = public_bodies(client, session.id)  # builds and stores every export
    assert all(b"Metastasectomy in oligometastatic CRC" in body for body in before[:4])
    assert b"Overall survival improved" in before[4]

    later = utcnow() + timedelta(days=30)
    update_congress(congress, abstract_titles_release_at=later, abstract_bodies_release_at=later)
    db.session.commit()
    for body in public_bodies(client, session.id):
        assert b"Metastasectomy in oligometastatic CRC" not in body
        assert b"Overall survival improved" not in body
    page = client.get(f"/met26/program/sessions/{session.id}").get_data(as_text=True)
    assert "title embargoed" in page


def test_an_organizer_moving_one_abstracts_text_release_later_hides_it_again(
    client, auth, organizer, congress, make_session, make_abstract, publish, book_storage
):
    session = make_session()
    abstract = make_abstract(title="Public title", results="Response rate 41 percent")
    services.add_presentation(session, abstract=abstract)
    publish()
    assert b"Response rate 41 percent" in client.get("/met26/program/schedule.json").get_data()

    auth.login(organizer)
    tz = congress.tz
    title_at = (utcnow() - timedelta(days=1)).astimezone(tz).strftime("%Y-%m-%dT%H:%M")
    body_at = (utcnow() + timedelta(days=10)).astimezone(tz).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        f"/met26/manage/abstracts/{abstract.id}/release-times",
        data={"title_release_at": title_at, "body_release_at": body_at},
    )
    assert response.status_code == 302
    auth.logout()
    bodies = public_bodies(client, session.id)
    assert b"Public title" in bodies[2]
    for body in bodies:
        assert b"Response rate 41 percent" not in body
    # The stored exports of the old embargo state are gone, not just bypassed.
    fingerprints = set(db.session.scalars(select(ProgramExport.embargo_fingerprint)))
    assert fingerprints == {get_published_program(congress).embargo_fingerprint}


def test_release_times_form_refuses_a_text_before_its_title_next_to_the_field(
    client, auth, organizer, congress, make_abstract
):
    abstract = make_abstract()
    auth.login(organizer)
    response = client.post(
        f"/met26/manage/abstracts/{abstract.id}/release-times",
        data={"title_release_at": "2031-05-02T09:00", "body_release_at": "2031-05-01T09:00"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "invalid-feedback" in page and "at or after the title" in page
    response = client.post(
        f"/met26/manage/abstracts/{abstract.id}/release-times",
        data={"title_release_at": "not a date", "body_release_at": ""},
    )
    assert response.status_code == 422


def test_organizer_page_shows_and_sets_an_abstracts_own_release_times(
    client, auth, organizer, congress, make_abstract
):
    abstract = make_abstract()
    auth.login(organizer)
    response = client.post(
        f"/met26/manage/abstracts/{abstract.id}/release-times",
        data={"title_release_at": "2031-05-01T09:00", "body_release_at": "2031-05-03T14:30"},
    )
    assert response.status_code == 302
    db.session.refresh(abstract)
    assert abstract.title_release_at.astimezone(congress.tz).strftime("%d %H:%M") == "01 09:00"
    assert abstract.body_release_at.astimezone(congress.tz).strftime("%d %H:%M") == "03 14:30"
    page = client.get(f"/met26/manage/abstracts/{abstract.id}").get_data(as_text=True)
    assert 'value="2031-05-03T14:30"' in page


def test_late_breaking_text_is_public_when_its_session_starts_unless_set_otherwise(
    congress, make_session, make_abstract, publish, at
):
    past = utcnow() - timedelta(days=2)
    update_congress(congress, abstract_titles_release_at=past, abstract_bodies_release_at=past)
    db.session.commit()
    session = make_session("Late-breaking abstracts")
    late = following_congress_defaults(make_abstract, results="Late-breaking survival gain")
    late.kind = AbstractKind.LATE_BREAKING
    db.session.commit()
    services.add_presentation(session, abstract=late)
    publish()
    program = get_published_program(congress)
    before_session = session.starts_at - timedelta(minutes=1)
    assert b"Late-breaking survival gain" not in get_export(program, "json", before_session)
    assert b"Late-breaking survival gain" in get_export(program, "json", session.starts_at)

    # An organizer releases it earlier: the public program follows without a new publish.
    late.body_release_at = past
    db.session.commit()
    export_store._MEMORY.clear()
    program = get_published_program(congress)
    assert b"Late-breaking survival gain" in get_export(program, "json", before_session)


def test_organizers_set_an_abstracts_own_release_times_through_the_api(
    client, organizer, create_user, congress, make_abstract, api_token
):
    abstract = make_abstract()
    author = create_user("attendee")
    path = f"/api/v1/congresses/met26/abstracts/{abstract.id}/release-times"
    body = {"title_release_at": "2031-05-01T09:00", "body_release_at": "2031-05-03T14:30:00Z"}

    assert client.put(path, json=body, headers=api_token(author)).status_code == 403

    response = client.put(path, json=body, headers=api_token(organizer))
    assert response.status_code == 200, response.get_json()
    db.session.refresh(abstract)
    # A time without offset is read in the congress's zone; one with an offset is kept.
    assert abstract.title_release_at.astimezone(congress.tz).strftime("%d %H:%M") == "01 09:00"
    assert abstract.body_release_at.strftime("%d %H:%M %Z") == "03 14:30 UTC"

    refused = client.put(
        path,
        json={"title_release_at": "2031-05-04T09:00", "body_release_at": "2031-05-03T09:00"},
        headers=api_token(organizer),
    )
    assert refused.status_code == 422
    assert "body_release_at" in refused.get_json()["error"]["fields"]

    cleared = client.put(
        path, json={"title_release_at": None, "body_release_at": None}, headers=api_token(organizer)
    )
    assert cleared.status_code == 200
    db.session.refresh(abstract)
    assert abstract.title_release_at is None and abstract.body_release_at is None
