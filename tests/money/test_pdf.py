"""Invoice PDFs: every mandatory field printed, Unicode fonts, stored as issued."""

from __future__ import annotations

import hashlib
import io

from pypdf import PdfReader

from conference.extensions import db
from conference.money import services
from conference.money.models import InvoiceDocument


def _text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def _fonts(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def test_invoice_pdf_text_carries_every_mandatory_field(invoice_for, german_hospital):
    invoice = invoice_for(german_hospital)
    text = _text(services.invoice_pdf(invoice))
    flat = " ".join(text.split())
    for expected in (
        f"Invoice {invoice.number}",  # sequential number
        f"Issue date: {invoice.issue_date:%d %B %Y}",  # in the reader's language
        "Wiener Onkologie-Kongressgesellschaft mbH",  # seller's legal name
        "Bruno-Kreisky-Platz 1",  # seller's address
        "VAT id: ATU13585627",  # seller's VAT id
        "FN 123456a",  # registration number
        "Universitätsklinikum Heidelberg",  # buyer
        "Im Neuenheimer Feld 460",  # buyer's address
        "VAT id: DE136695976 (format and check digits verified)",  # buyer's VAT id and check
        "Registration MET26: Oncologist, regular fee",  # line description
        "458.33",  # net
        "0.00 %",  # VAT rate (reverse charge)
        "Total net",
        "Total VAT",
        "Total gross",
        "Reverse charge",  # legal mention
        "Article 196",
        "Payable within 30 days",  # payment terms
        "IBAN: AT61 1904 3002 3457 3201",  # bank details
        "BIC: BKAUATWW",
        "UniCredit Bank Austria AG",
    ):
        assert expected in flat, expected
    assert all(
        "Helvetica" not in name and "Times" not in name
        for name in _fonts(services.invoice_pdf(invoice))
    )


def test_invoice_pdf_prints_names_in_any_script(invoice_for, person):
    person.name = "Zofia Łukasiewicz-Dąbrowska / 王秀英"
    invoice = invoice_for(person)
    text = _text(services.invoice_pdf(invoice))
    assert "Łukasiewicz-Dąbrowska" in text
    assert "王秀英" in text
    assert "91.67" in text and "20.00 %" in text


def test_credit_note_pdf_refers_to_the_invoice(invoice_for, person):
    invoice = invoice_for(person)
    note = services.cancel_invoice(invoice, "Registration cancelled by the attendee.")
    db.session.commit()
    flat = " ".join(_text(services.invoice_pdf(note)).split())
    assert f"Credit note {note.number}" in flat
    assert f"Refers to invoice: {invoice.number}" in flat
    assert "Registration cancelled by the attendee." in flat
    assert "-550.00" in flat


def test_invoice_pdf_is_stored_as_issued_with_its_hash(seller, invoice_for, person):
    invoice = invoice_for(person)
    first = services.invoice_pdf(invoice)
    db.session.commit()
    stored = db.session.get(InvoiceDocument, invoice.id)
    assert stored.sha256 == hashlib.sha256(first).hexdigest()
    # The seller changes its bank afterwards: the issued PDF does not.
    services.update_seller_profile(seller, iban="DE89370400440532013000")
    db.session.commit()
    assert services.invoice_pdf(invoice) == first
