"""The invoice and credit note PDF (reportlab, Unicode fonts from conference.pdf_fonts).

Everything printed comes from the issued snapshot on the Invoice row, never from the current
seller profile or order, so the PDF shows what was issued.
"""

from __future__ import annotations

import io

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from conference.countries import country_name
from conference.money.models import Invoice, VatIdCheck
from conference.money.vat import format_iban
from conference.pdf_fonts import BOLD, REGULAR, markup, stylesheet

#: A table's own font (for its empty cells) must be ours too, or Helvetica enters the PDF.
FONT = ("FONTNAME", (0, 0), (-1, -1), REGULAR)


def _lines(*parts: str) -> str:
    return "<br/>".join(markup(part) for part in parts if part)


def _address(text: str, country: str) -> list[str]:
    return [*[line for line in (text or "").splitlines() if line.strip()], country_name(country)]


def render_invoice_pdf(invoice: Invoice) -> bytes:
    buffer = io.BytesIO()
    title = f"{invoice.kind_label} {invoice.number}"
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
        f"VAT id: {invoice.seller_vat_id}",
        f"Registration number: {invoice.seller_registration_number}"
        if invoice.seller_registration_number
        else "",
    )
    buyer_vat = ""
    if invoice.buyer_vat_id:
        checked = {
            VatIdCheck.VALID: "format and check digits verified",
            VatIdCheck.UNCHECKED: "outside the EU, not checked",
        }.get(invoice.buyer_vat_id_check, "")
        buyer_vat = f"VAT id: {invoice.buyer_vat_id}" + (f" ({checked})" if checked else "")
    buyer = _lines(
        invoice.buyer_name, *_address(invoice.buyer_address, invoice.buyer_country), buyer_vat
    )
    facts = [
        f"{invoice.kind_label} number: {invoice.number}",
        f"Issue date: {invoice.issue_date.isoformat()}",
    ]
    if invoice.is_credit_note:
        facts.append(f"Refers to invoice: {invoice.corrects.number}")
        facts.append(f"Reason: {invoice.reason}")
    else:
        facts.append(f"Due date: {invoice.due_date.isoformat()}")
    story = [
        Paragraph(markup(title), styles["Title"]),
        Table(
            [
                [
                    Paragraph(f"<b>Seller</b><br/>{seller}", body),
                    Paragraph(f"<b>Bill to</b><br/>{buyer}", body),
                ]
            ],
            colWidths=[87 * mm, 87 * mm],
            style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), FONT]),
        ),
        Spacer(1, 5 * mm),
        Paragraph(_lines(*facts), body),
        Spacer(1, 5 * mm),
    ]
    header = ["#", "Description", "Qty", "Unit price", "Net", "VAT rate", "VAT", "Gross"]
    rows = [[Paragraph(f"<b>{h}</b>", small) for h in header]]
    for number, line in enumerate(invoice.lines, start=1):
        rows.append(
            [
                Paragraph(str(number), small),
                Paragraph(markup(line.description), small),
                Paragraph(str(line.quantity), small),
                Paragraph(f"{line.unit_price}", small),
                Paragraph(f"{line.net_amount}", small),
                Paragraph(f"{line.vat_rate} %", small),
                Paragraph(f"{line.vat_amount}", small),
                Paragraph(f"{line.gross_amount}", small),
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
        "Unit prices include VAT." if invoice.prices_include_vat else "Unit prices exclude VAT."
    )
    totals = Table(
        [
            [Paragraph("Total net", right), Paragraph(f"{invoice.total_net} {currency}", right)],
            [Paragraph("Total VAT", right), Paragraph(f"{invoice.total_vat} {currency}", right)],
            [
                Paragraph(f'<font face="{BOLD}">Total gross</font>', right),
                Paragraph(f'<font face="{BOLD}">{invoice.total_gross} {currency}</font>', right),
            ],
        ],
        colWidths=[134 * mm, 40 * mm],
        style=TableStyle([FONT]),
    )
    story += [totals, Spacer(1, 3 * mm), Paragraph(markup(prices), small)]
    if invoice.legal_mention:
        story += [Spacer(1, 3 * mm), Paragraph(f"<b>{markup(invoice.legal_mention)}</b>", body)]
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph("<b>Payment terms</b>", body))
    story.append(Paragraph(markup(invoice.payment_terms), body))
    if invoice.bank_iban and not invoice.is_credit_note:
        story.append(Spacer(1, 3 * mm))
        story.append(Paragraph("<b>Bank details</b>", body))
        story.append(
            Paragraph(
                _lines(
                    f"Account holder: {invoice.bank_account_holder}",
                    f"IBAN: {format_iban(invoice.bank_iban)}",
                    f"BIC: {invoice.bank_bic}" if invoice.bank_bic else "",
                    f"Bank: {invoice.bank_name}" if invoice.bank_name else "",
                    f"Reference: {invoice.number}",
                ),
                body,
            )
        )
    doc.build(story)
    return buffer.getvalue()
