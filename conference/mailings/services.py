"""Bulk mailings: check a message and its group, preview it, then send it through the outbox.

Sending is two steps (web and API alike), like releasing decisions: `preview_mailing` counts
the recipients, shows a sample of them and one rendered message, and queues nothing;
`send_mailing` queues one message per recipient in one transaction, or refuses when the
recipients or the text changed since the preview. Confirming the same preview twice (a double
click, a retried request) sends nothing more. A manage link is a secret: it is sealed by the
outbox (conference.mail) and never readable by organizers in the outbox.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.abstracts.queries import get_presenting_authors, get_reviewers
from conference.accounts.services import languages_by_email
from conference.content import services as content
from conference.errors import Conflict, FieldErrors
from conference.extensions import db
from conference.i18n import LANGUAGES, in_language
from conference.mail import clean_subject, queue_mail
from conference.mailings.models import MailingCampaign, MailingGroup, MailingRecipient
from conference.models import utcnow
from conference.program.models import Congress
from conference.program.schedule_queries import get_session_people
from conference.registration.models import HOLDING_STATUSES, RegistrationStatus
from conference.registration.queries import (
    get_active_registrations_by_email,
    get_category_by_slug,
    get_mailing_registrations,
)
from conference.registration.tokens import manage_url
from conference.urls import external_url

PLACEHOLDERS = {
    "name": _l("the recipient's name"),
    "reference": _l("their registration reference (empty when they have not registered)"),
    "manage_link": _l(
        "their private link to manage their registration (the registration page when they "
        "have not registered); body only, never shown in the outbox"
    ),
    "congress": _l("the congress's name"),
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
TEMPLATE = "mailings/message"
MAX_BODY = 20000

# A sent campaign's texts in other languages are kept with the congress's other texts.
content.register_kind("mailing", {"subject": 300, "body": MAX_BODY})
#: What a preview shows instead of a recipient's private manage link.
SAMPLE_LINK = "[the recipient's private manage link is inserted when sent]"


def _sample_link() -> str:
    """SAMPLE_LINK in the reader's language."""
    return _("[the recipient's private manage link is inserted when sent]")


@dataclass(frozen=True)
class MailingRequest:
    """A checked message and the group it goes to."""

    group: MailingGroup
    subject: str
    body: str
    category_slug: str = ""
    category_id: int | None = None
    status: str = ""
    #: ((language, subject, body), ...): the message in the congress's other languages; an
    #: empty text (or a language not given) is sent in the main language.
    translations: tuple = ()

    @property
    def filters(self) -> dict:
        return {"category": self.category_slug, "status": self.status}

    def text_in(self, language: str | None) -> tuple[str, str]:
        """(subject, body) for a recipient reading `language`."""
        for code, subject, body in self.translations:
            if code == language:
                return subject or self.subject, body or self.body
        return self.subject, self.body

    def translations_dict(self) -> dict[str, dict[str, str]]:
        return {code: {"subject": s, "body": b} for code, s, b in self.translations}


@dataclass
class Recipient:
    name: str
    email: str
    registration: object | None = None
    #: The language they read their emails in (registration, else account); None: English.
    language: str | None = None

    @property
    def reference(self) -> str:
        return self.registration.reference if self.registration is not None else ""


def _placeholder_errors(text: str, name: str, errors: FieldErrors, allowed) -> None:
    unknown = sorted({m for m in _PLACEHOLDER.findall(text) if m not in allowed})
    if unknown:
        errors.add(
            name,
            ngettext(
                "Unknown placeholder: %(names)s. Use: %(known)s.",
                "Unknown placeholders: %(names)s. Use: %(known)s.",
                len(unknown),
                names=", ".join("{" + u + "}" for u in unknown),
                known=", ".join("{" + p + "}" for p in allowed),
            ),
        )


