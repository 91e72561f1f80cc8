"""Credit claims and certificates: a physician (CME-eligible category) claims up to what they
can claim and gets a CME certificate; others get a certificate of attendance. A claim can be
corrected until the certificate window closes, then it is final. Each certificate carries a
verification code (and its QR code) that a public page checks."""

from __future__ import annotations

import io
import math
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

import segno
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from sqlalchemy import select

from conference.cme.attendance import learner_credits
from conference.cme.evaluations import has_evaluated
from conference.cme.models import ACCREDITOR_LABELS, Certificate, CertificateKind
from conference.cme.queries import evaluation_required, get_settings, is_cme_eligible
from conference.errors import Conflict, FieldErrors
from conference.extensions import db
from conference.mail import MailDraft, queue_mail_later
from conference.models import utcnow
from conference.pdf_fonts import BOLD, REGULAR, draw_string, fit_size, new_canvas
from conference.program.models import Congress
from conference.timeutil import local_day_bounds
from conference.urls import external_url

#: No 0/O, 1/I/L: easy to read from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
DEFAULT_WINDOW_DAYS = 28


def new_code() -> str:
    return "CME-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


def window_closes_at(congress: Congress) -> datetime:
    settings = get_settings(congress)
    days = settings.certificate_window_days if settings is not None else DEFAULT_WINDOW_DAYS
    return local_day_bounds(congress.ends_on, congress.tz)[1] + timedelta(days=days)


def get_certificate(congress: Congress, registration_id: int) -> Certificate | None:
    return db.session.scalar(
        select(Certificate).where(
            Certificate.congress_id == congress.id,
            Certificate.registration_id == registration_id,
        )
    )


def find_certificate(code: str) -> Certificate | None:
    """A certificate by its verification code (any case, spaces ignored)."""
    wanted = "".join((code or "").split()).upper()
    if not wanted or len(wanted) > 20:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == wanted))


def claim_credits(
    congress: Congress, registration, credits=None, now: datetime | None = None
) -> Certificate:
    """Claim `credits` (a physician; None: all they can claim) or attendance (others); issue
    or correct the certificate and email it. Refused once the window has closed, before the
    congress evaluation when the congress requires it, and above what can be claimed."""
    now = now or utcnow()
    settings = get_settings(congress)
    if now >= window_closes_at(congress):
        raise Conflict(
            _("The certificate window has closed: claims are final."), code="claims_closed"
        )
    if now < local_day_bounds(congress.starts_on, congress.tz)[0]:
        raise Conflict(_("Claims open when the congress starts."), code="claims_not_open")
    if evaluation_required(settings) and not has_evaluated(registration.id):
        raise Conflict(
            _("Please evaluate the congress first: it is required for the certificate."),
            code="evaluation_required",
        )
    is_physician = is_cme_eligible(registration)
    amount = Decimal("0")
    if is_physician:
        claimable = learner_credits(congress, registration.id).claimable
        wanted = claimable if credits is None else credits
        errors = FieldErrors()
        if not isinstance(wanted, int | float | Decimal) or isinstance(wanted, bool):
            errors.add("credits", _("Enter the credits as a number."))
        elif wanted < 0 or wanted > claimable + 1e-9:
            errors.add(
                "credits",
                _("You can claim from 0 to %(claimable)s credits.", claimable=f"{claimable:g}"),
            )
        elif not math.isclose(float(wanted) * 4, round(float(wanted) * 4)):
            errors.add("credits", _("Credits are claimed in steps of 0.25."))
        errors.raise_if_any(_("Please correct the highlighted fields."))
        amount = Decimal(str(wanted)).quantize(Decimal("0.01"))
    kind = CertificateKind.CME if is_physician else CertificateKind.ATTENDANCE
    return issue_certificate(
        congress,
        registration,
        kind=kind,
        amount=amount,
        now=now,
        certificate=get_certificate(congress, registration.id),
    )


