"""Demo data of CME accreditation, so that the issue's "Done when" can be walked on the demo:
EACCME settings (verified attendance, 3/6 caps, evaluation before the certificate), a CME
officer, a disclosure for everyone in control of accredited content (nothing to disclose, one
speaker's relevant relationship mitigated by peer review, a reviewer's relationship awaiting
the officer's review), door scans of a few
physicians on day one, their evaluations, and one claimed certificate.

The congress lies ahead, so scans, evaluations and the claim are recorded as of the moments
they would happen on day one (the services take `now`).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from conference.accounts import services as accounts
from conference.accounts.models import Role
from conference.cme import attendance, certificates, evaluations, services
from conference.cme.models import Disclosure, FinancialRelationship, Relevance
from conference.cme.queries import get_required_people
from conference.demo import DemoResult
from conference.demo.core import DEMO_PASSWORD
from conference.extensions import db
from conference.program.faculty import get_accredited_slots, get_faculty
from conference.registration.queries import RegistrationFilters, registrations_query
from conference.timeutil import local_to_utc

OFFICER_EMAIL = "cme@example.org"
#: The congress evaluation of the demo learners (UEMS-EACCME questions, 1 to 5).
CONGRESS_SCORES = (
    {
        "objectives": 5,
        "expectations": 4,
        "relevance": 5,
        "practice_change": 4,
        "time": 3,
        "overall": 5,
    },
    {
        "objectives": 4,
        "expectations": 4,
        "relevance": 4,
        "practice_change": 3,
        "time": 4,
        "overall": 4,
    },
    {
        "objectives": 5,
        "expectations": 5,
        "relevance": 4,
        "practice_change": 4,
        "time": 4,
        "overall": 5,
    },
)


def load(result: DemoResult, size: str = "small") -> None:
    congress = result.congress
    tz = congress.tz
    services.update_settings(
        congress,
        accreditor="eaccme",
        credit_mode="verified",
        half_day_cap=3,
        day_cap=6,
        requires_evaluation=True,
        certificate_window_days=28,
    )
    officer = accounts.sign_up(
        email=OFFICER_EMAIL,
        password=DEMO_PASSWORD,
        name="Carmen Officer",
        title="Dr",
        affiliation="Congress Secretariat",
        country="AT",
        confirmed=True,
    )
    accounts.grant_role(officer, Role.CME_OFFICER, congress=congress)
    result.accounts.append(("CME officer", OFFICER_EMAIL, DEMO_PASSWORD))

    # Everyone in control of content discloses; accredited faculty first, in program order.
    day_one = congress.starts_on
    disclosed_at = local_to_utc(datetime.combine(day_one - timedelta(days=30), time(10)), tz)
    faculty = [e for e in get_faculty(congress) if e.is_accredited and e.email]
    people = {e.email: e.name for e in faculty}
    for person in get_required_people(congress):
        people.setdefault(person.email, person.name)
    disclosures = []
    for email, name in people.items():
        disclosure = Disclosure(
            congress_id=congress.id,
            email=email,
            name=name[:200],
            nothing_to_disclose=True,
            submitted_at=disclosed_at,
            invited_at=disclosed_at - timedelta(days=7),
        )
        disclosures.append(disclosure)
    db.session.add_all(disclosures)
    db.session.flush()
    # The relationship awaiting review is a reviewer's or committee member's (not faculty of
    # a session): the demo's program still publishes (benchmarks and tests publish it).
    faculty_emails = {e.email for e in faculty}
    mitigated = disclosures[0]
    pending = next((d for d in disclosures if d.email not in faculty_emails), disclosures[1])
    for disclosure, company, nature in (
        (mitigated, "Roche", "consulting_advisory"),
        (pending, "Novartis", "speakers_bureau"),
    ):
        disclosure.nothing_to_disclose = False
        disclosure.relationships.append(
            FinancialRelationship(
                company=company,
                nature=nature,
                started_on=day_one - timedelta(days=300),
                relevance=Relevance.PENDING,
            )
        )
    db.session.flush()
    services.review_relationship(
        mitigated.relationships[0],
        officer,
        relevance="relevant",
        mitigation="peer_review",
        peer_reviewer="Prof. Élodie Marchand",
        note="Slides reviewed for balance; no product recommendations.",
        now=disclosed_at + timedelta(days=2),
    )

    # A few physicians scanned in and out of the first two accredited sessions of day one.
    slots = [
        s
        for s in get_accredited_slots(congress)
        if s.starts_at.astimezone(tz).date() == day_one and s.room_id is not None
    ][:2]
    learners = [
        r
        for r in db.session.scalars(
            registrations_query(
                congress, RegistrationFilters(status="confirmed", sort="created", direction="asc")
            )
        ).unique()
        if r.category is not None and r.category.is_cme_eligible
    ][:4]
    if not slots or not learners:
        return
    scans = []
    for number, registration in enumerate(learners):
        for slot in slots[: 1 + (number % 2 == 0)]:
            for moment, direction in ((slot.starts_at, "in"), (slot.ends_at, "out")):
                scans.append(
                    {
                        "client_id": f"demo-{registration.id}-{slot.session_id}-{direction}",
                        "reference": registration.reference,
                        "room": slot.room_id,
                        "scanned_at": moment,
                        "direction": direction,
                    }
                )
    attendance.record_scans(congress, scans, staff=officer, now=slots[-1].ends_at)
    for scores, registration in zip(CONGRESS_SCORES, learners, strict=False):
        evaluations.submit_evaluation(congress, registration.id, scores=scores)
    evaluations.submit_evaluation(
        congress,
        learners[0].id,
        session_id=slots[0].session_id,
        scores={"content": 5, "speakers": 4, "relevance": 5},
        is_bias_free=True,
        comment="Clear and balanced.",
    )
    evening = local_to_utc(datetime.combine(day_one, time(19)), tz)
    certificates.claim_credits(congress, learners[0], now=evening)
    db.session.flush()
