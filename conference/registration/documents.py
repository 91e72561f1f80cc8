"""PDFs (badges, receipts, visa invitation letters) with reportlab, and QR codes with segno.

Text goes through conference.pdf_fonts: embedded Unicode faces, so every name prints.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

import segno
from babel.numbers import format_decimal
from flask_babel import gettext as _
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from conference.countries import country_name
from conference.errors import Conflict
from conference.i18n import current_language, format_money, format_when, in_language
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
    draw_string(pdf, left, y + BADGE_H - 54 * mm, category.display_name, 10, BOLD)
    if mark:
        draw_string(pdf, left, y + BADGE_H - 62 * mm, mark, fit_size(mark, 12, inner, BOLD), BOLD)
    if category.is_prescriber:
        # Exhibitors must see who may prescribe (promotion of prescription drugs).
        pdf.setFillColorRGB(0.0, 0.45, 0.25)
        pdf.rect(x, y, BADGE_W, 14 * mm, fill=1, stroke=0)
        pdf.setFillColorRGB(1, 1, 1)
        prescriber = _("HEALTHCARE PROFESSIONAL - PRESCRIBER")
        draw_string(pdf, left, y + 5 * mm, prescriber, fit_size(prescriber, 11, inner, BOLD), BOLD)
    else:
        pdf.setFillColorRGB(0.85, 0.85, 0.85)
        pdf.rect(x, y, BADGE_W, 14 * mm, fill=1, stroke=0)
        pdf.setFillColorRGB(0, 0, 0)
        draw_string(pdf, left, y + 5 * mm, _("Non-prescriber"), 9)
    pdf.setFillColorRGB(0, 0, 0)
    qr = ImageReader(io.BytesIO(qr_png(registration.reference, scale=4)))
    pdf.drawImage(qr, x + BADGE_W - 38 * mm, y + 17 * mm, 30 * mm, 30 * mm)
    draw_string(pdf, left, y + 20 * mm, registration.reference, 10, BOLD)


def badge_pdf(registration: Registration) -> bytes:
    """An A6 badge for one attendee (confirmed registrations only), in their language."""
    with in_language(registration.language):
        return _badge_pdf(registration)


def _badge_pdf(registration: Registration) -> bytes:
    if registration.status != RegistrationStatus.CONFIRMED:
        raise Conflict(_("The badge is available once the registration is confirmed."))
    out = io.BytesIO()
    pdf = new_canvas(out, pagesize=A6)
    pdf.setTitle(_("Badge %(reference)s", reference=registration.reference))
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
    pdf.setTitle(_("Badges"))
    slots = [(0, BADGE_H), (BADGE_W, BADGE_H), (0, 0), (BADGE_W, 0)]
    marks = badge_marks([registration.reference for registration in registrations])
    for index, registration in enumerate(registrations):
        if index and index % 4 == 0:
            pdf.showPage()
        x, y = slots[index % 4]
        with in_language(registration.language):  # each badge in its attendee's language
            _draw_badge(pdf, registration, x, y, marks.get(registration.reference, ""))
    if not registrations:
        draw_string(pdf, 20 * mm, A4[1] - 30 * mm, _("No confirmed registrations."), 12)
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
    """The receipt: numbered when fully paid, with every payment and refund; in the
    attendee's language (`local` formats a time, called in that language)."""
    with in_language(registration.language):
        return _receipt_pdf(registration, local)


