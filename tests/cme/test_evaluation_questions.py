"""Organizers' own evaluation questions: added by organizers and the CME officer (rating,
yes/no, free text; order; required or not), asked in the learner's forms and through the API,
answered anonymously, and reported as aggregates only from the anonymity threshold on."""

from __future__ import annotations

import csv
import io

import pytest

from conference.accounts.models import User
from conference.cme import evaluations
from conference.cme.models import Evaluation
from conference.errors import ValidationFailed
from conference.extensions import db
from tests.cme.test_evaluations import CONGRESS_SCORES, learners  # noqa: F401

API = "/api/v1/congresses/met26"


@pytest.fixture
def asked(congress):
    """Three questions of the congress evaluation and one of each session's, out of order."""
    made = {
        "venue": evaluations.add_question(
            congress, text="Was the venue accessible?", kind="yes_no", scope="congress", position=2
        ),
        "app": evaluations.add_question(
            congress,
            text="How useful was the congress app?",
            kind="rating",
            scope="congress",
            position=1,
            is_required=True,
        ),
        "wish": evaluations.add_question(
            congress, text="Which topic do you miss?", kind="text", scope="congress", position=3
        ),
        "slides": evaluations.add_question(
            congress, text="Were the slides readable?", kind="yes_no", scope="session"
        ),
    }
    db.session.commit()
    return made


@pytest.mark.parametrize("role", ["organizer", "cme_officer"])
def test_organizers_and_the_cme_officer_add_questions(client, auth, congress, create_user, role):
    auth.login(create_user(role))
    empty = client.post(
        "/met26/manage/cme/questions",
        data={"text": "", "kind": "rating", "scope": "session", "position": "4"},
    )
    assert empty.status_code == 422
    html = empty.get_data(as_text=True)
    assert 'id="text-error"' in html and 'aria-describedby="text-error"' in html
    assert 'value="4"' in html  # the order kept
    added = client.post(
        "/met26/manage/cme/questions",
        data={
            "text": "Would you recommend this meeting?",
            "kind": "yes_no",
            "scope": "congress",
            "position": "1",
            "is_required": "y",
        },
    )
    assert added.status_code == 302
    [question] = evaluations.get_questions(congress)
    assert (question.text, str(question.kind), question.is_required) == (
        "Would you recommend this meeting?",
        "yes_no",
        True,
    )
    page = client.get("/met26/manage/cme/questions").get_data(as_text=True)
    assert "Would you recommend this meeting?" in page
    changed = client.post(
        f"/met26/manage/cme/questions/{question.id}",
        data={
            "text": "Would you recommend it?",
            "kind": "yes_no",
            "scope": "congress",
            "position": "1",
        },
    )
    assert changed.status_code == 302
    assert question.text == "Would you recommend it?" and question.is_required is False
    assert client.post(f"/met26/manage/cme/questions/{question.id}/delete").status_code == 302
    assert evaluations.get_questions(congress) == []


def test_attendees_cannot_manage_questions(client, auth, congress, create_user, asked):
    auth.login(create_user())
    assert client.get("/met26/manage/cme/questions").status_code == 403
    question = asked["app"]
    assert client.post(f"/met26/manage/cme/questions/{question.id}/delete").status_code == 403
    assert len(evaluations.get_questions(congress)) == 4


def test_a_question_of_another_congress_is_404(client, auth, congress, create_user, asked):
    auth.login(create_user("organizer"))
    assert client.get("/met26/manage/cme/questions/999999").status_code == 404


def test_questions_are_asked_in_order_in_the_learner_form(client, auth, congress, learners, asked):  # noqa: F811
    _plenary, people = learners
    auth.login(db.session.scalar(db.select(User).where(User.email == people[0].email)))
    base = f"/met26/cme/learners/{people[0].reference}/evaluation"
    html = client.get(base).get_data(as_text=True)
    positions = [html.index(asked[k].text) for k in ("app", "venue", "wish")]
    assert positions == sorted(positions)
    assert asked["slides"].text not in html  # a session question
    form = {f"score_{name}": str(score) for name, score in CONGRESS_SCORES.items()}
    form[f"q_{asked['wish'].id}"] = "Bone metastases imaging"
    refused = client.post(base, data=form)  # the required rating is missing
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert f'id="q_{asked["app"].id}-error"' in html
    assert "Bone metastases imaging" in html
    form[f"q_{asked['app'].id}"] = "4"
    form[f"q_{asked['venue'].id}"] = "no"
    assert client.post(base, data=form).status_code == 302
    [evaluation] = db.session.scalars(db.select(Evaluation)).all()
    assert evaluation.answers == {
        str(asked["app"].id): 4,
        str(asked["venue"].id): False,
        str(asked["wish"].id): "Bone metastases imaging",
    }


