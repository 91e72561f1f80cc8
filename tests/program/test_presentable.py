"""Only abstracts accepted for presentation, with that decision released, are scheduled or
shown: one rule (Abstract.is_acceptance_released), used by the editor, the conflicts, the
publish step and every public page and export."""

from __future__ import annotations

import pytest

from conference.abstracts import decisions
from conference.abstracts import services as abstract_services
from conference.abstracts.models import Outcome
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.program import sessions as services

PUBLIC_PATHS = (
    "/met26/program",
    "/met26/program/sessions/{sid}",
    "/met26/program/schedule.xml",
    "/met26/program/schedule.json",
    "/met26/program/schedule.ics",
    "/met26/program/schedule.csv",
    "/api/v1/congresses/met26/sessions",
    "/api/v1/congresses/met26/sessions/{sid}",
)


@pytest.fixture
def headers(organizer, api_token):
    return api_token(organizer)


def public_texts(client, session_id) -> list[str]:
    texts = []
    for path in PUBLIC_PATHS:
        response = client.get(path.format(sid=session_id))
        assert response.status_code == 200, path
        texts.append(response.get_data(as_text=True))
    return texts


def undecided(make_abstract, **kw):
    """Decided 'oral' by the committee, but the decision is not released to the authors."""
    abstract = make_abstract(**kw)
    abstract.released_outcome = None
    abstract.decision_released_at = None
    db.session.commit()
    return abstract


def test_an_abstract_whose_acceptance_is_not_released_cannot_be_scheduled(
    congress, make_session, make_abstract
):
    session = make_session()
    abstract = undecided(make_abstract)
    with pytest.raises(ValidationFailed) as exc:
        services.add_presentation(session, abstract=abstract)
    assert "abstract" in exc.value.fields


def test_api_refuses_to_schedule_an_unreleased_acceptance_with_a_422(
    client, congress, make_session, make_abstract, headers
):
    session = make_session()
    abstract = undecided(make_abstract)
    response = client.post(
        f"/api/v1/congresses/met26/sessions/{session.id}/presentations",
        json={"abstract": abstract.id},
        headers=headers,
    )
    assert response.status_code == 422
    assert "abstract" in response.get_json()["error"]["fields"]


def test_unreleased_decision_is_not_in_the_editor_list_of_abstracts_to_place(
    client, auth, organizer, congress, make_abstract
):
    undecided(make_abstract, title="Undecided cohort study")
    make_abstract(title="Released oral on bone metastases")
    auth.login(organizer)
    page = client.get("/met26/manage/program").get_data(as_text=True)
    assert "Released oral on bone metastases" in page
    assert "Undecided cohort study" not in page


def test_an_undecided_abstract_placed_earlier_never_reaches_the_public_session_page(
    client, congress, make_session, make_abstract, publish
):
    session = make_session("Liver metastases")
    abstract = make_abstract(
        title="Hepatic arterial infusion", presenter_name="Jiří Dvořák", public=True
    )
    services.add_presentation(session, abstract=abstract)
    # The acceptance is taken back before it is released (data placed by older code).
    abstract.released_outcome = None
    abstract.decision_released_at = None
    db.session.commit()
    with pytest.raises(Conflict):  # a blocking conflict: cannot be acknowledged away
        publish()
    db.session.rollback()
    # Even a version published before that (snapshot holds it) no longer shows it.
    abstract.released_outcome = abstract.outcome
    abstract.decision_released_at = abstract.decided_at
    db.session.commit()
    publish()
    assert abstract.number in client.get(f"/met26/program/sessions/{session.id}").get_data(
        as_text=True
    )
    abstract.released_outcome = None
    abstract.decision_released_at = None
    db.session.commit()
    for text in public_texts(client, session.id):
        assert abstract.number not in text
        assert "Hepatic arterial infusion" not in text
        assert "Jiří Dvořák" not in text
        assert "Vienna General Hospital" not in text


