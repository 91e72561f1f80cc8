"""Evaluations: a session evaluation only from someone who attended it, once; the congress
evaluation with the UEMS-EACCME questions; anonymous answers and no aggregate under the
threshold."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import inspect

from conference.cme import attendance, evaluations
from conference.cme import services as cme_services
from conference.cme.models import Evaluation
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.registration import services as registration_services
from tests.registration.conftest import attendee_data

SESSION_SCORES = {"content": 5, "speakers": 4, "relevance": 4}
CONGRESS_SCORES = {
    "objectives": 5,
    "expectations": 4,
    "relevance": 5,
    "practice_change": 3,
    "time": 4,
    "overall": 5,
}
_numbers = itertools.count(1)


@pytest.fixture
def learners(congress, priced, make_session, at, create_user):
    """Six registrants who attended the plenary 09:00-10:30 (scanned in and out)."""
    plenary = make_session("Plenary", start="09:00", end="10:30")
    people = []
    for n in range(6):
        email = f"learner{n}@example.org"
        create_user(email=email)
        registration, _ = registration_services.register_attendee(
            congress, attendee_data(email=email)
        )
        people.append(registration)
    db.session.commit()
    room = congress.rooms[0]
    scans = []
    for registration in people[:5]:
        for when, direction in (("09:00", "in"), ("10:30", "out")):
            scans.append(
                {
                    "client_id": f"e-{next(_numbers)}",
                    "reference": registration.reference,
                    "room": room.id,
                    "scanned_at": at(0, when),
                    "direction": direction,
                }
            )
    attendance.record_scans(congress, scans, now=at(1, "00:00"))
    db.session.commit()
    return plenary, people


def test_a_session_is_evaluated_once_by_those_who_attended(congress, learners):
    plenary, people = learners
    evaluations.submit_evaluation(
        congress, people[0].id, session_id=plenary.id, scores=SESSION_SCORES, is_bias_free=True
    )
    db.session.commit()
    assert evaluations.has_evaluated(people[0].id, plenary.id)
    with pytest.raises(Conflict):
        evaluations.submit_evaluation(
            congress, people[0].id, session_id=plenary.id, scores=SESSION_SCORES, is_bias_free=True
        )
    with pytest.raises(ValidationFailed) as caught:  # people[5] was never scanned in
        evaluations.submit_evaluation(
            congress, people[5].id, session_id=plenary.id, scores=SESSION_SCORES, is_bias_free=True
        )
    assert "session" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        evaluations.submit_evaluation(
            congress, people[1].id, session_id=plenary.id, scores={"content": 9}
        )
    assert {"scores.content", "scores.speakers", "is_bias_free"} <= set(caught.value.fields)


def test_answers_hold_no_identity(congress, learners):
    columns = {c.key for c in inspect(Evaluation).columns}
    assert not columns & {"registration_id", "user_id", "email", "created_at", "submitted_at"}


def test_no_aggregate_under_the_threshold(client, congress, learners, organizer, api_token):
    plenary, people = learners
    headers = api_token(organizer)
    for n, registration in enumerate(people[:4]):
        evaluations.submit_evaluation(
            congress,
            registration.id,
            session_id=plenary.id,
            scores=dict(SESSION_SCORES, content=n + 2),
            is_bias_free=n != 0,
            comment=f"Comment {n}",
        )
    db.session.commit()
    body = client.get("/api/v1/congresses/met26/evaluations/summary", headers=headers).get_json()
    [item] = body["summaries"]
    assert (item["answers"], item["shown"], item["means"], item["comments"]) == (4, False, {}, [])
    evaluations.submit_evaluation(
        congress, people[4].id, session_id=plenary.id, scores=SESSION_SCORES, is_bias_free=True
    )
    db.session.commit()
    [item] = client.get("/api/v1/congresses/met26/evaluations/summary", headers=headers).get_json()[
        "summaries"
    ]
    assert item["shown"] is True
    # content: 2, 3, 4, 5 and 5 -> 3.8; 4 of 5 judged it free of commercial bias.
    assert item["means"]["content"] == 3.8
    assert item["bias_free_share"] == 0.8
    assert len(item["comments"]) == 4
    # The threshold is a setting.
    cme_services.update_settings(congress)
    from conference.cme.queries import get_settings

    get_settings(congress).evaluation_threshold = 6
    db.session.commit()
    [item] = client.get("/api/v1/congresses/met26/evaluations/summary", headers=headers).get_json()[
        "summaries"
    ]
    assert item["shown"] is False


def test_congress_evaluation_through_the_api(client, congress, learners, api_token, create_user):
    _plenary, people = learners
    from conference.accounts.models import User

    user = db.session.query(User).filter_by(email=people[5].email).one()
    headers = api_token(user)
    response = client.post(
        "/api/v1/congresses/met26/evaluations", json={"scores": {"overall": 5}}, headers=headers
    )
    assert response.status_code == 422
    assert "scores.objectives" in response.get_json()["error"]["fields"]
    response = client.post(
        "/api/v1/congresses/met26/evaluations", json={"scores": CONGRESS_SCORES}, headers=headers
    )
    assert response.status_code == 201
    again = client.post(
        "/api/v1/congresses/met26/evaluations", json={"scores": CONGRESS_SCORES}, headers=headers
    )
    assert again.status_code == 409
    assert evaluations.has_evaluated(people[5].id)
    stranger = api_token(create_user())
    assert (
        client.post(
            "/api/v1/congresses/met26/evaluations",
            json={"scores": CONGRESS_SCORES},
            headers=stranger,
        )
    ).status_code == 404
    assert (
        client.get("/api/v1/congresses/met26/evaluations/summary", headers=stranger).status_code
        == 403
    )
