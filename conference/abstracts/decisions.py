"""Decisions: outcomes kept internal until released, then one email per recipient.

Releasing is two steps for people (web and API alike): `preview_release` shows what would be
sent (how many messages to whom, one rendered sample per template, what is included) and
queues nothing; `confirm_release` sends exactly the previewed decisions, or refuses when any
of them changed since the preview (the caller then shows the new preview).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from flask import render_template
from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from conference.abstracts.models import (
    OUTCOME_LABELS,
    PRESENTED_OUTCOMES,
    STATUS_LABELS,
    Abstract,
    AbstractStatus,
    DecisionTemplate,
    Outcome,
)
from conference.abstracts.services import presenter_confirm_url
from conference.accounts.models import User
from conference.content import services as content
from conference.errors import Conflict, FieldErrors, ValidationFailed
from conference.extensions import db
from conference.i18n import in_language
from conference.mail import OutboxMessage, clean_subject, queue_mail, recipient_language
from conference.models import utcnow
from conference.program.models import Congress, Track

PLACEHOLDERS = {
    "number": _l("the abstract's number, e.g. A-0042"),
    "title": _l("the abstract's title"),
    "outcome": _l("the decision, e.g. Oral presentation"),
    "presenting_author": _l("the presenting author's name"),
    "congress": _l("the congress's name"),
}
_ACCEPTED_BODY = _l(
    "We are pleased to tell you that abstract {{ number }}, “{{ title }}”, has been accepted "
    "for {{ outcome }} at {{ congress }}.\n\n"
    "{{ presenting_author }} is listed as presenting author. Please confirm that they will "
    "register and present, using the link below."
)
#: The templates a congress starts with. While an organizer has not changed one, each author
#: receives it in their own language; a changed one is sent as the organizer wrote it.
DEFAULT_TEMPLATES = {
    Outcome.PLENARY: (_l("Abstract {{ number }} accepted for the plenary session"), _ACCEPTED_BODY),
    Outcome.ORAL: (_l("Abstract {{ number }} accepted as an oral presentation"), _ACCEPTED_BODY),
    Outcome.POSTER_DISCUSSION: (
        _l("Abstract {{ number }} accepted for poster discussion"),
        _ACCEPTED_BODY,
    ),
    Outcome.POSTER: (_l("Abstract {{ number }} accepted as a poster"), _ACCEPTED_BODY),
    Outcome.PUBLICATION_ONLY: (
        _l("Abstract {{ number }}: publication only"),
        _l(
            "Abstract {{ number }}, “{{ title }}”, will be published in the abstract book of "
            "{{ congress }} but not presented."
        ),
    ),
    Outcome.REJECTED: (
        _l("Abstract {{ number }}: decision"),
        _l(
            "Thank you for submitting abstract {{ number }}, “{{ title }}”, to {{ congress }}. "
            "We regret that the committee could not accept it this year."
        ),
    ),
}


def _english(text) -> str:
    """A default template's own (English) words, whatever the reader's language."""
    return text._args[0] if isinstance(text, LazyString) else str(text)


def is_changed(template: DecisionTemplate) -> bool:
    """Whether an organizer changed the template (an unchanged one speaks every language)."""
    subject, body = DEFAULT_TEMPLATES[Outcome(template.outcome)]
    return template.subject != _english(subject) or template.body != _english(body)


def _wording(template: DecisionTemplate, congress: Congress | None = None) -> tuple:
    """(subject, body) to send: the organizer's text in the reader's language when given
    (conference.content), else the default in the reader's language while unchanged, else the
    template as written in the congress's main language."""
    if is_changed(template):
        subject, body = template.subject, template.body
    else:
        subject, body = (str(text) for text in DEFAULT_TEMPLATES[Outcome(template.outcome)])
    if congress is not None:
        subject = content.translated(congress, "email_template", template.id, "subject", subject)
        body = content.translated(congress, "email_template", template.id, "body", body)
    return subject, body


def get_templates(congress: Congress) -> dict[str, DecisionTemplate]:
    """{outcome: template} of the templates the congress has (created when first used)."""
    return {
        str(template.outcome): template
        for template in db.session.scalars(
            select(DecisionTemplate).where(DecisionTemplate.congress_id == congress.id)
        )
    }