def _check_text(subject: str, body: str, prefix: str, errors: FieldErrors) -> None:
    """Length and placeholders of a message's subject and body (fields `prefix`subject...)."""
    if len(subject) > 300:
        errors.add(f"{prefix}subject", _("Give a subject of up to 300 characters."))
    if len(body) > MAX_BODY:
        errors.add(
            f"{prefix}body", _("Keep the message under %(limit)s characters.", limit=MAX_BODY)
        )
    subject_placeholders = [p for p in PLACEHOLDERS if p != "manage_link"]
    _placeholder_errors(subject, f"{prefix}subject", errors, subject_placeholders)
    if "{manage_link}" in subject:
        errors.add(
            f"{prefix}subject",
            _(
                "%(placeholder)s is private: put it in the message, not the subject.",
                placeholder="{manage_link}",
            ),
        )
    _placeholder_errors(body, f"{prefix}body", errors, list(PLACEHOLDERS))


def _parse_translations(congress: Congress, translations, errors: FieldErrors) -> tuple:
    """The message's texts in other languages ({language: {subject, body}}), checked like the
    main one; errors named "translations.<language>.subject" / ".body"."""
    others = content.other_languages(congress)
    given = []
    for language, texts in sorted((translations or {}).items()):
        texts = texts or {}
        subject = " ".join(str(texts.get("subject") or "").split())
        body = str(texts.get("body") or "").replace("\r\n", "\n").strip()
        if not subject and not body:
            continue
        if language not in others:
            errors.add(
                f"translations.{language}",
                _(
                    "Give texts in the congress's other languages only (%(languages)s).",
                    languages=", ".join(others),
                ),
            )
            continue
        _check_text(subject, body, f"translations.{language}.", errors)
        given.append((language, subject, body))
    return tuple(given)


def parse_mailing(
    congress: Congress,
    *,
    group,
    subject,
    body,
    category="",
    status="",
    translations: dict | None = None,
) -> MailingRequest:
    """Check a mailing given as plain values (web form or API); name each bad field.
    `translations`: {language: {"subject", "body"}} in the congress's other languages."""
    errors = FieldErrors()
    subject = " ".join(str(subject or "").split())
    body = str(body or "").replace("\r\n", "\n").strip()
    try:
        chosen = MailingGroup(group)
    except ValueError:
        chosen = None
        errors.add(
            "group",
            _("Choose one of: %(values)s.", values=", ".join(g.value for g in MailingGroup)),
        )
    if not subject:
        errors.add("subject", _("Give a subject of up to 300 characters."))
    if not body:
        errors.add("body", _("Write the message."))
    _check_text(subject, body, "", errors)
    given = _parse_translations(congress, translations, errors)
    category_id = None
    category, status = str(category or "").strip(), str(status or "").strip()
    if chosen == MailingGroup.ATTENDEES:
        if category:
            found = get_category_by_slug(congress, category)
            if found is None:
                errors.add(
                    "category",
                    _("There is no category “%(category)s” in this congress.", category=category),
                )
            else:
                category_id = found.id
        if status and status not in {s.value for s in RegistrationStatus}:
            errors.add(
                "status",
                _(
                    "Choose one of: %(values)s.",
                    values=", ".join(s.value for s in RegistrationStatus),
                ),
            )
    else:
        category, status = "", ""
    errors.raise_if_any(_("Please correct the mailing."))
    return MailingRequest(chosen, subject, body, category, category_id, status, given)


