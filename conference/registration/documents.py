"""PDFs (badges, receipts, visa invitation letters) with reportlab, and QR codes with segno."""

from __future__ import annotations

import io

import segno
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from conference.countries import country_name
from conference.errors import Conflict
from conference.registration.models import Registration, RegistrationStatus

BADGE_W, BADGE_H = A6


def qr_png(text: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_svg(text: str) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=6, border=2)
    return out.getvalue()


def _fit(pdf: canvas.Canvas, text: str, font: str, size: float, width: float) -> float:
    while size > 6 and pdf.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _draw_badge(pdf: canvas.Canvas, registration: Registration, x: float, y: float) -> None:
    """One A6 badge with its lower-left corner at (x, y)."""
    congress = registration.congress
    category = registration.category
    inner = BADGE_W - 16 * mm
    pdf.setStrokeColorRGB(0.8, 0.8, 0.8)
    pdf.rect(x, y, BADGE_W, BADGE_H)
    pdf.setFillColorRGB(0.1, 0.2, 0.45)
    pdf.rect(x, y + BADGE_H - 18 * mm, BADGE_W, 18 * mm, fill=1, stroke=0)
    pdf.setFillColorRGB(1, 1, 1)
    pdf.setFont("Helvetica-Bold", 13)
    pdf.drawString(x + 8 * mm, y + BADGE_H - 11 * mm, congress.short_name)
    pdf.setFont("Helvetica", 7)
    pdf.drawString(x + 8 * mm, y + BADGE_H - 15 * mm, congress.name[:70])
    pdf.setFillColorRGB(0, 0, 0)
    name = registration.display_badge_name
    size = _fit(pdf, name, "Helvetica-Bold", 20, inner)
    pdf.setFont("Helvetica-Bold", size)
    pdf.drawString(x + 8 * mm, y + BADGE_H - 32 * mm, name)
    pdf.setFont("Helvetica", 10)
    affiliation = registration.affiliation
    pdf.setFont("Helvetica", _fit(pdf, affiliation, "Helvetica", 10, inner))
    pdf.drawString(x + 8 * mm, y + BADGE_H - 40 * mm, affiliation)
    pdf.setFont("Helvetica", 10)
    pdf.drawString(x + 8 * mm, y + BADGE_H - 46 * mm, country_name(registration.country))
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawString(x + 8 * mm, y + BADGE_H - 54 * mm, category.name)
    if category.is_prescriber:
        # Exhibitors must see who may prescribe (promotion of prescription drugs).
        pdf.setFillColorRGB(0.0, 0.45, 0.25)
        pdf.rect(x, y, BADGE_W, 14 * mm, fill=1, stroke=0)
        pdf.setFillColorRGB(1, 1, 1)
        pdf.setFont("Helvetica-Bold", 11)
        pdf.drawString(x + 8 * mm, y + 5 * mm, "HEALTHCARE PROFESSIONAL - PRESCRIBER")
    else:
        pdf.setFillColorRGB(0.85, 0.85, 0.85)
        pdf.rect(x, y, BADGE_W, 14 * mm, fill=1, stroke=0)
        pdf.setFillColorRGB(0, 0, 0)
        pdf.setFont("Helvetica", 9)
        pdf.drawString(x + 8 * mm, y + 5 * mm, "Non-prescriber")
    pdf.setFillColorRGB(0, 0, 0)
    qr = ImageReader(io.BytesIO(qr_png(registration.reference, scale=4)))
    pdf.drawImage(qr, x + BADGE_W - 38 * mm, y + 17 * mm, 30 * mm, 30 * mm)
    pdf.setFont("Courier-Bold", 10)
    pdf.drawString(x + 8 * mm, y + 20 * mm, registration.reference)


