"""Abstract submission: drafts, submission checks, numbering, withdrawal, presenter confirmation.

Review lives in `review.py`, decisions in `decisions.py`. Every function flushes, never commits.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from conference.abstracts import fees, review
from conference.abstracts.checks import (
    TRIAL_ID_HELP,
    normalize_trial_id,
    patient_identifier_warnings,
    trial_registry,
)
from conference.abstracts.counting import CountingRule, count_length, table_rows, trim
from conference.abstracts.models import (
    DISCLOSURE_LABELS,
    DISCLOSURE_TYPES,
    KIND_LABELS,
    SECTION_NAMES,
    Abstract,
    AbstractAuthor,
    AbstractCounter,
    AbstractKind,
    AbstractStatus,
    AuthorDisclosure,
    FirstAuthorQuotaLock,
    disclosure_type_from_text,
)
from conference.abstracts.queries import LOCKED_ABSTRACTS
from conference.accounts.models import User
from conference.countries import check_country
from conference.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from conference.extensions import db
from conference.mail import MailDraft, queue_mail, queue_mail_later
from conference.models import utcnow
from conference.program.models import Congress
from conference.program.queries import get_track_by_slug
from conference.urls import external_url

ATTESTATIONS = {
    "ethics_approval": _l("Ethics approval and informed consent were obtained."),
    "not_previously_published": _l("The work has not been published before."),
    "coauthors_agree": _l("All co-authors agree to the submission."),
    "will_present": _l("The presenting author will register and present."),
}
#: Sections a Trials in Progress abstract may not have.
TIP_FORBIDDEN = ("results", "conclusions")
TIP_SECTION_PROBLEMS = {
    "results": _l("A Trials in Progress abstract has no results section: remove it."),
    "conclusions": _l("A Trials in Progress abstract has no conclusions section: remove it."),
}
MISSING_SECTION_PROBLEMS = {
    "background": _l("Write the background section."),
    "methods": _l("Write the methods section."),
    "results": _l("Write the results section."),
    "conclusions": _l("Write the conclusions section."),
}
MAX_KEYWORDS = 10
MAX_TABLE_ROWS = 40
MAX_TABLE_COLUMNS = 12
LIMITS = {"title": 500, "section": 20000, "keyword": 80, "group_name": 300, "company": 200}
CONFIRM_SALT = "abstract-presenter-confirm"
AUTHORSHIP_SALT = "abstract-authorship"


# -- reading the input --------------------------------------------------------------------------


def _text(value) -> str:
    """Input text trimmed of whitespace as the length counter defines it."""
    return "" if value is None else trim(str(value))


def normalize_person_email(value) -> str:
    """The person an email address stands for: trimmed, NFC, lower-cased (accounts alike)."""
    return unicodedata.normalize("NFC", _text(value)).lower()


def _invalid_trial_id(identifier: str) -> str:
    return _(
        "“%(identifier)s” is not a valid identifier. %(help)s",
        identifier=identifier,
        help=TRIAL_ID_HELP,
    )


def _apply(abstract: Abstract, data: dict, errors: FieldErrors) -> None:
    """Copy the given keys of `data` onto the abstract, refusing only malformed input."""
    congress = abstract.congress
    if "title" in data:
        title = _text(data["title"])
        if len(title) > LIMITS["title"]:
            errors.add(
                "title",
                _("Keep the title under %(limit)s characters.", limit=LIMITS["title"]),
            )
        abstract.title = title[: LIMITS["title"]]
    if "kind" in data:
        try:
            kind = AbstractKind(data["kind"])
        except ValueError:
            errors.add("kind", _("Choose regular, trials_in_progress or late_breaking."))
        else:
            if kind != abstract.kind and abstract.status != AbstractStatus.DRAFT:
                # Its quota and window were checked for the kind it was submitted as.
                errors.add(
                    "kind",
                    _(
                        "The type of a submitted abstract cannot be changed; withdraw it and "
                        "submit a new abstract of the other type."
                    ),
                )
            else:
                abstract.kind = kind
    if "track" in data:
        slug = _text(data["track"])
        track = get_track_by_slug(congress, slug) if slug else None
        if slug and (track is None or not track.is_active):
            errors.add("track", _("Choose one of the congress's tracks."))
        else:
            abstract.track = track
    for name in SECTION_NAMES:
        if name in (data.get("sections") or {}):
            body = _text(data["sections"][name])
            if len(body) > LIMITS["section"]:
                errors.add(f"sections.{name}", _("This section is far too long."))
            setattr(abstract, name, body[: LIMITS["section"]])
    if "keywords" in data:
        keywords = [_text(k) for k in (data["keywords"] or []) if _text(k)]
        if len(keywords) > MAX_KEYWORDS:
            errors.add("keywords", _("Give at most %(limit)s keywords.", limit=MAX_KEYWORDS))
        if any(len(k) > LIMITS["keyword"] for k in keywords):
            errors.add(
                "keywords",
                _("Keep each keyword under %(limit)s characters.", limit=LIMITS["keyword"]),
            )
        abstract.keywords = keywords[:MAX_KEYWORDS]
    if "table" in data:
        abstract.table = _read_table(data["table"], errors)
    if "is_clinical_trial" in data:
        abstract.is_clinical_trial = bool(data["is_clinical_trial"])
    if "trial_registration" in data:
        identifier = normalize_trial_id(data["trial_registration"])
        if len(identifier) > 40:
            errors.add("trial_registration", str(TRIAL_ID_HELP))
        abstract.trial_registration = identifier[:40]
    if "group_name" in data:
        group = _text(data["group_name"])
        if len(group) > LIMITS["group_name"]:
            errors.add(
                "group_name",
                _("Keep the group name under %(limit)s characters.", limit=LIMITS["group_name"]),
            )
        abstract.group_name = group[: LIMITS["group_name"]]
    for name in ATTESTATIONS:
        if name in (data.get("attestations") or {}):
            setattr(abstract, f"attests_{name}", bool(data["attestations"][name]))
    if "authors" in data:
        _replace_authors(abstract, data["authors"] or [], errors)


def _read_table(value, errors: FieldErrors) -> list | None:
    if value in (None, [], ""):
        return None
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        errors.add("table", _("A table is a list of rows, each a list of cells."))
        return None
    rows = table_rows(value)
    if len(rows) > MAX_TABLE_ROWS or any(len(row) > MAX_TABLE_COLUMNS for row in rows):
        errors.add(
            "table",
            _(
                "Keep the table to %(rows)s rows of at most %(cells)s cells.",
                rows=MAX_TABLE_ROWS,
                cells=MAX_TABLE_COLUMNS,
            ),
        )
    return rows or None


def _listing(author: AbstractAuthor) -> tuple:
    """What an author confirms: how they are listed, and whether as first author."""
    return (author.name, author.affiliation, author.country, author.position == 0)


def _replace_authors(abstract: Abstract, authors: list, errors: FieldErrors) -> None:
    previous = {
        author.email: (author.confirmed_at, _listing(author)) for author in abstract.authors
    }
    abstract.authors.clear()
    if abstract.id is not None:
        db.session.flush()  # free the (abstract, position) pairs before re-adding
    emails = [
        normalize_person_email(item.get("email")) for item in authors if isinstance(item, dict)
    ]
    users = (
        dict(
            db.session.execute(
                # Only a confirmed address links an account to an author.
                select(User.email, User.id).where(
                    User.email.in_(emails), User.email_confirmed_at.is_not(None)
                )
            ).all()
        )
        if emails
        else {}
    )
    for position, item in enumerate(authors):
        prefix = f"authors.{position}"
        if not isinstance(item, dict):
            errors.add(prefix, _("Each author needs a name, email, affiliation and country."))
            continue
        email = normalize_person_email(item.get("email"))
        author = AbstractAuthor(
            position=position,
            name=_text(item.get("name"))[:200],
            email=email[:254],
            affiliation=_text(item.get("affiliation"))[:300],
            country=_text(item.get("country")).upper()[:2],
            is_presenting=bool(item.get("presenting")),
            nothing_to_disclose=bool(item.get("nothing_to_disclose")),
            user_id=users.get(email),
            disclosures=[],
        )
        for field, limit in (("name", 200), ("email", 254), ("affiliation", 300)):
            if len(_text(item.get(field))) > limit:
                errors.add(
                    f"{prefix}.{field}", _("Keep this under %(limit)s characters.", limit=limit)
                )
        country_problem = check_country(_text(item.get("country")))
        if country_problem:
            errors.add(f"{prefix}.country", country_problem)
        for disclosure in item.get("disclosures") or []:
            company = _text(disclosure.get("company"))
            typed = _text(disclosure.get("relationship"))
            relationship = disclosure_type_from_text(typed)
            if relationship not in DISCLOSURE_TYPES:
                errors.add(
                    f"{prefix}.disclosures",
                    _(
                        "“%(typed)s” is not a relationship type; use one of: %(types)s.",
                        typed=typed or _("(empty)"),
                        types="; ".join(str(label) for label in DISCLOSURE_LABELS.values()),
                    ),
                )
                continue
            if not company or len(company) > LIMITS["company"]:
                errors.add(f"{prefix}.disclosures", _("Name the company of each relationship."))
                continue
            author.disclosures.append(
                AuthorDisclosure(company=company, relationship_type=relationship)
            )
        if author.nothing_to_disclose and author.disclosures:
            errors.add(
                f"{prefix}.disclosures",
                _("Either list relationships or tick “nothing to disclose”, not both."),
            )
        confirmed_at, listing = previous.get(author.email, (None, None))
        if confirmed_at is not None and listing == _listing(author):
            author.confirmed_at = confirmed_at  # unchanged listing: the confirmation holds
        abstract.authors.append(author)
    _confirm_submitter_listing(abstract)


def _confirm_submitter_listing(abstract: Abstract) -> None:
    """The submitter listing themselves needs no emailed confirmation."""
    for author in abstract.authors:
        if author.email and author.email == abstract.submitter.email and not author.confirmed_at:
            author.confirmed_at = utcnow()


# -- rules ---------------------------------------------------------------------------------------


def length_of(abstract: Abstract) -> int:
    return count_length(
        CountingRule.of(abstract.congress),
        title=abstract.title,
        sections=abstract.sections,
        table=abstract.table,
    )


def warnings_for(abstract: Abstract) -> list[str]:
    return patient_identifier_warnings(
        [abstract.title, *abstract.sections.values()]
        + [str(cell) for row in abstract.table or [] for cell in row]
    )


def submission_window(congress: Congress, kind: AbstractKind) -> tuple[datetime | None, ...]:
    if kind == AbstractKind.LATE_BREAKING:
        return congress.late_breaking_opens_at, congress.late_breaking_closes_at
    return congress.abstract_submission_opens_at, congress.abstract_submission_closes_at


def _window_problem(abstract: Abstract, now: datetime, *, editing: bool = False) -> str | None:
    opens, closes = submission_window(abstract.congress, abstract.kind)
    late = abstract.kind == AbstractKind.LATE_BREAKING
    if opens is None or closes is None:
        if late:
            return _("The late-breaking submission dates are not set yet.")
        return _("The abstract submission dates are not set yet.")
    if now < opens and not editing:
        if late:
            return _("The late-breaking submission window has not opened yet.")
        return _("The abstract submission window has not opened yet.")
    if now >= closes:
        if late:
            return _("The late-breaking submission deadline has passed.")
        return _("The abstract submission deadline has passed.")
    return None


def quota_holder(abstract: Abstract) -> str | None:
    """The person (normalised email) whose first-author quota the abstract uses; None if exempt.

    Only Trials in Progress are exempt (co-authorships never count). The first author is
    charged once they confirmed their authorship (the submitter listing themselves is
    confirmed); until then the submitter is, so nobody can spend another person's quota by
    typing their email, nor escape their own by naming somebody else. `first_author_count`
    states the same rule in SQL.
    """
    if abstract.kind == AbstractKind.TRIALS_IN_PROGRESS:
        return None
    first = abstract.first_author
    if first is not None and first.email and first.confirmed_at is not None:
        return first.email
    return abstract.submitter.email


def first_author_count(congress: Congress, email: str, exclude_id: int | None = None) -> int:
    """Submitted abstracts charged to the person `email` (see quota_holder)."""
    first = aliased(AbstractAuthor)
    submitter = aliased(User)
    holder = case((first.confirmed_at.is_not(None), first.email), else_=submitter.email)
    query = (
        select(func.count(Abstract.id))
        .join(submitter, submitter.id == Abstract.submitter_id)
        .outerjoin(first, and_(first.abstract_id == Abstract.id, first.position == 0))
        .where(
            Abstract.congress_id == congress.id,
            Abstract.status == AbstractStatus.SUBMITTED,
            Abstract.kind != AbstractKind.TRIALS_IN_PROGRESS,
            holder == normalize_person_email(email),
        )
    )
    if exclude_id is not None:
        query = query.where(Abstract.id != exclude_id)
    return db.session.scalar(query) or 0


def lock_quota_holder(congress: Congress, email: str) -> None:
    """Lock the person's quota row FOR UPDATE (creating it once), before counting for them."""
    query = (
        select(FirstAuthorQuotaLock)
        .where(
            FirstAuthorQuotaLock.congress_id == congress.id,
            FirstAuthorQuotaLock.email == email,
        )
        .with_for_update()
    )
    if db.session.scalar(query) is None:
        try:
            with db.session.begin_nested():
                db.session.add(FirstAuthorQuotaLock(congress_id=congress.id, email=email))
        except IntegrityError:
            db.session.scalar(query)  # made meanwhile by another transaction: wait for it


