"""Demo data of the abstracts domain: authors, reviewer pools and abstracts in every state.

Drafts, submitted, withdrawn, reviewed, decided (internal), released; several accepted as
oral or poster with the presenter confirmed, so the program can schedule them.
"""

from __future__ import annotations

import random

from sqlalchemy import select

from conference.abstracts import decisions, review, services
from conference.abstracts.models import Abstract, AbstractStatus
from conference.abstracts.queries import get_expertise_ids
from conference.accounts import services as accounts
from conference.accounts.models import Role, User
from conference.demo import DemoResult
from conference.demo.core import DEMO_PASSWORD
from conference.extensions import db

#: (name, affiliation, country, expertise track indexes)
REVIEWERS = [
    ("Helga Lindqvist", "Uppsala University Hospital", "SE", [0, 1, 5]),
    ("Marco Bellini", "Istituto Nazionale dei Tumori, Milan", "IT", [0, 2, 6]),
    ("Sophie Laurent", "Institut Gustave Roussy", "FR", [1, 3, 9]),
    ("James O'Connor", "Trinity College Dublin", "IE", [2, 4, 6]),
    ("Keiko Tanaka", "National Cancer Center Japan", "JP", [3, 4, 7]),
    ("Lukas Brunner", "Medical University of Graz", "AT", [5, 7, 8]),
    ("Amara Okafor", "University of Lagos", "NG", [6, 8, 9]),
    ("Daniel Weiss", "Memorial Sloan Kettering Cancer Center", "US", [0, 7, 8, 9]),
    ("Elena Petrova", "N.N. Blokhin Cancer Research Center", "RU", [1, 2, 3, 5]),
    ("Priya Raman", "All India Institute of Medical Sciences", "IN", [4, 5, 6, 9]),
]
AUTHORS = [
    ("Ana Author", "author@example.org", "Hospital Clínic de Barcelona", "ES"),
    ("Jonas Keller", "jonas.keller@example.org", "Charité Berlin", "DE"),
    ("Maria Rossi", "maria.rossi@example.org", "University of Bologna", "IT"),
    ("Chen Wei", "chen.wei@example.org", "Sun Yat-sen University Cancer Center", "CN"),
    ("Fatima Zahra", "fatima.zahra@example.org", "Institut Curie", "FR"),
    ("Oliver Smith", "oliver.smith@example.org", "Royal Marsden Hospital", "GB"),
    ("Nadia Haddad", "nadia.haddad@example.org", "American University of Beirut", "LB"),
    ("Pedro Alves", "pedro.alves@example.org", "Instituto Português de Oncologia", "PT"),
]
TOPICS = [
    ("circulating tumour DNA", "colorectal liver metastases"),
    ("PET-MRI", "bone metastases of prostate cancer"),
    ("CDK4/6 inhibition", "hormone receptor-positive metastatic breast cancer"),
    ("EMT signatures", "pancreatic adenocarcinoma"),
    ("osimertinib resistance", "EGFR-mutant lung cancer with brain metastases"),
    ("digital pathology", "lymph node micrometastases"),
    ("a phase II basket design", "rare metastatic sarcomas"),
    ("HIPEC", "peritoneal carcinomatosis of gastric origin"),
    ("stereotactic radiotherapy", "oligometastatic renal cell carcinoma"),
    ("PD-1 blockade", "microsatellite-unstable metastatic disease"),
]
DESIGNS = ["prospective", "retrospective", "multicentre"]
KEYWORDS = ["metastasis", "liquid biopsy", "prognosis", "resistance", "imaging", "immunotherapy"]


#: The account a visitor tries submitting with: it keeps room for one more first-author abstract.
DEMO_AUTHOR = "author@example.org"


def _quota_left_for_demo(person: tuple, congress) -> int:
    """How many regular first-author abstracts the demo may give this person."""
    email = person[1][1]
    return congress.first_author_quota - (1 if email == DEMO_AUTHOR else 0)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _content(rng: random.Random, track_index: int, n: int) -> dict:
    method, disease = TOPICS[track_index % len(TOPICS)]
    patients = rng.randint(40, 600)
    return {
        "title": f"{_upper_first(method)} in {disease}: a {rng.choice(DESIGNS)} study ({n})",
        "sections": {
            "background": f"Outcomes in {disease} remain poor and better tools to guide "
            f"treatment are needed. We studied whether {method} adds information.",
            "methods": f"We enrolled {patients} patients across {rng.randint(2, 14)} centres "
            f"and analysed {method} at baseline and every 3 months.",
            "results": f"Median follow-up was {rng.randint(12, 40)} months. {_upper_first(method)} "
            f"was associated with progression-free survival (HR {rng.uniform(0.4, 0.9):.2f}).",
            "conclusions": f"{_upper_first(method)} may help to select patients with {disease} "
            "for intensified treatment; validation is ongoing.",
        },
        "keywords": rng.sample(KEYWORDS, 3),
    }


def _authors(rng: random.Random, first: tuple, others: list[tuple]) -> list[dict]:
    chosen = [first, *rng.sample([a for a in others if a != first], rng.randint(1, 3))]
    result = []
    for index, (name, email, affiliation, country) in enumerate(chosen):
        has_coi = rng.random() < 0.3
        result.append(
            {
                "name": name,
                "email": email,
                "affiliation": affiliation,
                "country": country,
                "presenting": index == 0,
                "nothing_to_disclose": not has_coi,
                "disclosures": [
                    {
                        "company": rng.choice(["Roche", "Pfizer", "AstraZeneca"]),
                        "relationship": "honoraria",
                    }
                ]
                if has_coi
                else [],
            }
        )
    return result


