"""The program in French, German and Spanish: the public program and session pages, the
program book, the presenters' notices (in each recipient's own language, whoever publishes)
and the organizer dashboard, with medical congress wording and dates per locale."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from conference.accounts import services as accounts
from conference.extensions import db
from conference.i18n import format_when, in_language
from conference.mail import OutboxMessage
from conference.models import utcnow
from conference.program import sessions as services
from conference.program.exports.book import build_pdf
from conference.program.messages import change_message
from conference.program.published import get_published_program

#: Words each language must show on the public pages (and English must not leak).
PAGES = {
    "fr": {
        "program": ["Programme", "Tous les jours", "Session de communications orales", "Symposium"],
        "session": ["Présidents de séance :", "Discutants :", "FMC : 1,5 crédits", "Présentations"],
        "english": ["All days", "Oral abstract session", "Chairs:", "Discussants:"],
    },
    "de": {
        "program": ["Programm", "Alle Tage", "Vortragssitzung (Abstracts)", "Symposium"],
        "session": ["Vorsitz:", "Diskutanten:", "CME: 1,5 Punkte", "Beiträge"],
        "english": ["All days", "Oral abstract session", "Chairs:", "Discussants:"],
    },
    "es": {
        "program": ["Programa", "Todos los días", "Sesión de comunicaciones orales", "Simposio"],
        "session": ["Moderadores:", "Comentaristas:", "FMC: 1,5 créditos", "Presentaciones"],
        "english": ["All days", "Oral abstract session", "Chairs:", "Discussants:"],
    },
}


@pytest.fixture
def program_with_people(congress, make_session, make_abstract, at):
    session = make_session(
        "Oligometastatic disease: resect or ablate",
        start="09:00",
        end="10:30",
        chairs=["Élodie Marchand <elodie.marchand@gustaveroussy.example.fr>"],
        discussants=["Jürgen Weiß <juergen.weiss@charite.example.de>"],
    )
    abstract = make_abstract(
        title="Stereotactic ablation of liver metastases in 120 patients",
        presenter_name="Lucía Fernández",
        presenter_email="lucia.fernandez@vhio.example.es",
    )
    services.add_presentation(session, abstract=abstract)
    make_session("Immunotherapy beyond progression", format="symposium", start="11:00", end="12:00")
    db.session.commit()
    return session


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_the_public_program_and_a_session_page_speak_the_readers_language(
    client, congress, program_with_people, publish, language
):
    publish()
    headers = {"Accept-Language": language}
    program = client.get("/met26/program", headers=headers)
    html = program.get_data(as_text=True)
    assert program.status_code == 200 and f'<html lang="{language}">' in html
    for word in PAGES[language]["program"]:
        assert word in html, (language, word)
    assert format_when(congress.starts_on, "%A %d %B %Y", language=language) in html
    for english in PAGES[language]["english"]:
        assert english not in html, (language, english)

    page = client.get(f"/met26/program/sessions/{program_with_people.id}", headers=headers)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for word in PAGES[language]["session"]:
        assert word in html, (language, word)
    assert "Élodie Marchand" in html and "Jürgen Weiß" in html  # names as written
    # The abstract's own text is never translated.
    assert "Stereotactic ablation of liver metastases in 120 patients" in html
    for english in PAGES[language]["english"]:
        assert english not in html, (language, english)


def test_the_program_page_cache_keeps_each_language_apart(
    client, congress, program_with_people, publish
):
    publish()
    french = client.get("/met26/program", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    german = client.get("/met26/program", headers={"Accept-Language": "de"}).get_data(as_text=True)
    again = client.get("/met26/program", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Tous les jours" in french and "Alle Tage" in german
    assert again == french


def test_the_program_book_reads_in_french(app, congress, program_with_people, publish):
    publish()
    program = get_published_program(congress)
    text = "\n".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(build_pdf(program, utcnow(), language="fr"))).pages
    )
    assert "Version 1 du programme" in text
    assert "Session de communications orales" in text and "Symposium" in text
    assert "Présidents de séance : Élodie Marchand" in text
    assert "Crédits FMC : 1,5" in text and "crédits proposés ce jour" in text
    assert format_when(congress.starts_on, "%A %d %B %Y", language="fr") in text
    assert "Oral abstract session" not in text and "Chairs:" not in text
    # The book in the default language is still English.
    english = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(build_pdf(program, utcnow()))).pages
    )
    assert "Oral abstract session" in english and "Chairs: Élodie Marchand" in english


def test_the_public_book_url_serves_the_book_in_the_readers_language(
    client, congress, program_with_people, publish, build_books
):
    publish()
    build_books()

    def text_for(language: str) -> str:
        response = client.get("/met26/program/schedule.pdf", headers={"Accept-Language": language})
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        assert "Accept-Language" in response.headers["Vary"]
        pages = PdfReader(io.BytesIO(response.data)).pages
        return "\n".join(page.extract_text() for page in pages)

    french, german, spanish, english = (text_for(code) for code in ("fr", "de", "es", "en"))
    assert "Session de communications orales" in french and "Oral abstract" not in french
    assert "Vortragssitzung (Abstracts)" in german and "CME-Punkte: 1,5" in german
    assert "Sesión de comunicaciones orales" in spanish and "Moderadores:" in spanish
    assert "Oral abstract session" in english and "Chairs: Élodie Marchand" in english


NOTICE = {
    "fr": (
        "votre place dans le programme",
        [
            "Bonjour Lucía Fernández,",
            "Voici où et quand vous présentez",
            "Le comité scientifique du",
        ],
    ),
    "de": (
        "Ihr Platz im Programm",
        ["Guten Tag Lucía Fernández,", "wo und wann Sie präsentieren", "Das Programmkomitee des"],
    ),
    "es": (
        "su lugar en el programa",
        ["Estimado/a Lucía Fernández:", "dónde y cuándo presenta", "El comité científico del"],
    ),
}


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_the_presenters_notice_is_written_in_their_own_language(
    app, congress, program_with_people, publish, create_user, language
):
    presenter = create_user(email="lucia.fernandez@vhio.example.es", name="Lucía Fernández")
    accounts.set_language(presenter, language)
    db.session.commit()
    # The organizer publishes while reading the site in another language.
    other = "de" if language != "de" else "fr"
    with app.test_request_context("/", headers={"Accept-Language": other}):
        publish()
    message = db.session.scalars(
        db.select(OutboxMessage).where(
            OutboxMessage.to_address == "lucia.fernandez@vhio.example.es"
        )
    ).one()
    subject, phrases = NOTICE[language]
    assert subject in message.subject
    for phrase in phrases:
        assert phrase in message.body_text, (language, phrase)
    # The line about the talk: its title as written, the day in the reader's language.
    assert "Stereotactic ablation of liver metastases in 120 patients" in message.body_text
    assert format_when(congress.starts_on, "%a %d %b %Y", language=language) in message.body_text


def test_a_presenter_without_a_language_gets_english(app, congress, program_with_people, publish):
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        publish()
    message = db.session.scalars(
        db.select(OutboxMessage).where(
            OutboxMessage.to_address == "lucia.fernandez@vhio.example.es"
        )
    ).one()
    assert "your place in the program" in message.subject
    assert message.body_text.startswith("Dear Lucía Fernández,")


def test_stored_changes_and_conflicts_are_read_in_the_readers_language(
    app, client, auth, organizer, congress, program_with_people, publish, make_session, at
):
    publish()
    services.update_session(program_with_people, starts_at=at(0, "13:00"), ends_at=at(0, "14:30"))
    make_session(
        "Clashing satellite",
        format="industry_satellite",
        is_accredited=False,
        start="14:00",
        end="15:00",
    )
    version = publish()
    [moved] = [c for c in version.changes if c["kind"] == "session_changed"]
    assert moved["message"].startswith("“Oligometastatic disease")  # stored in English
    with in_language("de"):
        assert change_message(moved).startswith("„Oligometastatic disease: resect or ablate“: Zeit")

    auth.login(organizer)
    versions = client.get("/met26/manage/program/versions", headers={"Accept-Language": "es"})
    html = versions.get_data(as_text=True)
    assert "Versiones publicadas" in html
    assert "Sala reservada dos veces" in html or "Simposio satélite demasiado cerca" in html
    assert "Published versions" not in html and "is used twice at once" not in html


def test_the_dashboard_reads_in_german(
    client, auth, organizer, congress, program_with_people, publish
):
    publish()
    auth.login(organizer)
    accounts.set_language(organizer, "de")
    db.session.commit()
    page = client.get("/met26/manage/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and '<html lang="de">' in html
    for words in (
        "Dashboard für Organisatoren",
        "Der Kongress auf einen Blick",
        "Belegte Plätze",
        "Abstracts nach Themenbereich und Status",
        "Offene Programmkonflikte nach Art",
        "Zahlen als Tabelle",
        "Postausgang",
    ):
        assert words in html, words
    for english in ("Organizer dashboard", "Places taken", "Figures as a table", "Open the list"):
        assert english not in html, english


def test_a_date_in_the_schedule_editor_follows_the_reader(
    client, auth, organizer, congress, program_with_people
):
    auth.login(organizer)
    accounts.set_language(organizer, "es")
    db.session.commit()
    html = client.get("/met26/manage/program").get_data(as_text=True)
    assert "Editor del programa" in html and "Nueva sesión" in html
    assert '<h1 class="h3 mb-0">Editor del programa</h1>' in html
    assert "Unscheduled accepted abstracts" not in html
    assert format_when(congress.starts_on, "%a %d %b", language="es") in html
