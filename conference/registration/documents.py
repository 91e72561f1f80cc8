"""PDFs (badges, receipts, visa invitation letters) with reportlab, and QR codes with segno.

Text goes through conference.pdf_fonts: embedded Unicode faces, so every name prints.
"""

from __future__ import annotations

import io

import segno
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from conference.countries import country_name
from conference.errors import Conflict
from conference.money.queries import get_sale_vat
from conference.pdf_fonts import BOLD, draw_string, fit_size, markup, new_canvas, stylesheet
from conference.registration.models import Registration, RegistrationStatus

BADGE_W, BADGE_H = A6

#: Functions other domains add (registration never imports them) that return a line to print
#: on badges, by registration reference: industry marks its staff "EXHIBITOR · <company>"
#: (conference.industry.exhibition). Each takes a list of references and returns a dict.
badge_markers: list = []


def badge_marks(references: list[str]) -> dict[str, str]:
    marks: dict[str, str] = {}
    for marker in badge_markers:
        marks.update(marker(references))
    return marks


def qr_png(text: str, scale: int = 8) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def qr_svg(text: str) -> bytes:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=6, border=2)
    return out.getvalue()


def _draw_badge(
    pdf: canvas.Canvas, registration: Registration, x: float, y: float, mark: str = ""
) -> None:
    """One A6 badge with its lower-left corner at (x, y)."""
    congress = registration.congress
    category = registration.category
    inner = BADGE_W - 16 * mm
    pdf.setStrokeColorRGB(0.8, 0.8, 0.8)
    pdf.rect(x, y, BADGE_W, BADGE_H)
    pdf.setFillColorRGB(0.1, 0.2, 0.45)
    pdf.rect(x, y + BADGE_H - 18 * mm, BADGE_W, 18 * mm, fill=1, stroke=0)
    pdf.setFillColorRGB(1, 1, 1)
    left = x + 8 * mm
    draw_string(pdf, left, y + BADGE_H - 11 * mm, congress.short_name, 13, BOLD)
    draw_string(pdf, left, y + BADGE_H - 15 * mm, congress.name[:70], 7)
    pdf.setFillColorRGB(0, 0, 0)
    name = registration.display_badge_name
    draw_string(pdf, left, y + BADGE_H - 32 * mm, name, fit_size(name, 20, inner, BOLD), BOLD)
    affiliation = registration.affiliation
    draw_string(pdf, left, y + BADGE_H - 40 * mm, affiliation, fit_size(affiliation, 10, inner))
    draw_string(pdf, left, y + BADGE_H - 46 * mm, country_name(registration.country), 10)
    draw_string(pdf, left, y + BADGE_H - 54 * mm, category.name, 10, BOLD)
    if mark:
        draw_string(pdf, left, y + BADGE_H - 62 * mm, mark, fit_size(mark, 12, inner, BOLD), BOLD)
    if category.is_prescriber:
        # Exhibitors must see who may prescribe (promotion of prescription drugs).
        pdf.setFillColorRGB(0.0, 0.45, 0.25)
        pdf.rect(x, y, BADGE_W, 14 * mm, fill=1, stroke=0)
        pdf.setFillColorRGB(1, 1, 1)
        draw_string(pdf, left, y + 5 * mm, "HEALTHCARE PROFESSIONAL - PRESCRIBER", 11, BOLD)
    else:
        pdf.setFillColorRGB(0.85, 0.85, 0.85)
        pdf.rect(x, y, BADGE_W, 14 * mm, fill=1, stroke=0)
        pdf.setFillColorRGB(0, 0, 0)
        draw_string(pdf, left, y + 5 * mm, "Non-prescriber", 9)
    pdf.setFillColorRGB(0, 0, 0)
    qr = ImageReader(io.BytesIO(qr_png(registration.reference, scale=4)))
    pdf.drawImage(qr, x + BADGE_W - 38 * mm, y + 17 * mm, 30 * mm, 30 * mm)
    draw_string(pdf, left, y + 20 * mm, registration.reference, 10, BOLD)


