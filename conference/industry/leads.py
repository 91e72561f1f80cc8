"""Lead retrieval: exhibitor staff scan badges at their booth.

A company receives an attendee's contact details only while the attendee consents to share
them with exhibitors (the registration domain's `get_exhibitor_contacts` applies the rule);
otherwise the scan is an anonymous count. Every scan tells the staff member whether the
person may prescribe (promotion of prescription medicines may reach only them).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from conference.errors import FieldErrors, NotFound
from conference.extensions import db
from conference.industry.models import ExhibitorPass, Lead, Sponsor
from conference.models import utcnow
from conference.registration.models import RegistrationStatus
from conference.registration.queries import get_exhibitor_contacts, get_registration

SCAN_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def is_contact(sponsor: Sponsor, user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(contact.user_id == user.id for contact in sponsor.contacts)


def can_see_leads(sponsor: Sponsor, user) -> bool:
    """Only the company's own contact people: attendees consented to share their details with
    the exhibitor, not with the organizers or any other company."""
    return is_contact(sponsor, user)


def can_scan(sponsor: Sponsor, user) -> bool:
    """The sponsor's contact people, and its staff on an exhibitor pass who signed in with the
    (confirmed) address their pass was registered with."""
    if is_contact(sponsor, user):
        return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "email_confirmed_at", None) is None:
        return False
    return bool(
        db.session.scalar(
            select(ExhibitorPass.id).where(
                ExhibitorPass.sponsor_id == sponsor.id,
                func.lower(ExhibitorPass.email) == (user.email or "").lower(),
            )
        )
    )


@dataclass
class ScanResult:
    lead: Lead
    #: False when this scan id (or this consenting person) was recorded before.
    created: bool
    #: May be shown promotion of prescription medicines.
    is_prescriber: bool
    #: Name, email, affiliation, country, category: only with consent, else None.
    contact: dict | None

    @property
    def is_consented(self) -> bool:
        return self.contact is not None


def _result(sponsor: Sponsor, lead: Lead, created: bool) -> ScanResult:
    contact = None
    if lead.registration_id is not None:
        contact = get_exhibitor_contacts(sponsor.congress, [lead.registration_id]).get(
            lead.registration_id
        )
    return ScanResult(lead=lead, created=created, is_prescriber=lead.is_prescriber, contact=contact)


def _lead_by_scan_id(sponsor: Sponsor, scan_id: str) -> Lead | None:
    return db.session.scalar(
        select(Lead).where(Lead.sponsor_id == sponsor.id, Lead.scan_id == scan_id)
    )


def record_scan(
    sponsor: Sponsor,
    reference: str,
    *,
    scan_id: str | None = None,
    by=None,
    now: datetime | None = None,
) -> ScanResult:
    """Record a badge scanned at the sponsor's booth. The same `scan_id` again (a replay from
    a phone that was offline) records nothing more and returns the first result."""
    now = now or utcnow()
    errors = FieldErrors()
    scan_id = (scan_id or "").strip() or secrets.token_hex(12)
    if not SCAN_ID.match(scan_id):
        errors.add("scan_id", _("A scan id is 1 to 64 letters, digits, dots, dashes or colons."))
    reference = (reference or "").strip()
    if not reference:
        errors.add("reference", _("Scan the badge or type its reference."))
    errors.raise_if_any()
    existing = _lead_by_scan_id(sponsor, scan_id)
    if existing is not None:
        return _result(sponsor, existing, created=False)
    registration = get_registration(sponsor.congress, reference[:40])
    if (
        registration is None
        or registration.erased_at is not None
        or registration.status == RegistrationStatus.CANCELLED
    ):
        message = _("No valid badge has this reference.")
        raise NotFound(message, fields={"reference": [message]})
    consented = bool(registration.share_with_exhibitors)
    if consented:
        already = db.session.scalar(
            select(Lead).where(
                Lead.sponsor_id == sponsor.id, Lead.registration_id == registration.id
            )
        )
        if already is not None:
            return _result(sponsor, already, created=False)
    lead = Lead(
        congress_id=sponsor.congress_id,
        sponsor_id=sponsor.id,
        scan_id=scan_id,
        registration_id=registration.id if consented else None,
        is_prescriber=bool(registration.category.is_prescriber),
        scanned_at=now,
        scanned_by_id=getattr(by, "id", None),
    )
    try:
        with db.session.begin_nested():
            db.session.add(lead)
    except IntegrityError:
        # The same scan (or the same consenting person) arrived at the same moment.
        twin = _lead_by_scan_id(sponsor, scan_id)
        if twin is None and consented:
            twin = db.session.scalar(
                select(Lead).where(
                    Lead.sponsor_id == sponsor.id, Lead.registration_id == registration.id
                )
            )
        if twin is None:
            raise
        return _result(sponsor, twin, created=False)
    return _result(sponsor, lead, created=True)


@dataclass
class LeadRow:
    scanned_at: datetime
    is_prescriber: bool
    contact: dict | None


@dataclass
class Leads:
    rows: list[LeadRow]
    #: People whose details the company receives (consenting now).
    consented: int
    #: Scans without consent (or whose consent was withdrawn since).
    anonymous: int
    prescribers: int


def get_leads(sponsor: Sponsor) -> Leads:
    """The sponsor's leads (never another company's), details only under consent in force."""
    leads = list(
        db.session.scalars(
            select(Lead).where(Lead.sponsor_id == sponsor.id).order_by(Lead.scanned_at, Lead.id)
        )
    )
    contacts = get_exhibitor_contacts(
        sponsor.congress, {lead.registration_id for lead in leads if lead.registration_id}
    )
    rows = [
        LeadRow(
            scanned_at=lead.scanned_at,
            is_prescriber=lead.is_prescriber,
            contact=contacts.get(lead.registration_id) if lead.registration_id else None,
        )
        for lead in leads
    ]
    consented = sum(1 for row in rows if row.contact is not None)
    return Leads(
        rows=rows,
        consented=consented,
        anonymous=len(rows) - consented,
        prescribers=sum(1 for row in rows if row.is_prescriber),
    )


def scanning_sponsor(congress, user, sponsor_id=None) -> Sponsor:
    """The sponsor `user` scans for: the one named, else their only one. 404 for a sponsor
    they may not scan for (another company's does not exist for them)."""
    from conference.industry.queries import get_sponsor, get_sponsors

    if sponsor_id is not None:
        sponsor = get_sponsor(congress, sponsor_id)
        if sponsor is None or not can_scan(sponsor, user):
            raise NotFound(_("No sponsor with this id."))
        return sponsor
    mine = [sponsor for sponsor in get_sponsors(congress) if can_scan(sponsor, user)]
    if len(mine) != 1:
        message = _("Name the sponsor (sponsor_id): you scan for none or several.")
        raise NotFound(message, fields={"sponsor_id": [message]})
    return mine[0]
