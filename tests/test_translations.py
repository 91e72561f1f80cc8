"""Interface languages: catalogs complete and in step with the source, the reader's language,
dates and money per locale, emails in their recipient's language."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from conference.accounts import services as accounts
from conference.extensions import db
from conference.i18n import COOKIE, LANGUAGES, cldr_pattern, format_money, format_when
from conference.mail import OutboxMessage, queue_mail
from conference.registration import services as registration

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "conference" / "translations"
TRANSLATED = [code for code in LANGUAGES if code != "en"]


def _catalog(language: str):
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=language)


@functools.cache
def _source_messages() -> frozenset[str]:
    """Every message marked in the source (walked once per run, not once per language)."""
    with open(ROOT / "babel.cfg") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)},
    ):
        found.add(message if isinstance(message, str) else message[0])
    return frozenset(found)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_shipped_catalog_is_complete_and_reviewed(language):
    catalog = _catalog(language)
    untranslated = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{language}: untranslated {untranslated}"
    assert not fuzzy, f"{language}: fuzzy (needs review) {fuzzy}"
    # Placeholders such as %(zone)s kept: Babel's own checkers.
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalog.check()]
    assert not problems, problems


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogs_hold_every_message_marked_in_the_source(language):
    marked = _source_messages()
    assert "Log in" in marked  # the extraction itself works
    in_catalog = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(language) if m.id}
    missing = sorted(marked - in_catalog)
    assert not missing, f"run `make translations` and translate: {missing}"


def test_strftime_formats_become_cldr_patterns_with_literals_quoted():
    assert cldr_pattern("%a %d %b %Y, %H:%M") == "EEE dd MMM y, HH:mm"
    assert cldr_pattern("%H:%M UTC") == "HH:mm' UTC'"
    with pytest.raises(ValueError):
        cldr_pattern("%j")


def test_dates_and_amounts_follow_the_readers_language():
    moment = datetime(2026, 9, 14, 7, 5, tzinfo=UTC)  # 09:05 in Paris (summer time)
    paris = ZoneInfo("Europe/Paris")
    fmt = "%a %d %b %Y, %H:%M"
    assert format_when(moment, fmt, tz=paris, language="en") == "Mon 14 Sep 2026, 09:05"
    assert format_when(moment, fmt, tz=paris, language="fr") == "lun. 14 sept. 2026, 09:05"
    assert format_when(moment, fmt, tz=paris, language="de") == "Mo., 14. Sept. 2026, 09:05"
    assert format_when(moment, fmt, tz=paris, language="es") == "lun, 14 sept 2026, 9:05"
    assert format_when(date(2026, 9, 14), "%d %B %Y", language="es") == "14 de septiembre de 2026"
    assert format_money("1250.5", "EUR", language="en") == "€1,250.50"
    assert format_money("1250.5", "EUR", language="fr") == "1\u202f250,50\xa0€"
    assert format_money("1250.5", "EUR", language="de") == "1.250,50\xa0€"
    assert format_money("1250.5", "USD", language="es") == "1.250,50\xa0US$"


def test_a_visitor_gets_the_browsers_language_then_their_own_choice(client, congress):
    page = client.get("/", headers={"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"})
    html = page.get_data(as_text=True)
    assert '<html lang="fr">' in html and "Se connecter" in html and "Log in" not in html
    assert page.headers["Content-Language"] == "fr"
    assert "Accept-Language" in page.headers["Vary"]
    unknown = client.get("/", headers={"Accept-Language": "ja, zh;q=0.8"})
    assert '<html lang="en">' in unknown.get_data(as_text=True)

    # The switcher is a link (a page shared by every visitor carries no per-visitor token).
    chosen = client.get("/language/de?next=/met26/program")
    assert chosen.status_code == 302 and chosen.headers["Location"].endswith("/met26/program")
    assert f"{COOKIE}=de" in chosen.headers["Set-Cookie"]
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="de">' in html and "Anmelden" in html

    assert client.get("/language/xx").status_code == 404
    off_site = client.get("/language/es?next=//evil.example/")
    assert off_site.headers["Location"] in ("/", "http://localhost/")


def test_a_signed_in_reader_keeps_the_language_on_the_account(client, auth, create_user, congress):
    user = create_user(name="Élodie Marchand")
    auth.login(user)
    response = client.post("/language", data={"language": "es", "next": "/met26/program"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.language == "es"
    # The account wins over a cookie left by another visitor's choice and over the browser.
    client.set_cookie(COOKIE, "fr")
    html = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="es">' in html and "Cerrar sesión" in html

    refused = client.post("/language", data={"language": "klingon", "next": "/"})
    assert refused.status_code == 302
    db.session.refresh(user)
    assert user.language == "es"


def test_the_language_setting_needs_a_login(client, congress):
    assert client.post("/language", data={"language": "fr"}).status_code == 401


def test_emails_go_out_in_the_recipients_language_whoever_queues_them(app, congress, create_user):
    congress.contact_email = "secretariat@met26.example.org"
    reader = create_user(name="Jürgen Weiß")
    accounts.set_language(reader, "de")
    db.session.commit()
    # Queued while an organizer reads the site in French: the German reader still gets German.
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        message = queue_mail(
            reader.email,
            "Account",
            "accounts/account_exists",
            user_id=reader.id,
            user=reader,
            congress=congress,
            login_link="http://127.0.0.1:5000/login",
            reset_link="http://127.0.0.1:5000/password/reset",
        )
        db.session.commit()
    stored = db.session.get(OutboxMessage, message.id)
    assert "Fragen: secretariat@met26.example.org" in stored.body_text
    assert "Questions" not in stored.body_text


def test_a_registration_remembers_the_language_it_was_made_in(app, congress):
    from conference.registration.queries import get_category_by_slug

    congress.contact_email = "secretariat@met26.example.org"
    oncologist = get_category_by_slug(congress, "oncologist")
    registration.set_category_rules(
        oncologist, fees={"early": "450", "regular": "550", "onsite": "650"}
    )
    db.session.commit()
    with app.test_request_context("/met26/register", headers={"Accept-Language": "fr-FR"}):
        made, _created = registration.register_attendee(
            congress,
            {
                "first_name": "Amélie",
                "last_name": "Lefèvre",
                "email": "amelie.lefevre@gustaveroussy.example.fr",
                "affiliation": "Gustave Roussy",
                "country": "FR",
                "category": "oncologist",
                "accept_terms": True,
            },
        )
        db.session.commit()
    assert made.language == "fr"
    # Mail queued later for this registration, by anyone, is written in French.
    message = queue_mail(
        made.email,
        "Test",
        "accounts/account_exists",
        registration_id=made.id,
        user=made,
        congress=congress,
        login_link="-",
        reset_link="-",
    )
    assert "Questions : secretariat@met26.example.org" in message.body_text


def test_the_cached_program_page_is_kept_per_language(client, congress):
    from conference.program.publishing import publish_program

    publish_program(congress, None, [])
    db.session.commit()
    english = client.get("/met26/program", headers={"Accept-Language": "en"})
    french = client.get("/met26/program", headers={"Accept-Language": "fr"})
    assert english.status_code == french.status_code == 200
    assert english.headers["ETag"] != french.headers["ETag"]
    assert "Accept-Language" in french.headers["Vary"]
    assert "Se connecter" in french.get_data(as_text=True)
    again = client.get("/met26/program", headers={"Accept-Language": "en"})
    assert "Log in" in again.get_data(as_text=True)
    assert again.headers["ETag"] == english.headers["ETag"]
