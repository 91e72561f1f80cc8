"""Fixtures of the industry tests: packages, a signed-up sponsor with a contact person."""

from __future__ import annotations

import pytest

from conference.extensions import db
from conference.industry import services

GOLD_BENEFITS = [
    "Listing on the sponsors page",
    "Booth 3 x 3 m in the exhibition hall",
    "Satellite symposium slot",
    "Bag insert",
]

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def gold(congress):
    package = services.create_package(
        congress,
        name="Gold",
        price="25000.00",
        available=3,
        exhibitor_passes=4,
        booth_size="3 x 3 m",
        benefits=GOLD_BENEFITS,
    )
    db.session.commit()
    return package


@pytest.fixture
def silver(congress):
    package = services.create_package(
        congress, name="Silver", price="10000.00", available=5, exhibitor_passes=2
    )
    db.session.commit()
    return package


@pytest.fixture
def sponsor_a(congress, gold, create_user):
    sponsor = services.sign_up_sponsor(
        congress,
        gold,
        name="Oncora Therapeutics",
        legal_name="Oncora Therapeutics SAS",
        address="12 rue de la Paix\n75002 Paris",
        country="FR",
        vat_id="FR40303265045",
        website="https://oncora.example",
    )
    contact = create_user(email="anne@oncora.example", name="Anne Laurent")
    services.add_contact(sponsor, contact.email)
    db.session.commit()
    sponsor.test_contact = contact
    return sponsor


@pytest.fixture
def sponsor_b(congress, silver, create_user):
    sponsor = services.sign_up_sponsor(congress, silver, name="Helix Biopharma GmbH", country="DE")
    contact = create_user(email="jonas@helix.example", name="Jonas Weber")
    services.add_contact(sponsor, contact.email)
    db.session.commit()
    sponsor.test_contact = contact
    return sponsor


@pytest.fixture
def industry_category(congress):
    """The registration category of exhibitor staff, with a fee (passes are free anyway)."""
    from conference.registration import services as registration

    category = registration.create_category(
        congress, name="Industry professional", is_prescriber=False, is_cme_eligible=False
    )
    registration.set_category_rules(
        category, fees={"early": "900.00", "regular": "900.00", "onsite": "900.00"}
    )
    db.session.commit()
    return category


def staff(n: int, **overrides) -> dict:
    data = {
        "first_name": "Łukasz",
        "last_name": f"Nowak{n}",
        "email": f"staff{n}@oncora.example",
        "country": "PL",
    }
    data.update(overrides)
    return data


@pytest.fixture
def attendees(congress):
    """An oncologist who consents, a student who does not (both confirmed)."""
    from conference.registration import services as registration_services
    from conference.registration.payments import record_payment
    from conference.registration.queries import get_category_by_slug

    oncologist = get_category_by_slug(congress, "oncologist")
    student = get_category_by_slug(congress, "student-trainee")
    for category in (oncologist, student):
        registration_services.set_category_rules(
            category, fees={"early": "100", "regular": "100", "onsite": "100"}
        )
    student.requires_proof = False
    people = []
    for first, last, category, consent in (
        ("Αικατερίνη", "Παπαδοπούλου", "oncologist", True),
        ("Jan", "Novák", "student-trainee", False),
    ):
        registration, _ = registration_services.register_attendee(
            congress,
            {
                "first_name": first,
                "last_name": last,
                "email": f"{last.lower()}@hospital.example",
                "affiliation": "Evangelismos Hospital, Athens",
                "country": "GR",
                "category": category,
                "accept_terms": True,
                "share_with_exhibitors": consent,
            },
        )
        record_payment(registration, kind="bank_transfer", amount="100")
        people.append(registration)
    db.session.commit()
    return people
