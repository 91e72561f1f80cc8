"""The outbox: queued with its cause, delivered once through a real SMTP server, never lost."""

from datetime import timedelta

from sqlalchemy import select

from conference.extensions import db
from conference.mail import (
    OutboxMessage,
    OutboxStatus,
    backoff,
    deliver_due,
    queue_mail,
    retry_message,
)
from conference.models import utcnow


def queue(n: int, prefix: str = "person") -> list[OutboxMessage]:
    messages = [
        queue_mail(
            f"{prefix}{i}@example.org",
            f"Hello {i}",
            "accounts/confirm",
            user=type("U", (), {"display_name": f"P{i}"})(),
            link="http://x/y",
            hours=1,
        )
        for i in range(n)
    ]
    db.session.commit()
    return messages


def statuses() -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id)))


def test_message_is_rolled_back_with_its_cause(app, congress):
    queue_mail("a@example.org", "Hi", "accounts/confirm", user=None, link="l", hours=1)
    db.session.rollback()
    assert db.session.scalar(select(OutboxMessage)) is None


def test_delivers_through_real_smtp_once(app, congress, smtp):
    queue(3)
    assert deliver_due()["sent"] == 3
    assert deliver_due()["sent"] == 0
    assert len(smtp.messages) == 3
    assert sorted(m["To"] for m in smtp.messages) == [f"person{i}@example.org" for i in range(3)]
    assert all(m["Message-ID"] for m in smtp.messages)
    assert statuses() == ["sent"] * 3


def test_outage_loses_nothing_and_resumes_exactly_once(app, congress, smtp):
    queue(4)
    smtp.stop()
    counts = deliver_due()
    assert counts == {"sent": 0, "retry": 4, "failed": 0, "recovered": 0}
    rows = list(db.session.scalars(select(OutboxMessage)))
    assert all(row.status == OutboxStatus.QUEUED and row.attempts == 1 for row in rows)
    assert all("Cannot reach" in row.last_error for row in rows)
    # Not due yet: the backoff holds them back even once the server is back.
    smtp.start()
    assert deliver_due()["sent"] == 0
    later = utcnow() + timedelta(minutes=5)
    assert deliver_due(now=later)["sent"] == 4
    assert deliver_due(now=later + timedelta(hours=1))["sent"] == 0
    assert len(smtp.messages) == 4
    assert sorted(m["To"] for m in smtp.messages) == [f"person{i}@example.org" for i in range(4)]


def test_message_queued_during_outage_is_delivered_when_back(app, congress, smtp):
    smtp.stop()
    queue(1, prefix="during")
    deliver_due()
    queue(1, prefix="after")
    smtp.start()
    deliver_due(now=utcnow() + timedelta(minutes=5))
    assert sorted(m["To"] for m in smtp.messages) == ["after0@example.org", "during0@example.org"]


def test_backoff_grows_and_is_capped():
    assert backoff(1) == timedelta(seconds=30)
    assert backoff(2) == timedelta(seconds=60)
    assert backoff(30) == timedelta(minutes=15)


def test_a_long_outage_never_gives_up(app, congress, smtp):
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    queue(1)
    smtp.stop()
    now = utcnow()
    for hour in range(10):
        deliver_due(now=now + timedelta(hours=hour))
    [message] = db.session.scalars(select(OutboxMessage))
    assert message.status == OutboxStatus.QUEUED and message.attempts == 10
    smtp.start()
    assert deliver_due(now=now + timedelta(hours=11))["sent"] == 1


class TemporarilyRefusing:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return "451 Mailbox busy, try later"


def test_a_message_refused_again_and_again_gives_up_then_can_be_requeued(app, congress, smtp):
    from aiosmtpd.controller import Controller

    app.config["MAIL_MAX_ATTEMPTS"] = 2
    queue(1)
    smtp.stop()
    refusing = Controller(TemporarilyRefusing(), hostname="127.0.0.1", port=smtp.port)
    refusing.start()
    now = utcnow()
    try:
        assert deliver_due(now=now)["retry"] == 1
        assert deliver_due(now=now + timedelta(hours=1))["failed"] == 1
    finally:
        refusing.stop()
    [message] = db.session.scalars(select(OutboxMessage))
    assert message.status == OutboxStatus.FAILED and "451" in message.last_error
    smtp.start()
    assert deliver_due(now=now + timedelta(hours=2))["sent"] == 0
    retry_message(message)
    db.session.commit()
    assert deliver_due()["sent"] == 1
    assert len(smtp.messages) == 1


def test_two_workers_never_send_the_same_message(app, congress, smtp):
    """The claim is a conditional UPDATE: the second worker finds nothing left to take."""
    from conference.mail import _claim

    [message] = queue(1)
    assert _claim(message.id, utcnow()) is True
    assert _claim(message.id, utcnow()) is False
    assert deliver_due()["sent"] == 0
    assert smtp.messages == []