def _quota_problem(abstract: Abstract) -> str | None:
    holder = quota_holder(abstract)
    if holder is None:
        return None
    congress = abstract.congress
    already = first_author_count(congress, holder, exclude_id=abstract.id)
    if already < congress.first_author_quota:
        return None
    if holder == abstract.submitter.email:
        first = abstract.first_author
        if first is not None and first.email != holder:
            return _(
                "Until %(email)s confirms being first author, this abstract counts against "
                "your own quota, and you already have %(count)s abstracts counting against "
                "it; the limit is %(limit)s.",
                email=first.email,
                count=already,
                limit=congress.first_author_quota,
            )
        return _(
            "You are already first author of %(count)s abstracts; the limit is %(limit)s.",
            count=already,
            limit=congress.first_author_quota,
        )
    return _(
        "%(email)s is already first author of %(count)s abstracts; the limit is %(limit)s.",
        email=holder,
        count=already,
        limit=congress.first_author_quota,
    )


def submission_problems(abstract: Abstract, now: datetime | None = None) -> FieldErrors:
    """Every reason the abstract cannot be submitted (or kept submitted), by field."""
    now = now or utcnow()
    congress = abstract.congress
    errors = FieldErrors()
    window = _window_problem(abstract, now, editing=abstract.status == AbstractStatus.SUBMITTED)
    if window:
        errors.add("submission", window)
    if not abstract.title:
        errors.add("title", _("Give the abstract a title."))
    if abstract.track is None:
        errors.add("track", _("Choose a track."))
    tip = abstract.kind == AbstractKind.TRIALS_IN_PROGRESS
    for name in SECTION_NAMES:
        body = getattr(abstract, name)
        if tip and name in TIP_FORBIDDEN:
            if body:
                errors.add(
                    f"sections.{name}",
                    str(TIP_SECTION_PROBLEMS[name]),
                )
        elif not body:
            errors.add(f"sections.{name}", str(MISSING_SECTION_PROBLEMS[name]))
    length = length_of(abstract)
    if length > congress.length_limit:
        errors.add(
            "length",
            _(
                "The abstract has %(length)s characters; the limit is %(limit)s.",
                length=length,
                limit=congress.length_limit,
            ),
        )
    if abstract.table and congress.max_tables < 1:
        errors.add("table", _("This congress does not allow tables."))
    if abstract.is_clinical_trial or tip:
        if not abstract.trial_registration:
            errors.add(
                "trial_registration",
                _(
                    "Give the trial's registration identifier (required for clinical trials "
                    "and Trials in Progress)."
                ),
            )
        elif trial_registry(abstract.trial_registration) is None:
            errors.add(
                "trial_registration",
                _invalid_trial_id(abstract.trial_registration),
            )
    elif abstract.trial_registration and trial_registry(abstract.trial_registration) is None:
        errors.add(
            "trial_registration",
            _invalid_trial_id(abstract.trial_registration),
        )
    _author_problems(abstract, errors)
    for name, text in ATTESTATIONS.items():
        if not getattr(abstract, f"attests_{name}"):
            errors.add(f"attestations.{name}", _("Confirm: %(statement)s", statement=text))
    quota = _quota_problem(abstract)
    if quota:
        errors.add("first_author", quota)
    return errors


