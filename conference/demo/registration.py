"""Demo data of the registration domain: fees for every category and period, capacity, and
registrations in every status (waiting list included)."""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta
from decimal import Decimal

from conference.demo import DemoResult
from conference.extensions import db
from conference.models import utcnow
from conference.registration import capacity, checkin, proofs, services
from conference.registration.payments import record_payment
from conference.registration.queries import get_categories

#: Early fee per category (EUR); regular is +20 %, on-site +40 %, rounded to 5.
EARLY_FEES = {
    "academician-professor": 620,
    "oncologist": 580,
    "radiologist": 580,
    "chemotherapist": 580,
    "physician-medical-practitioner": 520,
    "breast-cancer-surgeon": 580,
    "pathologist": 560,
    "diagnostic-laboratory-professional": 420,
    "genetic-scientist": 420,
    "healthcare-professional": 380,
    "cancer-researcher": 420,
    "student-trainee": 150,
    "industry-professional": 900,
    "patient-advocate": 90,
    "press": 0,
}

PEOPLE = [
    ("Amara", "Okafor", "NG", "Lagos University Teaching Hospital"),
    ("Lukas", "Huber", "AT", "Medical University of Vienna"),
    ("Mei", "Tanaka", "JP", "National Cancer Center Japan"),
    ("Santiago", "García", "ES", "Vall d'Hebron Institute of Oncology"),
    ("Ingrid", "Larsen", "NO", "Oslo University Hospital"),
    ("Priya", "Raman", "IN", "Tata Memorial Centre"),
    ("Jonas", "Becker", "DE", "DKFZ Heidelberg"),
    ("Chloé", "Martin", "FR", "Institut Gustave Roussy"),
    ("Oliver", "Smith", "GB", "The Royal Marsden"),
    ("Fatima", "Haddad", "LB", "American University of Beirut Medical Center"),
    ("Wei", "Zhang", "CN", "Fudan University Shanghai Cancer Center"),
    ("Lucía", "Fernández", "AR", "Instituto Alexander Fleming"),
    ("Emma", "Johansson", "SE", "Karolinska Institutet"),
    ("Kofi", "Mensah", "GH", "Korle Bu Teaching Hospital"),
    ("Ana", "Silva", "BR", "A.C.Camargo Cancer Center"),
    ("Noah", "Cohen", "IL", "Sheba Medical Center"),
]

PROOF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n0\n%%EOF\n"
)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _round5(value: float) -> Decimal:
    return Decimal(round(value / 5.0) * 5).quantize(Decimal("0.01"))


def load(result: DemoResult, size: str = "small") -> None:
    """Add this domain's demo data to the congress in `result`."""
    congress = result.congress
    rng = random.Random(26)
    categories = {c.slug: c for c in get_categories(congress)}
    for slug, category in categories.items():
        early = EARLY_FEES.get(slug, 400)
        services.set_category_rules(
            category,
            fees={
                "early": _round5(early),
                "regular": _round5(early * 1.2),
                "onsite": _round5(early * 1.4),
            },
            cancellation_fee=_round5(early * 0.15),
        )
    # A small meet-the-press style limit shows the waiting list in the demo.
    services.set_category_rules(categories["press"], capacity=2)
    settings = capacity.get_settings(congress)
    settings.capacity = 3000
    settings.visa_signatory_name = "Prof. Helena Brandt"
    settings.visa_signatory_title = "President of the Congress"
    db.session.flush()

    from conference.accounts.services import get_user_by_email

    organizer = get_user_by_email("organizer@example.org")
    now = utcnow()
    # Free places for the invited speakers: one code each, handed out by the secretariat.
    from conference.money.vouchers import create_vouchers

    create_vouchers(
        congress,
        kind="free_place",
        count=40,
        label="Invited faculty",
        prefix="FAC",
        by=organizer,
    )
    plan = [
        # (category, status to reach)
        ("oncologist", "confirmed"),
        ("pathologist", "confirmed"),
        ("breast-cancer-surgeon", "confirmed"),
        ("radiologist", "awaiting_payment"),
        ("cancer-researcher", "awaiting_payment"),
        ("student-trainee", "awaiting_verification"),
        ("patient-advocate", "awaiting_verification"),
        ("student-trainee", "confirmed"),
        ("industry-professional", "cancelled"),
        ("press", "confirmed"),
        ("press", "awaiting_verification"),
        ("press", "waitlisted"),
        ("healthcare-professional", "checked_in"),
        ("genetic-scientist", "awaiting_payment"),
    ]
    count = len(plan) if size == "small" else len(PEOPLE)
    for index in range(max(count, len(plan))):
        slug, goal = plan[index % len(plan)]
        first, last, country, affiliation = PEOPLE[index % len(PEOPLE)]
        category = categories[slug]
        registration, _ = services.register_attendee(
            congress,
            {
                "first_name": first,
                "last_name": last if index < len(PEOPLE) else f"{last} {index}",
                "email": f"{_ascii(first).lower()}.{index}@example.org",
                "affiliation": affiliation,
                "country": country,
                "category": slug,
                "badge_name": "",
                "dietary": rng.choice(["", "", "Vegetarian", "Halal", "Gluten-free"]),
                "accessibility": rng.choice(["", "", "", "Wheelchair access"]),
                "share_with_exhibitors": rng.random() < 0.4,
                "accept_terms": True,
            },
            proof=("proof.pdf", PROOF) if category.requires_proof else None,
            now=now - timedelta(minutes=len(plan) - index),
        )
        if goal in ("confirmed", "checked_in", "cancelled") and category.requires_proof:
            proofs.approve_proof(registration, organizer)
        if goal in ("confirmed", "checked_in") and registration.amount_due > 0:
            record_payment(
                registration,
                kind="bank_transfer",
                amount=registration.amount_due,
                note=f"Transfer {registration.reference}",
                by=organizer,
            )
        if goal == "checked_in":
            checkin.check_in(registration, by=organizer)
        if goal == "cancelled":
            record_payment(
                registration, kind="card_on_site", amount=registration.amount_due, by=organizer
            )
            services.cancel_registration(registration, reason="Travel plans changed.")
        db.session.flush()
