"""The mail outbox: messages are rows written with their cause, delivered by a worker.

`queue_mail` adds a row to the current session, so the message exists exactly when the
change that caused it is committed. `deliver_due` claims rows one by one (a conditional
UPDATE, so two workers never take the same row), sends them through Flask-Mail and records
the outcome. A failure to reach the server reschedules the message with exponential
backoff; nothing is dropped. A row left in `sending` by a crashed worker is never resent
blindly (that could deliver it twice): it is marked `failed` for an organizer to resend.

Secrets (password-reset, confirmation and manage links) never sit in a readable body:
`queue_mail(..., secrets={"link": url})` renders the templates with an opaque placeholder,
seals the real values with a key derived from SECRET_KEY in a column no page shows, puts them
into the message only while it is handed to the mail server, and wipes them once it is sent.
Organizers see the subject and delivery status of such a message, never its text.

`queue_mail_later(..., writer="package.module:function", params={...})` is the cheap form for
hot paths (a registration, an abstract submission): the row is written in the same
transaction with its recipient, subject, template and a small JSON job, but no text; the worker
writes the text (`write_message`: the writer rebuilds the templates' context from the ids in
`params`, from the data as it is then) just before it sends it. A crash between the commit and
the writing loses nothing: the job is in the row until the text replaces it.
"""

from __future__ import annotations

import base64
import contextlib
import enum
import hashlib
import hmac
import importlib
import json
import logging
import secrets as _secrets_module
import smtplib
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, render_template
from flask_mail import BadHeaderError, Message
from jinja2 import TemplateNotFound
from markupsafe import escape
from sqlalchemy import ForeignKey, Index, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from conference.extensions import db, mail
from conference.i18n import in_language
from conference.models import Base, utcnow

log = logging.getLogger(__name__)

#: A message left "sending" longer than this was interrupted mid-delivery.
STALE_SENDING_AFTER = timedelta(minutes=15)
BACKOFF_BASE_SECONDS = 30
#: Longest wait between attempts: delivery resumes within this time after an outage ends.
BACKOFF_MAX_SECONDS = 15 * 60


class OutboxStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """One email waiting to be sent, being sent, sent, or given up on."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One address, or several separated by ", " (one message to all the authors, say).
    to_address: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: Template name, e.g. "accounts/confirm": lets organizers filter and tests find mail.
    kind: Mapped[str] = mapped_column(String(80), index=True)
    #: When set, at most one message with this key is ever queued (e.g. one per decision).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    #: Stable Message-ID header, so a receiving server can recognise a resend.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: The registration a message is about, so erasing it redacts its messages and no others.
    registration_id: Mapped[int | None] = mapped_column(
        ForeignKey("registrations.id", ondelete="SET NULL"), index=True
    )
    #: The congress whose page, command or job queued it (None: the site's own mail, such as
    #: a password reset); organizers see their congress's messages only.
    congress_id: Mapped[int | None] = mapped_column(
        ForeignKey("congresses.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[OutboxStatus] = mapped_column(String(10), default=OutboxStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    #: The message carries a private link: its text is never shown in the outbox.
    has_secrets: Mapped[bool] = mapped_column(default=False)
    #: {placeholder: secret value} sealed under a key derived from SECRET_KEY; substituted into
    #: the body only at delivery and wiped once the message is sent. Never rendered.
    sealed_secrets: Mapped[str | None] = mapped_column(Text, deferred=True)
    #: Set while the worker has still to write the text (queue_mail_later): JSON with the
    #: writer ("module:function"), its params (ids, flags) and the language if one was given.
    write_job: Mapped[str | None] = mapped_column(Text)

    @property
    def is_written(self) -> bool:
        return self.write_job is None

    @property
    def visible_text(self) -> str | None:
        """The body an organizer may read: None when the message holds a private link or is
        not written yet."""
        return None if self.has_secrets or not self.is_written else self.body_text

    @property
    def can_retry(self) -> bool:
        """Only a message that failed for good can be queued again by an organizer."""
        return self.status == OutboxStatus.FAILED

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} to={self.to_address} {self.status}>"


def _random_token(nbytes: int) -> str:
    return _secrets_module.token_hex(nbytes)


def _render(template: str, ext: str, context: dict) -> str | None:
    try:
        return render_template(f"emails/{template}.{ext}", **context)
    except TemplateNotFound:
        return None


def recipient_language(user_id: int | None, registration_id: int | None) -> str | None:
    """The language a recipient chose: on their account, else on their registration."""
    from conference.accounts.services import language_of
    from conference.registration.queries import registration_language

    return language_of(user_id) or registration_language(registration_id)


def recipients(to: str | Iterable[str]) -> list[str]:
    """Addresses from a string or a list, lower-cased, blanks and repeats dropped, in order."""
    items = to.split(",") if isinstance(to, str) else list(to)
    seen: dict[str, None] = {}
    for item in items:
        address = (item or "").strip().lower()
        if address:
            seen.setdefault(address)
    return list(seen)


def clean_subject(subject: str) -> str:
    """One line of at most 300 characters: user text in a subject never starts a header."""
    return " ".join(str(subject).split())[:300]


def _secrets_cipher() -> Fernet:
    secret_key = str(current_app.config["SECRET_KEY"]).encode()
    derived = hmac.new(secret_key, b"conference.mail.sealed-secrets.v1", hashlib.sha256)
    return Fernet(base64.urlsafe_b64encode(derived.digest()))


def _seal(values: dict[str, str]) -> str:
    return _secrets_cipher().encrypt(json.dumps(values).encode()).decode()


def _unseal(sealed: str) -> dict[str, str]:
    return json.loads(_secrets_cipher().decrypt(sealed.encode()))


class SecretUnavailable(Exception):
    """The sealed secrets of a message cannot be opened (SECRET_KEY changed)."""


def delivery_bodies(message: OutboxMessage) -> tuple[str, str | None]:
    """The text and HTML bodies as they go to the recipient, private links filled in."""
    text, html = message.body_text, message.body_html
    if not message.has_secrets or not message.sealed_secrets:
        return text, html
    try:
        values = _unseal(message.sealed_secrets)
    except (InvalidToken, ValueError):
        raise SecretUnavailable(
            "The private link of this message cannot be recovered (the secret key changed); "
            "the recipient must ask for a new one."
        ) from None
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
        if html is not None:
            html = html.replace(placeholder, str(escape(value)))
    return text, html


@dataclass
class MailDraft:
    """What a writer of queue_mail_later gives back: the templates' context and the private
    values (`secrets` of queue_mail) to seal."""

    context: dict
    secrets: dict[str, str] | None = None
    #: Replaces the subject given when queued (one that needs what is known only later).
    subject: str | None = None


def _already_queued(dedupe_key: str | None) -> bool:
    return dedupe_key is not None and (
        db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        is not None
    )


def _compose(
    template: str,
    context: dict,
    secrets: dict[str, str] | None,
    language: str | None,
    user_id: int | None,
    registration_id: int | None,
    subject=None,
) -> tuple[str | None, str, str | None, str | None]:
    """(subject, text, html, sealed secrets) of a message: written in the recipient's language
    (a lazy subject too), private values replaced by placeholders and sealed apart."""
    context.setdefault("base_url", current_app.config["BASE_URL"].rstrip("/"))
    sealed: dict[str, str] = {}
    for name, value in (secrets or {}).items():
        if name in context:
            raise ValueError(f"{name!r} is passed both as a secret and as plain context")
        # Letters, digits and dashes only: it survives HTML escaping and URL building intact.
        placeholder = f"private-{name.replace('_', '-')}-{_random_token(12)}"
        sealed[placeholder] = str(value)
        context[name] = placeholder
    language = language or recipient_language(user_id, registration_id)
    with in_language(language):
        subject = clean_subject(subject) if subject is not None else None
        body_text = _render(template, "txt", context)
        body_html = _render(template, "html", context)
    if body_text is None:
        raise TemplateNotFound(f"emails/{template}.txt")
    return subject, body_text, body_html, (_seal(sealed) if sealed else None)


def _new_message(
    addresses: list[str],
    subject: str,
    template: str,
    dedupe_key: str | None,
    user_id: int | None,
    registration_id: int | None,
    **columns,
) -> OutboxMessage:
    domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2] or "localhost"
    domain = domain.strip(">").strip() or "localhost"
    message = OutboxMessage(
        to_address=", ".join(addresses),
        subject=clean_subject(subject),
        kind=template,
        dedupe_key=dedupe_key,
        user_id=user_id,
        registration_id=registration_id,
        congress_id=_scoped_congress_id(),
        message_id=f"<{_random_token(12)}@{domain}>",
        status=OutboxStatus.QUEUED,
        next_attempt_at=utcnow(),
        **columns,
    )
    db.session.add(message)
    return message


def queue_mail(
    to: str | Iterable[str],
    subject: str,
    template: str,
    *,
    dedupe_key: str | None = None,
    user_id: int | None = None,
    registration_id: int | None = None,
    secrets: dict[str, str] | None = None,
    language: str | None = None,
    **context,
) -> OutboxMessage | None:
    """Queue an email in the current transaction; it is sent only if the caller commits.

    `to` is one address or several (all in the To header of a single message). With a
    `dedupe_key` that was already queued, nothing is added and None is returned.
    `secrets` are template variables holding private links or tokens: the stored body gets
    an opaque placeholder, the value is sealed apart and only filled in when it is sent.
    The message is written in the recipient's `language`; without one, in the language
    stored on the account `user_id` or on the registration `registration_id`, else English
    (never in the language of whoever queues it: an organizer's French is not an attendee's).
    """
    addresses = recipients(to)
    if not addresses:
        raise ValueError("queue_mail needs at least one recipient")
    if _already_queued(dedupe_key):
        return None
    subject, body_text, body_html, sealed = _compose(
        template, context, secrets, language, user_id, registration_id, subject=subject
    )
    return _new_message(
        addresses,
        subject,
        template,
        dedupe_key,
        user_id,
        registration_id,
        body_text=body_text,
        body_html=body_html,
        has_secrets=sealed is not None,
        sealed_secrets=sealed,
    )


def queue_mail_later(
    to: str | Iterable[str],
    subject: str,
    template: str,
    *,
    writer: str,
    params: dict,
    dedupe_key: str | None = None,
    user_id: int | None = None,
    registration_id: int | None = None,
    language: str | None = None,
) -> OutboxMessage | None:
    """Queue an email whose text the worker writes (see the module's docstring): the same
    guarantees as queue_mail (committed or rolled back with its cause, sent once), without
    rendering templates in the caller's transaction.

    `writer` names a function "package.module:function" taking `params` (JSON: ids, flags)
    and returning a MailDraft, or None when there is nothing to say any more (what the message
    was about was erased). The language is resolved when the text is written, as queue_mail
    does.
    """
    addresses = recipients(to)
    if not addresses:
        raise ValueError("queue_mail_later needs at least one recipient")
    _writer_function(writer)  # a wrong name fails here, in the caller's tests, not later
    if _already_queued(dedupe_key):
        return None
    job = {"writer": writer, "params": params}
    if language:
        job["language"] = language
    # The subject in the recipient's words now (the worker may replace it with its own).
    with in_language(language or recipient_language(user_id, registration_id)):
        subject = clean_subject(subject)
    return _new_message(
        addresses,
        subject,
        template,
        dedupe_key,
        user_id,
        registration_id,
        body_text="",
        body_html=None,
        has_secrets=False,
        write_job=json.dumps(job),
    )


_WRITERS: dict[str, Callable[[dict], MailDraft | None]] = {}


def _writer_function(name: str) -> Callable[[dict], MailDraft | None]:
    if name not in _WRITERS:
        module, _, function = name.partition(":")
        _WRITERS[name] = getattr(importlib.import_module(module), function)
    return _WRITERS[name]


class NothingToWrite(Exception):
    """A writer found nothing to say any more (what the message was about is gone)."""


def write_message(message: OutboxMessage) -> None:
    """Write the text of a message queued with queue_mail_later (no-op once written). The
    caller commits. Raises NothingToWrite, or the writer's error (a template that fails)."""
    if message.write_job is None:
        return
    job = json.loads(message.write_job)
    # In an application context of its own (its own session and `g`): a long-running worker
    # must not reuse what an earlier round cached there (the current congress), detached
    # since; the writer reads committed rows only.
    congress_id = message.congress_id
    with current_app.app_context():
        from conference.congresses.context import working_on
        from conference.program.models import Congress

        # Links and times of the text are those of the congress that queued it.
        congress = db.session.get(Congress, congress_id) if congress_id else None
        with working_on(congress):
            draft = _writer_function(job["writer"])(job["params"])
            if draft is None:
                raise NothingToWrite(
                    "Not written: what this message was about no longer exists (erased or deleted)."
                )
            subject, body_text, body_html, sealed = _compose(
                message.kind,
                draft.context,
                draft.secrets,
                job.get("language"),
                message.user_id,
                message.registration_id,
                subject=draft.subject or None,
            )
    message.body_text, message.body_html = body_text, body_html
    message.has_secrets, message.sealed_secrets = sealed is not None, sealed
    if subject:
        message.subject = subject
    message.write_job = None


def write_pending(limit: int = 500) -> int:
    """Write the texts of queued messages that have none yet (each committed on its own);
    return how many were written. The worker writes a message anyway before sending it: this
    lets the texts exist before delivery (the outbox page, a mail server that is down)."""
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.QUEUED, OutboxMessage.write_job.is_not(None)
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
    written = 0
    for message_id in ids:
        message = db.session.get(OutboxMessage, message_id)
        if message is None or message.write_job is None:
            continue
        try:
            write_message(message)
        except Exception as exc:  # recorded on the message; it waits for an organizer
            db.session.rollback()
            _record_write_failure(db.session.get(OutboxMessage, message_id), exc)
            continue
        db.session.commit()
        written += 1
    return written


def _record_write_failure(message: OutboxMessage, exc: Exception) -> None:
    """A text that cannot be written fails for good (retrying writes the same thing); the row
    stays, with its job, for an organizer to see and queue again once the cause is fixed."""
    if not isinstance(exc, NothingToWrite):
        log.exception("outbox message %s could not be written", message.id, exc_info=exc)
    message.status = OutboxStatus.FAILED
    message.last_error = (
        str(exc) if isinstance(exc, NothingToWrite) else f"Not written: {type(exc).__name__}: {exc}"
    )[:2000]
    db.session.commit()


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after `attempts` failed ones."""
    seconds = BACKOFF_BASE_SECONDS * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, BACKOFF_MAX_SECONDS))


def _recover_stale(now: datetime) -> int:
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.SENDING,
            OutboxMessage.claimed_at < now - STALE_SENDING_AFTER,
        )
        .values(
            status=OutboxStatus.FAILED,
            last_error="Delivery was interrupted; not retried automatically to avoid sending "
            "it twice. Resend it from the outbox if it did not arrive.",
        )
    )
    db.session.commit()
    return result.rowcount or 0


def _claim(message_id: int, now: datetime) -> bool:
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.QUEUED)
        .values(
            status=OutboxStatus.SENDING,
            claimed_at=now,
            attempts=OutboxMessage.attempts + 1,
        )
    )
    db.session.commit()
    return result.rowcount == 1


def _is_permanent(exc: BaseException) -> bool:
    """A 5xx answer about this message (bad recipient, refused content): retrying won't help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def _record_failure(
    message: OutboxMessage, error: str, now: datetime, permanent: bool = False, outage=False
) -> None:
    """A failed attempt at one message: retry later, or give up when it is hopeless."""
    max_attempts = current_app.config["MAIL_MAX_ATTEMPTS"]
    message.last_error = error[:2000]
    if permanent or (not outage and message.attempts >= max_attempts):
        message.status = OutboxStatus.FAILED
    else:
        message.status = OutboxStatus.QUEUED
        message.next_attempt_at = now + backoff(message.attempts)
    db.session.commit()