def _author_problems(abstract: Abstract, errors: FieldErrors) -> None:
    authors = abstract.authors
    limit = abstract.congress.max_authors
    if not authors:
        errors.add("authors", _("List at least one author."))
        return
    if len(authors) > limit:
        errors.add(
            "authors",
            _(
                "List at most %(limit)s authors (put the rest under the group name); "
                "there are %(count)s.",
                limit=limit,
                count=len(authors),
            ),
        )
    presenting = sum(1 for author in authors if author.is_presenting)
    if presenting != 1:
        errors.add(
            "authors",
            _("Mark exactly one presenting author (marked now: %(count)s).", count=presenting),
        )
    seen: set[str] = set()
    for author in authors:
        prefix = f"authors.{author.position}"
        if not author.name:
            errors.add(f"{prefix}.name", _("Give the author's name."))
        if not author.email:
            errors.add(f"{prefix}.email", _("Give the author's email."))
        else:
            try:
                validate_email(author.email, check_deliverability=False)
            except EmailNotValidError:
                errors.add(
                    f"{prefix}.email",
                    _("“%(email)s” is not a valid email address.", email=author.email),
                )
            if author.email in seen:
                errors.add(f"{prefix}.email", _("This author is listed twice."))
            seen.add(author.email)
        if not author.affiliation:
            errors.add(f"{prefix}.affiliation", _("Give the author's affiliation."))
        if len(author.country) != 2 or not author.country.isalpha():
            errors.add(f"{prefix}.country", _("Give the two-letter country code, e.g. AT."))
        if not author.has_disclosure:
            errors.add(
                f"{prefix}.disclosures",
                _(
                    "%(name)s has no disclosure: list relationships or tick “nothing to disclose”.",
                    name=author.name,
                )
                if author.name
                else _(
                    "This author has no disclosure: list relationships or tick “nothing to "
                    "disclose”."
                ),
            )


