"""A new registration's email is a small outbox row written with the registration; the worker
writes its text just before sending it. Nothing is lost in between, nothing is sent twice."""

from __future__ import annotations

from sqlalchemy import select

from conference.extensions import db
from conference.mail import (
    OutboxMessage,
    OutboxStatus,
    queue_mail_later,
    retry_message,
    write_message,
)
from conference.registration import services
from conference.registration.models import Registration
from conference.registration.privacy import erase_registration
from conference.registration.tokens import manage_path
from tests.conftest import deliver_outbox
from tests.registration.conftest import attendee_data


def _message_for(registration_id: int) -> OutboxMessage:
    return db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.registration_id == registration_id)
    )


def test_registering_queues_a_row_and_the_worker_writes_and_sends_it(client, priced, smtp):
    response = client.post(
        "/api/v1/congresses/met26/registrations",
        json=attendee_data(first_name="Zofia", email="zofia@example.org"),
    )
    assert response.status_code == 201, response.json
    registration = db.session.scalar(select(Registration))
    queued = _message_for(registration.id)
    # Committed with the registration, but not written in the request.
    assert queued.kind == "registration/received" and queued.write_job is not None
    assert queued.body_text == "" and queued.visible_text is None
    assert queued.subject == f"MET26: registration {registration.reference} received"

    assert deliver_outbox()["sent"] == 1
    assert deliver_outbox()["sent"] == 0
    [sent] = smtp.to("zofia@example.org")
    text = smtp.text_of(sent)
    assert text.startswith("Dear Zofia,")
    assert registration.reference in text and "450" in text  # the fee still due
    assert manage_path(registration) in text  # the private link, filled in at delivery
    assert "Questions: secretariat@example.org" in text  # emails/_footer
    db.session.expire_all()
    stored = _message_for(registration.id)
    assert stored.status == OutboxStatus.SENT and stored.write_job is None
    assert stored.has_secrets and manage_path(registration) not in stored.body_text


def test_a_free_place_gets_the_confirmed_email(client, priced, smtp):
    _, oncologist, _ = priced
    services.set_category_rules(oncologist, fees={"early": "0", "regular": "0", "onsite": "0"})
    db.session.commit()
    response = client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(email="free@example.org")
    )
    assert response.json["status"] == "confirmed"
    deliver_outbox()
    [sent] = smtp.to("free@example.org")
    assert sent["Subject"].endswith("confirmed")
    assert "confirmed" in smtp.text_of(sent)


def test_a_crash_between_the_commit_and_the_writing_loses_nothing(client, priced, smtp):
    response = client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(email="crash@example.org")
    )
    assert response.status_code == 201
    registration_id = db.session.scalar(select(Registration.id))
    # A worker writes the text, then dies before its commit: the written text is lost with it.
    message = _message_for(registration_id)
    write_message(message)
    assert message.body_text.startswith("Dear ")
    db.session.rollback()
    db.session.expire_all()  # what a new worker process starts from: the committed rows
    assert _message_for(registration_id).write_job is not None
    # The next round writes it again and sends it once.
    assert deliver_outbox()["sent"] == 1
    assert deliver_outbox()["sent"] == 0
    assert len(smtp.to("crash@example.org")) == 1


def test_a_message_with_nothing_left_to_write_fails_visibly_and_is_not_sent(
    client, priced, register, smtp
):
    registration = register(email="gone@example.org", confirm=False)
    db.session.query(OutboxMessage).delete()
    message = queue_mail_later(
        "gone@example.org",
        "MET26: registration received",
        "registration/received",
        writer="conference.registration.notify:write_new",
        params={"registration_id": registration.id, "replaced_id": None},
        registration_id=registration.id,
    )
    erase_registration(registration)
    db.session.commit()
    deliver_outbox()
    db.session.refresh(message)
    assert message.status == OutboxStatus.FAILED and "no longer exists" in message.last_error
    assert not any("registration received" in m["Subject"] for m in smtp.messages)
    # Kept for an organizer: queued again, it is tried again (and fails the same way).
    assert retry_message(message)
    db.session.commit()
    deliver_outbox()
    db.session.refresh(message)
    assert message.status == OutboxStatus.FAILED and message.attempts == 2


def test_a_writer_name_that_does_not_exist_fails_when_queued(app, congress):
    import pytest

    with pytest.raises(AttributeError):
        queue_mail_later(
            "x@example.org",
            "Hi",
            "registration/received",
            writer="conference.registration.notify:no_such_writer",
            params={},
        )


def test_the_waiting_list_email_gives_the_position(client, priced, smtp):
    congress, oncologist, _ = priced
    services.set_category_rules(oncologist, fees={"early": "0", "regular": "0", "onsite": "0"})
    services.update_registration_settings(congress, capacity=1)
    db.session.commit()
    client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(email="first@example.org")
    )
    response = client.post(
        "/api/v1/congresses/met26/registrations", json=attendee_data(email="second@example.org")
    )
    assert response.json["status"] == "waitlisted" and response.json["waitlist_position"] == 1
    deliver_outbox()
    [sent] = smtp.to("second@example.org")
    assert "waiting list (position 1)" in smtp.text_of(sent)
