"""Organizers give the congress's own texts (name, description, track names) in other
languages; readers in those languages see them, and the main language wherever none is given."""

from __future__ import annotations

import pytest

from conference.content import services as content
from conference.content.models import ContentTranslation
from conference.errors import NotFound, ValidationFailed
from conference.extensions import db


@pytest.fixture
def french_texts(congress):
    track = congress.tracks[0]
    content.set_translations(
        congress,
        "fr",
        {
            ("congress", congress.id, "name"): "Congrès international sur les métastases",
            ("track", track.id, "name"): "Métastases et résistance aux traitements",
        },
    )
    db.session.commit()
    return track


def test_readers_get_the_texts_of_their_language_else_the_main_language(
    client, congress, french_texts
):
    french = client.get("/met26/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Congrès international sur les métastases" in french
    assert "Métastases et résistance aux traitements" in french
    # Not given in French: the main-language (English) text.
    assert congress.tracks[1].name in french
    german = client.get("/met26/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert congress.name in german and "Congrès international" not in german
    english = client.get("/met26/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert congress.name in english and french_texts.name in english


def test_the_main_language_is_the_congress_own_columns(congress, french_texts):
    congress.language = "fr"
    db.session.commit()
    # French is now the main language: its columns win, other readers fall back to them.
    name = content.translated(congress, "congress", congress.id, "name", congress.name, "fr")
    assert name == congress.name
    with pytest.raises(NotFound):
        content.set_translations(congress, "fr", {})
    with pytest.raises(NotFound):
        content.set_translations(congress, "klingon", {})


def test_a_published_program_shows_translated_track_names(
    client, congress, french_texts, make_session, publish
):
    make_session("Liver metastases: resect or ablate", track=french_texts)
    publish()
    html = client.get("/met26/program", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Métastases et résistance aux traitements" in html
    html = client.get("/met26/program", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert french_texts.name in html and "Métastases et résistance" not in html


def test_organizers_give_texts_per_language_with_errors_next_to_the_field(
    client, auth, organizer, congress
):
    auth.login(organizer)
    track = congress.tracks[0]
    page = client.get("/met26/manage/content/de")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'name="track-{track.id}-name"' in html and congress.name in html

    too_long = client.post(
        "/met26/manage/content/de",
        data={
            f"congress-{congress.id}-name": "Internationaler Kongress zu Metastasen",
            f"track-{track.id}-name": "x" * 121,
        },
    )
    assert too_long.status_code == 422
    html = too_long.get_data(as_text=True)
    assert f'id="track-{track.id}-name-error"' in html and 'aria-invalid="true"' in html
    # What was typed stays in the form; nothing was stored.
    assert "Internationaler Kongress zu Metastasen" in html
    assert db.session.scalar(db.select(db.func.count(ContentTranslation.id))) == 0

    saved = client.post(
        "/met26/manage/content/de",
        data={
            f"congress-{congress.id}-name": "Internationaler Kongress zu Metastasen",
            f"track-{track.id}-name": "Metastasierung",
        },
    )
    assert saved.status_code == 302
    assert content.get_translations(congress, "de") == {
        ("congress", congress.id, "name"): "Internationaler Kongress zu Metastasen",
        ("track", track.id, "name"): "Metastasierung",
    }
    # An emptied field removes the translation: the main language shows again.
    client.post("/met26/manage/content/de", data={f"track-{track.id}-name": ""})
    assert ("track", track.id, "name") not in content.get_translations(congress, "de")

    assert client.get("/met26/manage/content/en").status_code == 404  # the main language
    assert client.get("/met26/manage/content/xx").status_code == 404


def test_only_organizers_edit_the_texts(client, auth, create_user, congress):
    assert client.get("/met26/manage/content/fr").status_code == 302  # to the login page
    auth.login(create_user())
    assert client.get("/met26/manage/content/fr").status_code == 403
    assert client.post("/met26/manage/content/fr", data={}).status_code == 403


def test_unknown_fields_are_refused(congress):
    with pytest.raises(ValidationFailed) as refused:
        content.set_translations(congress, "es", {("congress", congress.id, "password"): "x"})
    assert f"congress-{congress.id}-password" in refused.value.fields


def test_a_presenters_notice_names_the_congress_in_their_language(
    app, congress, french_texts, make_session, make_abstract, publish, create_user
):
    from conference.accounts import services as accounts
    from conference.mail import OutboxMessage
    from conference.program import sessions as session_services

    content.set_translations(congress, "fr", {("congress", congress.id, "short_name"): "MET26-FR"})
    session = make_session("Liver metastases: resect or ablate")
    session_services.add_presentation(
        session, abstract=make_abstract(presenter_email="amelie.lefevre@example.fr")
    )
    accounts.set_language(create_user(email="amelie.lefevre@example.fr"), "fr")
    db.session.commit()
    publish()
    message = db.session.scalars(
        db.select(OutboxMessage).where(OutboxMessage.to_address == "amelie.lefevre@example.fr")
    ).one()
    assert message.subject == "MET26-FR : votre place dans le programme"
    assert "Congrès international sur les métastases" in message.body_text
    assert "Le comité scientifique du MET26-FR" in message.body_text
