"""The CME officer's review: relevance and mitigation of each relationship (who and when), the
publish gate on accredited sessions (`unmitigated_disclosure`), and who may see the review."""

from __future__ import annotations

import pytest

from conference.cme import services
from conference.cme.models import FinancialRelationship
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.program.conflicts import detect_conflicts


@pytest.fixture
def accredited(make_session):
    return make_session("Liver metastases", chairs=["Ana Souza <ana@example.org>"])


def _gate(congress):
    return [c for c in detect_conflicts(congress) if c.kind == "unmitigated_disclosure"]


def test_review_records_who_and_when_and_checks_the_step(congress, officer, disclose):
    disclosure = disclose("ana@example.org", relationships=[("Roche", "consulting_advisory")])
    relationship = disclosure.relationships[0]
    with pytest.raises(ValidationFailed) as caught:
        services.review_relationship(
            relationship, officer, relevance="relevant", mitigation="peer_review"
        )
    assert "peer_reviewer" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        services.review_relationship(
            relationship, officer, relevance="not_relevant", mitigation="recusal"
        )
    assert "mitigation" in caught.value.fields
    with pytest.raises(ValidationFailed):
        services.review_relationship(relationship, officer, relevance="pending")
    services.review_relationship(
        relationship,
        officer,
        relevance="relevant",
        mitigation="peer_review",
        peer_reviewer="Prof. Élodie Marchand",
    )
    db.session.commit()
    saved = db.session.get(FinancialRelationship, relationship.id)
    assert (saved.mitigation, saved.peer_reviewer) == ("peer_review", "Prof. Élodie Marchand")
    assert saved.reviewed_by_id == officer.id and saved.reviewed_at is not None
    assert saved.reviewed_by_name == officer.display_name


def test_gate_is_off_until_the_congress_sets_up_cme(congress, accredited):
    assert _gate(congress) == []


def test_accredited_session_waits_for_disclosure_and_mitigation(
    congress, cme_settings, accredited, officer, disclose, publish
):
    [conflict] = _gate(congress)
    assert conflict.is_blocking and "has not disclosed" in conflict.message
    with pytest.raises(Conflict) as caught:
        publish()  # acknowledging everything does not help
    assert caught.value.code == "blocking_conflicts"
    disclosure = disclose("ana@example.org", relationships=[("Roche", "consulting_advisory")])
    [conflict] = _gate(congress)
    assert "not reviewed" in conflict.message
    relationship = disclosure.relationships[0]
    services.review_relationship(relationship, officer, relevance="relevant")
    db.session.commit()
    [conflict] = _gate(congress)
    assert "not mitigated" in conflict.message
    services.review_relationship(
        relationship, officer, relevance="relevant", mitigation="attestation"
    )
    db.session.commit()
    assert _gate(congress) == []
    assert publish().number == 1


def test_not_accredited_sessions_and_unaccredited_people_do_not_block(
    congress, cme_settings, make_session, disclose
):
    make_session(
        "Satellite",
        format="industry_satellite",
        is_accredited=False,
        chairs=["Sam Sponsor <sam@example.org>"],
    )
    assert _gate(congress) == []
    disclose("ana@example.org", nothing=True)
    make_session("Bone metastases", start="11:00", end="12:00", chairs=["Ana <ana@example.org>"])
    assert _gate(congress) == []


def test_gate_can_be_switched_off_per_congress(congress, cme_settings, accredited):
    assert _gate(congress)
    services.update_settings(congress, requires_mitigation=False)
    db.session.commit()
    assert _gate(congress) == []