def changed_templates(congress: Congress) -> list[DecisionTemplate]:
    """The decision templates an organizer changed (the ones to give in other languages)."""
    templates = db.session.scalars(
        select(DecisionTemplate)
        .where(DecisionTemplate.congress_id == congress.id)
        .order_by(DecisionTemplate.id)
    )
    return [template for template in templates if is_changed(template)]


def check_placeholders(field: str, text: str) -> list[str]:
    """Problems of a decision email's text: placeholders it does not know."""
    unknown = {m for m in _PLACEHOLDER.findall(text or "") if m not in PLACEHOLDERS}
    if not unknown:
        return []
    return [
        ngettext(
            "Unknown placeholder: %(names)s. Use: %(known)s.",
            "Unknown placeholders: %(names)s. Use: %(known)s.",
            len(unknown),
            names=", ".join(sorted(unknown)),
            known=", ".join(PLACEHOLDERS),
        )
    ]


_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def render_placeholders(text: str, values: dict[str, str]) -> str:
    """Fill `{{ name }}` placeholders; unknown names stay as typed (no code runs)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def get_template(congress: Congress, outcome: Outcome) -> DecisionTemplate:
    """The congress's template for `outcome`, created from the default the first time."""
    template = db.session.scalar(
        select(DecisionTemplate).where(
            DecisionTemplate.congress_id == congress.id, DecisionTemplate.outcome == outcome
        )
    )
    if template is None:
        subject, body = DEFAULT_TEMPLATES[outcome]
        template = DecisionTemplate(
            congress_id=congress.id,
            outcome=outcome,
            subject=_english(subject),
            body=_english(body),
        )
        db.session.add(template)
        db.session.flush()
    return template


def update_decision_template(
    congress: Congress, outcome: Outcome, *, subject: str, body: str
) -> DecisionTemplate:
    errors = FieldErrors()
    subject, body = (subject or "").strip(), (body or "").strip()
    if not subject or len(subject) > 300:
        errors.add("subject", _("Give a subject of up to 300 characters."))
    if not body:
        errors.add("body", _("Write the message."))
    for text, name in ((subject, "subject"), (body, "body")):
        for problem in check_placeholders(name, text):
            errors.add(name, problem)
    errors.raise_if_any()
    template = get_template(congress, outcome)
    template.subject, template.body = subject, body
    db.session.flush()
    return template


def _outcome(value) -> Outcome:
    try:
        return Outcome(value)
    except ValueError:
        raise ValidationFailed(
            _("Unknown outcome."),
            fields={
                "outcome": [
                    _("Choose one of: %(values)s.", values=", ".join(o.value for o in Outcome))
                ]
            },
        ) from None


def _refuse_incomplete(abstracts: list[Abstract]) -> None:
    """Ask for explicit confirmation before deciding on fewer reviews than required."""
    incomplete = [a for a in abstracts if a.has_incomplete_reviews]
    if not incomplete:
        return
    details = "; ".join(
        _(
            "%(abstract)s has %(done)s of %(required)s",
            abstract=a.number or a.id,
            done=a.completed_review_count,
            required=a.reviews_required,
        )
        for a in incomplete
    )
    raise Conflict(
        _(
            "Fewer completed reviews than required (%(details)s). Confirm that you want to "
            "record the decision anyway.",
            details=details,
        ),
        code="incomplete_reviews",
        abstract_ids=[a.id for a in incomplete],
    )


