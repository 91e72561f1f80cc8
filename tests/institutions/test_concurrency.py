"""Institutions created on the fly by concurrent saves (PostgreSQL)."""

import pytest

from conference.extensions import db
from conference.institutions import services
from conference.institutions.models import Institution
from tests.abstracts.test_concurrency import run_together

pytestmark = pytest.mark.postgres


def test_two_people_typing_the_same_new_institution_at_once_make_one(app, pg_engine_url):
    affiliations = [
        ("Servicio de Oncología Médica, Hospital Universitario Virgen del Rocío, Sevilla", "ES"),
        ("Hospital Universitario Virgen del Rocío, Sevilla", "ES"),
        ("Unidad de Mama, Hospital Universitario Virgen del Rocío", "ES"),
    ]
    errors = run_together(app, services.record_affiliation, affiliations)
    assert errors == []
    names = list(db.session.scalars(db.select(Institution.name)))
    assert names == ["Hospital Universitario Virgen del Rocío"]