# -- verbs ---------------------------------------------------------------------------------------


def create_abstract(
    congress: Congress, submitter: User, data: dict, creation_key: str | None = None
) -> Abstract:
    """Save a new draft; incomplete is fine, malformed is refused.

    With a `creation_key` (the form's token or an Idempotency-Key header) a repeated request
    finds the abstract the first one made instead of creating a second.
    """
    creation_key = (creation_key or "").strip()[:64] or None
    abstract = Abstract(
        congress=congress,
        submitter=submitter,
        status=AbstractStatus.DRAFT,
        creation_key=creation_key,
    )
    if creation_key:
        try:
            with db.session.begin_nested():
                db.session.add(abstract)
                db.session.flush()
        except IntegrityError:
            existing = db.session.scalar(
                select(Abstract).where(
                    Abstract.submitter_id == submitter.id, Abstract.creation_key == creation_key
                )
            )
            if existing.status == AbstractStatus.DRAFT:
                return update_abstract(existing, data)
            return existing
    db.session.add(abstract)
    errors = FieldErrors()
    # One INSERT with every field (the track look-up would otherwise flush a bare row first).
    with db.session.no_autoflush:
        _apply(abstract, data, errors)
    errors.raise_if_any()
    db.session.flush()
    return abstract


def update_abstract(abstract: Abstract, data: dict, now: datetime | None = None) -> Abstract:
    """Change a draft freely, or a submitted abstract until its deadline (rules still hold)."""
    now = now or utcnow()
    lock = abstract.edit_lock
    if lock is not None:
        code, reason = lock
        raise Conflict(reason, code=code)
    if abstract.status == AbstractStatus.SUBMITTED:
        problem = _window_problem(abstract, now, editing=True)
        if problem:
            raise NotAllowed(
                _("The abstract can no longer be changed: %(problem)s", problem=problem)
            )
    errors = FieldErrors()
    _apply(abstract, data, errors)
    errors.raise_if_any()
    db.session.flush()
    if abstract.status == AbstractStatus.SUBMITTED:
        _lock_quota_of(abstract)
        submission_problems(abstract, now).raise_if_any(
            _("The submitted abstract must still meet every rule; please correct the fields.")
        )
        _request_authorship_confirmations(abstract)
    review.recheck_conflicts(abstract=abstract)  # authors may have changed: see review.py
    return abstract