def decide_abstract(
    abstract: Abstract,
    outcome,
    by: User | None = None,
    now: datetime | None = None,
    *,
    confirm_incomplete: bool = False,
) -> Abstract:
    """Record the committee's outcome; authors learn it only when decisions are released.

    An abstract with fewer completed reviews than the congress requires is decided only with
    `confirm_incomplete` (the organizer confirmed it); the list flags such decisions.
    """
    outcome = _outcome(outcome)
    if abstract.status != AbstractStatus.SUBMITTED:
        raise Conflict(
            _(
                "Abstract %(abstract)s is not submitted (it is %(status)s); only submitted "
                "abstracts are decided.",
                abstract=abstract.number or abstract.id,
                status=str(STATUS_LABELS[AbstractStatus(abstract.status)]).lower(),
            ),
            code="not_submitted",
        )
    if not abstract.is_complete:
        raise Conflict(
            _(
                "Abstract %(number)s: the abstract fee is not paid yet, so it is not decided.",
                number=abstract.number,
            ),
            code="fee_unpaid",
        )
    if abstract.outcome == outcome:
        return abstract
    if not confirm_incomplete:
        _refuse_incomplete([abstract])
    abstract.outcome = outcome
    abstract.decided_at = now or utcnow()
    abstract.decided_by_id = by.id if by else None
    if outcome not in PRESENTED_OUTCOMES:
        abstract.presenter_confirmed_at = None
    db.session.flush()
    return abstract


def decide_abstracts(
    abstracts: list[Abstract], outcome, by: User | None = None, *, confirm_incomplete=False
) -> int:
    """Decide several abstracts at once; refuse the lot if one cannot be decided."""
    outcome = _outcome(outcome)
    blocked = [a.number or str(a.id) for a in abstracts if a.status != AbstractStatus.SUBMITTED]
    if blocked:
        raise Conflict(
            _("Not submitted, so not decided: %(abstracts)s.", abstracts=", ".join(blocked)),
            code="not_submitted",
        )
    unpaid = [a.number or str(a.id) for a in abstracts if not a.is_complete]
    if unpaid:
        raise Conflict(
            _("Abstract fee not paid, so not decided: %(abstracts)s.", abstracts=", ".join(unpaid)),
            code="fee_unpaid",
        )
    if not confirm_incomplete:
        _refuse_incomplete([a for a in abstracts if a.outcome != outcome])
    for abstract in abstracts:
        decide_abstract(abstract, outcome, by, confirm_incomplete=True)
    return len(abstracts)


# -- release: selection, preview, confirmation ---------------------------------------------------


@dataclass(frozen=True)
class ReleaseSelection:
    """Which pending decisions to release: all of them, or by track, outcome or id."""

    track: Track | None = None
    outcomes: frozenset[Outcome] = frozenset()
    abstract_ids: frozenset[int] = frozenset()

    def as_params(self) -> dict:
        """The selection as form/JSON values (to carry it from the preview to the confirm)."""
        return {
            "track": self.track.slug if self.track else "",
            "outcomes": sorted(o.value for o in self.outcomes),
            "abstract_ids": sorted(self.abstract_ids),
        }


def parse_selection(congress: Congress, *, track=None, outcomes=None, abstract_ids=None):
    """Check a selection given as plain values (web form or API); name each bad field."""
    errors = FieldErrors()
    chosen_track = None
    if track:
        chosen_track = db.session.scalar(
            select(Track).where(Track.congress_id == congress.id, Track.slug == str(track))
        )
        if chosen_track is None:
            errors.add("track", _("There is no track “%(track)s” in this congress.", track=track))
    chosen_outcomes = set()
    for value in outcomes or []:
        try:
            chosen_outcomes.add(Outcome(value))
        except ValueError:
            errors.add(
                "outcomes",
                _(
                    "“%(value)s” is not an outcome; use: %(values)s.",
                    value=value,
                    values=", ".join(o.value for o in Outcome),
                ),
            )
    ids = set()
    for value in abstract_ids or []:
        if isinstance(value, bool) or not str(value).isdigit() or int(value) > 2**31 - 1:
            errors.add("abstract_ids", _("“%(value)s” is not an abstract id.", value=value))
        else:
            ids.add(int(value))
    if ids:
        found = set(
            db.session.scalars(
                select(Abstract.id).where(Abstract.id.in_(ids), Abstract.congress_id == congress.id)
            )
        )
        for missing in sorted(ids - found):
            errors.add(
                "abstract_ids",
                _("There is no abstract %(id)s in this congress.", id=missing),
            )
    errors.raise_if_any(_("Please correct the selection of decisions to release."))
    return ReleaseSelection(chosen_track, frozenset(chosen_outcomes), frozenset(ids))


