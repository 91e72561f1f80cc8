"""Credit claims and certificates: a physician (CME-eligible category) claims up to what they
can claim and gets a CME certificate; others get a certificate of attendance. A claim can be
corrected until the certificate window closes, then it is final. Each certificate carries a
verification code (and its QR code) that a public page checks.

Each certificate's PDF is built when it is issued (`issue_certificate`: the learner's claim
and the organizers' run) and stored through `conference.storage` under a key made of
everything on it that can change (`pdf_key`): a correction stores a new PDF under a new key
and deletes the old one once it commits, so a stale PDF is never served. Downloads serve the
stored bytes (`stored_pdf`); a PDF that is missing (issued before PDFs were stored, storage
unreachable when it was issued, objects lost) is built on download and stored then. The
retention purge and the erasure of the learner's registration delete it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import segno
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from sqlalchemy import select

from conference import storage
from conference.cme.attendance import learner_credits
from conference.cme.evaluations import has_evaluated
from conference.cme.models import ACCREDITOR_LABELS, Certificate, CertificateKind
from conference.cme.queries import evaluation_required, get_settings, is_cme_eligible
from conference.errors import Conflict, FieldErrors
from conference.extensions import db
from conference.i18n import in_language
from conference.mail import MailDraft, queue_mail_later
from conference.models import utcnow
from conference.pdf_fonts import BOLD, REGULAR, draw_string, fit_size, new_canvas
from conference.program.models import Congress
from conference.registration.queries import get_document_languages
from conference.registration.signals import registration_erased
from conference.timeutil import local_day_bounds
from conference.urls import external_url

log = logging.getLogger(__name__)

#: No 0/O, 1/I/L: easy to read from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
DEFAULT_WINDOW_DAYS = 28
#: Storage namespace of the certificates' PDFs (conference/storage.py).
PDF_NAMESPACE = "cme-certificates"
PDF_TYPE = "application/pdf"


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
    pdfs: CertificatePdfs | None = None,
) -> Certificate:
    """Issue a learner's certificate, or correct `certificate`, store its PDF (`pdfs`: the
    run's builder for its batch) and queue its email (its text written by the worker): the
    claim and the organizers' issuing to everyone both end here."""
    replaced = None
    if certificate is None:
        certificate = Certificate(
            congress_id=congress.id, registration_id=registration.id, code=new_code()
        )
        db.session.add(certificate)
    elif certificate.purged_at is None:
        replaced = pdf_key(certificate)
    certificate.name = registration.full_name[:200]
    certificate.kind = kind
    certificate.credits = amount
    certificate.issued_at = now
    db.session.flush()
    pdfs = pdfs if pdfs is not None else CertificatePdfs()
    pdfs.store(congress, certificate)
    if replaced is not None and replaced != pdf_key(certificate):
        # The corrected PDF replaces it (kept if this transaction rolls back).
        storage.delete_after_commit(replaced)
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


# -- stored PDFs -------------------------------------------------------------------------------


def pdf_key(certificate: Certificate) -> str:
    """Where the certificate's PDF is stored: its code and a digest of all it shows of the
    certificate that can change (name, kind, credits, issue time; a correction is issued
    anew), so a corrected certificate never finds its old PDF."""
    issued = certificate.issued_at.astimezone(UTC).isoformat(timespec="microseconds")
    credits = Decimal(str(certificate.credits or 0)).quantize(Decimal("0.01"))
    facts = "|".join(
        (certificate.code, certificate.name, str(certificate.kind), str(credits), issued)
    )
    digest = hashlib.sha256(facts.encode()).hexdigest()[:24]
    return storage.check_key(f"{PDF_NAMESPACE}/{certificate.code}-{digest}.pdf")


class CertificatePdfs:
    """Builds and stores certificates' PDFs, each in its learner's language (that of their
    emails), for a claim or the batches of a run's round. Once the store has failed, it stops
    trying for the rest of its work: the certificates are issued all the same and their PDFs
    are built on download (`stored_pdf`)."""

    def __init__(self) -> None:
        self.store_failed = False
        self._languages: dict[int, str] = {}
        self._looked_up: set[int] = set()
        self._settings: dict[int, object] = {}

    def look_up(self, registration_ids) -> None:
        """Read the learners' languages in one query (a batch of the run)."""
        wanted = {i for i in registration_ids if i} - self._looked_up
        self._languages.update(get_document_languages(wanted))
        self._looked_up |= wanted

    def language_of(self, registration_id: int | None) -> str | None:
        """The learner's language; None when their registration was erased (no copy kept)."""
        self.look_up([registration_id])
        return self._languages.get(registration_id)

    def store(self, congress: Congress, certificate: Certificate) -> bool:
        """Build and store the PDF, deleted again if the transaction rolls back; False when
        it is left to be built on download."""
        language = self.language_of(certificate.registration_id)
        if language is None or self.store_failed:
            return False
        if congress.id not in self._settings:
            self._settings[congress.id] = get_settings(congress)
        with in_language(language):
            data = certificate_pdf(congress, certificate, self._settings[congress.id])
        key = pdf_key(certificate)
        try:
            storage.put(key, data, PDF_TYPE)
        except storage.StorageError:
            log.warning("certificate %s: PDF not stored, built on download", certificate.code)
            self.store_failed = True
            return False
        storage.delete_after_rollback(key)
        return True


