"""Migration 0038: existing free-text halls that name an exhibition area of their congress
become that room; any other hall stays a label (and downgrading gives the name back)."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from conference import create_app
from conference.extensions import db
from config import TestingConfig


def test_free_text_halls_map_to_exhibition_areas_or_stay_labels(tmp_path):
    url = f"sqlite:///{tmp_path / 'halls.db'}"
    app = create_app(type("HallsConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        from conference.demo.core import make_congress
        from conference.program import services as program

        upgrade()
        congress = make_congress()
        hall = program.create_room(congress, name="Exhibition Hall B", kind="exhibition_area")
        program.create_room(congress, name="Hall A")  # a session room: no booth maps to it
        db.session.commit()
        congress_id, hall_id = congress.id, hall.id
        db.session.remove()
        downgrade(revision="0036_outbox_write_jobs")
        with db.engine.begin() as connection:
            for number, label in (("B1", " exhibition hall b "), ("B2", "Hall A"), ("B3", "")):
                connection.execute(
                    text(
                        "INSERT INTO industry_booths (congress_id, number, hall, size) "
                        "VALUES (:congress, :number, :hall, '')"
                    ),
                    {"congress": congress_id, "number": number, "hall": label},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT number, room_id, hall FROM industry_booths ORDER BY number")
            ).all()
        assert [tuple(row) for row in rows] == [
            ("B1", hall_id, ""),
            ("B2", None, "Hall A"),
            ("B3", None, ""),
        ]
        downgrade(revision="0036_outbox_write_jobs")
        with db.engine.connect() as connection:
            labels = connection.execute(
                text("SELECT hall FROM industry_booths ORDER BY number")
            ).scalars()
            assert list(labels) == ["Exhibition Hall B", "Hall A", ""]
        db.engine.dispose()