@dataclass
class PlannedMessage:
    """One decision message as it would be queued: one per recipient of an abstract."""

    abstract: Abstract
    name: str
    email: str
    correction: bool


@dataclass
class ReleasePreview:
    """What a release would send; building it queues nothing."""

    selection: ReleaseSelection
    abstracts: list[Abstract]
    messages: list[PlannedMessage]
    #: outcome -> (subject, text body) rendered with the real email template, no live links.
    samples: dict[Outcome, tuple[str, str]] = field(default_factory=dict)
    fingerprint: str = ""

    @property
    def abstract_ids(self) -> list[int]:
        return [a.id for a in self.abstracts]

    @property
    def changed(self) -> int:
        """Decisions already released once and changed since (sent as corrections)."""
        return sum(1 for a in self.abstracts if a.released_outcome is not None)

    @property
    def never_released(self) -> int:
        return sum(1 for a in self.abstracts if a.released_outcome is None)

    @property
    def by_outcome(self) -> dict[Outcome, int]:
        counts = Counter(Outcome(a.outcome) for a in self.abstracts)
        return {outcome: counts[outcome] for outcome in Outcome if counts[outcome]}

    @property
    def recipient_count(self) -> int:
        return len({m.email for m in self.messages})

    @property
    def summary(self) -> str:
        """E.g. "6 decisions: 3 changed since the last release, 3 never released"."""
        return _(
            "%(decisions)s: %(changed)s changed since the last release, %(never)s never "
            "released; %(messages)s to %(recipients)s.",
            decisions=ngettext("%(num)d decision", "%(num)d decisions", len(self.abstracts)),
            changed=self.changed,
            never=self.never_released,
            messages=ngettext("%(num)d message", "%(num)d messages", len(self.messages)),
            recipients=ngettext("%(num)d recipient", "%(num)d recipients", self.recipient_count),
        )


def _recipients(abstract: Abstract) -> list[tuple[str, str]]:
    """(name, email) of the submitter and every author, one entry per address, in order."""
    people: dict[str, str] = {}
    submitter = abstract.submitter
    people[submitter.email.strip().lower()] = submitter.display_name
    for author in abstract.authors:
        address = (author.email or "").strip().lower()
        if address and address not in people:
            people[address] = author.name
    return [(name, email) for email, name in people.items()]


def _recipient_key(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:20]


def _dedupe_key(abstract: Abstract, notice: int, email: str) -> str:
    return f"abstract-decision:{abstract.id}:{notice}:{_recipient_key(email)}"


def _already_told(abstracts: list[Abstract]) -> dict[int, set[str] | None]:
    """Per abstract, the recipient keys that received an earlier decision message.

    None means everyone (a message from before per-recipient sending went to all together).
    """
    if not abstracts:
        return {}
    told: dict[int, set[str] | None] = {a.id: set() for a in abstracts}
    wanted = {str(a.id) for a in abstracts}
    keys = db.session.scalars(
        select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.like("abstract-decision:%"),
            OutboxMessage.kind == "abstracts/decision",
        )
    )
    for key in keys:
        parts = key.split(":")
        if len(parts) < 3 or parts[1] not in wanted:
            continue
        abstract_id = int(parts[1])
        if len(parts) == 3:
            told[abstract_id] = None
        elif told[abstract_id] is not None:
            told[abstract_id].add(parts[3])
    for abstract in abstracts:
        if abstract.released_outcome is not None and told[abstract.id] == set():
            told[abstract.id] = None  # released, but its messages were purged: assume all told
    return told


def _pending(congress: Congress, selection: ReleaseSelection, *, lock: bool = False):
    query = (
        select(Abstract)
        .where(
            Abstract.congress_id == congress.id,
            Abstract.is_complete,
            Abstract.outcome.is_not(None),
        )
        .options(
            selectinload(Abstract.authors),
            selectinload(Abstract.reviews),
            selectinload(Abstract.submitter),
            selectinload(Abstract.track),
        )
        .order_by(Abstract.id)
    )
    if selection.track is not None:
        query = query.where(Abstract.track_id == selection.track.id)
    if selection.outcomes:
        query = query.where(Abstract.outcome.in_([o.value for o in selection.outcomes]))
    if selection.abstract_ids:
        query = query.where(Abstract.id.in_(selection.abstract_ids))
    if lock:
        query = query.with_for_update()
    return [a for a in db.session.scalars(query) if a.has_unreleased_change]


