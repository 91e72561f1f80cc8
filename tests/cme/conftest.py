"""Fixtures of the CME tests: the program's session and abstract helpers, a congress with CME
accreditation set up, a CME officer, and people in each role that must disclose."""

from __future__ import annotations

import pytest

from conference.cme import services
from conference.extensions import db
from tests.program.conftest import at, make_abstract, make_session, publish  # noqa: F401
from tests.registration.conftest import priced  # noqa: F401


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
