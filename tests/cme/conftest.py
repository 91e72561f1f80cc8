"""Fixtures of the CME tests: the program's session and abstract helpers, a congress with CME
accreditation set up, a CME officer, and people in each role that must disclose."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conference.cme import attendance, services
from conference.extensions import db
from conference.models import utcnow
from conference.registration import services as registration_services
from tests.program.conftest import at, make_abstract, make_session, publish  # noqa: F401
from tests.registration.conftest import attendee_data, priced  # noqa: F401


@pytest.fixture(autouse=True)
def _certificate_files(app, tmp_path):
    """Certificates' PDFs are stored in this test's own directory (STORAGE_DIR)."""
    app.config["STORAGE_DIR"] = str(tmp_path / "storage")


@pytest.fixture
def cme_settings(congress):
    settings = services.update_settings(congress, accreditor="eaccme")
    db.session.commit()
    return settings


@pytest.fixture
def officer(create_user):
    return create_user("cme_officer", name="Clara CME-Officer", email="cme@example.org")


@pytest.fixture
def disclose(congress):
    """disclose(email, name, relationships=[(company, nature)], nothing=False) -> Disclosure."""

    def run(email, name="Someone", relationships=(), nothing=False):
        disclosure = services.ensure_disclosure(congress, email, name)
        services.submit_disclosure(
            disclosure,
            nothing_to_disclose=nothing,
            relationships=[
                {"company": company, "nature": nature, "started_on": "2026-01-15"}
                for company, nature in relationships
            ],
        )
        db.session.commit()
        return disclosure

    return run


@pytest.fixture
def running(congress):
    """The congress started yesterday and ends today."""
    today = utcnow().astimezone(congress.tz).date()
    congress.starts_on, congress.ends_on = today - timedelta(days=1), today
    congress.venue, congress.city = "Austria Center Vienna", "Wien"
    db.session.commit()
    return congress


@pytest.fixture
def physician(running, priced, make_session, at, create_user):  # noqa: F811
    """An oncologist scanned into a 90-minute accredited session yesterday (1.5 credits)."""
    make_session("Plenary: liver metastases", start="09:00", end="10:30")
    create_user(email="zofia@example.org", name="Zofia")
    registration, _ = registration_services.register_attendee(
        running,
        attendee_data(
            email="zofia@example.org", first_name="Zofia", last_name="Łukasiewicz-Dąbrowska"
        ),
    )
    room = running.rooms[0]
    attendance.record_scans(
        running,
        [
            {
                "client_id": f"c-{when}",
                "reference": registration.reference,
                "room": room.id,
                "scanned_at": at(0, when),
                "direction": direction,
            }
            for when, direction in (("09:00", "in"), ("10:30", "out"))
        ],
    )
    db.session.commit()
    return registration