def badge_pdf(registration: Registration) -> bytes:
    """An A6 badge for one attendee (confirmed registrations only)."""
    if registration.status != RegistrationStatus.CONFIRMED:
        raise Conflict("The badge is available once the registration is confirmed.")
    out = io.BytesIO()
    pdf = new_canvas(out, pagesize=A6)
    pdf.setTitle(f"Badge {registration.reference}")
    _draw_badge(
        pdf,
        registration,
        0,
        0,
        badge_marks([registration.reference]).get(registration.reference, ""),
    )
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def badges_pdf(registrations: list[Registration]) -> bytes:
    """Every badge, four A6 badges per A4 page, for printing and cutting."""
    out = io.BytesIO()
    pdf = new_canvas(out, pagesize=A4)
    pdf.setTitle("Badges")
    slots = [(0, BADGE_H), (BADGE_W, BADGE_H), (0, 0), (BADGE_W, 0)]
    marks = badge_marks([registration.reference for registration in registrations])
    for index, registration in enumerate(registrations):
        if index and index % 4 == 0:
            pdf.showPage()
        x, y = slots[index % 4]
        _draw_badge(pdf, registration, x, y, marks.get(registration.reference, ""))
    if not registrations:
        draw_string(pdf, 20 * mm, A4[1] - 30 * mm, "No confirmed registrations.", 12)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _letterhead(pdf: canvas.Canvas, registration: Registration, title: str) -> float:
    congress = registration.congress
    height = A4[1]
    draw_string(pdf, 20 * mm, height - 25 * mm, congress.name, 16, BOLD)
    venue = ", ".join(filter(None, [congress.venue, congress.city, country_name(congress.country)]))
    draw_string(pdf, 20 * mm, height - 31 * mm, venue, 9)
    draw_string(pdf, 20 * mm, height - 36 * mm, congress.contact_email or "", 9)
    draw_string(pdf, 20 * mm, height - 52 * mm, title, 13, BOLD)
    return height - 64 * mm


