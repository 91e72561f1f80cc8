"""Policies per language (conference.content): the public page, the organizers' content page
and the API give a policy's text in the reader's language, else in the main language."""

from __future__ import annotations

from conference.congresses import services
from conference.content import services as content
from conference.extensions import db

ENGLISH = "# Privacy\n\nWe keep your registration data for **six years**."
FRENCH = "# Confidentialité\n\nNous conservons vos données d\u2019inscription **six ans**."


def _publish(congress):
    policy = services.save_policy(congress, "privacy", ENGLISH)
    db.session.commit()
    return policy


def test_a_policy_page_is_in_the_readers_language_else_the_main_one(client, congress):
    policy = _publish(congress)
    content.set_translations(congress, "fr", {("page", policy.id, "body"): FRENCH})
    db.session.commit()
    french = client.get("/met26/privacy", headers={"Accept-Language": "fr"}).get_data(True)
    assert "<h1>Confidentialité</h1>" in french and "six years" not in french
    spanish = client.get("/met26/privacy", headers={"Accept-Language": "es"}).get_data(True)
    assert "<h1>Privacy</h1>" in spanish and "Confidentialité" not in spanish


def test_organizers_give_the_policy_text_on_the_content_page(client, auth, organizer, congress):
    policy = _publish(congress)
    auth.login(organizer)
    assert "/met26/manage/content/fr" in client.get("/met26/manage/policies").get_data(True)
    page = client.get("/met26/manage/content/fr").get_data(True)
    assert f'name="page-{policy.id}-body"' in page
    saved = client.post("/met26/manage/content/fr", data={f"page-{policy.id}-body": FRENCH})
    assert saved.status_code == 302
    french = client.get("/met26/privacy", headers={"Accept-Language": "fr"}).get_data(True)
    assert "<h1>Confidentialité</h1>" in french

    # Withdrawn, then published again: the old translation does not come back with it.
    services.save_policy(congress, "privacy", "")
    db.session.commit()
    assert content.get_translations(congress, "fr") == {}


def test_the_policy_api_reads_and_writes_texts_per_language(client, organizer, api_token, congress):
    url = "/api/v1/congresses/met26/policies/privacy"
    response = client.put(
        url,
        json={"body_markdown": ENGLISH, "translations": {"fr": {"body": FRENCH}}},
        headers=api_token(organizer),
    )
    assert response.status_code == 200, response.json
    assert response.json["translations"] == {"fr": {"body": FRENCH}, "de": {}, "es": {}}
    french = client.get(url, headers={"Accept-Language": "fr"}).json
    assert french["body_markdown"] == ENGLISH  # the source in the main language
    assert "<h1>Confidentialité</h1>" in french["body_html"]
    german = client.get(url, headers={"Accept-Language": "de"}).json
    assert "<h1>Privacy</h1>" in german["body_html"]

    refused = client.put(
        url,
        json={"body_markdown": ENGLISH, "translations": {"fr": {"title": "Confidentialité"}}},
        headers=api_token(organizer),
    )
    assert refused.status_code == 422
    assert "translations.fr.title" in refused.json["error"]["fields"]
