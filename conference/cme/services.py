"""Writes of the CME domain: settings, invitations and reminders to disclose, the person's own
disclosure (through a signed link, no account needed), and the CME officer's review and
mitigation of each relationship."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from conference.abstracts.models import DISCLOSURE_TYPES
from conference.cme.models import (
    FACULTY_ROLE_LABELS,
    Accreditor,
    CmeSettings,
    CreditMode,
    Disclosure,
    FinancialRelationship,
    Mitigation,
    OwnerException,
    Relevance,
)
from conference.cme.queries import (
    disclosure_closes_at,
    get_disclosure_by_email,
    get_disclosures,
    get_required_people,
    get_settings,
)
from conference.errors import Conflict, FieldErrors, ValidationFailed
from conference.extensions import db
from conference.i18n import in_language
from conference.mail import queue_mail, recipient_language
from conference.models import utcnow
from conference.program.models import Congress
from conference.urls import external_url

LINK_SALT = "cme-disclosure"
#: Disclosures cover the financial relationships of the past 24 months (ACCME).
LOOKBACK_MONTHS = 24
DEFAULT_LINK_DAYS = 60


# -- settings -----------------------------------------------------------------------------------


def update_settings(congress: Congress, **data) -> CmeSettings:
    """Create or change the congress's CME settings (creating them sets up accreditation)."""
    errors = FieldErrors()
    accreditor = data.get("accreditor")
    if accreditor is not None and accreditor not in {a.value for a in Accreditor}:
        errors.add("accreditor", _("Choose an accreditor from the list."))
    for name in ("link_days", "reminder_days"):
        value = data.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 365
        ):
            errors.add(name, _("Enter a number of days from 1 to 365."))
    if data.get("credit_mode") is not None and data["credit_mode"] not in {
        m.value for m in CreditMode
    }:
        errors.add("credit_mode", _("Choose how credits are counted."))
    half, day = data.get("half_day_cap"), data.get("day_cap")
    for name, value in (("half_day_cap", half), ("day_cap", day)):
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int | float | Decimal)
            or not 0 < value <= 24
            or value * 4 != int(value * 4)
        ):
            errors.add(name, _("Enter credits from 0.25 to 24, in steps of 0.25."))
    if half is not None and day is not None and not errors and day < half:
        errors.add("day_cap", _("The day cap cannot be below the half-day cap."))
    for name, low, high in (
        ("evaluation_threshold", 1, 100),
        ("certificate_window_days", 1, 3650),
        ("retention_years", 1, 30),
    ):
        value = data.get(name)
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
        ):
            errors.add(
                name, _("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)
            )
    value = data.get("separation_minutes")
    if value is not None and (
        not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 240
    ):
        errors.add("separation_minutes", _("Enter a number of minutes from 0 to 240."))
    errors.raise_if_any()
    settings = get_settings(congress)
    if settings is None:
        settings = CmeSettings(congress_id=congress.id)
        db.session.add(settings)
    for name in ("half_day_cap", "day_cap"):
        if data.get(name) is not None:
            setattr(settings, name, Decimal(str(data[name])))
    for name in (
        "accreditor",
        "requires_mitigation",
        "link_days",
        "reminder_days",
        "separation_minutes",
        "credit_mode",
        "requires_evaluation",
        "evaluation_threshold",
        "certificate_window_days",
        "retention_years",
    ):
        if data.get(name) is not None:
            setattr(settings, name, data[name])
    db.session.flush()
    return settings


# -- signed links -------------------------------------------------------------------------------


class DeadLink(Exception):
    """A disclosure link that does not work; `expired` when it was genuine but too old."""

    def __init__(self, expired: bool = False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def disclosure_token(disclosure: Disclosure) -> str:
    """Signed (disclosure, link version) with its issue time: works for `link_days`."""
    return _serializer().dumps([disclosure.id, disclosure.link_version])


def disclosure_url(disclosure: Disclosure) -> str:
    return external_url("cme.disclosure_form", token=disclosure_token(disclosure))


def disclosure_for_token(congress: Congress, token: str) -> Disclosure:
    """The disclosure a link was sent for; DeadLink when forged, replaced or expired."""
    settings = get_settings(congress)
    days = settings.link_days if settings is not None else DEFAULT_LINK_DAYS
    try:
        disclosure_id, version = _serializer().loads(token or "", max_age=days * 86400)
    except SignatureExpired:
        raise DeadLink(expired=True) from None
    except (BadSignature, TypeError, ValueError):
        raise DeadLink() from None
    if not isinstance(disclosure_id, int) or not isinstance(version, int):
        raise DeadLink()
    disclosure = db.session.get(Disclosure, disclosure_id)
    if disclosure is None or disclosure.congress_id != congress.id:
        raise DeadLink()
    if disclosure.link_version != version:
        raise DeadLink()
    return disclosure


# -- invitations and reminders ------------------------------------------------------------------


def ensure_disclosure(
    congress: Congress, email: str, name: str, user_id: int | None = None
) -> Disclosure:
    """The person's disclosure row for this congress (created empty: not disclosed yet)."""
    address = email.strip().lower()
    disclosure = get_disclosure_by_email(congress, address)
    if disclosure is None:
        disclosure = Disclosure(
            congress_id=congress.id, email=address, name=(name or address)[:200], user_id=user_id
        )
        db.session.add(disclosure)
        db.session.flush()
    elif user_id and disclosure.user_id is None:
        disclosure.user_id = user_id
    return disclosure


def _send_link(congress: Congress, disclosure: Disclosure, kind: str, key: str, **ctx):
    language = recipient_language(disclosure.user_id, None)
    with in_language(language):
        subjects = {
            "invitation": _("%(congress)s: please disclose your financial relationships"),
            "reminder": _("%(congress)s: reminder, your disclosure is still missing"),
            "link": _("%(congress)s: your disclosure link"),
        }
        subject = subjects[kind] % {"congress": congress.short_name}
    return queue_mail(
        disclosure.email,
        subject,
        f"cme/{kind}",
        dedupe_key=key,
        user_id=disclosure.user_id,
        language=language,
        congress=congress,
        disclosure=disclosure,
        secrets={"link": disclosure_url(disclosure)},
        role_labels=FACULTY_ROLE_LABELS,
        **ctx,
    )


@dataclass
class InvitationResult:
    invited: int = 0
    reminded: int = 0


def send_invitations(congress: Congress, now: datetime | None = None) -> InvitationResult:
    """Invite everyone who must disclose and was never invited (and has not disclosed)."""
    now = now or utcnow()
    result = InvitationResult()
    existing = get_disclosures(congress)
    for person in get_required_people(congress):
        disclosure = existing.get(person.email)
        if disclosure is not None and (disclosure.invited_at or disclosure.is_submitted):
            continue
        disclosure = ensure_disclosure(congress, person.email, person.name, person.user_id)
        disclosure.invited_at = now
        _send_link(
            congress,
            disclosure,
            "invitation",
            f"cme-invitation:{congress.id}:{disclosure.email}",
            roles=person.ordered_roles,
            closes_at=disclosure_closes_at(congress, person.email),
        )
        result.invited += 1
    db.session.flush()
    return result


def send_reminders(congress: Congress, now: datetime | None = None) -> InvitationResult:
    """Remind those invited who have not disclosed, once per reminder period."""
    now = now or utcnow()
    settings = get_settings(congress)
    period = timedelta(days=settings.reminder_days if settings else 7)
    result = InvitationResult()
    required = {p.email: p for p in get_required_people(congress)}
    for email, disclosure in get_disclosures(congress).items():
        if disclosure.is_submitted or disclosure.invited_at is None or email not in required:
            continue
        last = disclosure.reminded_at or disclosure.invited_at
        if now - last < period:
            continue
        disclosure.reminded_at = now
        _send_link(
            congress,
            disclosure,
            "reminder",
            f"cme-reminder:{congress.id}:{email}:{now.date().isoformat()}",
            roles=required[email].ordered_roles,
            closes_at=disclosure_closes_at(congress, email),
        )
        result.reminded += 1
    db.session.flush()
    return result


def send_new_link(congress: Congress, email: str) -> bool:
    """Email a working link to someone who must disclose (or already did); False otherwise.

    Callers answer the same either way, so the form reveals nobody's role.
    """
    address = (email or "").strip().lower()
    disclosure = get_disclosure_by_email(congress, address)
    if disclosure is None:
        person = next((p for p in get_required_people(congress) if p.email == address), None)
        if person is None:
            return False
        disclosure = ensure_disclosure(congress, person.email, person.name, person.user_id)
    stamp = utcnow().strftime("%Y-%m-%dT%H")
    _send_link(congress, disclosure, "link", f"cme-link:{congress.id}:{address}:{stamp}")
    return True


# -- the person's disclosure ------------------------------------------------------------------


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, 28))