def _plan(abstracts: list[Abstract]) -> list[PlannedMessage]:
    told = _already_told(abstracts)
    messages = []
    for abstract in abstracts:
        released_before = abstract.released_outcome is not None
        earlier = told.get(abstract.id, set())
        for name, email in _recipients(abstract):
            correction = released_before and (earlier is None or _recipient_key(email) in earlier)
            messages.append(PlannedMessage(abstract, name, email, correction))
    return messages


def _fingerprint(messages: list[PlannedMessage], abstracts: list[Abstract]) -> str:
    """Changes whenever what would be sent changes (outcome, release state, recipients)."""
    parts = [
        f"{a.id}:{a.outcome}:{a.released_outcome}:{a.decision_notice_count}" for a in abstracts
    ]
    parts += sorted(f"{m.abstract.id}:{m.email}:{m.name}:{m.correction}" for m in messages)
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _values(abstract: Abstract, congress: Congress) -> dict[str, str]:
    presenting = abstract.presenting_author
    return {
        "number": abstract.number or "",
        "title": abstract.title,
        "outcome": str(OUTCOME_LABELS[Outcome(abstract.outcome)]),
        "presenting_author": presenting.name if presenting else "",
        "congress": content.translated(congress, "congress", congress.id, "name", congress.name),
    }


def _message_parts(abstract, congress, template: DecisionTemplate, correction: bool):
    values = _values(abstract, congress)
    subject_text, body_text = _wording(template, congress)
    subject = render_placeholders(subject_text, values)
    if correction:
        subject = _("Correction: %(subject)s", subject=subject)
    context = {
        "abstract": abstract,
        "congress": congress,
        "correction": correction,
        "body": render_placeholders(body_text, values),
        "comments": [r.comment_to_authors for r in abstract.reviews if r.comment_to_authors],
    }
    return clean_subject(subject), context


#: What a preview shows instead of the presenting author's private confirmation link.
SAMPLE_LINK = "[the presenting author's private confirmation link is inserted when sent]"


def _sample_link() -> str:
    """SAMPLE_LINK in the reader's language."""
    return _("[the presenting author's private confirmation link is inserted when sent]")


def preview_release(congress: Congress, selection: ReleaseSelection | None = None):
    """What releasing `selection` would send, with one rendered sample per template.

    Queues nothing and changes nothing: samples are rendered with the real email template but
    without any private link (a placeholder stands in for it).
    """
    selection = selection or ReleaseSelection()
    abstracts = _pending(congress, selection)
    messages = _plan(abstracts)
    preview = ReleasePreview(selection, abstracts, messages)
    preview.fingerprint = _fingerprint(messages, abstracts)
    for message in messages:
        outcome = Outcome(message.abstract.outcome)
        if outcome in preview.samples:
            continue
        template = _existing_template(congress, outcome)
        subject, context = _message_parts(message.abstract, congress, template, message.correction)
        text = render_template(
            "emails/abstracts/decision.txt",
            recipient_name=message.name,
            confirm_url=_sample_link() if outcome in PRESENTED_OUTCOMES else None,
            base_url="",
            **context,
        )
        preview.samples[outcome] = (subject, text)
    return preview


def _existing_template(congress: Congress, outcome: Outcome) -> DecisionTemplate:
    """The template as it would be used, without creating a row (a preview writes nothing)."""
    template = db.session.scalar(
        select(DecisionTemplate).where(
            DecisionTemplate.congress_id == congress.id, DecisionTemplate.outcome == outcome
        )
    )
    if template is None:
        subject, body = DEFAULT_TEMPLATES[outcome]
        template = DecisionTemplate(
            congress_id=congress.id,
            outcome=outcome,
            subject=_english(subject),
            body=_english(body),
        )
    return template