def _lock_quota_of(abstract: Abstract) -> None:
    holder = quota_holder(abstract)
    if holder is not None:
        lock_quota_holder(abstract.congress, holder)


def _lock(abstract: Abstract) -> Abstract:
    """Re-read the abstract's row FOR UPDATE, so two submits of it run one after the other
    (already done when it was loaded with queries.get_abstract(..., for_update=True))."""
    if abstract.id in db.session.info.get(LOCKED_ABSTRACTS, ()):
        return abstract
    db.session.execute(
        select(Abstract.id).where(Abstract.id == abstract.id).with_for_update()
    ).all()
    db.session.refresh(abstract)
    return abstract


def _next_number(congress: Congress) -> str:
    """The next public number of the congress, from its counter row: one UPDATE ... RETURNING
    (the row stays locked until the transaction ends, so numbers have no gaps)."""
    taken = db.session.scalar(
        update(AbstractCounter)
        .where(AbstractCounter.congress_id == congress.id)
        .values(last_number=AbstractCounter.last_number + 1)
        .returning(AbstractCounter.last_number)
        .execution_options(synchronize_session=False)
    )
    if taken is None:
        try:
            with db.session.begin_nested():
                db.session.add(AbstractCounter(congress_id=congress.id, last_number=0))
        except IntegrityError:
            pass  # created meanwhile
        return _next_number(congress)
    return f"A-{taken:04d}"