def _postpone(ids: list[int], error: str, now: datetime) -> None:
    """The server could not be reached: back off, but never give up on the messages.

    An outage says nothing about the messages themselves, so it does not count towards
    MAIL_MAX_ATTEMPTS: they stay queued and go out once the server answers again.
    """
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))):
        message.attempts += 1
        message.last_error = error[:2000]
        message.next_attempt_at = now + backoff(message.attempts)
    db.session.commit()


def _as_flask_message(message: OutboxMessage) -> Message:
    body_text, body_html = delivery_bodies(message)
    msg = Message(
        subject=message.subject,
        recipients=recipients(message.to_address),
        body=body_text,
        html=body_html,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
    )
    msg.msgId = message.message_id
    return msg


TRANSIENT_ERRORS = (smtplib.SMTPException, OSError, socket.timeout)


def deliver_due(limit: int = 100, now: datetime | None = None) -> dict[str, int]:
    """Send the messages whose time has come; return counts of sent, retried and failed."""
    now = now or utcnow()
    counts = {"sent": 0, "retry": 0, "failed": 0, "recovered": _recover_stale(now)}
    due_ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.QUEUED,
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
    db.session.commit()
    if not due_ids:
        return counts
    # Flask-Mail opens smtplib connections without a timeout: bound them with the socket default
    # (deliver_due runs in the worker or CLI process, never in a web request thread).
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(current_app.config["MAIL_TIMEOUT"])
    try:
        return _deliver(due_ids, now, counts)
    finally:
        socket.setdefaulttimeout(previous_timeout)