def _as_date(value, name: str, errors: FieldErrors, *, required: bool) -> date | None:
    if value in (None, ""):
        if required:
            errors.add(name, _("Enter the date (year, month and day)."))
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors.add(name, _("Enter a date as YYYY-MM-DD."))
        return None


def _parse_relationships(items, today: date, errors: FieldErrors) -> list[dict]:
    oldest = _months_before(today, LOOKBACK_MONTHS)
    parsed = []
    for index, item in enumerate(items or []):
        if not isinstance(item, dict):
            errors.add(f"relationships.{index}", _("Each relationship is an object."))
            continue
        company = " ".join(str(item.get("company") or "").split())
        nature = str(item.get("nature") or "")
        started = _as_date(
            item.get("started_on"), f"relationships.{index}.started_on", errors, required=True
        )
        ended = _as_date(
            item.get("ended_on"), f"relationships.{index}.ended_on", errors, required=False
        )
        if not company:
            errors.add(f"relationships.{index}.company", _("Name the company."))
        elif len(company) > 200:
            errors.add(f"relationships.{index}.company", _("At most 200 characters."))
        if nature not in DISCLOSURE_TYPES:
            errors.add(f"relationships.{index}.nature", _("Choose the nature of the relationship."))
        if started and started > today:
            errors.add(
                f"relationships.{index}.started_on", _("A relationship cannot start in the future.")
            )
        if started and ended and ended < started:
            errors.add(f"relationships.{index}.ended_on", _("The end is before the start."))
        if ended and ended < oldest:
            errors.add(
                f"relationships.{index}.ended_on",
                _(
                    "This relationship ended more than %(months)s months ago: leave it out.",
                    months=LOOKBACK_MONTHS,
                ),
            )
        parsed.append(
            {"company": company, "nature": nature, "started_on": started, "ended_on": ended}
        )
    return parsed