def submit_abstract(abstract: Abstract, now: datetime | None = None) -> Abstract:
    """Check every rule, give the abstract its number and tell the submitter (once)."""
    now = now or utcnow()
    _lock(abstract)
    if abstract.status == AbstractStatus.SUBMITTED:
        return abstract  # a retry or double click: nothing new
    if abstract.status == AbstractStatus.WITHDRAWN:
        raise Conflict(_("A withdrawn abstract cannot be submitted again."), code="withdrawn")
    _lock_quota_of(abstract)
    submission_problems(abstract, now).raise_if_any(
        _("The abstract cannot be submitted yet; please correct the highlighted fields.")
    )
    abstract.status = AbstractStatus.SUBMITTED
    abstract.submitted_at = now
    # The emails first (rows only: the worker writes them, the receipt's subject with the
    # number), then the number: the congress's counter row is locked from there to the commit.
    queue_mail_later(
        abstract.submitter.email,
        _l("Abstract received: %(title)s", title=abstract.title[:120]),
        "abstracts/submitted",
        writer="conference.abstracts.services:write_submitted",
        params={"abstract_id": abstract.id},
        dedupe_key=f"abstract-submitted:{abstract.id}",
        user_id=abstract.submitter_id,
    )
    _request_authorship_confirmations(abstract)
    db.session.flush()
    if abstract.number is None:
        abstract.number = _next_number(abstract.congress)
    fees.apply_fee(abstract, now)
    return abstract


