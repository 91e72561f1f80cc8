"""Publishing is previewed, then confirmed; everyone whose part changed is told once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conference.errors import Conflict
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.program import sessions as services
from conference.program.publishing import preview_publication, publish_program
from conference.program.schedule_models import Presentation, ProgramVersion
from tests.conftest import deliver_outbox


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def confirm(congress):
    """Preview, then publish exactly that preview (acknowledging every conflict)."""
    from conference.program.conflicts import detect_conflicts

    keys = [c.key for c in detect_conflicts(congress)]
    preview = preview_publication(congress, keys)
    version = publish_program(congress, None, keys, preview_token=preview.token)
    db.session.commit()
    return version


@pytest.fixture
def program(congress, make_session, make_abstract, room_b):
    """Two sessions; a person presents two abstracts (one in each) and chairs one session."""
    liver = make_session("Liver metastases", chairs=["Chen Chair <chair@example.org>"])
    bone = make_session("Bone metastases", room=room_b, start="11:00", end="12:00")
    twice_a = make_abstract(presenter_email="twice@example.org", presenter_name="Tomasz Twice")
    twice_b = make_abstract(presenter_email="twice@example.org", presenter_name="Tomasz Twice")
    other = make_abstract(presenter_email="other@example.org", presenter_name="Olga Other")
    services.add_presentation(liver, abstract=twice_a)
    services.add_presentation(bone, abstract=twice_b)
    services.add_presentation(bone, abstract=other)
    db.session.commit()
    return liver, bone, twice_a, twice_b, other


def test_preview_queues_nothing_and_publishes_nothing(congress, program):
    before = outbox_count()
    preview = preview_publication(congress, [])
    db.session.commit()
    assert outbox_count() == before
    assert db.session.query(ProgramVersion).count() == 0
    # The first version places every presenter; one message per person, not per abstract.
    assert {n.email: len(n.placed) for n in preview.notices} == {
        "twice@example.org": 2,
        "other@example.org": 1,
    }
    assert set(preview.samples) == {"program/placed"}
    subject, text = preview.samples["program/placed"]
    assert "your place in the program" in subject and "Bone metastases" in text


def test_first_publish_tells_each_presenter_once_where_they_present(
    congress, program, smtp, room_b
):
    confirm(congress)
    deliver_outbox()
    [message] = smtp.to("twice@example.org")
    body = smtp.text_of(message)
    assert "Liver metastases" in body and "Bone metastases" in body and "Hall B" in body
    assert len(smtp.to("other@example.org")) == 1
    assert smtp.to("chair@example.org") == []  # a chair is told when their session moves


def test_moved_removed_and_newly_placed_are_each_told_once_with_their_own_changes(
    congress, program, make_session, make_abstract, smtp, at, room_b
):
    liver, bone, _twice_a, twice_b, other = program
    confirm(congress)
    deliver_outbox()
    smtp.messages.clear()

    # The liver session moves (its chair and presenter are told), "other" is removed and a
    # newcomer is placed; nobody else is told anything.
    services.update_session(liver, starts_at=at(1, "14:00"), ends_at=at(1, "15:30"))
    services.remove_presentation(
        db.session.scalar(select(Presentation).where(Presentation.abstract_id == other.id))
    )
    newcomer = make_abstract(presenter_email="new@example.org", presenter_name="Nina New")
    services.add_presentation(bone, abstract=newcomer)
    unchanged = make_session("Untouched", start="16:00", end="17:00", chairs=["Uma <u@x.org>"])
    db.session.commit()
    version = confirm(congress)
    assert version.number == 2 and version.messages_queued == 4
    deliver_outbox()

    [moved] = smtp.to("twice@example.org")
    moved_text = smtp.text_of(moved)
    assert "Moved:" in moved_text and "Liver metastases" in moved_text and "14:00" in moved_text
    assert twice_b.title not in moved_text  # only their own change, not the unmoved talk
    [chair] = smtp.to("chair@example.org")
    assert "you are chair" in smtp.text_of(chair) and "14:00" in smtp.text_of(chair)
    [removed] = smtp.to("other@example.org")
    assert "Removed:" in smtp.text_of(removed) and other.title in smtp.text_of(removed)
    [placed] = smtp.to("new@example.org")
    assert "Here is where and when you present" in smtp.text_of(placed)
    assert newcomer.title in smtp.text_of(placed)
    assert smtp.to("u@x.org") == [] and unchanged.id
    assert len(smtp.messages) == 4


def test_a_stale_preview_token_is_refused(congress, program, make_session):
    before = outbox_count()
    preview = preview_publication(congress, [])
    make_session("Added after the preview", start="15:00", end="16:00")
    with pytest.raises(Conflict) as exc:
        publish_program(congress, None, [], preview_token=preview.token)
    assert exc.value.code == "publish_changed"
    db.session.rollback()
    assert db.session.query(ProgramVersion).count() == 0 and outbox_count() == before


def test_confirming_the_same_preview_twice_publishes_once(congress, program):
    preview = preview_publication(congress, [])
    publish_program(congress, None, [], preview_token=preview.token)
    db.session.commit()
    sent = outbox_count()
    with pytest.raises(Conflict):
        publish_program(congress, None, [], preview_token=preview.token)
    db.session.rollback()
    assert db.session.query(ProgramVersion).count() == 1 and outbox_count() == sent


def test_web_preview_then_confirm_and_stale_confirm_shows_new_preview(
    client, auth, organizer, congress, program, make_session
):
    auth.login(organizer)
    before = outbox_count()
    page = client.post("/met26/manage/program/publish/preview", data={})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "twice@example.org" in text and "program/placed" in text
    assert outbox_count() == before and db.session.query(ProgramVersion).count() == 0
    token = text.split('name="preview_token" value="')[1].split('"')[0]
    make_session("Added after the preview", start="15:00", end="16:00")
    stale = client.post("/met26/manage/program/publish", data={"preview_token": token})
    assert stale.status_code == 409 and 'id="publish-changed"' in stale.get_data(as_text=True)
    assert db.session.query(ProgramVersion).count() == 0 and outbox_count() == before
    fresh = stale.get_data(as_text=True).split('name="preview_token" value="')[1].split('"')[0]
    assert fresh != token
    done = client.post("/met26/manage/program/publish", data={"preview_token": fresh})
    assert done.status_code == 302 and db.session.query(ProgramVersion).count() == 1
    assert outbox_count() == before + 2


def test_api_dry_run_then_publish_with_token(client, congress, program, organizer, api_token):
    headers = api_token(organizer)
    before = outbox_count()
    dry = client.post(
        "/api/v1/congresses/met26/program/publish", json={"dry_run": True}, headers=headers
    )
    assert dry.status_code == 200 and outbox_count() == before
    preview = dry.get_json()["preview"]
    assert {(e["recipient"], e["template"]) for e in preview["emails"]} == {
        ("twice@example.org", "program/placed"),
        ("other@example.org", "program/placed"),
    }
    assert preview["version"] == 1 and preview["samples"][0]["template"] == "program/placed"
    assert db.session.query(ProgramVersion).count() == 0
    stale = "0" * 64
    refused = client.post(
        "/api/v1/congresses/met26/program/publish", json={"preview_token": stale}, headers=headers
    )
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "publish_changed" and error["preview"]["preview_token"]
    assert outbox_count() == before
    done = client.post(
        "/api/v1/congresses/met26/program/publish",
        json={"preview_token": preview["preview_token"]},
        headers=headers,
    )
    assert done.status_code == 201 and done.get_json()["messages"] == 2
    assert outbox_count() == before + 2
