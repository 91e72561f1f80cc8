"""The invoice and credit note PDF (reportlab, Unicode fonts from conference.pdf_fonts).

Everything printed comes from the issued snapshot on the Invoice row, never from the current
seller profile or order, so the PDF shows what was issued.
"""

from __future__ import annotations

import io

from babel.numbers import format_decimal
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from conference.countries import country_name
from conference.i18n import current_language, format_money, format_when
from conference.money.models import Invoice, VatIdCheck
from conference.money.vat import format_iban
from conference.pdf_fonts import BOLD, REGULAR, markup, stylesheet

#: A table's own font (for its empty cells) must be ours too, or Helvetica enters the PDF.
FONT = ("FONTNAME", (0, 0), (-1, -1), REGULAR)


def _lines(*parts: str) -> str:
    return "<br/>".join(markup(part) for part in parts if part)


def _address(text: str, country: str) -> list[str]:
    return [*[line for line in (text or "").splitlines() if line.strip()], country_name(country)]


def _date(value) -> str:
    return format_when(value, "%d %B %Y")


def _number(amount) -> str:
    """An amount without its currency (the currency heads the totals), per locale."""
    return format_decimal(amount, format="#,##0.00", locale=current_language())


def _percent(rate) -> str:
    return _("%(rate)s %%", rate=_number(rate))


def render_invoice_pdf(invoice: Invoice) -> bytes:
    """The PDF of an invoice or credit note, in the current language (`in_language`)."""
    buffer = io.BytesIO()
    if invoice.is_credit_note:
        title = _("Credit note %(number)s", number=invoice.number)
    else:
        title = _("Invoice %(number)s", number=invoice.number)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author=invoice.seller_name,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        initialFontName=REGULAR,
        invariant=1,
    )
    styles = stylesheet()
    body = styles["BodyText"].clone("invoice", fontSize=9, leading=12)
    small = styles["BodyText"].clone("invoice_small", fontSize=8, leading=10)
    right = body.clone("invoice_right", alignment=2)
    currency = invoice.currency

    seller = _lines(
        invoice.seller_name,
        *_address(invoice.seller_address, invoice.seller_country),
        _("VAT id: %(vat_id)s", vat_id=invoice.seller_vat_id),
        _("Registration number: %(number)s", number=invoice.seller_registration_number)
        if invoice.seller_registration_number
        else "",
    )
    buyer_vat = ""
    if invoice.buyer_vat_id:
        checked = {
            VatIdCheck.VALID: _("format and check digits verified"),
            VatIdCheck.UNCHECKED: _("outside the EU, not checked"),
        }.get(invoice.buyer_vat_id_check, "")
        if checked:
            buyer_vat = _(
                "VAT id: %(vat_id)s (%(checked)s)", vat_id=invoice.buyer_vat_id, checked=checked
            )
        else:
            buyer_vat = _("VAT id: %(vat_id)s", vat_id=invoice.buyer_vat_id)
    buyer = _lines(
        invoice.buyer_name, *_address(invoice.buyer_address, invoice.buyer_country), buyer_vat
    )
    if invoice.is_credit_note:
        number = _("Credit note number: %(number)s", number=invoice.number)
    else:
        number = _("Invoice number: %(number)s", number=invoice.number)
    facts = [number, _("Issue date: %(date)s", date=_date(invoice.issue_date))]
    if invoice.is_credit_note:
        facts.append(_("Refers to invoice: %(number)s", number=invoice.corrects.number))
        facts.append(_("Reason: %(reason)s", reason=invoice.reason))
    else:
        facts.append(_("Due date: %(date)s", date=_date(invoice.due_date)))
    # Babel does not read _() inside f-strings: the headings are translated first.
    seller_title, buyer_title, total_gross = _("Seller"), _("Bill to"), _("Total gross")
    story = [
        Paragraph(markup(title), styles["Title"]),
        Table(
            [
                [
                    Paragraph(f"<b>{markup(seller_title)}</b><br/>{seller}", body),
                    Paragraph(f"<b>{markup(buyer_title)}</b><br/>{buyer}", body),
                ]
            ],
            colWidths=[87 * mm, 87 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), FONT]),
        ),
        Spacer(1, 5 * mm),
        Paragraph(_lines(*facts), body),
        Spacer(1, 5 * mm),
    ]
    header = [
        "#",
        _("Description"),
        _("Qty"),
        _("Unit price"),
        _("Net"),
        _("VAT rate"),
        _("VAT"),
        _("Gross"),
    ]
    rows = [[Paragraph(f"<b>{markup(h)}</b>", small) for h in header]]
    for number, line in enumerate(invoice.lines, start=1):
        rows.append(
            [
                Paragraph(str(number), small),
                Paragraph(markup(line.description), small),
                Paragraph(str(line.quantity), small),
                Paragraph(_number(line.unit_price), small),
                Paragraph(_number(line.net_amount), small),
                Paragraph(_percent(line.vat_rate), small),
                Paragraph(_number(line.vat_amount), small),
                Paragraph(_number(line.gross_amount), small),
            ]
        )
    story.append(
        Table(
            rows,
            colWidths=[8 * mm, 62 * mm, 10 * mm, 20 * mm, 20 * mm, 16 * mm, 18 * mm, 20 * mm],
            repeatRows=1,
            style=TableStyle(
                [
                    FONT,
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                    ("LINEBELOW", (0, -1), (-1, -1), 0.3, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            ),
        )
    )
    story.append(Spacer(1, 4 * mm))
    prices = (
        _("Unit prices include VAT.")
        if invoice.prices_include_vat
        else _("Unit prices exclude VAT.")
    )
    totals = Table(
        [
            [
                Paragraph(markup(_("Total net")), right),
                Paragraph(format_money(invoice.total_net, currency), right),
            ],
            [
                Paragraph(markup(_("Total VAT")), right),
                Paragraph(format_money(invoice.total_vat, currency), right),
            ],
            [
                Paragraph(f'<font face="{BOLD}">{markup(total_gross)}</font>', right),
                Paragraph(
                    f'<font face="{BOLD}">{format_money(invoice.total_gross, currency)}</font>',
                    right,
                ),
            ],
        ],
        colWidths=[134 * mm, 40 * mm],
        style=TableStyle([FONT]),
    )
    story += [totals, Spacer(1, 3 * mm), Paragraph(markup(prices), small)]
    if invoice.legal_mention:
        story += [Spacer(1, 3 * mm), Paragraph(f"<b>{markup(invoice.legal_mention)}</b>", body)]
    story.append(Spacer(1, 6 * mm))
    payment_terms = _("Payment terms")
    story.append(Paragraph(f"<b>{markup(payment_terms)}</b>", body))
    story.append(Paragraph(markup(invoice.payment_terms), body))
    if invoice.bank_iban and not invoice.is_credit_note:
        story.append(Spacer(1, 3 * mm))
        bank_details = _("Bank details")
        story.append(Paragraph(f"<b>{markup(bank_details)}</b>", body))
        story.append(
            Paragraph(
                _lines(
                    _("Account holder: %(holder)s", holder=invoice.bank_account_holder),
                    f"IBAN: {format_iban(invoice.bank_iban)}",
                    f"BIC: {invoice.bank_bic}" if invoice.bank_bic else "",
                    _("Bank: %(bank)s", bank=invoice.bank_name) if invoice.bank_name else "",
                    _("Reference: %(reference)s", reference=invoice.number),
                ),
                body,
            )
        )
    doc.build(story)
    return buffer.getvalue()