def write_submitted(params: dict) -> MailDraft | None:
    """The text of the submitter's receipt, from the abstract as it is when written."""
    abstract = db.session.get(Abstract, params["abstract_id"])
    if abstract is None:
        return None
    return MailDraft(
        {
            "abstract": abstract,
            "congress": abstract.congress,
            "kind_label": KIND_LABELS[abstract.kind],
        },
        subject=_l(
            "Abstract %(number)s received: %(title)s",
            number=abstract.number,
            title=abstract.title[:120],
        ),
    )


def write_authorship_request(params: dict) -> MailDraft | None:
    """The text of an authorship request: None when the person is no longer listed."""
    abstract = db.session.get(Abstract, params["abstract_id"])
    author = listed_author(abstract, params["email"]) if abstract is not None else None
    if author is None:
        return None
    return MailDraft(
        {"abstract": abstract, "author": author, "congress": abstract.congress},
        secrets={"link": external_url("abstracts.authorship", token=authorship_token(author))},
    )


def withdraw_abstract(abstract: Abstract, now: datetime | None = None) -> Abstract:
    """Withdraw a submitted abstract until the withdrawal deadline; tell the submitter once."""
    now = now or utcnow()
    _lock(abstract)
    if abstract.status == AbstractStatus.WITHDRAWN:
        return abstract
    if abstract.status != AbstractStatus.SUBMITTED:
        raise Conflict(_("Only a submitted abstract can be withdrawn; delete the draft instead."))
    closes = abstract.congress.abstract_withdrawal_closes_at
    if closes is not None and now >= closes:
        raise NotAllowed(_("The withdrawal deadline has passed; contact the secretariat."))
    abstract.status = AbstractStatus.WITHDRAWN
    abstract.withdrawn_at = now
    abstract.presenter_confirmed_at = None
    db.session.flush()
    fees.cancel_unpaid_invoice(abstract, lambda: _("Abstract withdrawn"))
    queue_mail(
        abstract.submitter.email,
        _l("Abstract %(number)s withdrawn", number=abstract.number),
        "abstracts/withdrawn",
        dedupe_key=f"abstract-withdrawn:{abstract.id}",
        user_id=abstract.submitter_id,
        abstract=abstract,
        congress=abstract.congress,
    )
    return abstract


def delete_draft(abstract: Abstract) -> None:
    if abstract.status != AbstractStatus.DRAFT:
        raise Conflict(_("Only drafts can be deleted; withdraw a submitted abstract instead."))
    db.session.delete(abstract)
    db.session.flush()


# -- authorship confirmation -------------------------------------------------------------------


def _authorship_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=AUTHORSHIP_SALT)


def authorship_token(author: AbstractAuthor) -> str:
    """Signed (abstract, email): it survives edits that keep the person on the abstract."""
    return _authorship_serializer().dumps([author.abstract_id, author.email])


def authorship_for_token(token: str) -> tuple[Abstract, str]:
    """The abstract and the email a confirmation link was sent for."""
    try:
        abstract_id, email = _authorship_serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        raise NotFound(_("This confirmation link is not valid.")) from None
    abstract = db.session.get(Abstract, abstract_id)
    if abstract is None or not isinstance(email, str):
        raise NotFound(_("This confirmation link is not valid."))
    return abstract, email


def listed_author(abstract: Abstract, email: str) -> AbstractAuthor | None:
    return next((author for author in abstract.authors if author.email == email), None)


def _request_authorship_confirmations(abstract: Abstract) -> None:
    """Email each unconfirmed author of a submitted abstract a link to confirm or reject.

    Keyed by how they are listed, so a changed listing asks again and a repeat does not.
    """
    if abstract.status != AbstractStatus.SUBMITTED:
        return
    for author in abstract.authors:
        if author.confirmed_at is not None or not author.email:
            continue
        listing = "|".join(str(part) for part in (author.email, *_listing(author)))
        digest = hashlib.sha256(listing.encode()).hexdigest()[:24]
        queue_mail_later(
            author.email,
            _l(
                "Please confirm that you are an author of “%(title)s”",
                title=abstract.title[:120],
            ),
            "abstracts/authorship_request",
            writer="conference.abstracts.services:write_authorship_request",
            params={"abstract_id": abstract.id, "email": author.email},
            dedupe_key=f"abstract-authorship:{abstract.id}:{digest}",
            user_id=author.user_id,
        )


