"""Sessions and presentations: structural errors are refused, overlaps are not."""

from __future__ import annotations

import pytest

from conference.abstracts.models import AbstractStatus, Outcome
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.program import sessions as services
from conference.program.schedule_models import SessionFormat


def test_create_session_with_chairs_by_email_and_new_person(congress, at, create_user):
    user = create_user(email="chair@example.org", name="Carla Chair")
    session = services.create_session(
        congress,
        title="Liver metastases",
        format="oral",
        track=congress.tracks[0].slug,
        room=congress.rooms[0].id,
        starts_at=at(0, "09:00"),
        ends_at=at(0, "10:30"),
        chairs=["chair@example.org", "Dan Discussant <dan@example.org>"],
        is_accredited=True,
    )
    db.session.commit()
    assert [s.name for s in session.chairs] == ["Carla Chair", "Dan Discussant"]
    assert session.chairs[0].user_id == user.id
    assert session.track.slug == congress.tracks[0].slug


def test_unknown_bare_email_is_a_field_error(congress, at):
    with pytest.raises(ValidationFailed) as exc:
        services.create_session(
            congress,
            title="X",
            format="oral",
            starts_at=at(0, "09:00"),
            ends_at=at(0, "10:00"),
            chairs=["nobody@example.org"],
        )
    assert "chairs" in exc.value.fields


def test_session_ending_before_it_starts_is_refused(congress, at):
    with pytest.raises(ValidationFailed) as exc:
        services.create_session(
            congress,
            title="Backwards",
            format="oral",
            starts_at=at(0, "10:00"),
            ends_at=at(0, "09:00"),
        )
    assert "ends_at" in exc.value.fields


def test_missing_title_and_unknown_format_are_refused(congress, at):
    with pytest.raises(ValidationFailed) as exc:
        services.create_session(
            congress, title=" ", format="party", starts_at=at(0, "09:00"), ends_at=at(0, "10:00")
        )
    assert {"title", "format"} <= set(exc.value.fields)


def test_industry_satellite_is_never_accredited(congress, at):
    with pytest.raises(ValidationFailed) as exc:
        services.create_session(
            congress,
            title="Sponsored",
            format="industry_satellite",
            is_accredited=True,
            starts_at=at(0, "12:30"),
            ends_at=at(0, "13:00"),
        )
    assert "is_accredited" in exc.value.fields


def test_accepted_abstract_is_placed_after_the_last_talk(make_session, make_abstract):
    session = make_session()
    first = services.add_presentation(session, abstract=make_abstract())
    second = services.add_presentation(session, abstract=make_abstract())
    db.session.commit()
    assert first.starts_at == session.starts_at
    assert second.starts_at == first.ends_at
    assert second.speakers[0].speaker.name == "Paola Presenter"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"outcome": Outcome.REJECTED},
        {"outcome": Outcome.PUBLICATION_ONLY},
        {"outcome": None},
        {"status": AbstractStatus.WITHDRAWN},
    ],
)
def test_only_accepted_abstracts_can_be_scheduled(make_session, make_abstract, kwargs):
    session = make_session()
    with pytest.raises(ValidationFailed) as exc:
        services.add_presentation(session, abstract=make_abstract(**kwargs))
    assert "abstract" in exc.value.fields


def test_an_abstract_is_placed_once(make_session, make_abstract):
    abstract = make_abstract()
    services.add_presentation(make_session(), abstract=abstract)
    with pytest.raises(ValidationFailed):
        services.add_presentation(
            make_session("Other", start="11:00", end="12:00"), abstract=abstract
        )


def test_presentation_outside_its_session_is_refused(make_session, make_abstract, at):
    session = make_session()
    with pytest.raises(ValidationFailed) as exc:
        services.add_presentation(
            session, abstract=make_abstract(), starts_at=at(0, "10:20"), ends_at=at(0, "10:40")
        )
    assert "ends_at" in exc.value.fields


def test_moving_a_session_moves_its_presentations(make_session, make_abstract, at):
    session = make_session()
    talk = services.add_presentation(session, abstract=make_abstract())
    services.update_session(session, starts_at=at(1, "14:00"))
    db.session.commit()
    assert session.ends_at == at(1, "15:30")
    assert talk.starts_at == at(1, "14:00")


def test_shrinking_a_session_below_its_talks_is_refused(make_session, make_abstract, at):
    session = make_session()
    services.add_presentation(
        session, abstract=make_abstract(), starts_at=at(0, "10:00"), ends_at=at(0, "10:20")
    )
    with pytest.raises(ValidationFailed):
        services.update_session(session, ends_at=at(0, "10:10"))


def test_poster_sessions_give_board_numbers_not_times(make_session, make_abstract):
    session = make_session("Posters", format="poster", is_accredited=False)
    poster = services.add_presentation(session, abstract=make_abstract(outcome=Outcome.POSTER))
    assert poster.starts_at is None and poster.board_number == "P001"
    assert session.format == SessionFormat.POSTER


def test_reorder_runs_talks_back_to_back(make_session, make_abstract):
    session = make_session()
    a = services.add_presentation(session, abstract=make_abstract())
    b = services.add_presentation(session, abstract=make_abstract())
    services.reorder_presentations(session, [b.id, a.id])
    assert b.starts_at == session.starts_at and a.starts_at == b.ends_at


def test_invited_talk_with_new_speaker(make_session):
    session = make_session("Symposium", format="symposium")
    talk = services.add_presentation(
        session, title="State of the art", speakers=["Ines Invited <ines@example.org>"]
    )
    assert talk.speakers[0].speaker.email == "ines@example.org"
