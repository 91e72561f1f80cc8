"""Query counts of the program page, exports and editor do not grow with the program."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event

from conference.extensions import db
from conference.program import export_store, published
from conference.program.schedule_models import (
    Presentation,
    PresentationSpeaker,
    ProgramSession,
    SessionFormat,
    SessionPerson,
    SessionRole,
    Speaker,
)

PATHS = [
    "/met26/program",
    "/met26/program?q=talk",
    "/met26/program/schedule.ics",
    "/met26/program/schedule.xml",
    "/met26/program/schedule.json",
    "/met26/program/schedule.csv",
    "/met26/program/sessions/{sid}",
    "/met26/program/speakers/{pid}",
    "/api/v1/congresses/met26/sessions",
]


@contextmanager
def count_queries():
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def build_program(congress, at, make_abstract, sessions: int) -> None:
    rooms = congress.rooms
    for n in range(sessions):
        start = at(n % 2, "08:00") + timedelta(minutes=90 * (n // 2))
        session = ProgramSession(
            congress_id=congress.id,
            title=f"Session {n}",
            format=SessionFormat.ORAL,
            room=rooms[0],
            track=congress.tracks[n % 3],
            is_accredited=True,
            starts_at=start,
            ends_at=start + timedelta(minutes=80),
        )
        chair = Speaker(
            congress_id=congress.id, name=f"Chair {n}", email=f"c{n}@example.org", disclosures=[]
        )
        session.people.append(SessionPerson(speaker=chair, role=SessionRole.CHAIR))
        for k in range(4):
            talk = Presentation(
                title=f"Talk {n}.{k}",
                text="Some abstract text",
                starts_at=start + timedelta(minutes=20 * k),
                ends_at=start + timedelta(minutes=20 * (k + 1)),
                position=k,
            )
            speaker = Speaker(congress_id=congress.id, name=f"Speaker {n}.{k}", disclosures=[])
            talk.speakers.append(PresentationSpeaker(speaker=speaker))
            session.presentations.append(talk)
        if n % 5 == 0:
            abstract = make_abstract(title=f"Abstract talk {n}")
            session.presentations.append(
                Presentation(
                    abstract=abstract,
                    starts_at=start + timedelta(minutes=80 - 1),
                    ends_at=start + timedelta(minutes=80),
                    position=9,
                )
            )
        db.session.add(session)
    db.session.commit()


def measure(client, congress, organizer, auth) -> dict[str, int]:
    session = db.session.query(ProgramSession).first()
    speaker = db.session.query(Speaker).first()
    counts = {}
    for path in PATHS:
        url = path.format(sid=session.id, pid=speaker.id)
        published._CACHE.clear()  # cold: the snapshot is read, exports read from the database
        export_store._MEMORY.clear()
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url.split("/")[-1].split("?")[0] if "{" not in path else path] = len(statements)
    auth.login(organizer)
    with count_queries() as statements:
        assert client.get("/met26/manage/program").status_code == 200
    counts["editor"] = len(statements)
    auth.logout()
    return counts


@pytest.mark.parametrize("size", [(8, 60)])
def test_query_counts_do_not_grow_with_sessions(
    app, congress, at, make_abstract, publish, client, organizer, auth, size
):
    small, large = size
    build_program(congress, at, make_abstract, small)
    publish()
    few = measure(client, congress, organizer, auth)
    build_program(congress, at, make_abstract, large - small)
    publish()
    many = measure(client, congress, organizer, auth)
    assert many == few, (few, many)
    assert max(v for k, v in few.items() if k != "editor") <= 6