def test_conflict_api_and_editor_show_the_blocking_kind(
    client, auth, congress, cme_settings, accredited, organizer, api_token
):
    body = client.get(
        "/api/v1/congresses/met26/program/conflicts", headers=api_token(organizer)
    ).get_json()
    kinds = {c["kind"]: c["blocking"] for c in body["conflicts"]}
    assert kinds["unmitigated_disclosure"] is True
    response = client.post(
        "/api/v1/congresses/met26/program/publish",
        json={"acknowledge": [c["key"] for c in body["conflicts"]]},
        headers=api_token(organizer),
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "blocking_conflicts"
    auth.login(organizer)
    page = client.get("/met26/manage/program/conflicts").get_data(as_text=True)
    assert "Ana Souza" in page and "has not disclosed" in page


# -- who sees what -------------------------------------------------------------------------------


def test_only_the_cme_officer_and_organizers_see_the_review(
    client, auth, congress, create_user, officer, organizer, disclose
):
    disclosure = disclose("ana@example.org", "Ana Souza", relationships=[("Roche", "stock")])
    relationship_id = disclosure.relationships[0].id
    pages = ["/met26/manage/cme/disclosures", f"/met26/manage/cme/disclosures/{disclosure.id}"]
    for user in (officer, organizer):
        auth.login(user)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            assert "Ana Souza" in response.get_data(as_text=True)
    for role in (None, "reviewer"):
        auth.login(create_user(role))
        for page in pages:
            assert client.get(page).status_code == 403
        response = client.post(
            f"/met26/manage/cme/relationships/{relationship_id}",
            data={f"r{relationship_id}-relevance": "not_relevant"},
        )
        assert response.status_code == 403
    auth.logout()
    assert client.get(pages[0]).status_code == 302


def test_officer_records_a_mitigation_through_the_form(client, auth, congress, officer, disclose):
    disclosure = disclose("ana@example.org", "Ana Souza", relationships=[("Roche", "stock")])
    rid = disclosure.relationships[0].id
    auth.login(officer)
    url = f"/met26/manage/cme/relationships/{rid}"
    response = client.post(
        url, data={f"r{rid}-relevance": "relevant", f"r{rid}-mitigation": "peer_review"}
    )
    assert response.status_code == 422
    assert "Name who reviewed the slides." in response.get_data(as_text=True)
    response = client.post(
        url,
        data={
            f"r{rid}-relevance": "relevant",
            f"r{rid}-mitigation": "peer_review",
            f"r{rid}-peer_reviewer": "Dr Jan Nowak",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/met26/manage/cme/disclosures/{disclosure.id}").get_data(as_text=True)
    assert "Peer review of the slides" in page and "Dr Jan Nowak" in page
    assert "Clara CME-Officer" in page
    # An id from nowhere is a 404, never a 500.
    assert client.post("/met26/manage/cme/relationships/999999", data={}).status_code == 404
    assert client.get("/met26/manage/cme/disclosures/999999").status_code == 404


def test_settings_are_for_organizers(client, auth, congress, officer, organizer):
    auth.login(officer)
    assert client.get("/met26/manage/cme/settings").status_code == 403
    auth.login(organizer)
    response = client.post(
        "/met26/manage/cme/settings",
        data={"accreditor": "accme", "link_days": "0", "reminder_days": "7"},
    )
    assert response.status_code == 422
    response = client.post(
        "/met26/manage/cme/settings",
        data={
            "accreditor": "accme",
            "requires_mitigation": "y",
            "link_days": "30",
            "reminder_days": "5",
            "separation_minutes": "30",
            "credit_mode": "self_reported",
            "half_day_cap": "3",
            "day_cap": "6",
            "requires_evaluation": "",
            "evaluation_threshold": "5",
            "certificate_window_days": "42",
        },
    )
    assert response.status_code == 302
    from conference.cme.queries import get_settings

    settings = get_settings(congress)
    assert (settings.accreditor, settings.link_days, settings.requires_mitigation) == (
        "accme",
        30,
        True,
    )
    assert (settings.credit_mode, settings.requires_evaluation) == ("self_reported", False)
    assert settings.certificate_window_days == 42


def test_credit_caps_are_checked(congress):
    with pytest.raises(ValidationFailed) as caught:
        services.update_settings(congress, half_day_cap=3.1, day_cap=2, credit_mode="guess")
    assert {"half_day_cap", "credit_mode"} <= set(caught.value.fields)
    with pytest.raises(ValidationFailed) as caught:
        services.update_settings(congress, half_day_cap=4, day_cap=3)
    assert "day_cap" in caught.value.fields
