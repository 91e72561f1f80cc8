"""Fixtures of the registration tests: fees on the `congress` categories, a register helper."""

from __future__ import annotations

import io
import itertools

import pytest

from conference.extensions import db
from conference.registration import services
from conference.registration.queries import get_category_by_slug

_numbers = itertools.count(1)

FEES = {"early": "450.00", "regular": "550.00", "onsite": "650.00"}
STUDENT_FEES = {"early": "150.00", "regular": "200.00", "onsite": "250.00"}


def make_pdf(*, javascript: bool = False, attachment: bool = False) -> bytes:
    """A one-page PDF (a scanned letter, say), optionally carrying active content."""
    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    if javascript:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.launchURL('https://evil.example');"),
            }
        )
    if attachment:
        writer.add_attachment("invoice.exe", b"MZ\x90\x00 not a letter")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF_BYTES = make_pdf()


@pytest.fixture
def priced(congress):
    """The `congress` with fees for both categories; returns (congress, oncologist, student)."""
    oncologist = get_category_by_slug(congress, "oncologist")
    student = get_category_by_slug(congress, "student-trainee")
    services.set_category_rules(oncologist, fees=FEES, cancellation_fee="50.00")
    services.set_category_rules(student, fees=STUDENT_FEES)
    db.session.commit()
    return congress, oncologist, student


def attendee_data(**overrides) -> dict:
    n = next(_numbers)
    data = {
        "first_name": "Marie",
        "last_name": f"Curie{n}",
        "email": f"marie{n}@example.org",
        "affiliation": "Institut du Radium",
        "country": "FR",
        "category": "oncologist",
        "badge_name": "",
        "dietary": "",
        "accessibility": "",
        "share_with_exhibitors": False,
        "accept_terms": True,
    }
    data.update(overrides)
    return data


@pytest.fixture
def register(priced):
    """Register someone through the service (and commit); keyword arguments override fields.

    A student sends a letter unless `proof` is given; the registrant opens the emailed link
    (confirming the address) unless `confirm=False`.
    """
    congress = priced[0]

    def make(proof=None, now=None, confirm=True, **overrides):
        data = attendee_data(**overrides)
        if proof is None and data["category"] == "student-trainee":
            proof = ("letter.pdf", PDF_BYTES)
        registration, _ = services.register_attendee(congress, data, proof=proof, now=now)
        if confirm:
            services.confirm_email(registration, now=now)
        db.session.commit()
        return registration

    return make


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    """Proof files of a test go to its own temporary folder."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def ask_for_visa_letter(registration, **overrides):
    """The attendee asks for a visa invitation letter (through the service, committed)."""
    from conference.registration.visa import request_visa_letter

    data = {"passport_number": "P1234567", "nationality": "IN", "date_of_birth": "1980-05-17"}
    data.update(overrides)
    visa = request_visa_letter(registration, **data)
    db.session.commit()
    return visa
