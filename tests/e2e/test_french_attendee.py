"""In Chromium with a French browser (locale fr-FR): an oncologist registers in French, reads
French pages, receives French emails over real SMTP and downloads a French badge."""

from __future__ import annotations

import io
import re
from email.header import decode_header, make_header

from pypdf import PdfReader

from conference.extensions import db
from conference.registration import payments
from conference.registration import services as registration_services
from conference.registration.models import Registration
from conference.registration.queries import get_category_by_slug
from tests.conftest import deliver_outbox


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def test_a_french_speaking_attendee_registers_in_french(
    browser, congress, smtp, live_server_factory, app
):
    app.config["MAIL_SUPPRESS_SEND"] = False
    app.extensions["mail"].suppress = False
    congress.contact_email = "secretariat@met26.example.org"
    oncologist = get_category_by_slug(congress, "oncologist")
    registration_services.set_category_rules(
        oncologist, fees={"early": "450", "regular": "550", "onsite": "650"}
    )
    db.session.commit()
    server = live_server_factory()
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        # The browser asks for French: the form is in French, with French amounts.
        page.goto(f"{server.url}/met26/register")
        assert page.get_attribute("html", "lang") == "fr"
        assert "Inscription à" in page.inner_text("h1")
        assert page.inner_text("label[for=category]") == "Catégorie professionnelle"
        options = page.inner_text("#category")
        assert "Oncologue - 450,00\u00a0€" in options, options

        # A mistake is explained in French, next to the field.
        page.fill("#first_name", "Amélie")
        page.click("#register-form [type=submit]")
        page.wait_for_selector(".invalid-feedback")
        assert "Ce champ est obligatoire." in page.content()

        page.fill("#first_name", "Amélie")
        page.fill("#last_name", "Lefèvre")
        page.fill("#email", "amelie.lefevre@gustaveroussy.example.fr")
        page.fill("#affiliation", "Gustave Roussy")
        page.select_option("#country", "FR")
        page.select_option("#category", "oncologist")
        page.check("#accept_terms")
        page.click("#register-form [type=submit]")
        page.wait_for_selector("#reference")
        reference = page.inner_text("#reference")
        assert "Consultez vos e-mails" in page.inner_text("h1")
        assert "Comment payer" in page.content()
        assert "Check your email" not in page.content()

        # The email that arrives over SMTP is French, subject included.
        deliver_outbox()
        [received] = smtp.to("amelie.lefevre@gustaveroussy.example.fr")
        assert _subject(received) == f"MET26 : inscription {reference} reçue"
        body = smtp.text_of(received)
        assert body.startswith("Bonjour Amélie,")
        assert "Merci de votre inscription" in body and "Montant dû : 450,00" in body
        assert "Questions : secretariat@met26.example.org" in body
        assert "Dear " not in body

        # Her private link opens a French page.
        link = re.search(r"https?://\S+/registration/manage/\S+", body).group(0)
        manage = server.url + link[link.index("/met26/registration/manage/") :]
        page.goto(manage)
        page.wait_for_selector("#reference")
        assert "En attente de paiement" in page.inner_text("[data-status]")
        assert "450,00\u00a0€" in page.inner_text("#amount-due")

        # The organizer records her bank transfer: the confirmation goes out in French.
        made = db.session.scalars(
            db.select(Registration).where(Registration.reference == reference)
        ).one()
        payments.record_payment(made, kind="bank_transfer", amount="450.00", note="SEPA")
        db.session.commit()
        deliver_outbox()
        confirmations = [
            m
            for m in smtp.to("amelie.lefevre@gustaveroussy.example.fr")
            if "confirmée" in _subject(m)
        ]
        assert confirmations, [_subject(m) for m in smtp.messages]
        confirmation = smtp.text_of(confirmations[0])
        assert "Votre inscription à" in confirmation and "est confirmée" in confirmation

        # The badge, downloaded from her page, is French (text extracted from the PDF).
        page.goto(manage)
        assert "Confirmée" in page.inner_text("[data-status]")
        badge_href = page.get_attribute("a[href$='/badge.pdf']", "href")
        assert page.inner_text("a[href$='/badge.pdf']") == "Badge (PDF)"
        response = page.request.get(server.url + badge_href)
        assert response.status == 200
        text = PdfReader(io.BytesIO(response.body())).pages[0].extract_text()
        assert "PROFESSIONNEL DE SANTÉ - PRESCRIPTEUR" in text, text
        assert "Oncologue" in text and "Amélie Lefèvre" in text and "France" in text
        assert "HEALTHCARE" not in text
        assert errors == []
    finally:
        context.close()
