"""A mailing given in several languages: each recipient gets the text of their language (their
registration's, else their account's), else the main-language text; the organizer form, the
preview and the API take the texts per language."""

from __future__ import annotations

from conference.accounts import services as accounts
from conference.extensions import db
from conference.mail import OutboxMessage
from conference.mailings import services

FRENCH = {
    "subject": "{congress} : informations pratiques",
    "body": "Bonjour {name}, votre référence est {reference}.",
}


def _attendees(make_registration):
    french = make_registration("Amélie", "Lefèvre", email="amelie@example.fr")
    german = make_registration("Jonas", "Weber", email="jonas@example.de")
    french.language, german.language = "fr", "de"
    db.session.commit()
    return french, german


def _body_of(address: str) -> OutboxMessage:
    return db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.to_address == address)
    ).one()


def test_each_recipient_gets_the_text_of_their_language_else_the_main_one(
    congress, make_registration, create_user
):
    french, german = _attendees(make_registration)
    reviewer = create_user("reviewer", email="rita@example.es", name="Rita Ruiz")
    accounts.set_language(reviewer, "fr")
    db.session.commit()
    mailing = services.parse_mailing(
        congress,
        group="attendees",
        subject="{congress}: practical information",
        body="Dear {name}, your reference is {reference}.",
        translations={"fr": FRENCH, "de": {"subject": "", "body": ""}},
    )
    preview = services.preview_mailing(congress, mailing)
    assert "Bonjour" in preview.samples_by_language["fr"]["text"]
    assert set(preview.samples_by_language) == {"fr"}
    services.send_mailing(congress, mailing, preview.token)
    db.session.commit()

    to_french = _body_of("amelie@example.fr")
    assert to_french.subject == f"{congress.name} : informations pratiques"
    assert f"Bonjour Amélie Lefèvre, votre référence est {french.reference}." in (
        to_french.body_text
    )
    to_german = _body_of("jonas@example.de")
    assert f"Dear Jonas Weber, your reference is {german.reference}." in to_german.body_text

    # Reviewers have no registration: their account's language decides.
    reviewers = services.parse_mailing(
        congress,
        group="reviewers",
        subject="Thanks",
        body="Dear {name}, thank you.",
        translations={"fr": {"subject": "Merci", "body": "Bonjour {name}, merci."}},
    )
    services.send_mailing(congress, reviewers, services.preview_mailing(congress, reviewers).token)
    db.session.commit()
    assert _body_of("rita@example.es").subject == "Merci"


def test_the_organizer_form_takes_the_texts_per_language(
    client, auth, organizer, congress, make_registration
):
    french, _german = _attendees(make_registration)
    auth.login(organizer)
    page = client.get("/met26/manage/mailings/new").get_data(True)
    assert 'name="subject_fr"' in page and 'name="body_es"' in page
    assert 'name="subject_en"' not in page  # the main language is the form's own fields

    form = {
        "group": "attendees",
        "subject": "{congress}: practical information",
        "body": "Dear {name}, your reference is {reference}.",
        "subject_fr": FRENCH["subject"],
        "body_fr": "Bonjour {nom}.",
    }
    refused = client.post("/met26/manage/mailings/new", data=form)
    html = refused.get_data(True)
    assert refused.status_code == 422
    assert 'id="body_fr-error"' in html and "Unknown placeholder: {nom}" in html
    assert "Bonjour {nom}." in html  # kept

    form["body_fr"] = FRENCH["body"]
    preview = client.post("/met26/manage/mailings/new", data=form)
    html = preview.get_data(True)
    assert preview.status_code == 200 and 'id="mailing-sample-fr"' in html
    assert f"Bonjour Amélie Lefèvre, votre référence est {french.reference}." in html
    token = html.split('name="preview_token" value="')[1].split('"')[0]
    sent = client.post("/met26/manage/mailings/send", data=form | {"preview_token": token})
    assert sent.status_code == 302
    campaign = client.get(sent.headers["Location"]).get_data(True)
    assert 'id="campaign-fr"' in campaign and FRENCH["body"] in campaign
    assert "votre référence est" in _body_of("amelie@example.fr").body_text
    assert "your reference is" in _body_of("jonas@example.de").body_text


def test_the_api_takes_and_returns_the_texts_per_language(
    client, organizer, api_token, congress, make_registration
):
    _attendees(make_registration)
    headers = api_token(organizer)
    payload = {
        "group": "attendees",
        "subject": "News",
        "body": "Dear {name}.",
        "translations": {"fr": {"subject": "Nouvelles", "body": "Bonjour {name}."}},
    }
    dry = client.post(
        "/api/v1/congresses/met26/mailings", json=payload | {"dry_run": True}, headers=headers
    )
    assert dry.status_code == 200, dry.json
    assert dry.json["preview"]["samples_by_language"]["fr"]["subject"] == "Nouvelles"
    token = dry.json["preview"]["preview_token"]
    sent = client.post(
        "/api/v1/congresses/met26/mailings",
        json=payload | {"preview_token": token},
        headers=headers,
    )
    assert sent.status_code == 201, sent.json
    assert sent.json["translations"]["fr"] == {"subject": "Nouvelles", "body": "Bonjour {name}."}
    assert sent.json["translations"]["de"] == {}

    refused = client.post(
        "/api/v1/congresses/met26/mailings",
        json=payload
        | {"dry_run": True, "translations": {"en": {"body": "x"}, "fr": {"body": "{nom}"}}},
        headers=headers,
    )
    assert refused.status_code == 422
    assert {"translations.en", "translations.fr.body"} <= set(refused.json["error"]["fields"])