def _receipt_pdf(registration: Registration, local) -> bytes:
    out = io.BytesIO()
    pdf = new_canvas(out, pagesize=A4)
    receipt = registration.receipts[0] if registration.receipts else None
    if receipt:
        title = _("Receipt %(number)s", number=receipt.label)
    elif registration.amount_due > 0:
        title = _("Statement of account (not yet paid)")
    else:
        title = _("Statement of account")
    pdf.setTitle(title)
    y = _letterhead(pdf, registration, title)
    sale = get_sale_vat(registration.congress, "registration", registration.fee_amount)
    if sale is not None:
        # The seller's legal entity, at the right of the letterhead.
        top = A4[1] - 25 * mm
        for index, line in enumerate(sale.seller_lines):
            draw_string(pdf, 120 * mm, top - index * 4.5 * mm, line, 8)
    currency = registration.currency

    def money(amount) -> str:
        return format_money(amount, currency)

    fee = _("Registration fee: %(amount)s", amount=money(registration.fee_amount))
    lines = [
        _("Registration: %(reference)s", reference=registration.reference),
        _("Attendee: %(name)s", name=registration.full_name),
        _("Affiliation: %(affiliation)s", affiliation=registration.affiliation),
        _("Country: %(country)s", country=country_name(registration.country)),
        _(
            "Category: %(category)s (%(fee)s)",
            category=registration.category.display_name,
            fee=registration.fee_period.fee_label,
        ),
        fee,
    ]
    if registration.voucher_code:
        lines[-1:] = [
            _("Category fee: %(amount)s", amount=money(registration.list_fee)),
            _(
                "Voucher %(code)s: -%(discount)s",
                code=registration.voucher_code,
                discount=money(registration.voucher_discount),
            ),
            fee,
        ]
    if sale is not None:
        lines += [
            "  " + _("Net amount: %(amount)s", amount=money(sale.net)),
            "  "
            + _(
                "VAT %(rate)s %%: %(amount)s",
                rate=format_decimal(sale.vat_rate, format="#,##0.00", locale=current_language()),
                amount=money(sale.vat),
            ),
            "  " + _("Total including VAT: %(amount)s", amount=money(sale.gross)),
        ]
    if receipt:
        lines.append(_("Issued: %(date)s", date=local(receipt.issued_at)))
    for line in lines:
        draw_string(pdf, 20 * mm, y, line, 10)
        y -= 6 * mm
    y -= 4 * mm
    draw_string(pdf, 20 * mm, y, _("Payments"), 10, BOLD)
    y -= 6 * mm
    for payment in registration.payments:
        sign = "-" if payment.kind == "refund" else ""
        # Notes are internal (slip numbers, a reason for a waiver): never on the receipt.
        amount = format_money(payment.amount, payment.currency)
        line = f"{local(payment.recorded_at)}  {payment.kind.label}  {sign}{amount}"
        draw_string(pdf, 20 * mm, y, line, 10)
        y -= 6 * mm
    if not registration.payments:
        draw_string(pdf, 20 * mm, y, _("None yet."), 10)
        y -= 6 * mm
    y -= 4 * mm
    paid = _("Total paid: %(amount)s", amount=money(registration.amount_paid))
    draw_string(pdf, 20 * mm, y, paid, 11, BOLD)
    y -= 7 * mm
    if registration.amount_waived:
        waived = _("Fee waived: %(amount)s", amount=money(registration.amount_waived))
        draw_string(pdf, 20 * mm, y, waived, 11)
        y -= 7 * mm
    due = _("Amount due: %(amount)s", amount=money(registration.amount_due))
    draw_string(pdf, 20 * mm, y, due, 11, BOLD)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _fee_settled_sentence(registration: Registration) -> str:
    """How the fee was settled, in words: paid, waived, or partly each (a waiver is not paid)."""
    currency = registration.currency
    fee = format_money(registration.fee_amount, currency)
    paid, waived = registration.amount_paid, registration.amount_waived
    reference = registration.reference
    if not waived:
        return _(
            "The registration fee of %(fee)s has been paid in full (registration %(reference)s).",
            fee=fee,
            reference=reference,
        )
    if not paid:
        return _(
            "The registration fee of %(fee)s has been waived (registration %(reference)s).",
            fee=fee,
            reference=reference,
        )
    return _(
        "Of the registration fee of %(fee)s, %(paid)s has been paid and %(waived)s waived "
        "(registration %(reference)s).",
        fee=fee,
        paid=format_money(paid, currency),
        waived=format_money(waived, currency),
        reference=reference,
    )


def _long_date(value) -> str:
    """A date in words, in the letter's language ("14 September 2026", "14. September 2026")."""
    return format_when(value, "%d %B %Y")