def _deliver(due_ids: list[int], now: datetime, counts: dict[str, int]) -> dict[str, int]:
    try:
        connection = mail.connect()
        connection.__enter__()
    except TRANSIENT_ERRORS as exc:
        _postpone(due_ids, f"Cannot reach the mail server: {exc!r}", now)
        counts["retry"] = len(due_ids)
        return counts
    try:
        for message_id in due_ids:
            if not _claim(message_id, now):
                continue  # another worker took it
            message = db.session.get(OutboxMessage, message_id)
            try:
                write_message(message)
            except Exception as exc:
                db.session.rollback()
                _record_write_failure(db.session.get(OutboxMessage, message_id), exc)
                counts["failed"] += 1
                continue
            try:
                connection.send(_as_flask_message(message))
            except SecretUnavailable as exc:
                _record_failure(message, str(exc), now, permanent=True)
                counts["failed"] += 1
                continue
            except BadHeaderError as exc:
                # This message can never be sent as it is; it must not block those after it.
                _record_failure(message, f"Bad header: {exc!r}", now, permanent=True)
                counts["failed"] += 1
                continue
            except TRANSIENT_ERRORS as exc:
                connection_lost = isinstance(exc, smtplib.SMTPServerDisconnected) or not (
                    isinstance(exc, smtplib.SMTPException)
                )
                _record_failure(
                    message,
                    f"{type(exc).__name__}: {exc}",
                    now,
                    permanent=_is_permanent(exc),
                    outage=connection_lost,
                )
                if message.status == OutboxStatus.FAILED:
                    counts["failed"] += 1
                else:
                    counts["retry"] += 1
                if connection_lost:
                    break  # the rest waits for the next round
                continue
            message.status = OutboxStatus.SENT
            message.sent_at = utcnow()
            message.last_error = None
            message.sealed_secrets = None  # delivered: the private link leaves the database
            db.session.commit()
            counts["sent"] += 1
    finally:
        with contextlib.suppress(TRANSIENT_ERRORS):
            connection.__exit__(None, None, None)
    return counts


