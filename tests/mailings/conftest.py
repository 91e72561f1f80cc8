"""Fixtures of the mailing tests: registrations in several states, and the program tests'
accepted abstracts and sessions (for presenting authors and chairs)."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from conference.extensions import db
from conference.models import utcnow
from conference.registration.models import FeePeriod, Registration, RegistrationStatus
from conference.registration.queries import get_category_by_slug
from conference.registration.tokens import new_reference, new_salt
from tests.program.conftest import at, make_abstract, make_session  # noqa: F401

_numbers = itertools.count(1)


@pytest.fixture
def make_registration(congress):
    """A registration row in `status` and category `category` (slug)."""

    def make(
        first_name="Maria",
        last_name=None,
        *,
        email=None,
        status=RegistrationStatus.CONFIRMED,
        category="oncologist",
    ) -> Registration:
        n = next(_numbers)
        email = email or f"attendee{n}@example.org"
        registration = Registration(
            congress_id=congress.id,
            category_id=get_category_by_slug(congress, category).id,
            reference=new_reference("MET26", 6),
            manage_salt=new_salt(),
            first_name=first_name,
            last_name=last_name or f"Attendee{n}",
            email=email,
            email_key=email.lower(),
            affiliation="Charité - Universitätsmedizin Berlin",
            country="DE",
            terms_accepted_at=utcnow(),
            fee_period=FeePeriod.EARLY,
            fee_amount=Decimal("450.00"),
            currency="EUR",
            status=status,
        )
        db.session.add(registration)
        db.session.commit()
        return registration

    return make