def receipt_pdf(registration: Registration, local) -> bytes:
    """The receipt: numbered when fully paid, with every payment and refund."""
    out = io.BytesIO()
    pdf = new_canvas(out, pagesize=A4)
    receipt = registration.receipts[0] if registration.receipts else None
    if receipt:
        title = f"Receipt {receipt.label}"
    elif registration.amount_due > 0:
        title = "Statement of account (not yet paid)"
    else:
        title = "Statement of account"
    pdf.setTitle(title)
    y = _letterhead(pdf, registration, title)
    sale = get_sale_vat(registration.congress, "registration", registration.fee_amount)
    if sale is not None:
        # The seller's legal entity, at the right of the letterhead.
        top = A4[1] - 25 * mm
        for index, line in enumerate(sale.seller_lines):
            draw_string(pdf, 120 * mm, top - index * 4.5 * mm, line, 8)
    lines = [
        f"Registration: {registration.reference}",
        f"Attendee: {registration.full_name}",
        f"Affiliation: {registration.affiliation}",
        f"Country: {country_name(registration.country)}",
        f"Category: {registration.category.name} ({registration.fee_period.label} fee)",
        f"Registration fee: {registration.fee_amount} {registration.currency}",
    ]
    if registration.voucher_code:
        lines[-1:] = [
            f"Category fee: {registration.list_fee} {registration.currency}",
            f"Voucher {registration.voucher_code}: -{registration.voucher_discount} "
            f"{registration.currency}",
            f"Registration fee: {registration.fee_amount} {registration.currency}",
        ]
    if sale is not None:
        currency = registration.currency
        lines += [
            f"  Net amount: {sale.net} {currency}",
            f"  VAT {sale.vat_rate} %: {sale.vat} {currency}",
            f"  Total including VAT: {sale.gross} {currency}",
        ]
    if receipt:
        lines.append(f"Issued: {local(receipt.issued_at)}")
    for line in lines:
        draw_string(pdf, 20 * mm, y, line, 10)
        y -= 6 * mm
    y -= 4 * mm
    draw_string(pdf, 20 * mm, y, "Payments", 10, BOLD)
    y -= 6 * mm
    for payment in registration.payments:
        sign = "-" if payment.kind == "refund" else ""
        # Notes are internal (slip numbers, a reason for a waiver): never on the receipt.
        line = (
            f"{local(payment.recorded_at)}  {payment.kind.label}  "
            f"{sign}{payment.amount} {payment.currency}"
        )
        draw_string(pdf, 20 * mm, y, line, 10)
        y -= 6 * mm
    if not registration.payments:
        draw_string(pdf, 20 * mm, y, "None yet.", 10)
        y -= 6 * mm
    y -= 4 * mm
    paid = f"Total paid: {registration.amount_paid} {registration.currency}"
    draw_string(pdf, 20 * mm, y, paid, 11, BOLD)
    y -= 7 * mm
    if registration.amount_waived:
        waived = f"Fee waived: {registration.amount_waived} {registration.currency}"
        draw_string(pdf, 20 * mm, y, waived, 11)
        y -= 7 * mm
    due = f"Amount due: {registration.amount_due} {registration.currency}"
    draw_string(pdf, 20 * mm, y, due, 11, BOLD)
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
    """An invitation letter for a visa application: requested (with the passport data) and
    fully paid registrations only; signed by the congress's signatory, with a code that a
    consulate checks at /verify/visa/<code>."""
    from reportlab.platypus import Paragraph

    from conference.registration.capacity import get_settings
    from conference.urls import external_url

    visa = registration.visa_request
    if visa is None:
        raise Conflict(
            "Request a visa invitation letter first (passport data are needed).",
            code="visa_not_requested",
        )
    if not registration.is_fully_paid:
        raise Conflict(
            "The visa invitation letter is issued once the registration is fully paid.",
            code="not_paid",
        )
    congress = registration.congress
    settings = get_settings(congress)
    verify_url = external_url("registration.verify_visa_letter", code=visa.verification_code)
    out = io.BytesIO()
    pdf = new_canvas(out, pagesize=A4)
    pdf.setTitle(f"Invitation letter {registration.reference}")
    y = _letterhead(pdf, registration, "Letter of invitation")

    # Each value is marked up on its own: a right-to-left name is shaped as a unit, and the
    # sentence around it stays in reading order.
    confirmation = (
        "We confirm that {name}, of {affiliation} ({country}), is registered as a participant "
        "({category}) of the {congress}, to be held at {venue}, {city}, from {starts} to {ends}."
    ).format(
        name=markup(registration.full_name),
        affiliation=markup(registration.affiliation or "-"),
        country=markup(country_name(registration.country)),
        category=markup(registration.category.name),
        congress=markup(congress.name),
        venue=markup(congress.venue or ""),
        city=markup(congress.city or ""),
        starts=f"{congress.starts_on:%d %B %Y}",
        ends=f"{congress.ends_on:%d %B %Y}",
    )
    identity = (
        "Passport number: {number}<br/>Nationality: {nationality}<br/>Date of birth: {born}"
    ).format(
        number=markup(visa.passport_number),
        nationality=markup(country_name(visa.nationality)),
        born=f"{visa.date_of_birth:%d %B %Y}",
    )
    signatory = [markup(settings.visa_signatory_name or "The congress secretariat")]
    if settings.visa_signatory_title:
        signatory.append(markup(settings.visa_signatory_title))
    signatory.append(markup(congress.name))
    paragraphs = [
        markup("To whom it may concern,"),
        confirmation,
        identity,
        markup(_fee_settled_sentence(registration)),
        markup(
            "This letter is issued at the request of the participant to support a visa "
            "application. It does not commit the congress to any financial support for "
            "travel, accommodation or other expenses."
        ),
        markup("Yours faithfully,"),
        "<br/>".join(signatory),
        markup(
            f"Verification code: {visa.verification_code}. The validity of this letter can be "
            f"checked at {verify_url}"
        ),
    ]
    style = stylesheet()["BodyText"]
    for text in paragraphs:
        paragraph = Paragraph(text, style)
        _, h = paragraph.wrap(A4[0] - 40 * mm, y)
        paragraph.drawOn(pdf, 20 * mm, y - h)
        y -= h + 5 * mm
    qr = ImageReader(io.BytesIO(qr_png(verify_url, scale=4)))
    pdf.drawImage(qr, A4[0] - 50 * mm, 20 * mm, 30 * mm, 30 * mm)
    draw_string(pdf, 20 * mm, 20 * mm, f"Issued {local(registration.confirmed_at)}", 8)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