def submit_disclosure(
    disclosure: Disclosure,
    *,
    nothing_to_disclose: bool,
    relationships,
    now: datetime | None = None,
    owner_employee_of: str | None = None,
) -> Disclosure:
    """The person states their financial relationships (or that they have none).

    A relationship declared as before keeps the CME officer's review; a new or changed one
    waits for review. Updatable until the person's last session starts. `owner_employee_of`:
    the ineligible company the person owns or works for ('' none; None leaves it as it was);
    naming another company drops the CME officer's recorded exception.
    """
    now = now or utcnow()
    congress = db.session.get(Congress, disclosure.congress_id)
    if now >= disclosure_closes_at(congress, disclosure.email):
        raise Conflict(
            _("Your session has started: the disclosure can no longer be changed."),
            code="disclosure_closed",
        )
    errors = FieldErrors()
    parsed = _parse_relationships(relationships, now.astimezone(congress.tz).date(), errors)
    if nothing_to_disclose and parsed:
        errors.add(
            "nothing_to_disclose",
            _("Either tick “nothing to disclose” or list relationships, not both."),
        )
    owner = (
        disclosure.owner_employee_of
        if owner_employee_of is None
        else " ".join(str(owner_employee_of).split())
    )
    if len(owner) > 200:
        errors.add("owner_employee_of", _("At most 200 characters."))
    elif owner and nothing_to_disclose:
        errors.add(
            "owner_employee_of",
            _(
                "An owner or employee of an ineligible company has a relationship to "
                "disclose: untick “nothing to disclose”."
            ),
        )
    if not nothing_to_disclose and not parsed and not owner and not errors:
        errors.add(
            "nothing_to_disclose",
            _("List at least one relationship, or tick “nothing to disclose”."),
        )
    errors.raise_if_any(_("Please correct the highlighted fields."))
    if owner.casefold() != (disclosure.owner_employee_of or "").casefold():
        _clear_owner_exception(disclosure)
    disclosure.owner_employee_of = owner
    kept = {r.identity(): r for r in disclosure.relationships}
    wanted = []
    for item in parsed:
        identity = (
            item["company"].casefold(),
            item["nature"],
            item["started_on"],
            item["ended_on"],
        )
        existing = kept.pop(identity, None)
        if existing is not None:
            existing.company = item["company"]
            wanted.append(existing)
        else:
            wanted.append(FinancialRelationship(**item))
    disclosure.relationships = wanted
    disclosure.nothing_to_disclose = bool(nothing_to_disclose)
    disclosure.submitted_at = now
    db.session.flush()
    return disclosure


# -- the CME officer's review -----------------------------------------------------------------