def retry_message(message: OutboxMessage) -> bool:
    """Put a failed message back in the queue (an organizer's decision); False if not failed."""
    if not message.can_retry:
        return False
    message.status = OutboxStatus.QUEUED
    message.next_attempt_at = utcnow()
    message.claimed_at = None
    return True


def _scoped_congress_id() -> int | None:
    """The congress named by the request's URL, the command's --congress or the job."""
    from flask import g, has_app_context, has_request_context

    if not has_app_context():
        return None
    if has_request_context():
        # A page of one congress, else a page of the site itself (a password reset).
        congress = g.get("scoped_congress")
        return congress.id if congress is not None else None
    from conference.congresses.context import current_congress_id

    return current_congress_id()  # a command or job: its congress, else the default one


def outbox_scope(congress_id: int | None, *, with_site_mail: bool = False):
    """A clause: messages of one congress (and the site's own ones, for administrators)."""
    clause = OutboxMessage.congress_id == congress_id
    if with_site_mail:
        clause = clause | OutboxMessage.congress_id.is_(None)
    return clause


def outbox_counts(scope=None) -> dict[str, int]:
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    if scope is not None:
        query = query.where(scope)
    rows = db.session.execute(query).all()
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update(dict(rows))
    return counts


def redact_recipient(address: str) -> int:
    """Erase a person's address and text from delivered or failed messages (privacy erasure).

    Messages still queued are left to go out (e.g. the confirmation of the erasure's
    cancellation); the counts by kind and status stay for the organizers.
    """
    rows = db.session.scalars(
        select(OutboxMessage).where(
            func.lower(OutboxMessage.to_address) == address.strip().lower(),
            OutboxMessage.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
        )
    ).all()
    for message in rows:
        message.to_address = "erased@invalid"
        message.subject = "(erased)"
        message.body_text = ""
        message.body_html = None
        message.sealed_secrets = None
        message.user_id = None
    return len(rows)


def run_worker(interval: float = 2.0, max_rounds: int | None = None, jobs=None) -> None:
    """Deliver due messages forever (or `max_rounds` times), sleeping between rounds, and run
    the periodic jobs (conference.jobs) when they are due."""
    from conference.jobs import JobRunner

    runner = JobRunner(jobs)
    rounds = 0
    while max_rounds is None or rounds < max_rounds:
        try:
            runner.run_due()
        finally:
            db.session.remove()
        try:
            counts = deliver_due()
            if counts["sent"] or counts["retry"] or counts["failed"]:
                log.info("outbox: %s", counts)
        except Exception:  # keep the worker alive; the error is logged
            db.session.rollback()
            log.exception("outbox round failed")
        finally:
            db.session.remove()
        rounds += 1
        time.sleep(interval)
