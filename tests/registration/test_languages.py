"""The attendee journey speaks French, German and Spanish: the registration page, its emails
and its PDFs (badge, receipt, invoice) are in the attendee's language, whoever acts later."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from conference.extensions import db
from conference.mail import OutboxMessage
from conference.registration import payments
from conference.registration import services as registration_services
from conference.registration.models import Registration
from conference.registration.queries import get_category_by_slug

#: What each language must show, in the words its congresses use (and its money format).
EXPECTED = {
    "fr": {
        "page": [
            "Inscription à",
            "Catégorie professionnelle",
            "S\u2019inscrire",
            "Oncologue - 450,00",
        ],
        "email": ["Bonjour Amélie,", "Merci de votre inscription", "Catégorie : Oncologue"],
        "subject": "inscription {reference} reçue",
        "confirmed": "Votre inscription à",
        "badge": ["PROFESSIONNEL DE SANTÉ - PRESCRIPTEUR", "Oncologue"],
        "receipt": ["Reçu", "Frais d\u2019inscription : 450,00", "Virement bancaire", "Total payé"],
    },
    "de": {
        "page": ["Anmeldung zu", "Berufsgruppe", "Anmelden", "Onkologe/Onkologin - 450,00"],
        "email": ["Guten Tag Amélie,", "Vielen Dank für Ihre Anmeldung", "Kategorie: Onkologe"],
        "subject": "Anmeldung {reference} eingegangen",
        "confirmed": "Ihre Anmeldung zu",
        "badge": ["FACHKREISE - VERSCHREIBUNGSBERECHTIGT", "Onkologe/Onkologin"],
        "receipt": ["Quittung", "Teilnahmegebühr: 450,00", "Banküberweisung", "Insgesamt bezahlt"],
    },
    "es": {
        "page": ["Inscripción en", "Categoría profesional", "Inscribirse", "Oncólogo/a - 450,00"],
        "email": ["Estimado/a Amélie:", "Gracias por inscribirse", "Categoría: Oncólogo/a"],
        "subject": "inscripción {reference} recibida",
        "confirmed": "Su inscripción en",
        "badge": ["PROFESIONAL SANITARIO - PRESCRIPTOR", "Oncólogo/a"],
        "receipt": ["Recibo", "Cuota de inscripción: 450,00", "Transferencia bancaria"],
    },
}
ENGLISH_LEFTOVERS = ["Register for", "Dear ", "Thank you for registering", "Professional category"]


@pytest.fixture
def oncologist(congress):
    congress.contact_email = "secretariat@met26.example.org"
    category = get_category_by_slug(congress, "oncologist")
    registration_services.set_category_rules(
        category, fees={"early": "450", "regular": "550", "onsite": "650"}
    )
    db.session.commit()
    return category


def _register(app, congress, language: str) -> Registration:
    with app.test_request_context("/met26/register", headers={"Accept-Language": language}):
        made, _created = registration_services.register_attendee(
            congress,
            {
                "first_name": "Amélie",
                "last_name": "Lefèvre-Çelik",
                "email": f"amelie.{language}@hopital.example.org",
                "affiliation": "Hôpital Saint-Louis",
                "country": "FR",
                "category": "oncologist",
                "accept_terms": True,
            },
        )
        db.session.commit()
    return made


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_the_registration_page_is_in_the_readers_language(client, oncologist, language):
    response = client.get("/met26/register", headers={"Accept-Language": f"{language}, en;q=0.5"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in html
    for words in EXPECTED[language]["page"]:
        assert words in html, (language, words)
    for english in ENGLISH_LEFTOVERS:
        assert english not in html, (language, english)


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_a_field_error_is_in_the_readers_language(client, oncologist, language):
    response = client.post(
        "/met26/register",
        data={"first_name": "Amélie", "email": "not-an-address", "category": "oncologist"},
        headers={"Accept-Language": language},
    )
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422)  # the form again, with its errors
    required = {"fr": "Ce champ est obligatoire.", "de": "Dieses Feld ist erforderlich."}
    required["es"] = "Este campo es obligatorio."
    assert required[language] in html
    assert "This field is required." not in html


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_the_emails_are_in_the_registrations_language_whoever_acts(app, oncologist, language):
    from conference.mail import write_pending

    made = _register(app, oncologist.congress, language)
    assert made.language == language
    write_pending()  # the worker writes a new registration's first email
    received = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.registration_id == made.id)
    ).one()
    assert EXPECTED[language]["subject"].format(reference=made.reference) in received.subject
    for words in EXPECTED[language]["email"]:
        assert words in received.body_text, (language, words)
    assert "Dear " not in received.body_text
    assert "450,00" in received.body_text  # the amount due, in the reader's format

    # An organizer reading the site in English records the payment: the confirmation is
    # still written in the attendee's language.
    with app.test_request_context("/met26/manage", headers={"Accept-Language": "en"}):
        payments.record_payment(made, kind="bank_transfer", amount="450.00", note="SEPA")
        db.session.commit()
    confirmed = db.session.scalars(
        db.select(OutboxMessage).where(
            OutboxMessage.registration_id == made.id, OutboxMessage.kind.like("%confirmed")
        )
    ).one()
    assert EXPECTED[language]["confirmed"] in confirmed.body_text
    assert "Your registration" not in confirmed.body_text


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_badge_and_receipt_pdfs_are_in_the_registrations_language(
    client, app, oncologist, language
):
    from conference.registration.tokens import manage_url

    made = _register(app, oncologist.congress, language)
    payments.record_payment(made, kind="bank_transfer", amount="450.00", note="SEPA")
    db.session.commit()
    path = re.sub(r"^https?://[^/]+", "", manage_url(made))
    # Downloaded from an English browser: the PDFs follow the registration, not the reader.
    badge = client.get(f"{path}/badge.pdf", headers={"Accept-Language": "en"})
    assert badge.status_code == 200 and badge.mimetype == "application/pdf"
    text = _text(badge.data)
    for words in EXPECTED[language]["badge"]:
        assert words in text, (language, words, text)
    assert "Lefèvre-Çelik" in text and "Hôpital Saint-Louis" in text  # accents print
    assert "HEALTHCARE PROFESSIONAL" not in text

    receipt = _text(client.get(f"{path}/receipt.pdf").data)
    for words in EXPECTED[language]["receipt"]:
        assert words in receipt, (language, words, receipt)
    assert "Registration fee" not in receipt


def test_the_invoice_pdf_is_in_the_registrations_language(client, app, oncologist):
    from conference.money import services as money
    from conference.registration import invoicing
    from conference.registration.tokens import manage_url

    money.update_seller_profile(
        oncologist.congress,
        legal_name="Société Européenne d\u2019Oncologie",
        address="12 rue de l\u2019Hôpital\n75010 Paris",
        country="FR",
        vat_id="FR40303265045",
        iban="FR7630006000011234567890189",
        account_holder="Société Européenne d\u2019Oncologie",
        invoice_series="MET26",
        vat_rate_registration="20",
    )
    db.session.commit()
    made = _register(app, oncologist.congress, "fr")
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        invoicing.request_invoice(
            made,
            {
                "name": "Hôpital Saint-Louis",
                "address": "1 avenue Claude-Vellefaux",
                "country": "FR",
            },
        )
        db.session.commit()
    path = re.sub(r"^https?://[^/]+", "", manage_url(made))
    response = client.get(f"{path}/invoice.pdf", headers={"Accept-Language": "de"})
    assert response.status_code == 200
    text = _text(response.data)
    for words in ["Facture", "Vendeur", "Facturer à", "Échéance", "Total TTC", "Oncologue"]:
        assert words in text, (words, text)
    # The line and the payment terms were written in French when the invoice was issued.
    assert ("Oncologue, tarif" in text and "janvier 2027" in text) or "décembre" in text
    assert "Invoice number" not in text and "Rechnung" not in text