def _clear_owner_exception(disclosure: Disclosure) -> None:
    disclosure.owner_exception = None
    disclosure.owner_exception_note = ""
    disclosure.owner_exception_by_id = None
    disclosure.owner_exception_by_name = ""
    disclosure.owner_exception_at = None


def record_owner_exception(
    disclosure: Disclosure,
    actor,
    *,
    exception: str | None,
    note: str = "",
    now: datetime | None = None,
) -> Disclosure:
    """The CME officer records in which allowed case an owner or employee of an ineligible
    company takes part in accredited content (ACCME Standard 3), with who and when; an empty
    `exception` withdraws it (the person is then barred again)."""
    ensure_not_closed_for_review(disclosure)
    if not disclosure.owner_employee_of:
        raise ValidationFailed(
            _("This person has not stated that they own or work for an ineligible company."),
            code="not_owner_employee",
        )
    errors = FieldErrors()
    exception = exception or None
    if exception is not None and exception not in {e.value for e in OwnerException}:
        errors.add("exception", _("Choose an allowed case from the list."))
    if len(note or "") > 2000:
        errors.add("note", _("At most 2000 characters."))
    errors.raise_if_any(_("Please correct the highlighted fields."))
    if exception is None:
        _clear_owner_exception(disclosure)
    else:
        disclosure.owner_exception = OwnerException(exception)
        disclosure.owner_exception_note = (note or "").strip()
        disclosure.owner_exception_by_id = actor.id
        disclosure.owner_exception_by_name = actor.display_name[:200]
        disclosure.owner_exception_at = now or utcnow()
    db.session.flush()
    return disclosure


def review_relationship(
    relationship: FinancialRelationship,
    actor,
    *,
    relevance: str,
    mitigation: str | None = None,
    peer_reviewer: str = "",
    note: str = "",
    now: datetime | None = None,
) -> FinancialRelationship:
    """Record whether a relationship is relevant to the person's content and, if it is, how it
    was mitigated; who recorded it and when are kept."""
    errors = FieldErrors()
    if relevance not in {r.value for r in Relevance} or relevance == Relevance.PENDING:
        errors.add("relevance", _("Choose whether the relationship is relevant."))
    mitigation = mitigation or None
    peer_reviewer = " ".join((peer_reviewer or "").split())[:200]
    if mitigation is not None and mitigation not in {m.value for m in Mitigation}:
        errors.add("mitigation", _("Choose a mitigation step from the list."))
    if relevance == Relevance.NOT_RELEVANT and mitigation:
        errors.add("mitigation", _("A relationship that is not relevant needs no mitigation."))
    if mitigation == Mitigation.PEER_REVIEW and not peer_reviewer:
        errors.add("peer_reviewer", _("Name who reviewed the slides."))
    if len(note or "") > 2000:
        errors.add("note", _("At most 2000 characters."))
    errors.raise_if_any(_("Please correct the highlighted fields."))
    relationship.relevance = Relevance(relevance)
    relationship.mitigation = Mitigation(mitigation) if mitigation else None
    relationship.peer_reviewer = peer_reviewer if mitigation == Mitigation.PEER_REVIEW else ""
    relationship.note = (note or "").strip()
    relationship.reviewed_by_id = actor.id
    relationship.reviewed_by_name = actor.display_name[:200]
    relationship.reviewed_at = now or utcnow()
    db.session.flush()
    return relationship


def ensure_not_closed_for_review(disclosure: Disclosure) -> None:
    if not disclosure.is_submitted:
        raise ValidationFailed(
            _("This person has not disclosed yet: there is nothing to review."),
            code="not_disclosed",
        )


def copy_setup(source: Congress, target: Congress, shift: timedelta) -> None:
    """Copying a congress: its CME settings and the organizers' evaluation questions; no
    disclosures, scans, evaluations or certificates (those belong to people)."""
    from conference.cme.models import EvaluationQuestion
    from conference.models import clone_row

    settings = db.session.scalar(select(CmeSettings).where(CmeSettings.congress_id == source.id))
    if settings is not None:
        db.session.add(
            clone_row(
                settings,
                shift=shift,
                congress_id=target.id,
                records_purged_at=None,
                retained_counts={},
            )
        )
    questions = db.session.scalars(
        select(EvaluationQuestion).where(EvaluationQuestion.congress_id == source.id)
    )
    for question in questions:
        db.session.add(clone_row(question, congress_id=target.id))
    db.session.flush()
