"""The sponsorship contract PDF, from the congress's template (reportlab, Unicode fonts)."""

from __future__ import annotations

import io

from conference.i18n import format_when
from conference.industry.models import Sponsor
from conference.industry.services import get_settings
from conference.models import utcnow
from conference.pdf_fonts import markup, register_fonts, stylesheet

#: Used until organizers write their own (Manage → Industry → Contract template).
DEFAULT_CONTRACT = """Sponsorship agreement

Between the organizers of the {congress} and {legal_name}, {address} (the sponsor).

The sponsor buys the sponsorship package {package} for {price}. The package includes:
{benefits}

The sponsor has no influence on the content of accredited sessions: its name and logo never \
appear in accredited sessions, their materials, disclosures or certificates.

Date: {date}

For the organizers:                                For the sponsor:"""


def contract_values(sponsor: Sponsor, local_date: str) -> dict[str, str]:
    package = sponsor.package
    return {
        "congress": sponsor.congress.name,
        "sponsor": sponsor.name,
        "legal_name": sponsor.legal_name or sponsor.name,
        "address": " ".join((sponsor.address or "").split()),
        "package": package.name,
        "price": f"{package.price:,.2f} {sponsor.congress.currency}",
        "benefits": "\n".join(f"• {line}" for line in package.benefits or []) or "-",
        "date": local_date,
    }


def contract_text(sponsor: Sponsor, local_date: str) -> str:
    """The template with its placeholders filled (unknown ones were refused when saved)."""
    template = get_settings(sponsor.congress).contract_template or DEFAULT_CONTRACT
    values = contract_values(sponsor, local_date)
    for name, value in values.items():
        template = template.replace("{" + name + "}", value)
    return template


def contract_pdf(sponsor: Sponsor) -> bytes:
    """The contract as an A4 PDF: each paragraph of the text, lines kept."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    register_fonts()
    text = contract_text(sponsor, format_when(utcnow(), "%d %B %Y", tz=sponsor.congress.tz))
    styles = stylesheet()
    story = []
    for index, block in enumerate(text.split("\n\n")):
        style = styles["Title"] if index == 0 else styles["BodyText"]
        story.append(Paragraph("<br/>".join(markup(line) for line in block.split("\n")), style))
        story.append(Spacer(1, 4 * mm))
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        title=f"Sponsorship agreement: {sponsor.name}",
    )
    document.build(story)
    return out.getvalue()