def test_answers_are_checked_by_kind(congress, learners, asked):  # noqa: F811
    _plenary, people = learners
    with pytest.raises(ValidationFailed) as caught:
        evaluations.submit_evaluation(
            congress,
            people[0].id,
            scores=CONGRESS_SCORES,
            answers={str(asked["app"].id): 9, str(asked["venue"].id): "maybe", "424242": 1},
        )
    assert set(caught.value.fields) == {
        f"answers.{asked['app'].id}",
        f"answers.{asked['venue'].id}",
        "answers.424242",
    }


def test_questions_and_answers_through_the_api(
    client,
    congress,
    learners,  # noqa: F811
    asked,
    api_token,
    organizer,
    create_user,
):
    _plenary, people = learners
    listed = client.get(f"{API}/evaluations/questions").get_json()
    assert [q["text"] for q in listed["questions"] if q["scope"] == "congress"] == [
        "How useful was the congress app?",
        "Was the venue accessible?",
        "Which topic do you miss?",
    ]
    assert "objectives" in listed["standard"]["congress"]
    attendee = api_token(db.session.scalar(db.select(User).where(User.email == people[0].email)))
    refused = client.post(
        f"{API}/evaluations/questions", json={"text": "Q?", "kind": "text"}, headers=attendee
    )
    assert refused.status_code == 403
    officer = api_token(create_user("cme_officer"))
    created = client.post(
        f"{API}/evaluations/questions",
        json={"text": "Was the Wi-Fi usable?", "kind": "yes_no", "position": 9},
        headers=officer,
    )
    assert created.status_code == 201 and created.get_json()["scope"] == "congress"
    bad = client.post(
        f"{API}/evaluations",
        json={"scores": CONGRESS_SCORES, "answers": {str(asked["app"].id): 0}},
        headers=attendee,
    )
    assert bad.status_code == 422
    assert f"answers.{asked['app'].id}" in bad.get_json()["error"]["fields"]
    good = client.post(
        f"{API}/evaluations",
        json={"scores": CONGRESS_SCORES, "answers": {str(asked["app"].id): 5}},
        headers=attendee,
    )
    assert good.status_code == 201


def _answer_all(congress, people, asked, count):
    for n, registration in enumerate(people[:count]):
        evaluations.submit_evaluation(
            congress,
            registration.id,
            scores=CONGRESS_SCORES,
            answers={
                str(asked["app"].id): n + 1,
                str(asked["venue"].id): n % 2 == 0,
                str(asked["wish"].id): f"Topic {n}",
            },
        )
    db.session.commit()


def test_aggregates_only_from_the_threshold_on(
    client,
    auth,
    congress,
    learners,  # noqa: F811
    asked,
    organizer,
    api_token,
):
    _plenary, people = learners
    headers = api_token(organizer)
    _answer_all(congress, people, asked, 4)
    [item] = client.get(f"{API}/evaluations/summary", headers=headers).get_json()["summaries"]
    assert (item["answers"], item["shown"], item["questions"]) == (4, False, [])
    auth.login(organizer)
    csv_text = client.get("/met26/manage/cme/reports/event.csv").data.decode("utf-8-sig")
    assert "Topic 0" not in csv_text and "How useful" not in csv_text
    page = client.get("/met26/manage/cme/questions").get_data(as_text=True)
    assert "Topic 0" not in page and "Too few answers to show results." in page
    _answer_all(congress, people[4:], asked, 1)
    [item] = client.get(f"{API}/evaluations/summary", headers=headers).get_json()["summaries"]
    by_text = {q["text"]: q for q in item["questions"]}
    # Ratings 1..4 then 1: mean 2.2; yes for n even: 3 of 5.
    assert by_text["How useful was the congress app?"]["mean"] == 2.2
    assert by_text["Was the venue accessible?"]["yes_share"] == 0.6
    assert by_text["Which topic do you miss?"]["texts"] == sorted(
        ["Topic 0", "Topic 1", "Topic 2", "Topic 3", "Topic 0"]
    )
    rows = list(
        csv.reader(
            io.StringIO(client.get("/met26/manage/cme/reports/event.csv").data.decode("utf-8-sig"))
        )
    )
    means = [r for r in rows if r[3].startswith("mean question") and "congress app" in r[3]]
    assert means and means[0][2] == "2.2"
    page = client.get("/met26/manage/cme/questions").get_data(as_text=True)
    assert "Topic 3" in page