def test_a_withdrawn_abstract_disappears_from_every_page_and_export_at_once(
    client, auth, create_user, congress, make_session, make_abstract, publish
):
    session = make_session("Brain metastases")
    abstract = make_abstract(title="Stereotactic radiosurgery for brain metastases")
    services.add_presentation(session, abstract=abstract)
    publish()
    auth.login(create_user(email="attendee@example.org"))
    client.post(f"/met26/program/sessions/{session.id}/star")
    assert "Stereotactic radiosurgery" in client.get("/met26/program/agenda.ics").get_data(
        as_text=True
    )
    before = public_texts(client, session.id)
    assert all("Stereotactic radiosurgery" in text for text in before[:6])
    abstract_services.withdraw_abstract(abstract)
    db.session.commit()
    agenda = client.get("/met26/program/agenda.ics").get_data(as_text=True)
    texts = [*public_texts(client, session.id), agenda]
    for text in texts:
        assert "Stereotactic radiosurgery" not in text
        assert abstract.number not in text
    assert client.get("/met26/program?q=stereotactic").status_code == 200
    assert "Stereotactic" not in client.get("/met26/program?q=stereotactic").get_data(as_text=True)


def test_a_released_decision_changed_to_rejected_leaves_the_public_program(
    client, congress, make_session, make_abstract, publish
):
    session = make_session()
    abstract = make_abstract(title="Circulating tumour DNA after resection")
    services.add_presentation(session, abstract=abstract)
    publish()
    decisions.decide_abstract(abstract, Outcome.REJECTED, confirm_incomplete=True)
    decisions.release_decisions(congress)
    db.session.commit()
    for text in public_texts(client, session.id):
        assert "Circulating tumour DNA" not in text


def test_not_presentable_is_a_blocking_conflict_until_removed(
    client, congress, make_session, make_abstract, headers
):
    session = make_session()
    abstract = make_abstract(title="Withdrawn later")
    presentation = services.add_presentation(session, abstract=abstract)
    db.session.commit()
    abstract_services.withdraw_abstract(abstract)
    db.session.commit()
    listing = client.get("/api/v1/congresses/met26/program/conflicts", headers=headers).get_json()
    [conflict] = [c for c in listing["conflicts"] if c["kind"] == "not_presentable"]
    assert conflict["blocking"] is True
    assert {"type": "presentation", "id": presentation.id} in [
        {"type": o["type"], "id": o["id"]} for o in conflict["objects"]
    ]
    keys = [c["key"] for c in listing["conflicts"]]
    response = client.post(
        "/api/v1/congresses/met26/program/publish", json={"acknowledge": keys}, headers=headers
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "blocking_conflicts"
    services.remove_presentation(presentation)
    db.session.commit()
    listing = client.get("/api/v1/congresses/met26/program/conflicts", headers=headers).get_json()
    assert "not_presentable" not in [c["kind"] for c in listing["conflicts"]]
    response = client.post(
        "/api/v1/congresses/met26/program/publish",
        json={"acknowledge": [c["key"] for c in listing["conflicts"]]},
        headers=headers,
    )
    assert response.status_code == 201


def test_the_editor_shows_the_blocking_conflict(
    client, auth, organizer, congress, make_session, make_abstract
):
    session = make_session()
    abstract = make_abstract(title="Rejected after all")
    services.add_presentation(session, abstract=abstract)
    db.session.commit()
    decisions.decide_abstract(abstract, Outcome.REJECTED, confirm_incomplete=True)
    db.session.commit()
    auth.login(organizer)
    page = client.get("/met26/manage/program").get_data(as_text=True)
    assert 'data-kind="not_presentable"' in page
    publish_page = client.get("/met26/manage/program/publish").get_data(as_text=True)
    assert "must be fixed" in publish_page
    assert 'value="not_presentable:' not in publish_page  # no checkbox to acknowledge it