def get_recipients(congress: Congress, request: MailingRequest) -> list[Recipient]:
    """Everyone in the request's group, one per address, in a stable order."""
    group = request.group
    people: list[Recipient] = []
    if group in (MailingGroup.ATTENDEES, MailingGroup.WAITLISTED):
        if group == MailingGroup.WAITLISTED:
            statuses = [RegistrationStatus.WAITLISTED]
        elif request.status:
            statuses = [RegistrationStatus(request.status)]
        else:
            statuses = list(HOLDING_STATUSES)
        registrations = get_mailing_registrations(
            congress, statuses=statuses, category_id=request.category_id
        )
        people = [Recipient(r.full_name, r.email_key, r, r.language) for r in registrations]
    else:
        if group == MailingGroup.PRESENTING_AUTHORS:
            pairs = get_presenting_authors(congress)
        elif group == MailingGroup.REVIEWERS:
            pairs = [(u.name, u.email) for u in get_reviewers(congress)]
        else:
            pairs = get_session_people(congress, "chair")
        registered = get_active_registrations_by_email(congress, [email for _, email in pairs])
        accounts = languages_by_email([email for _, email in pairs])
        people = []
        for name, email in pairs:
            key = email.strip().lower()
            registration = registered.get(key)
            # The account's choice first: what they set for themselves last.
            language = accounts.get(key) or getattr(registration, "language", None)
            people.append(Recipient(name, key, registration, language))
    unique: dict[str, Recipient] = {}
    for person in people:
        if person.email:
            unique.setdefault(person.email, person)
    return list(unique.values())


def _parts(text: str, values: dict[str, str]) -> list[str]:
    """Fill placeholders in one pass (filled values are not read again); split the text
    where {manage_link} stands, so the outbox can put the sealed link there."""
    parts, current = [], []
    position = 0
    for match in _PLACEHOLDER.finditer(text):
        current.append(text[position : match.start()])
        name = match.group(1)
        if name == "manage_link":
            parts.append("".join(current))
            current = []
        else:
            current.append(values.get(name, match.group(0)))
        position = match.end()
    current.append(text[position:])
    parts.append("".join(current))
    return parts


def _values(congress: Congress, recipient: Recipient) -> dict[str, str]:
    name = content.translated(
        congress, "congress", congress.id, "name", congress.name, recipient.language
    )
    return {"name": recipient.name, "reference": recipient.reference, "congress": name}


def render_for(congress: Congress, request: MailingRequest, recipient: Recipient):
    """(subject, body parts) of the message to one recipient, in their language when the
    organizers gave the text in it, else in the main language."""
    values = _values(congress, recipient)
    subject_text, body_text = request.text_in(recipient.language)
    subject = clean_subject("".join(_parts(subject_text, values)))
    return subject, _parts(body_text, values)


def _manage_link(recipient: Recipient) -> str:
    if recipient.registration is not None:
        return manage_url(recipient.registration)
    return external_url("registration.register")


def _fingerprint(congress: Congress, request: MailingRequest, people: list[Recipient]) -> str:
    """Changes whenever what would be sent changes (text, group, recipients)."""
    data = {
        "congress": congress.id,
        "group": str(request.group),
        "filters": request.filters,
        "subject": request.subject,
        "body": request.body,
        "translations": [list(text) for text in request.translations],
        "recipients": [[p.email, p.name, p.reference, p.language or ""] for p in people],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass
class MailingPreview:
    """What sending would queue; building it writes nothing."""

    request: MailingRequest
    recipients: list[Recipient]
    #: (subject, text) rendered for the first recipient, with no private link in it.
    sample: tuple[str, str] | None = None
    token: str = ""
    sample_size: int = 20
    secret_link: bool = False
    extra: dict = field(default_factory=dict)
    #: {language: {"name", "subject", "text"}}: a sample per language the text is given in.
    samples_by_language: dict = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.recipients)

    @property
    def recipient_sample(self) -> list[Recipient]:
        return self.recipients[: self.sample_size]


def _render_text(congress: Congress, parts: list[str], manage_link: str | None) -> str:
    return render_template(
        f"emails/{TEMPLATE}.txt", congress=congress, body_parts=parts, manage_link=manage_link
    )


