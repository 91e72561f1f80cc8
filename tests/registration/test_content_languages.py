"""A registration category's name given per language by the organizers (conference.content):
the page, the emails, the badge and the invoice show it in the registrant's language, and the
congress's main language wherever it was not given; the organizer form and the API set it."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from conference.content import services as content
from conference.extensions import db
from conference.mail import OutboxMessage, write_pending
from conference.registration import payments
from conference.registration import services as registration_services
from conference.registration.models import Registration
from tests.factories import SELLER

#: Not one of the standard category names: only the organizers' own translation can give it.
MAIN_NAME = "Medical oncologist (society member)"
FRENCH_NAME = "Oncologue médical (membre de la société)"
FRENCH_HINT = "Attestation d\u2019adhésion à la société de l\u2019année en cours."


@pytest.fixture
def member(congress):
    """A category with its name and proof hint in French only (English is the main language)."""
    category = registration_services.create_category(
        congress,
        name=MAIN_NAME,
        is_prescriber=True,
        proof_hint="Proof of this year's society membership.",
    )
    registration_services.set_category_rules(
        category, fees={"early": "380", "regular": "480", "onsite": "580"}
    )
    content.set_translations(
        congress,
        "fr",
        {
            ("category", category.id, "name"): FRENCH_NAME,
            ("category", category.id, "proof_hint"): FRENCH_HINT,
        },
    )
    db.session.commit()
    return category


def _register(app, category, language: str, last_name: str = "Lefèvre") -> Registration:
    with app.test_request_context("/met26/register", headers={"Accept-Language": language}):
        made, _created = registration_services.register_attendee(
            category.congress,
            {
                "first_name": "Amélie",
                "last_name": last_name,
                "email": f"amelie.{language}.{last_name.lower()}@hopital.example.org",
                "affiliation": "Hôpital Saint-Louis",
                "country": "FR",
                "category": category.slug,
                "accept_terms": True,
                "language": language,
            },
        )
        db.session.commit()
    return made


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _path(registration) -> str:
    from conference.registration.tokens import manage_url

    return re.sub(r"^https?://[^/]+", "", manage_url(registration))


def test_the_registration_page_names_the_category_in_the_readers_language(client, member):
    french = client.get("/met26/register", headers={"Accept-Language": "fr"}).get_data(True)
    assert FRENCH_NAME in french and MAIN_NAME not in french
    # No German text given: the main language (English), not the French.
    german = client.get("/met26/register", headers={"Accept-Language": "de"}).get_data(True)
    assert MAIN_NAME in german and FRENCH_NAME not in german


def test_the_emails_name_the_category_in_the_recipients_language(app, member):
    french = _register(app, member, "fr")
    german = _register(app, member, "de", last_name="Becker")
    write_pending()  # the worker writes a new registration's first email

    def body(registration) -> str:
        return db.session.scalars(
            db.select(OutboxMessage.body_text).where(
                OutboxMessage.registration_id == registration.id
            )
        ).one()

    assert f"Catégorie : {FRENCH_NAME}" in body(french)
    assert f"Kategorie: {MAIN_NAME}" in body(german)
    assert FRENCH_NAME not in body(german)

    # An organizer reading English confirms the payment: still the attendee's language.
    with app.test_request_context("/met26/manage", headers={"Accept-Language": "en"}):
        payments.record_payment(french, kind="bank_transfer", amount="380.00", note="SEPA")
        db.session.commit()
    confirmed = db.session.scalars(
        db.select(OutboxMessage).where(
            OutboxMessage.registration_id == french.id, OutboxMessage.kind.like("%confirmed")
        )
    ).one()
    assert FRENCH_NAME in confirmed.body_text


def test_the_badge_names_the_category_in_the_registrants_language(client, app, member):
    french = _register(app, member, "fr")
    spanish = _register(app, member, "es", last_name="García")
    for made in (french, spanish):
        payments.record_payment(made, kind="bank_transfer", amount="380.00", note="SEPA")
    db.session.commit()
    # Downloaded from an English browser: the badge follows the registration.
    text = _text(client.get(f"{_path(french)}/badge.pdf", headers={"Accept-Language": "en"}).data)
    assert FRENCH_NAME in text and MAIN_NAME not in text
    text = _text(client.get(f"{_path(spanish)}/badge.pdf").data)
    assert MAIN_NAME in text and FRENCH_NAME not in text


def test_the_invoice_is_written_in_the_registrants_language_and_reprints_identically(
    client, app, member
):
    from conference.money import services as money
    from conference.registration import invoicing

    money.update_seller_profile(member.congress, **SELLER)
    db.session.commit()
    made = _register(app, member, "fr")
    # Asked for from an English page: written in the registrant's language all the same.
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        invoice = invoicing.request_invoice(
            made,
            {
                "name": "Hôpital Saint-Louis",
                "address": "1 avenue Claude-Vellefaux",
                "country": "FR",
            },
        )
        db.session.commit()
    assert invoice.language == "fr"
    assert FRENCH_NAME in invoice.lines[0].description
    assert invoice.lines[0].description.startswith("Inscription MET26")
    assert "par virement bancaire" in invoice.payment_terms  # the terms are French too

    first = client.get(f"{_path(made)}/invoice.pdf", headers={"Accept-Language": "de"})
    assert first.status_code == 200
    text = " ".join(_text(first.data).split())  # a long line wraps in the PDF
    assert "Facture" in text and "Rechnung" not in text
    assert FRENCH_NAME in text, text
    again = client.get(f"{_path(made)}/invoice.pdf", headers={"Accept-Language": "es"})
    assert again.data == first.data

    # A refund's credit note is written in the invoice's language, whoever issues it.
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        money.record_invoice_payment(invoice, invoice.total_gross, method="bank_transfer")
        note = money.refund_invoice(invoice, "100.00", "Annulation partielle")
        db.session.commit()
    assert note.language == "fr"
    assert note.lines[0].description.startswith("Remboursement : ")
    assert note.payment_terms.startswith(f"Avoir relatif à la facture {invoice.number}")


def test_an_invoice_falls_back_to_the_main_language_name(app, member):
    from conference.money import services as money
    from conference.registration import invoicing

    money.update_seller_profile(member.congress, **SELLER)
    db.session.commit()
    made = _register(app, member, "de", last_name="Becker")
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        invoice = invoicing.request_invoice(
            made, {"name": "Charité", "address": "Charitéplatz 1, Berlin", "country": "DE"}
        )
        db.session.commit()
    assert invoice.language == "de"
    assert MAIN_NAME in invoice.lines[0].description
    assert invoice.lines[0].description.startswith("Anmeldung MET26")


def test_organizers_give_category_texts_on_the_content_page(client, auth, organizer, member):
    auth.login(organizer)
    edit = client.get(f"/met26/manage/categories/{member.id}").get_data(True)
    assert f"/met26/manage/content/de#category-{member.id}-name" in edit

    page = client.get("/met26/manage/content/de").get_data(True)
    assert f'name="category-{member.id}-name"' in page
    assert f'name="category-{member.id}-proof_hint"' in page
    assert MAIN_NAME in page  # the main-language text is shown next to the field

    too_long = client.post(
        "/met26/manage/content/de",
        data={f"category-{member.id}-name": "Internistische Onkologie " + "x" * 120},
    )
    assert too_long.status_code == 422
    html = too_long.get_data(True)
    assert f'id="category-{member.id}-name-error"' in html
    assert "Internistische Onkologie xxx" in html  # what was typed is kept

    saved = client.post(
        "/met26/manage/content/de",
        data={f"category-{member.id}-name": "Internistische Onkologie (Mitglied)"},
    )
    assert saved.status_code == 302
    german = client.get("/met26/register", headers={"Accept-Language": "de"}).get_data(True)
    # The organizer's account has no language: the header decides.
    assert "Internistische Onkologie (Mitglied)" in german
    assert content.get_translations(member.congress, "de") == {
        ("category", member.id, "name"): "Internistische Onkologie (Mitglied)"
    }


def test_the_api_reads_and_writes_category_texts_per_language(client, organizer, api_token, member):
    body = client.get("/api/v1/congresses/met26/registration/categories").json
    (listed,) = [c for c in body["categories"] if c["slug"] == member.slug]
    assert listed["name"] == MAIN_NAME
    assert listed["translations"] == {
        "fr": {"name": FRENCH_NAME, "proof_hint": FRENCH_HINT},
        "de": {},
        "es": {},
    }

    url = f"/api/v1/congresses/met26/registration/categories/{member.slug}"
    headers = api_token(organizer)
    response = client.patch(
        url,
        json={"translations": {"es": {"name": "Oncólogo/a clínico/a (socio/a)"}, "fr": {}}},
        headers=headers,
    )
    assert response.status_code == 200, response.json
    assert response.json["translations"]["es"] == {"name": "Oncólogo/a clínico/a (socio/a)"}
    assert response.json["translations"]["fr"]["name"] == FRENCH_NAME  # kept

    # An empty text removes one translation: the main language shows again.
    response = client.patch(url, json={"translations": {"fr": {"name": ""}}}, headers=headers)
    assert "name" not in response.json["translations"]["fr"]

    refused = client.patch(
        url,
        json={"translations": {"en": {"name": "x"}, "de": {"password": "x", "name": "y" * 121}}},
        headers=headers,
    )
    assert refused.status_code == 422
    fields = refused.json["error"]["fields"]
    assert {"translations.en", "translations.de.password", "translations.de.name"} <= set(fields)
    assert client.patch(url, json={"translations": {"de": {"name": "z"}}}).status_code == 401


def test_the_api_reads_and_writes_track_texts_per_language(client, organizer, api_token, congress):
    track = congress.tracks[0]
    url = f"/api/v1/congresses/met26/tracks/{track.slug}"
    response = client.patch(
        url,
        json={"translations": {"fr": {"name": "Métastases", "description": "Dissémination"}}},
        headers=api_token(organizer),
    )
    assert response.status_code == 200, response.json
    listed = client.get("/api/v1/congresses/met26/tracks").json
    (mine,) = [t for t in listed if t["slug"] == track.slug]
    assert mine["name"] == track.name
    assert mine["translations"]["fr"] == {"name": "Métastases", "description": "Dissémination"}
    assert mine["translations"]["de"] == {}
