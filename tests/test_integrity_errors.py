"""Never a 500 for a duplicate: every unique constraint answers 409 naming the field.

Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL (the constraint is then found by
the name the naming convention gives it).
"""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from conference.errors import Conflict
from conference.extensions import db
from conference.program.models import Room, Track

#: Python's lower() folds "Ô", SQLite's does not: the service's pre-check misses the clash.
FOLDING_NAME = "²6\u0084\u00a0Ôd"


def test_duplicate_room_over_the_api_is_a_409_naming_the_field(
    client, congress, organizer, api_token
):
    headers = api_token(organizer)
    first = client.post(
        "/api/v1/congresses/met26/rooms", json={"name": FOLDING_NAME}, headers=headers
    )
    assert first.status_code == 201
    second = client.post(
        "/api/v1/congresses/met26/rooms", json={"name": FOLDING_NAME}, headers=headers
    )
    assert second.status_code == 409, second.get_data(as_text=True)
    error = second.get_json()["error"]
    assert error["code"] == "duplicate"
    assert set(error["fields"]) == {"name"}
    # SQLite: the database's answer; PostgreSQL (whose lower() folds "Ô"): the pre-check's.
    assert error["fields"]["name"][0] in {
        "This name is already taken: choose another one.",
        "Another room already has this name.",
    }
    # The session was rolled back: the API keeps working.
    assert client.get("/api/v1/congresses/met26/rooms", headers=headers).status_code == 200


def test_duplicate_room_in_the_web_form_shows_beside_the_name(client, auth, congress, organizer):
    auth.login(organizer)
    assert client.post("/met26/manage/rooms/new", data={"name": "Salle Étoile"}).status_code == 302
    response = client.post("/met26/manage/rooms/new", data={"name": "Salle Étoile", "capacity": 80})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert (
        "This name is already taken: choose another one." in page
        or "Another room already has this name." in page  # PostgreSQL's lower() folds É
    )
    assert 'class="invalid-feedback' in page or "is-invalid" in page
    assert page.count("Salle Étoile") >= 1  # the form keeps what was typed


def test_any_unique_violation_is_a_conflict_and_still_an_integrity_error(app, congress):
    """Caught a layer below the services: a raw insert that breaks uq_tracks_congress_id_name."""
    existing = congress.tracks[0]
    db.session.add(Track(congress=congress, name=existing.name, slug="another-slug"))
    with pytest.raises(Conflict) as caught:
        db.session.flush()
    assert caught.value.status == 409
    assert caught.value.fields == {"name": ["This name is already taken: choose another one."]}
    assert isinstance(caught.value, IntegrityError)  # savepoint code catching races still works
    db.session.rollback()


def test_a_lost_race_inside_a_savepoint_is_still_caught_as_integrity_error(app, congress):
    db.session.add(Room(congress=congress, name="Plenary Hall Łódź"))
    db.session.commit()
    try:
        with db.session.begin_nested():
            db.session.add(Room(congress=congress, name="Plenary Hall Łódź"))
            db.session.flush()
    except IntegrityError as exc:
        assert isinstance(exc, Conflict) and exc.fields == {
            "name": ["This name is already taken: choose another one."]
        }
    else:
        pytest.fail("the duplicate room was accepted")
    assert db.session.scalar(db.select(db.func.count(Room.id))) == len(congress.rooms)


def test_concurrent_create_that_the_pre_check_cannot_see_is_a_409(
    pg_engine_url, client, congress, organizer, api_token
):
    """Another transaction inserts the same room and commits while our insert waits on it."""
    import threading

    from sqlalchemy import create_engine, text

    headers = api_token(organizer)
    other = create_engine(pg_engine_url)
    connection = other.connect()
    transaction = connection.begin()
    connection.execute(
        text("INSERT INTO rooms (congress_id, name, position) VALUES (:c, :n, 99)"),
        {"c": congress.id, "n": "Auditorium Maximum"},
    )
    # Our pre-check cannot see the uncommitted row; our INSERT waits for it, then collides.
    threading.Timer(1.0, transaction.commit).start()
    try:
        response = client.post(
            "/api/v1/congresses/met26/rooms", json={"name": "Auditorium Maximum"}, headers=headers
        )
    finally:
        connection.close()
        other.dispose()
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.get_json()["error"]["fields"] == {
        "name": ["This name is already taken: choose another one."]
    }