def visa_letter_pdf(registration: Registration, local) -> bytes:
    """The visa invitation letter, in the attendee's language (see _visa_letter_pdf)."""
    with in_language(registration.language):
        return _visa_letter_pdf(registration, local)


def _visa_letter_pdf(registration: Registration, local) -> bytes:
    """An invitation letter for a visa application: requested (with the passport data) and
    fully paid registrations only; signed by the congress's signatory, with a code that a
    consulate checks at /verify/visa/<code>."""
    from reportlab.platypus import Paragraph

    from conference.registration.capacity import get_settings
    from conference.urls import external_url

    visa = registration.visa_request
    if visa is None:
        raise Conflict(
            _("Request a visa invitation letter first (passport data are needed)."),
            code="visa_not_requested",
        )
    if not registration.is_fully_paid:
        raise Conflict(
            _(
                "The visa invitation letter is issued once the registration is fully paid.",
            ),
            code="not_paid",
        )
    congress = registration.congress
    settings = get_settings(congress)
    verify_url = external_url("registration.verify_visa_letter", code=visa.verification_code)
    out = io.BytesIO()
    pdf = new_canvas(out, pagesize=A4)
    pdf.setTitle(_("Invitation letter %(reference)s", reference=registration.reference))
    y = _letterhead(pdf, registration, _("Letter of invitation"))

    # The sentence is translated with its placeholders; each value is marked up on its own
    # (a right-to-left name is shaped as a unit, the sentence around it stays in order).
    confirmation = escape(
        _(
            "We confirm that %(name)s, of %(affiliation)s (%(country)s), is registered as a "
            "participant (%(category)s) of the %(congress)s, to be held at %(venue)s, "
            "%(city)s, from %(starts)s to %(ends)s."
        )
    ) % {
        "name": markup(registration.full_name),
        "affiliation": markup(registration.affiliation or "-"),
        "country": markup(country_name(registration.country)),
        "category": markup(registration.category.display_name),
        "congress": markup(congress.name),
        "venue": markup(congress.venue or ""),
        "city": markup(congress.city or ""),
        "starts": markup(_long_date(congress.starts_on)),
        "ends": markup(_long_date(congress.ends_on)),
    }
    identity = "<br/>".join(
        [
            escape(_("Passport number: %(number)s")) % {"number": markup(visa.passport_number)},
            escape(_("Nationality: %(nationality)s"))
            % {"nationality": markup(country_name(visa.nationality))},
            escape(_("Date of birth: %(date)s")) % {"date": markup(_long_date(visa.date_of_birth))},
        ]
    )
    signatory = [markup(settings.visa_signatory_name or _("The congress secretariat"))]
    if settings.visa_signatory_title:
        signatory.append(markup(settings.visa_signatory_title))
    signatory.append(markup(congress.name))
    paragraphs = [
        markup(_("To whom it may concern,")),
        confirmation,
        identity,
        markup(_fee_settled_sentence(registration)),
        markup(
            _(
                "This letter is issued at the request of the participant to support a visa "
                "application. It does not commit the congress to any financial support for "
                "travel, accommodation or other expenses."
            )
        ),
        markup(_("Yours faithfully,")),
        "<br/>".join(signatory),
        markup(
            _(
                "Verification code: %(code)s. The validity of this letter can be checked at "
                "%(url)s",
                code=visa.verification_code,
                url=verify_url,
            )
        ),
    ]
    style = stylesheet()["BodyText"]
    for text in paragraphs:
        paragraph = Paragraph(text, style)
        _width, h = paragraph.wrap(A4[0] - 40 * mm, y)
        paragraph.drawOn(pdf, 20 * mm, y - h)
        y -= h + 5 * mm
    qr = ImageReader(io.BytesIO(qr_png(verify_url, scale=4)))
    pdf.drawImage(qr, A4[0] - 50 * mm, 20 * mm, 30 * mm, 30 * mm)
    draw_string(
        pdf, 20 * mm, 20 * mm, _("Issued %(date)s", date=local(registration.confirmed_at)), 8
    )
    pdf.showPage()
    pdf.save()
    return out.getvalue()
