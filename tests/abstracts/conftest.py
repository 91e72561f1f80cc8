"""Fixtures of the abstracts tests: valid payloads, submitted abstracts, reviewers."""

from __future__ import annotations

import copy
import itertools

import pytest

from conference.abstracts import review, services
from conference.extensions import db

_n = itertools.count(1)

BACKGROUND = "Circulating tumour cells seed distant organs through the bloodstream."
METHODS = "We followed 120 patients with stage IV colorectal cancer for two years."
RESULTS = "Liquid biopsy detected relapse a median of 4 months before imaging."
CONCLUSIONS = "Serial liquid biopsy may guide the timing of metastasectomy."


def valid_payload(**overrides) -> dict:
    """A complete regular abstract (API shape) that passes every submission check."""
    n = next(_n)
    data = {
        "title": f"Liquid biopsy to time metastasectomy {n}",
        "track": "cancer-metastasis",
        "kind": "regular",
        "sections": {
            "background": BACKGROUND,
            "methods": METHODS,
            "results": RESULTS,
            "conclusions": CONCLUSIONS,
        },
        "keywords": ["liquid biopsy", "colorectal"],
        "table": None,
        "is_clinical_trial": False,
        "trial_registration": "",
        "authors": [
            {
                "name": f"Alma Authorowska {n}",
                "email": f"alma{n}@uni-wien.example",
                "affiliation": f"Medical University of Vienna {n}",
                "country": "AT",
                "presenting": True,
                "disclosures": [],
                "nothing_to_disclose": True,
            },
            {
                "name": f"Bruno Coauthori {n}",
                "email": f"bruno{n}@unimi.example",
                "affiliation": f"Istituto Europeo di Oncologia {n}",
                "country": "IT",
                "presenting": False,
                "disclosures": [{"company": "Roche", "relationship": "honoraria"}],
                "nothing_to_disclose": False,
            },
        ],
        "attestations": {
            "ethics_approval": True,
            "not_previously_published": True,
            "coauthors_agree": True,
            "will_present": True,
        },
    }
    data.update(copy.deepcopy(overrides))
    return data


@pytest.fixture
def payload():
    return valid_payload


@pytest.fixture
def author(create_user, congress):
    return create_user(name="Ana Author", email="ana.author@example.org")


@pytest.fixture
def make_abstract(congress, author):
    """Create (and by default submit) an abstract through the services."""

    def make(submitter=None, submit=True, confirm_first=True, **overrides):
        abstract = services.create_abstract(
            congress, submitter or author, valid_payload(**overrides)
        )
        if confirm_first and abstract.first_author is not None:
            # The named first author confirmed by the emailed link (the usual case).
            services.confirm_authorship(abstract, abstract.first_author.email)
        if submit:
            services.submit_abstract(abstract)
        db.session.commit()
        return abstract

    return make


@pytest.fixture
def track(congress):
    return congress.tracks[0]


@pytest.fixture
def make_reviewer(create_user, track):
    def make(affiliation=None, tracks=None, **fields):
        n = next(_n)
        return create_user(
            "reviewer",
            name=fields.pop("name", f"Reviewer {n}"),
            affiliation=affiliation or f"Reviewer Hospital {n}",
            tracks=tracks or [track],
            **fields,
        )

    return make


@pytest.fixture
def pool(make_reviewer, track):
    """Four reviewers in the first track's pool."""
    reviewers = [make_reviewer() for _ in range(4)]
    review.set_track_reviewers(track, reviewers)
    db.session.commit()
    return reviewers