def test_interrupted_delivery_is_not_resent_blindly(app, congress, smtp):
    from conference.mail import _claim

    [message] = queue(1)
    _claim(message.id, utcnow() - timedelta(hours=1))  # a worker died mid-send an hour ago
    counts = deliver_due()
    db.session.refresh(message)
    assert counts["recovered"] == 1
    assert message.status == OutboxStatus.FAILED
    assert "interrupted" in message.last_error
    assert smtp.messages == []


def test_dedupe_key_queues_once(app, congress):
    first = queue_mail(
        "a@example.org",
        "Decision",
        "accounts/confirm",
        dedupe_key="decision:1",
        user=None,
        link="l",
        hours=1,
    )
    db.session.commit()
    second = queue_mail(
        "a@example.org",
        "Decision",
        "accounts/confirm",
        dedupe_key="decision:1",
        user=None,
        link="l",
        hours=1,
    )
    assert first is not None and second is None


def test_permanent_refusal_is_not_retried(app, congress, smtp):
    class Refusing:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            return "550 No such user"

    from aiosmtpd.controller import Controller

    refusing = Controller(Refusing(), hostname="127.0.0.1", port=smtp.port + 0)
    smtp.stop()
    refusing.start()
    try:
        queue(1)
        counts = deliver_due()
    finally:
        refusing.stop()
    [message] = db.session.scalars(select(OutboxMessage))
    assert counts["failed"] == 1
    assert message.status == OutboxStatus.FAILED and "550" in message.last_error


def test_cli_send_delivers(app, congress, smtp, runner):
    queue(2)
    result = runner.invoke(args=["mail", "send"])
    assert "sent 2" in result.output
    assert len(smtp.messages) == 2


def test_worker_rounds_deliver(app, congress, smtp):
    from conference.mail import run_worker

    queue(2)
    run_worker(interval=0, max_rounds=1)
    assert len(smtp.messages) == 2


def test_organizer_sees_outbox_with_failures(client, auth, congress, organizer, smtp):
    queue(1, prefix="failing")
    smtp.stop()
    deliver_due()
    auth.login(organizer)
    html = client.get("/met26/manage/outbox?status=queued").get_data(as_text=True)
    assert "failing0@example.org" in html and "Cannot reach" in html
    message = db.session.scalar(select(OutboxMessage))
    page = client.get(f"/met26/manage/outbox/{message.id}").get_data(as_text=True)
    assert "Next attempt" in page


def test_one_message_to_several_recipients(app, congress, smtp):
    queue_mail(
        ["Ann@example.org", "bob@example.org", "ann@example.org", ""],
        "Decision",
        "accounts/confirm",
        user=None,
        link="l",
        hours=1,
    )
    db.session.commit()
    assert deliver_due()["sent"] == 1
    [message] = smtp.messages
    both = {"ann@example.org", "bob@example.org"}
    assert set(message["To"].split(", ")) == both
    assert set(message["X-Envelope-To"].split(", ")) == both


def test_line_breaks_in_a_subject_neither_inject_headers_nor_block_the_outbox(app, congress, smtp):
    """User text reaches subjects (abstract titles): a CR/LF must not become a header."""
    bad = queue_mail(
        "victim@example.org",
        "Abstract A-1 received: Title\r\nBcc: attacker@example.org",
        "accounts/confirm",
        user=type("U", (), {"display_name": "V"})(),
        link="http://x/y",
        hours=1,
    )
    (after,) = queue(1, prefix="next")
    db.session.commit()
    counts = deliver_due()
    assert counts["sent"] == 2
    assert db.session.get(OutboxMessage, bad.id).status == OutboxStatus.SENT
    assert db.session.get(OutboxMessage, after.id).status == OutboxStatus.SENT
    (message,) = smtp.to("victim@example.org")
    assert smtp.to("attacker@example.org") == []
    assert message["Bcc"] is None
    assert "\n" not in message["Subject"] and "Title" in message["Subject"]


def test_a_message_that_cannot_be_sent_fails_alone(app, congress, smtp):
    """A stored message with a bad header is marked failed; the ones after it still go out."""
    bad, after = queue(2, prefix="poison")
    bad.subject = "Hello\r\nBcc: attacker@example.org"  # e.g. queued before subjects were cleaned
    db.session.commit()
    counts = deliver_due()
    assert (counts["sent"], counts["failed"]) == (1, 1)
    assert db.session.get(OutboxMessage, bad.id).status == OutboxStatus.FAILED
    assert db.session.get(OutboxMessage, after.id).status == OutboxStatus.SENT


def test_only_a_failed_message_can_be_queued_again(app, congress):
    """The rule sits in retry_message (and OutboxMessage.can_retry, which the page shows)."""
    [message] = queue(1)
    db.session.commit()
    assert not message.can_retry
    assert retry_message(message) is False
    assert message.status == OutboxStatus.QUEUED
    message.status = OutboxStatus.SENT
    assert retry_message(message) is False and message.status == OutboxStatus.SENT
    message.status = OutboxStatus.FAILED
    assert message.can_retry
    assert retry_message(message) is True and message.status == OutboxStatus.QUEUED