def _open_listing(abstract: Abstract, email: str) -> AbstractAuthor:
    _lock(abstract)
    if abstract.status == AbstractStatus.WITHDRAWN:
        raise Conflict(_("This abstract was withdrawn."), code="withdrawn")
    author = listed_author(abstract, email)
    if author is None:
        raise Conflict(
            _("You are no longer listed as an author of this abstract."), code="not_listed"
        )
    return author


def confirm_authorship(abstract: Abstract, email: str, now: datetime | None = None) -> Abstract:
    """The person `email` confirms being an author as listed (once).

    A first author confirming takes the abstract onto their own quota, so their quota must
    have room (counted under their lock).
    """
    author = _open_listing(abstract, email)
    if author.confirmed_at is not None:
        return abstract
    author.confirmed_at = now or utcnow()
    db.session.flush()
    holder = quota_holder(abstract)
    if author.position == 0 and abstract.status == AbstractStatus.SUBMITTED and holder:
        congress = abstract.congress
        lock_quota_holder(congress, holder)
        already = first_author_count(congress, holder, exclude_id=abstract.id)
        if already >= congress.first_author_quota:
            raise Conflict(
                _(
                    "You are already first author of %(count)s abstracts at this congress; the "
                    "limit is %(limit)s. Have one of them withdrawn before confirming, or "
                    "reject this authorship.",
                    count=already,
                    limit=congress.first_author_quota,
                ),
                code="first_author_quota",
            )
    return abstract


def reject_authorship(abstract: Abstract, email: str) -> Abstract:
    """The person `email` is not an author: remove them and tell the submitter.

    Whoever moves up to first author must confirm again (they agreed to a different role).
    """
    author = _open_listing(abstract, email)
    was_presenting = author.is_presenting
    abstract.authors.remove(author)
    db.session.flush()
    for position, other in enumerate(abstract.authors):
        if other.position != position:
            if (position == 0) != (other.position == 0):
                other.confirmed_at = None
            other.position = position
            db.session.flush()  # one at a time: (abstract, position) stays unique
    _confirm_submitter_listing(abstract)
    db.session.flush()
    queue_mail(
        abstract.submitter.email,
        _l(
            "%(name)s is not an author of abstract %(abstract)s",
            name=author.name or author.email,
            abstract=abstract.number or abstract.title[:60],
        ),
        "abstracts/authorship_rejected",
        user_id=abstract.submitter_id,
        abstract=abstract,
        author_name=author.name,
        author_email=author.email,
        was_presenting=was_presenting,
        congress=abstract.congress,
    )
    _request_authorship_confirmations(abstract)
    return abstract


# -- presenter confirmation ---------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def presenter_confirm_token(abstract: Abstract) -> str:
    return _serializer().dumps(abstract.id)


def presenter_confirm_url(abstract: Abstract) -> str:
    return external_url("abstracts.confirm_presenter", token=presenter_confirm_token(abstract))


def abstract_for_confirm_token(token: str) -> Abstract:
    try:
        abstract_id = _serializer().loads(token)
    except BadSignature:
        raise NotFound(_("This confirmation link is not valid.")) from None
    abstract = db.session.get(Abstract, abstract_id)
    if abstract is None:
        raise NotFound(_("This confirmation link is not valid."))
    return abstract


def confirm_presentation(abstract: Abstract, now: datetime | None = None) -> Abstract:
    """The presenting author of an accepted abstract confirms they will present (once)."""
    if not abstract.is_acceptance_released:
        raise Conflict(
            _("Only an abstract accepted for presentation can be confirmed."),
            code="not_accepted",
        )
    if abstract.presenter_confirmed_at is None:
        abstract.presenter_confirmed_at = now or utcnow()
        db.session.flush()
    return abstract


__all__ = [
    "ATTESTATIONS",
    "KIND_LABELS",
    "ValidationFailed",
    "confirm_authorship",
    "confirm_presentation",
    "create_abstract",
    "reject_authorship",
    "submit_abstract",
    "update_abstract",
    "withdraw_abstract",
]
