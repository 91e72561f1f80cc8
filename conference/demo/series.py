"""The demo's congress series: last year's congress (archived; its program stays readable)
and a sister symposium ahead, both set up by copying this year's congress."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from conference.accounts import services as accounts
from conference.accounts.models import Role, User
from conference.congresses.copying import copy_congress
from conference.demo import DemoResult
from conference.extensions import db
from conference.program import services as program_services
from conference.program import sessions as session_services
from conference.program.conflicts import detect_conflicts
from conference.program.publishing import publish_program
from conference.timeutil import local_to_utc

#: Last year's sessions: (day, start, end, title, format, room index, track index).
LAST_YEAR = (
    (
        0,
        time(9, 0),
        time(10, 30),
        "Opening plenary: the metastatic cascade revisited",
        "plenary",
        0,
        0,
    ),
    (0, time(11, 0), time(12, 30), "Liquid biopsy in clinical practice", "symposium", 1, 1),
    (
        0,
        time(14, 0),
        time(15, 30),
        "Oligometastatic disease: who benefits from local therapy?",
        "educational",
        0,
        2,
    ),
    (
        1,
        time(9, 0),
        time(10, 30),
        "Brain metastases: radiosurgery and systemic options",
        "oral",
        1,
        3,
    ),
    (
        1,
        time(11, 0),
        time(12, 30),
        "Tumour board: liver metastases of colorectal cancer",
        "tumour_board",
        0,
        0,
    ),
    (
        2,
        time(9, 0),
        time(10, 30),
        "Closing plenary: what changed practice this year",
        "plenary",
        0,
        1,
    ),
)

SISTER_TRACKS = (
    "Early breast cancer",
    "Metastatic breast cancer",
    "Breast surgery",
    "Radiation oncology",
    "Translational research",
)


def load(result: DemoResult, size: str = "small") -> None:
    met26 = result.congress
    last_year = copy_congress(
        met26,
        slug="met25",
        name="International Congress on Cancer Metastasis 2025",
        short_name="MET25",
        starts_on=met26.starts_on - timedelta(days=364),
    )
    sister = copy_congress(
        met26,
        slug="brc27",
        name="Symposium on Metastatic Breast Cancer",
        short_name="BRC27",
        starts_on=met26.starts_on + timedelta(days=196),
    )
    program_services.update_congress(
        sister,
        venue="Palau de Congressos de Catalunya",
        city="Barcelona",
        country="ES",
        timezone="Europe/Madrid",
        website="https://brc27.example.org",
        description=(
            "Two days on metastatic breast cancer for medical and radiation oncologists, breast "
            "surgeons and specialist nurses: endocrine and targeted therapy, antibody-drug "
            "conjugates, local treatment of oligometastases, survivorship."
        ),
    )
    for track, name in zip(sister.tracks, SISTER_TRACKS, strict=False):
        program_services.update_track(track, name=name)
    for extra in sister.tracks[len(SISTER_TRACKS) :]:
        program_services.update_track(extra, is_active=False)

    organizer = db.session.query(User).filter_by(email="organizer@example.org").one()
    for congress in (last_year, sister):
        accounts.grant_role(organizer, Role.ORGANIZER, congress=congress)
    db.session.flush()

    _last_year_program(last_year)
    program_services.set_archived(last_year, True)
    db.session.flush()


def _last_year_program(congress) -> None:
    """A small program, published: what an attendee of last year can still look up."""
    tz = congress.tz
    rooms, tracks = congress.rooms, congress.tracks
    for day, start, end, title, kind, room, track in LAST_YEAR:
        date = congress.starts_on + timedelta(days=day)
        session_services.create_session(
            congress,
            title=title,
            format=kind,
            room=rooms[room % len(rooms)],
            track_id=tracks[track % len(tracks)].id,
            starts_at=local_to_utc(datetime.combine(date, start), tz),
            ends_at=local_to_utc(datetime.combine(date, end), tz),
            is_accredited=True,
        )
    db.session.flush()
    publish_program(congress, None, [c.key for c in detect_conflicts(congress)])
