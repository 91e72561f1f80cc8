"""Publishing: refused while conflicts are unacknowledged; versions kept; changes emailed."""

from __future__ import annotations

import pytest

from conference.errors import Conflict
from conference.extensions import db
from conference.program import sessions as services
from conference.program.publishing import cme_credits, publish_program
from conference.program.schedule_models import ProgramVersion
from tests.conftest import deliver_outbox


def test_publish_refused_until_each_conflict_is_acknowledged(congress, make_session):
    make_session("A")
    make_session("B", start="10:00", end="11:00")
    with pytest.raises(Conflict) as exc:
        publish_program(congress, None, [])
    assert exc.value.code == "unacknowledged_conflicts"
    [conflict] = exc.value.extra["conflicts"]
    assert conflict["kind"] == "room_overlap"
    with pytest.raises(Conflict):
        publish_program(congress, None, ["room_overlap:999:1000"])
    version = publish_program(congress, None, [conflict["key"]])
    db.session.commit()
    assert version.number == 1 and version.acknowledged[0]["key"] == conflict["key"]


def test_publish_without_conflicts_needs_no_acknowledgement(congress, make_session):
    make_session()
    assert publish_program(congress, None, []).number == 1


def test_versions_are_kept_and_changes_emailed(
    congress, make_session, make_abstract, room_b, at, smtp, publish
):
    session = make_session("Liver metastases")
    abstract = make_abstract(presenter_email="mover@example.org", presenter_name="Mo Ver")
    services.add_presentation(session, abstract=abstract)
    stay = make_session("Other session", room=room_b, start="11:00", end="12:00")
    services.add_presentation(stay, abstract=make_abstract(presenter_email="stay@example.org"))
    db.session.commit()
    first = publish()
    assert first.changes[0]["kind"] == "first_version"
    deliver_outbox()
    # The first version places every presenter: each is told once where and when.
    [placed] = smtp.to("mover@example.org")
    assert "Liver metastases" in smtp.text_of(placed) and len(smtp.to("stay@example.org")) == 1
    smtp.messages.clear()

    services.update_session(session, starts_at=at(1, "14:00"), room=room_b.id)
    db.session.commit()
    second = publish()
    assert second.number == 2
    assert db.session.query(ProgramVersion).count() == 2
    kinds = {c["kind"] for c in second.changes}
    assert {"session_changed", "presentation_moved"} <= kinds
    deliver_outbox()
    [message] = smtp.to("mover@example.org")
    body = smtp.text_of(message)
    assert "Hall B" in body and "14:00" in body
    assert smtp.to("stay@example.org") == []
    assert (
        first.snapshot["sessions"][0]["starts_at"] != second.snapshot["sessions"][-1]["starts_at"]
    )


@pytest.mark.parametrize(
    ("minutes", "credits"), [(90, 1.5), (50, 0.75), (44, 0.5), (14, 0.0), (60, 1.0)]
)
def test_cme_credit_in_quarter_steps(minutes, credits):
    assert cme_credits(minutes) == credits


def test_cme_shown_on_session_and_summed_per_day(congress, make_session, client, publish):
    make_session("Accredited", start="09:00", end="10:30")
    make_session(
        "Satellite", format="industry_satellite", is_accredited=False, start="13:00", end="14:00"
    )
    make_session("Break", format="break", is_accredited=False, start="10:30", end="11:00")
    make_session("Afternoon", start="14:30", end="15:15")
    publish()
    page = client.get("/met26/program").get_data(as_text=True)
    assert "2.25 credits offered" in page and "up to 2.25 claimable per attendee" in page
    sessions = client.get("/api/v1/congresses/met26/sessions").get_json()["sessions"]
    assert {s["title"]: s["cme_credits"] for s in sessions} == {
        "Accredited": 1.5,
        "Satellite": 0.0,
        "Break": 0.0,
        "Afternoon": 0.75,
    }


def test_a_version_number_taken_meanwhile_is_a_conflict_not_a_crash(
    congress, make_session, monkeypatch
):
    from conference.program import publishing

    make_session()
    publish_program(congress, None, [])
    db.session.commit()
    monkeypatch.setattr(publishing, "latest_version", lambda congress: None)  # a stale read
    with pytest.raises(Conflict) as exc:
        publish_program(congress, None, [])
    assert exc.value.code == "version_taken"
    db.session.rollback()
    assert db.session.query(ProgramVersion).count() == 1
