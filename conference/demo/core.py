"""Demo congress, tracks, rooms, categories and accounts (DOMAIN.md)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from conference.abstracts import review
from conference.accounts import services as accounts
from conference.accounts.models import Role
from conference.demo import DemoResult
from conference.extensions import db
from conference.models import utcnow
from conference.program import services as program
from conference.program.models import Congress
from conference.registration import services as registration
from conference.timeutil import local_to_utc

TRACKS = [
    (
        "Cancer metastasis",
        "#b71c1c",
        "Mechanisms, patterns and clinical management of metastatic spread.",
    ),
    ("Cancer diagnostics", "#1565c0", "Imaging, liquid biopsy and molecular diagnostics."),
    ("Cancer therapies", "#2e7d32", "Systemic, targeted and radiation therapies."),
    ("Malignant tumour biology", "#6a1b9a", "Cell biology, signalling and the microenvironment."),
    (
        "Metastasis and drug resistance",
        "#ef6c00",
        "How metastatic disease escapes treatment, and how to prevent it.",
    ),
    ("Cancer pathology", "#4e342e", "Histopathology, digital pathology and biomarkers."),
    ("Cancer clinical trials", "#00838f", "Trial design, results and trials in progress."),
    ("Organ-specific cancers", "#ad1457", "Breast, lung, colorectal, prostate and other sites."),
    ("Surgical oncology", "#37474f", "Metastasectomy, cytoreduction and surgical innovation."),
    ("Cancer immunology", "#558b2f", "Immune checkpoints, cell therapies and vaccines."),
]

ROOMS = [
    ("Plenary Hall", 2500),
    ("Hall A", 800),
    ("Hall B", 600),
    ("Hall C", 400),
    ("Room 1.01", 200),
    ("Room 1.02", 150),
    ("Room 2.01", 120),
    ("Meet-the-Professor Room", 40),
    ("Poster Area", 1500),
]

STUDENT_PROOF = "A letter from your head of department, dated within the last 6 months."
# (name, requires proof, proof hint, prescriber, CME)
CATEGORIES = [
    ("Academician / professor", False, "", True, True),
    ("Oncologist", False, "", True, True),
    ("Radiologist", False, "", True, True),
    ("Chemotherapist", False, "", True, True),
    ("Physician / medical practitioner", False, "", True, True),
    ("Breast cancer surgeon", False, "", True, True),
    ("Pathologist", False, "", True, True),
    ("Diagnostic laboratory professional", False, "", False, True),
    ("Genetic scientist", False, "", False, False),
    ("Healthcare professional", False, "", False, True),
    ("Cancer researcher", False, "", False, False),
    ("Student / trainee", True, STUDENT_PROOF, False, False),
    ("Industry professional", False, "", False, False),
    (
        "Patient advocate",
        True,
        "Proof of affiliation with a not-for-profit organization.",
        False,
        False,
    ),
    ("Press", True, "Press credentials.", False, False),
]

DEMO_PASSWORD = "Metastasis-2026"  # noqa: S105 - printed by `demo load`, demo data only

ACCOUNTS = [
    # (description, email, name, title, affiliation, country, roles, expertise track indexes)
    (
        "Organizer",
        "organizer@example.org",
        "Clara Organizer",
        "Dr",
        "Congress Secretariat",
        "AT",
        [Role.ORGANIZER],
        [],
    ),
    (
        "Administrator",
        "admin@example.org",
        "Adam Admin",
        "",
        "Congress Secretariat",
        "AT",
        [Role.ADMIN],
        [],
    ),
    (
        "Reviewer (metastasis, drug resistance)",
        "reviewer@example.org",
        "Rita Reviewer",
        "Prof",
        "Karolinska Institutet",
        "SE",
        [Role.REVIEWER],
        [0, 4],
    ),
    (
        "Reviewer (immunology, therapies)",
        "reviewer2@example.org",
        "Ravi Reviewer",
        "Dr",
        "Tata Memorial Centre",
        "IN",
        [Role.REVIEWER],
        [9, 2],
    ),
    (
        "Author",
        "author@example.org",
        "Ana Author",
        "Dr",
        "Hospital Clínic de Barcelona",
        "ES",
        [],
        [],
    ),
    ("Attendee", "attendee@example.org", "Tom Attendee", "", "Charité Berlin", "DE", [], []),
]


def _at(day, hour: int, tz) -> datetime:
    return local_to_utc(datetime.combine(day, time(hour, 0)), tz)


def make_congress(today=None) -> Congress:
    """The metastasis congress, about four months ahead, with its deadlines around today."""
    today = today or utcnow().date()
    starts_on = today + timedelta(days=120)
    congress = Congress(
        slug="met26",
        name="International Congress on Cancer Metastasis",
        short_name="MET26",
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=3),
        timezone="Europe/Vienna",
        venue="Austria Center Vienna",
        city="Vienna",
        country="AT",
        currency="EUR",
        website="https://met26.example.org",
        contact_email="secretariat@example.org",
        description=(
            "Four days on the spread of cancer from primary tumours to distant organs: its "
            "biology, diagnosis, treatment and pathology, from the bench to the clinic. About "
            "3,000 oncologists, surgeons, pathologists, radiologists, researchers and advocates."
        ),
    )
    db.session.add(congress)
    db.session.flush()
    tz = congress.tz
    program.update_congress(
        congress,
        abstract_submission_opens_at=_at(today - timedelta(days=30), 9, tz),
        abstract_submission_closes_at=_at(today + timedelta(days=45), 23, tz),
        late_breaking_opens_at=_at(today + timedelta(days=60), 9, tz),
        late_breaking_closes_at=_at(today + timedelta(days=75), 23, tz),
        abstract_withdrawal_closes_at=_at(today + timedelta(days=90), 23, tz),
        review_closes_at=_at(today + timedelta(days=65), 23, tz),
        registration_opens_at=_at(today - timedelta(days=30), 9, tz),
        early_fee_closes_at=_at(today + timedelta(days=40), 23, tz),
        regular_fee_closes_at=_at(starts_on - timedelta(days=7), 23, tz),
        refund_deadline_at=_at(starts_on - timedelta(days=30), 23, tz),
        # The demo program shows accepted titles now; texts stay embargoed until day one.
        abstract_titles_release_at=_at(today - timedelta(days=1), 9, tz),
        abstract_bodies_release_at=_at(starts_on, 7, tz),
    )
    return congress


def load(size: str = "small") -> DemoResult:
    congress = make_congress()
    tracks = [
        program.create_track(congress, name=name, colour=colour, description=description)
        for name, colour, description in TRACKS
    ]
    for name, capacity in ROOMS:
        program.create_room(congress, name=name, capacity=capacity)
    categories = {}
    for name, proof, hint, prescriber, cme in CATEGORIES:
        category = registration.create_category(
            congress,
            name=name,
            requires_proof=proof,
            proof_hint=hint,
            is_prescriber=prescriber,
            is_cme_eligible=cme,
        )
        categories[category.slug] = category
    result = DemoResult(congress=congress)
    for description, email, name, title, affiliation, country, roles, expertise in ACCOUNTS:
        user = accounts.sign_up(
            email=email,
            password=DEMO_PASSWORD,
            name=name,
            title=title,
            affiliation=affiliation,
            country=country,
            confirmed=True,
        )
        registration.set_user_category(user, categories["oncologist"].id)
        for role in roles:
            accounts.grant_role(user, role)
        review.set_reviewer_expertise(
            user, tracks[0].congress, [tracks[index].id for index in expertise]
        )
        result.accounts.append((description, email, DEMO_PASSWORD))
    db.session.flush()
    return result


__all__ = ["DEMO_PASSWORD", "UTC", "load", "make_congress"]
