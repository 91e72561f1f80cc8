"""Fixtures of the program tests: accepted abstracts made directly with the models (the
abstracts domain's services are built elsewhere), sessions, and a local-time helper."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest

from conference.abstracts.models import (
    Abstract,
    AbstractAuthor,
    AbstractStatus,
    AuthorDisclosure,
    Outcome,
)
from conference.extensions import db
from conference.models import utcnow
from conference.program import sessions as session_services
from conference.program.models import Room
from conference.timeutil import local_to_utc

_numbers = itertools.count(1)


@pytest.fixture
def at(congress):
    """at(day_index, "HH:MM") -> aware UTC datetime of that wall time on a congress day."""

    def make(day: int, clock: str) -> datetime:
        hour, minute = (int(part) for part in clock.split(":"))
        local = datetime.combine(congress.starts_on + timedelta(days=day), datetime.min.time())
        return local_to_utc(local.replace(hour=hour, minute=minute), congress.tz)

    return make


@pytest.fixture
def make_abstract(app, congress, create_user):
    """An abstract with a presenting author; accepted (oral) and released by default."""
    submitter = None

    def make(
        *,
        title: str | None = None,
        outcome: Outcome | str | None = Outcome.ORAL,
        status: AbstractStatus = AbstractStatus.SUBMITTED,
        presenter_name: str = "Paola Presenter",
        presenter_email: str | None = None,
        title_release_at: datetime | None = None,
        body_release_at: datetime | None = None,
        public: bool = True,
        results: str = "Overall survival improved with metastasectomy.",
        disclosure: tuple[str, str] | None = None,
        track=None,
    ) -> Abstract:
        nonlocal submitter
        if submitter is None:
            submitter = create_user(email=f"submitter{next(_numbers)}@example.org")
        n = next(_numbers)
        now = utcnow()
        abstract = Abstract(
            congress_id=congress.id,
            track=track or congress.tracks[0],
            submitter_id=submitter.id,
            status=status,
            number=f"A-{n:04d}",
            title=title or f"Abstract number {n} on metastasis",
            background="Metastasis drives mortality.",
            methods="Randomised trial.",
            results=results,
            conclusions="Worth further study.",
            outcome=outcome,
            decided_at=now,
            decision_released_at=now,
            released_outcome=outcome,
            title_release_at=title_release_at
            if title_release_at is not None
            else (now - timedelta(days=1) if public else now + timedelta(days=365)),
            body_release_at=body_release_at
            if body_release_at is not None
            else (now - timedelta(days=1) if public else now + timedelta(days=365)),
        )
        author = AbstractAuthor(
            position=0,
            name=presenter_name,
            email=presenter_email or f"presenter{n}@example.org",
            affiliation="Vienna General Hospital",
            country="AT",
            is_presenting=True,
            nothing_to_disclose=disclosure is None,
        )
        if disclosure:
            author.disclosures.append(
                AuthorDisclosure(company=disclosure[0], relationship_type=disclosure[1])
            )
        abstract.authors.append(author)
        db.session.add(abstract)
        db.session.commit()
        return abstract

    return make


@pytest.fixture
def room_b(congress):
    room = Room(congress_id=congress.id, name="Hall B", capacity=100, position=1)
    db.session.add(room)
    db.session.commit()
    return room


@pytest.fixture
def make_session(congress, at):
    """A session on day 0 in Hall A (09:00-10:30 unless told)."""

    def make(title="Oral session", *, day=0, start="09:00", end="10:30", room=None, **data):
        data.setdefault("format", "oral")
        data.setdefault("is_accredited", True)
        session = session_services.create_session(
            congress,
            title=title,
            room=room or congress.rooms[0],
            starts_at=at(day, start),
            ends_at=at(day, end),
            **data,
        )
        db.session.commit()
        return session

    return make


@pytest.fixture
def publish(congress):
    from conference.program.conflicts import detect_conflicts
    from conference.program.publishing import publish_program

    def run(acknowledge_all: bool = True):
        keys = [c.key for c in detect_conflicts(congress)] if acknowledge_all else []
        version = publish_program(congress, None, keys)
        db.session.commit()
        return version

    return run


@pytest.fixture
def book_storage(app, tmp_path):
    """Stored files (the program books) go to this test's own directory."""
    app.config["STORAGE_DIR"] = str(tmp_path / "storage")
    return tmp_path / "storage"


@pytest.fixture
def build_books(book_storage):
    """build_books(): what the background worker's program-book job does in one round (the
    same function): queue the books missing for the embargo state of now, build due ones."""
    from conference.program.book import build_due

    def run(**kwargs):
        kwargs.setdefault("limit", 10)
        return build_due(**kwargs)

    return run