def badge_pdf(registration: Registration) -> bytes:
    """An A6 badge for one attendee (confirmed registrations only)."""
    if registration.status != RegistrationStatus.CONFIRMED:
        raise Conflict("The badge is available once the registration is confirmed.")
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A6)
    pdf.setTitle(f"Badge {registration.reference}")
    _draw_badge(pdf, registration, 0, 0)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def badges_pdf(registrations: list[Registration]) -> bytes:
    """Every badge, four A6 badges per A4 page, for printing and cutting."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle("Badges")
    slots = [(0, BADGE_H), (BADGE_W, BADGE_H), (0, 0), (BADGE_W, 0)]
    for index, registration in enumerate(registrations):
        if index and index % 4 == 0:
            pdf.showPage()
        x, y = slots[index % 4]
        _draw_badge(pdf, registration, x, y)
    if not registrations:
        pdf.setFont("Helvetica", 12)
        pdf.drawString(20 * mm, A4[1] - 30 * mm, "No confirmed registrations.")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _letterhead(pdf: canvas.Canvas, registration: Registration, title: str) -> float:
    congress = registration.congress
    height = A4[1]
    pdf.setFont("Helvetica-Bold", 16)
    pdf.drawString(20 * mm, height - 25 * mm, congress.name)
    pdf.setFont("Helvetica", 9)
    venue = ", ".join(filter(None, [congress.venue, congress.city, country_name(congress.country)]))
    pdf.drawString(20 * mm, height - 31 * mm, venue)
    pdf.drawString(20 * mm, height - 36 * mm, congress.contact_email or "")
    pdf.setFont("Helvetica-Bold", 13)
    pdf.drawString(20 * mm, height - 52 * mm, title)
    return height - 64 * mm


def receipt_pdf(registration: Registration, local) -> bytes:
    """The receipt: numbered when fully paid, with every payment and refund."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    receipt = registration.receipts[0] if registration.receipts else None
    if receipt:
        title = f"Receipt {receipt.label}"
    elif registration.amount_due > 0:
        title = "Statement of account (not yet paid)"
    else:
        title = "Statement of account"
    pdf.setTitle(title)
    y = _letterhead(pdf, registration, title)
    pdf.setFont("Helvetica", 10)
    lines = [
        f"Registration: {registration.reference}",
        f"Attendee: {registration.full_name}",
        f"Affiliation: {registration.affiliation}",
        f"Country: {country_name(registration.country)}",
        f"Category: {registration.category.name} ({registration.fee_period.label} fee)",
        f"Registration fee: {registration.fee_amount} {registration.currency}",
    ]
    if receipt:
        lines.append(f"Issued: {local(receipt.issued_at)}")
    for line in lines:
        pdf.drawString(20 * mm, y, line)
        y -= 6 * mm
    y -= 4 * mm
    pdf.setFont("Helvetica-Bold", 10)
    pdf.drawString(20 * mm, y, "Payments")
    y -= 6 * mm
    pdf.setFont("Helvetica", 10)
    for payment in registration.payments:
        sign = "-" if payment.kind == "refund" else ""
        pdf.drawString(
            20 * mm,
            y,
            f"{local(payment.recorded_at)}  {payment.kind.label}  "
            f"{sign}{payment.amount} {payment.currency}  {payment.note[:60]}",
        )
        y -= 6 * mm
    if not registration.payments:
        pdf.drawString(20 * mm, y, "None yet.")
        y -= 6 * mm
    y -= 4 * mm
    pdf.setFont("Helvetica-Bold", 11)
    pdf.drawString(20 * mm, y, f"Total paid: {registration.amount_paid} {registration.currency}")
    y -= 7 * mm
    if registration.amount_waived:
        pdf.drawString(
            20 * mm, y, f"Fee waived: {registration.amount_waived} {registration.currency}"
        )
        y -= 7 * mm
    pdf.drawString(20 * mm, y, f"Amount due: {registration.amount_due} {registration.currency}")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _fee_settled_sentence(registration: Registration) -> str:
    """How the fee was settled, in words: paid, waived, or partly each (a waiver is not paid)."""
    fee = f"{registration.fee_amount} {registration.currency}"
    paid, waived = registration.amount_paid, registration.amount_waived
    reference = registration.reference
    if not waived:
        return f"The registration fee of {fee} has been paid in full (registration {reference})."
    if not paid:
        return f"The registration fee of {fee} has been waived (registration {reference})."
    return (
        f"Of the registration fee of {fee}, {paid} {registration.currency} has been paid and "
        f"{waived} {registration.currency} waived (registration {reference})."
    )


def visa_letter_pdf(registration: Registration, local) -> bytes:
    """An invitation letter for a visa application (fully paid registrations only)."""
    if not registration.is_fully_paid:
        raise Conflict(
            "The visa invitation letter is issued once the registration is fully paid.",
            code="not_paid",
        )
    congress = registration.congress
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"Invitation letter {registration.reference}")
    y = _letterhead(pdf, registration, "Letter of invitation")
    paragraphs = [
        "To whom it may concern,",
        f"We confirm that {registration.full_name}, of {registration.affiliation or '-'} "
        f"({country_name(registration.country)}), is registered as a participant "
        f"({registration.category.name}) of the {congress.name}, to be held at "
        f"{congress.venue}, {congress.city}, from {congress.starts_on:%d %B %Y} to "
        f"{congress.ends_on:%d %B %Y}.",
        _fee_settled_sentence(registration),
        "This letter is issued at the request of the participant to support a visa "
        "application. It does not commit the congress to any financial support for travel, "
        "accommodation or other expenses.",
        "Yours faithfully,",
        "The congress secretariat",
    ]
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph

    style = getSampleStyleSheet()["BodyText"]
    for text in paragraphs:
        paragraph = Paragraph(text.replace("&", "&amp;").replace("<", "&lt;"), style)
        _, h = paragraph.wrap(A4[0] - 40 * mm, y)
        paragraph.drawOn(pdf, 20 * mm, y - h)
        y -= h + 5 * mm
    pdf.setFont("Helvetica", 8)
    pdf.drawString(20 * mm, 20 * mm, f"Issued {local(registration.confirmed_at)}")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