def _key_to_keep(certificate_id: int) -> str | None:
    """The key the certificate's PDF is stored under as the database says now; None when no
    PDF may be kept (purged, or its learner's registration erased)."""
    certificate = db.session.scalar(
        select(Certificate)
        .where(Certificate.id == certificate_id)
        .execution_options(populate_existing=True)
    )
    if certificate is None or certificate.purged_at is not None:
        return None
    if not get_document_languages([certificate.registration_id]):
        return None
    return pdf_key(certificate)


def stored_pdf(congress: Congress, certificate: Certificate) -> bytes:
    """The certificate's PDF as stored; when it is missing, built now and stored (in the
    learner's language), except for an erased learner, whose PDF is built and not kept."""
    key = pdf_key(certificate)
    try:
        return storage.get(key)
    except storage.ObjectNotFound:
        pass
    except storage.StorageError:  # unreachable: the learner still gets their certificate
        log.warning("certificate %s: store unreachable, PDF built", certificate.code)
        return certificate_pdf(congress, certificate)
    language = CertificatePdfs().language_of(certificate.registration_id)
    if language is None:
        return certificate_pdf(congress, certificate)
    with in_language(language):
        data = certificate_pdf(congress, certificate)
    try:
        storage.put(key, data, PDF_TYPE)
    except storage.StorageError:
        log.warning("certificate %s: PDF built, not stored", certificate.code)
        return data
    if _key_to_keep(certificate.id) != key:
        # Corrected, purged or erased while it was built: what was just stored must go.
        try:
            storage.delete(key)
        except storage.StorageError:
            log.warning("could not delete %s", key, exc_info=True)
    return data


def forget_pdfs(query) -> int:
    """Delete the stored PDFs of the certificates `query` selects once the transaction
    commits (retention purge, erasure); how many."""
    count = 0
    for certificate in db.session.scalars(query):
        storage.delete_after_commit(pdf_key(certificate))
        count += 1
    return count


@registration_erased.connect
def _forget_erased_learners_pdfs(registration, **_kwargs) -> None:
    """Erasure: the certificate keeps its name and code (verification), its stored PDF goes;
    a download builds it without storing it again."""
    forget_pdfs(
        select(Certificate).where(
            Certificate.registration_id == registration.id, Certificate.purged_at.is_(None)
        )
    )


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


#: `certificate_pdf`'s settings when its caller did not read them.
_UNREAD = object()

#: The QR code's mask pattern, fixed: any of the eight is valid, and choosing the best one
#: (segno scores all eight) took a third of a certificate's build time.
QR_MASK = 2
#: White modules around the QR code (the standard's quiet zone is 4; 2 reads on paper).
QR_BORDER = 2


def draw_qr(pdf, text: str, x: float, y: float, size: float) -> None:
    """The QR code of `text` at (x, y), `size` wide: one filled path of a rectangle per run of
    dark modules, in module units (sharp at any zoom, and no PNG to encode and decode for
    each of thousands of certificates)."""
    matrix = segno.make(text, error="m", mask=QR_MASK).matrix
    side = len(matrix) + 2 * QR_BORDER
    operators = []
    for row_number, row in enumerate(matrix):
        bottom = side - QR_BORDER - row_number - 1
        start = None
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                operators.append(f"{start + QR_BORDER} {bottom} {column - start} 1 re")
                start = None
    pdf.saveState()
    pdf.translate(x, y)
    pdf.scale(size / side, size / side)
    pdf.addLiteral("\n".join([*operators, "f"]))
    pdf.restoreState()


def certificate_pdf(congress: Congress, certificate: Certificate, settings=_UNREAD) -> bytes:
    """One landscape A4 page: name, congress, dates, venue, credits, the accreditor's
    statement, the verification code and its QR code; Unicode fonts only. `settings`: the
    congress's CME settings when the caller has them (a run's batch reads them once)."""
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
        if settings is _UNREAD:
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
    draw_qr(pdf, verify, width - 60 * mm, 15 * mm, 40 * mm)
    draw_string(pdf, left, 30 * mm, _("Verification code: %(code)s", code=certificate.code), 12)
    draw_string(pdf, left, 22 * mm, verify, fit_size(verify, 9, inner - 50 * mm), REGULAR)
    issued = _(
        "Issued on %(day)s", day=certificate.issued_at.astimezone(congress.tz).date().isoformat()
    )
    draw_string(pdf, left, 14 * mm, issued, 9)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