def _account_of(abstract: Abstract, email: str) -> int | None:
    """The account of a recipient (their email is written in its language), if they have one."""
    if email == abstract.submitter.email.strip().lower():
        return abstract.submitter_id
    for author in abstract.authors:
        if (author.email or "").strip().lower() == email:
            return author.user_id
    return None


def _send(congress: Congress, abstracts: list[Abstract], messages, now: datetime) -> int:
    used = {Outcome(a.outcome) for a in abstracts}
    templates = {outcome: get_template(congress, outcome) for outcome in used}
    by_abstract: dict[int, list[PlannedMessage]] = {}
    for message in messages:
        by_abstract.setdefault(message.abstract.id, []).append(message)
    queued = 0
    for abstract in abstracts:
        abstract.decision_notice_count += 1
        abstract.released_outcome = abstract.outcome
        abstract.decision_released_at = now
        template = templates[Outcome(abstract.outcome)]
        presented = abstract.outcome in PRESENTED_OUTCOMES
        for message in by_abstract.get(abstract.id, []):
            account = _account_of(abstract, message.email)
            # The words around the organizer's text, and an unchanged default template, are
            # written in the recipient's language.
            with in_language(recipient_language(account, None)):
                subject, context = _message_parts(abstract, congress, template, message.correction)
            # One message per recipient, greeting each by name; the dedupe key makes a
            # repeated release (double click, retry, two organizers) queue nothing more.
            queued += bool(
                queue_mail(
                    message.email,
                    subject,
                    "abstracts/decision",
                    dedupe_key=_dedupe_key(abstract, abstract.decision_notice_count, message.email),
                    user_id=account,
                    recipient_name=message.name,
                    secrets={"confirm_url": presenter_confirm_url(abstract)} if presented else None,
                    **context,
                )
            )
    db.session.flush()
    return queued


@dataclass
class ReleaseResult:
    decisions: int
    messages: int


def confirm_release(
    congress: Congress,
    abstract_ids,
    fingerprint: str,
    now: datetime | None = None,
) -> ReleaseResult:
    """Send exactly the previewed decisions; refuse if any of them changed since the preview.

    The previewed abstracts are locked, then planned again: a different fingerprint (an
    outcome changed, another organizer released one, an author was added) raises a Conflict
    with code "release_changed" and sends nothing.
    """
    ids = frozenset(int(i) for i in abstract_ids)
    if not ids:
        return ReleaseResult(0, 0)
    abstracts = _pending(congress, ReleaseSelection(abstract_ids=ids), lock=True)
    messages = _plan(abstracts)
    if {a.id for a in abstracts} != ids or _fingerprint(messages, abstracts) != fingerprint:
        raise Conflict(
            _(
                "The decisions changed since the preview, so nothing was sent. Check the new "
                "preview and confirm again."
            ),
            code="release_changed",
        )
    sent = _send(congress, abstracts, messages, now or utcnow())
    return ReleaseResult(len(abstracts), sent)


def release_selection(
    congress: Congress, selection: ReleaseSelection | None = None, now: datetime | None = None
) -> ReleaseResult:
    """Release every selected pending decision at once, without a preview (scripts, API)."""
    abstracts = _pending(congress, selection or ReleaseSelection(), lock=True)
    sent = _send(congress, abstracts, _plan(abstracts), now or utcnow())
    return ReleaseResult(len(abstracts), sent)


def release_decisions(
    congress: Congress,
    now: datetime | None = None,
    selection: ReleaseSelection | None = None,
) -> int:
    """Tell authors every selected decision not yet told (or changed since), at once.

    For scripts and the demo; people preview first (`preview_release`, `confirm_release`).
    Each recipient gets their own message. A decision changed after its release is sent again
    as a correction; one that was changed and changed back is not sent at all. Returns the
    number of decisions released.
    """
    return release_selection(congress, selection, now).decisions


def copy_setup(source: Congress, target: Congress, shift) -> None:
    """Copy the decision email templates of a congress into a new one (copying a congress)."""
    from conference.models import clone_row

    for template in db.session.scalars(
        select(DecisionTemplate).where(DecisionTemplate.congress_id == source.id)
    ):
        db.session.add(clone_row(template, congress_id=target.id))
    db.session.flush()
