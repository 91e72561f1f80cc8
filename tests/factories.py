"""Factory fixtures: each returns a callable, so a test states only what matters to it."""

from __future__ import annotations

import itertools

import pytest

from conference.accounts import services as accounts
from conference.accounts.models import Role, User
from conference.extensions import db
from conference.program import services as program
from conference.registration import services as registration

PASSWORD = "Correct-horse-42"
_counter = itertools.count(1)


@pytest.fixture
def congress(app):
    """A congress with the demo's dates (submission and registration open today) and 3 tracks."""
    from conference.demo.core import make_congress

    congress = make_congress()
    for name in ("Cancer metastasis", "Cancer immunology", "Surgical oncology"):
        program.create_track(congress, name=name)
    program.create_room(congress, name="Hall A", capacity=500)
    registration.create_category(
        congress, name="Oncologist", is_prescriber=True, is_cme_eligible=True
    )
    registration.create_category(congress, name="Student / trainee", requires_proof=True)
    db.session.commit()
    return congress


@pytest.fixture
def create_user(app):
    def create(
        role: str | Role | None = None,
        *,
        email: str | None = None,
        confirmed=True,
        password: str = PASSWORD,
        tracks=(),
        **fields,
    ) -> User:
        n = next(_counter)
        fields.setdefault("name", f"User {n}")
        fields.setdefault("affiliation", f"Institute {n}")
        fields.setdefault("country", "AT")
        user = accounts.sign_up(
            email=email or f"user{n}@example.org",
            password=password,
            confirmed=confirmed,
            **fields,
        )
        roles = [role] if isinstance(role, str | Role) else list(role or [])
        for item in roles:
            if item and item != "attendee":
                accounts.grant_role(user, item)
        if tracks:
            from conference.abstracts.review import set_reviewer_expertise

            tracks = list(tracks)
            set_reviewer_expertise(user, tracks[0].congress, [track.id for track in tracks])
        db.session.commit()
        return user

    return create


@pytest.fixture
def organizer(create_user, congress):
    return create_user("organizer", name="Olga Organizer")


@pytest.fixture
def api_token(app):
    def make(user) -> dict:
        raw, _ = accounts.issue_api_token(user)
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


#: The organizer every invoicing test uses: an Austrian company, fees including 20 % VAT.
SELLER = {
    "legal_name": "Wiener Onkologie-Kongressgesellschaft mbH",
    "address": "Bruno-Kreisky-Platz 1\n1220 Wien",
    "country": "AT",
    "vat_id": "ATU13585627",
    "registration_number": "FN 123456a, Handelsgericht Wien",
    "account_holder": "Wiener Onkologie-Kongressgesellschaft mbH",
    "iban": "AT611904300234573201",
    "bic": "BKAUATWW",
    "bank_name": "UniCredit Bank Austria AG",
    "payment_terms_days": 30,
    "prices_include_vat": True,
    "vat_rate_registration": "20",
    "vat_rate_abstract_fee": "20",
    "vat_rate_sponsorship": "20",
    "invoice_series": "MET26",
}


def set_up_seller(congress):
    """Give `congress` the invoicing organizer of SELLER (committed)."""
    from conference.money import services as money

    money.update_seller_profile(congress, **SELLER)
    db.session.commit()
    return congress