def issue_certificate(
    congress: Congress,
    registration,
    *,
    kind: CertificateKind,
    amount: Decimal,
    now: datetime,
    certificate: Certificate | None = None,
) -> Certificate:
    """Issue a learner's certificate, or correct `certificate`, and queue its email (its text
    written by the worker): the claim and the organizers' issuing to everyone both end here."""
    if certificate is None:
        certificate = Certificate(
            congress_id=congress.id, registration_id=registration.id, code=new_code()
        )
        db.session.add(certificate)
    certificate.name = registration.full_name[:200]
    certificate.kind = kind
    certificate.credits = amount
    certificate.issued_at = now
    db.session.flush()
    queue_mail_later(
        registration.email,
        _("%(congress)s: your certificate", congress=congress.short_name),
        "cme/certificate",
        writer="conference.cme.certificates:write_certificate_mail",
        params={"certificate_id": certificate.id},
        dedupe_key=f"cme-certificate:{certificate.code}:{amount}:{now.isoformat()}",
        user_id=registration.user_id,
        registration_id=registration.id,
    )
    return certificate


def write_certificate_mail(params: dict) -> MailDraft | None:
    """The certificate email's context (queue_mail_later's writer), from the certificate as
    it is now; None once it was purged."""
    certificate = db.session.get(Certificate, params["certificate_id"])
    if certificate is None or certificate.purged_at is not None:
        return None
    return MailDraft(
        {
            "congress": db.session.get(Congress, certificate.congress_id),
            "certificate": certificate,
            "download": external_url("cme.certificate_pdf", code=certificate.code),
            "verify": external_url("cme.verify", code=certificate.code),
        }
    )


def certificate_pdf(congress: Congress, certificate: Certificate) -> bytes:
    """One landscape A4 page: name, congress, dates, venue, credits, the accreditor's
    statement, the verification code and its QR code; Unicode fonts only."""
    out = io.BytesIO()
    width, height = landscape(A4)
    pdf = new_canvas(out, pagesize=(width, height))
    pdf.setTitle(_("Certificate"))
    inner = width - 40 * mm
    left = 20 * mm
    is_cme = certificate.kind == CertificateKind.CME
    title = _("CME certificate") if is_cme else _("Certificate of attendance")
    draw_string(pdf, left, height - 35 * mm, title, 28, BOLD)
    draw_string(pdf, left, height - 50 * mm, _("This is to certify that"), 13)
    draw_string(
        pdf,
        left,
        height - 68 * mm,
        certificate.name,
        fit_size(certificate.name, 26, inner, BOLD),
        BOLD,
    )
    attended = _("attended %(congress)s", congress=congress.name)
    draw_string(pdf, left, height - 82 * mm, attended, fit_size(attended, 14, inner))
    when = f"{congress.starts_on:%d.%m.%Y} - {congress.ends_on:%d.%m.%Y}"
    place = ", ".join(part for part in (congress.venue, congress.city) if part)
    draw_string(pdf, left, height - 92 * mm, f"{when} · {place}" if place else when, 12)
    if is_cme:
        settings = get_settings(congress)
        line = _(
            "and was awarded %(credits)s CME credits.", credits=f"{float(certificate.credits):g}"
        )
        draw_string(pdf, left, height - 108 * mm, line, 16, BOLD)
        if settings is not None:
            statement = _(
                "Accredited by %(accreditor)s; each physician should claim only the credits "
                "commensurate with the extent of their participation in the activity.",
                accreditor=ACCREDITOR_LABELS[settings.accreditor],
            )
            draw_string(pdf, left, height - 120 * mm, statement, fit_size(statement, 10, inner))
    verify = external_url("cme.verify", code=certificate.code)
    qr = io.BytesIO()
    segno.make(verify, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    pdf.drawImage(ImageReader(qr), width - 60 * mm, 15 * mm, 40 * mm, 40 * mm)
    draw_string(pdf, left, 30 * mm, _("Verification code: %(code)s", code=certificate.code), 12)
    draw_string(pdf, left, 22 * mm, verify, fit_size(verify, 9, inner - 50 * mm), REGULAR)
    issued = _(
        "Issued on %(day)s", day=certificate.issued_at.astimezone(congress.tz).date().isoformat()
    )
    draw_string(pdf, left, 14 * mm, issued, 9)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