def preview_mailing(congress: Congress, request: MailingRequest) -> MailingPreview:
    """Who would receive the mailing and one rendered sample; queues nothing.

    Its `token` is a fresh random part (this submission) and a fingerprint of what would be
    sent: confirming checks the fingerprint and sends each token at most once.
    """
    people = get_recipients(congress, request)
    preview = MailingPreview(
        request,
        people,
        secret_link="{manage_link}" in request.body
        or any("{manage_link}" in body for _code, _subject, body in request.translations),
    )
    if people:
        subject, parts = render_for(congress, request, people[0])
        preview.sample = (subject, _render_text(congress, parts, _sample_link()))
        first = people[0]
        for language, _subject, _body in request.translations:
            reader = Recipient(first.name, first.email, first.registration, language)
            with in_language(language):
                subject, parts = render_for(congress, request, reader)
                preview.samples_by_language[language] = {
                    "name": LANGUAGES[language],
                    "subject": subject,
                    "text": _render_text(congress, parts, _sample_link()),
                }
    preview.token = f"{secrets.token_hex(8)}.{_fingerprint(congress, request, people)}"
    return preview


@dataclass
class SendResult:
    campaign: MailingCampaign
    queued: int
    already_sent: bool = False


def _sent_with(congress: Congress, token: str) -> MailingCampaign | None:
    return db.session.scalar(
        select(MailingCampaign).where(
            MailingCampaign.congress_id == congress.id, MailingCampaign.preview_token == token
        )
    )


def send_mailing(
    congress: Congress, request: MailingRequest, preview_token: str, user=None
) -> SendResult:
    """Queue one message per recipient of the previewed mailing, in this transaction.

    Refused (Conflict "mailing_changed") when the text or the recipients changed since the
    preview; a token already sent returns that campaign and queues nothing.
    """
    token = str(preview_token or "").strip()
    nonce, _dot, fingerprint = token.partition(".")
    if not nonce or len(fingerprint) != 64 or len(token) > 100:
        errors = FieldErrors()
        errors.add("preview_token", _("Send the preview_token of a preview (dry run) first."))
        errors.raise_if_any(_("Preview the mailing before sending it."))
    existing = _sent_with(congress, token)
    if existing is not None:
        return SendResult(existing, 0, already_sent=True)
    people = get_recipients(congress, request)
    if _fingerprint(congress, request, people) != fingerprint:
        raise Conflict(
            _(
                "The recipients or the message changed since the preview, so nothing was sent. "
                "Check the new preview and confirm again."
            ),
            code="mailing_changed",
        )
    if not people:
        raise Conflict(_("Nobody is in this group: nothing to send."), code="no_recipients")
    campaign = MailingCampaign(
        congress_id=congress.id,
        subject=request.subject,
        body=request.body,
        audience=request.group,
        filters=request.filters,
        preview_token=token,
        created_by_id=getattr(user, "id", None),
        sent_at=utcnow(),
        recipient_count=len(people),
    )
    try:
        with db.session.begin_nested():
            db.session.add(campaign)
            db.session.flush()
    except IntegrityError:
        existing = _sent_with(congress, token)
        if existing is None:
            raise
        return SendResult(existing, 0, already_sent=True)
    # The campaign's texts in other languages are kept like every congress text per language.
    for language, subject, body in request.translations:
        content.set_translations(
            congress,
            language,
            {("mailing", campaign.id, "subject"): subject, ("mailing", campaign.id, "body"): body},
        )
    uses_link = "{manage_link}" in request.body or any(
        "{manage_link}" in body for _code, _subject, body in request.translations
    )
    rows = []
    for person in people:
        subject, parts = render_for(congress, request, person)
        message = queue_mail(
            person.email,
            subject,
            TEMPLATE,
            dedupe_key=f"mailing:{campaign.id}:"
            + hashlib.sha256(person.email.encode()).hexdigest()[:20],
            registration_id=person.registration.id if person.registration is not None else None,
            secrets={"manage_link": _manage_link(person)} if uses_link else None,
            language=person.language,
            congress=congress,
            body_parts=parts,
        )
        row = MailingRecipient(name=person.name[:200], email=person.email)
        campaign.recipients.append(row)
        rows.append((row, message))
    db.session.flush()
    for row, message in rows:
        row.outbox_message_id = message.id if message is not None else None
    db.session.flush()
    return SendResult(campaign, sum(1 for _, message in rows if message is not None))