ATTESTED = {
    "ethics_approval": True,
    "not_previously_published": True,
    "coauthors_agree": True,
    "will_present": True,
}


def load(result: DemoResult, size: str = "small") -> None:
    """Add this domain's demo data to the congress in `result`."""
    congress = result.congress
    tracks = congress.tracks
    rng = random.Random(26)
    reviewers = list(
        db.session.scalars(
            select(User).where(User.email.in_(["reviewer@example.org", "reviewer2@example.org"]))
        )
    )
    for index, (name, affiliation, country, expertise) in enumerate(REVIEWERS, start=3):
        user = accounts.sign_up(
            email=f"reviewer{index}@example.org",
            password=DEMO_PASSWORD,
            name=name,
            title="Dr",
            affiliation=affiliation,
            country=country,
            confirmed=True,
        )
        accounts.grant_role(user, Role.REVIEWER)
        review.set_reviewer_expertise(user, tracks[0].congress, [tracks[i].id for i in expertise])
        reviewers.append(user)
    db.session.flush()
    expertise = get_expertise_ids(r.id for r in reviewers)
    for track in tracks:
        review.set_track_reviewers(track, [r for r in reviewers if track.id in expertise[r.id]])

    people = []
    for name, email, affiliation, country in AUTHORS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = accounts.sign_up(
                email=email,
                password=DEMO_PASSWORD,
                name=name,
                title="Dr",
                affiliation=affiliation,
                country=country,
                confirmed=True,
            )
        people.append((user, (name, email, affiliation, country)))
    db.session.flush()

    count = 36 if size == "small" else 240
    submitted: list[Abstract] = []
    first_author_load: dict[str, int] = {}
    for n in range(1, count + 1):
        track_index = (n - 1) % len(tracks)
        candidates = [
            p
            for p in people
            if first_author_load.get(p[1][1], 0) < _quota_left_for_demo(p, congress)
        ]
        submitter, first = rng.choice(candidates or people)
        if not candidates:  # every demo account has its quota: a colleague is first author
            first = (
                f"Sam Colleague {n}",
                f"sam.colleague{n}@example.org",
                first[2],
                first[3],
            )
        data = _content(rng, track_index, n)
        data.update(
            track=tracks[track_index].slug,
            kind="regular",
            authors=_authors(rng, first, [p[1] for p in people]),
            attestations=ATTESTED,
        )
        if n % 9 == 0:
            data.update(
                kind="trials_in_progress",
                is_clinical_trial=True,
                trial_registration=f"NCT0{rng.randint(1000000, 9999999)}",
            )
            data["sections"] = {
                "background": data["sections"]["background"],
                "methods": data["sections"]["methods"],
                "results": "",
                "conclusions": "",
            }
        abstract = services.create_abstract(congress, submitter, data)
        if first[1] != submitter.email:  # the colleague confirmed being first author
            services.confirm_authorship(abstract, first[1])
        if n % 6 == 0:
            continue  # a draft
        if data["kind"] == "regular":
            first_author_load[first[1]] = first_author_load.get(first[1], 0) + 1
        services.submit_abstract(abstract)
        submitted.append(abstract)
    db.session.flush()
    for abstract in submitted[-2:]:
        services.withdraw_abstract(abstract)
    live = [a for a in submitted if a.status == AbstractStatus.SUBMITTED]

    review.assign_reviewers(congress)
    db.session.flush()
    for abstract in live:
        db.session.expire(abstract, ["reviews"])
    reviewed = live[: int(len(live) * 0.75)]
    for abstract in reviewed:
        quality = rng.randint(2, 5)
        for assignment in abstract.reviews:
            overall = max(1, min(5, quality + rng.choice([-1, 0, 0, 1])))
            review.save_review(
                assignment,
                {
                    "scores": {
                        name: max(1, min(5, overall + rng.choice([-1, 0, 1])))
                        for name in ("novelty", "methods", "results", "relevance")
                    },
                    "overall": overall,
                    "comment_to_committee": rng.choice(
                        ["Solid work.", "Small sample.", "Important for practice.", ""]
                    ),
                    "comment_to_authors": rng.choice(
                        [
                            "Please report confidence intervals.",
                            "Clarify the selection criteria.",
                            "Well written and clinically relevant.",
                        ]
                    ),
                },
            )
    db.session.flush()
    ranked = sorted(reviewed, key=lambda a: -(a.mean_score or 0))
    outcomes = ["plenary", "oral", "oral", "oral", "poster_discussion", "poster_discussion"]
    outcomes += ["poster"] * 8 + ["publication_only", "rejected", "rejected"]
    organizer = db.session.scalar(select(User).where(User.email == "organizer@example.org"))
    decided = list(zip(ranked, outcomes, strict=False))
    released = decided[: len(decided) - 3]  # the last few stay internal
    for abstract, outcome in released:
        decisions.decide_abstract(abstract, outcome, organizer, confirm_incomplete=True)
    decisions.release_decisions(congress)
    for abstract, outcome in decided[len(released) :]:
        decisions.decide_abstract(abstract, outcome, organizer, confirm_incomplete=True)
    for index, (abstract, outcome) in enumerate(released):
        if outcome in ("plenary", "oral", "poster_discussion", "poster") and index % 4 != 3:
            services.confirm_presentation(abstract)
    db.session.flush()
    result.accounts.append(
        ("Reviewer (pathology, diagnostics)", "reviewer3@example.org", DEMO_PASSWORD)
    )
