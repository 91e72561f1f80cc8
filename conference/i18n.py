"""Languages of the interface: which one a reader gets, and dates, numbers and money per locale.

The interface speaks English, French, German and Spanish (gettext catalogs under
conference/translations, compiled by `make`). A reader's language is, in order: the one
stored on their account, the `lang` cookie a visitor set with the language switcher, the best
match of the browser's `Accept-Language`, and else English. Emails are rendered in their
recipient's language (`conference.mail.queue_mail(language=...)`), whoever queues them.

Dates and times are formatted with Babel (CLDR data) in the congress's time zone; the
`local` filter keeps the strftime-style formats the templates pass and turns them into CLDR
patterns, so one format string gives "Mon 14 Sep 2026" in English and "lun. 14 sept. 2026"
in French.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.dates import format_skeleton
from babel.numbers import format_currency, format_decimal
from flask import has_request_context, request
from flask_babel import Babel, force_locale, get_locale

#: Interface languages: code -> the language's own name (shown in the switcher).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "fr": "Français",
    "de": "Deutsch",
    "es": "Español",
}
DEFAULT_LANGUAGE = "en"
#: The visitor's choice (a year; not personal data: only the language code).
COOKIE = "lang"
COOKIE_SECONDS = 365 * 24 * 3600

babel = Babel()


def normalize(code: str | None) -> str | None:
    """A supported language code for `code` ("fr-CA" -> "fr"), or None."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


def select_locale() -> str:
    """The reader's language (Flask-Babel's locale selector)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    from flask_login import current_user

    if current_user.is_authenticated:
        user_language = normalize(current_user.language)
        if user_language:
            return user_language
    cookie = normalize(request.cookies.get(COOKIE))
    if cookie:
        return cookie
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE)


def in_language(language: str | None):
    """Context manager: render in `language` (an email for its recipient); unknown -> English."""
    return force_locale(normalize(language) or DEFAULT_LANGUAGE)


_STRFTIME_TO_CLDR = {
    "a": "EEE",
    "A": "EEEE",
    "d": "dd",
    "e": "d",
    "-d": "d",
    "b": "MMM",
    "B": "MMMM",
    "m": "MM",
    "-m": "M",
    "y": "yy",
    "Y": "y",
    "H": "HH",
    "-H": "H",
    "I": "hh",
    "M": "mm",
    "S": "ss",
    "p": "a",
    "Z": "zzz",
}
_DIRECTIVE = re.compile(r"%(-?[a-zA-Z%])")


def cldr_pattern(strftime_format: str) -> str:
    """A CLDR date pattern for a strftime format ("%a %d %b %Y, %H:%M" -> "EEE dd MMM y, HH:mm");
    literal text is quoted so letters in it are not read as pattern fields."""
    parts: list[str] = []
    position = 0
    for match in _DIRECTIVE.finditer(strftime_format):
        literal = strftime_format[position : match.start()]
        if literal:
            parts.append(_quote(literal))
        directive = match.group(1)
        if directive == "%":
            parts.append(_quote("%"))
        elif directive in _STRFTIME_TO_CLDR:
            parts.append(_STRFTIME_TO_CLDR[directive])
        else:
            raise ValueError(f"unsupported date format directive %{directive}")
        position = match.end()
    if position < len(strftime_format):
        parts.append(_quote(strftime_format[position:]))
    return "".join(parts)


def _quote(literal: str) -> str:
    if not re.search(r"[A-Za-z']", literal):
        return literal
    return "'" + literal.replace("'", "''") + "'"


_FIELDS = re.compile(r"'(?:[^']|'')*'|([A-Za-z])\1*")


def skeletons(pattern: str) -> tuple[str, str]:
    """The CLDR skeletons (date part, time part) of a pattern: the fields it shows, in
    canonical order, without literals ("EEE dd MMM y, HH:mm" -> ("yMMMEd", "Hm"))."""
    fields = {}
    for match in _FIELDS.finditer(pattern):
        if match.group(1):
            fields[match.group(1)] = len(match.group(0))
    date_part = ""
    if "y" in fields:
        date_part += "y"
    if "M" in fields:
        date_part += "M" * max(fields["M"], 1)
    if "E" in fields:
        date_part += "E" * min(fields["E"], 3) if fields["E"] < 4 else "EEEE"
    if "d" in fields:
        date_part += "d"
    time_part = "H" if "H" in fields else "h" if "h" in fields else ""
    if time_part and "m" in fields:
        time_part += "m"
    if time_part and "s" in fields:
        time_part += "s"
    return date_part, time_part


def format_when(value: datetime | date | None, fmt: str, tz=None, language: str | None = None):
    """`value` (UTC datetime, or a date) in the reader's language, in time zone `tz`.

    English keeps the template's own order and punctuation; other languages show the same
    fields in their own order and punctuation (CLDR skeletons: "Mo., 14. Sept. 2026, 09:05").
    """
    if value is None:
        return ""
    locale = Locale.parse(normalize(language) or current_language())
    pattern = cldr_pattern(fmt)
    is_datetime = isinstance(value, datetime)
    if locale.language == "en" or "zzz" in pattern or "'" in pattern.replace("''", ""):
        if is_datetime:
            return babel_format_datetime(value, pattern, tzinfo=tz, locale=locale)
        return babel_format_date(value, pattern, locale=locale)
    date_skeleton, time_skeleton = skeletons(pattern)
    if is_datetime and tz is not None:
        value = value.astimezone(tz) if value.tzinfo else value.replace(tzinfo=UTC).astimezone(tz)
    parts = []
    if date_skeleton:
        parts.append(format_skeleton(date_skeleton, value, locale=locale, fuzzy=True))
    if time_skeleton and is_datetime:
        parts.append(format_skeleton(time_skeleton, value, locale=locale, fuzzy=True))
    if len(parts) == 2:
        joined = str(locale.datetime_formats.get("medium", "{1} {0}"))
        return joined.replace("{1}", parts[0]).replace("{0}", parts[1])
    return parts[0] if parts else ""


def format_money(amount, currency: str = "EUR", language: str | None = None) -> str:
    """An amount with its currency, per locale: "€1,250.00" (en), "1 250,00 €" (fr)."""
    if amount is None or amount == "":
        return ""
    return format_currency(Decimal(str(amount)), currency, locale=language or current_language())


def format_number(value, language: str | None = None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=language or current_language())


def language_name(code: str) -> str:
    return LANGUAGES.get(code) or Locale.parse(code).get_display_name(code)


def init_app(app) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=select_locale)
    register_routes(app)

    @app.context_processor
    def _languages():
        return {"LANGUAGES": LANGUAGES, "current_language": current_language}

    app.add_template_filter(format_money, "money")
    app.add_template_filter(format_number, "number")

    @app.after_request
    def _content_language(response):
        response.headers.setdefault("Content-Language", current_language())
        if request.endpoint and not request.path.startswith(("/api/", "/static/")):
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        return response


def _remember(response, language: str):
    response.set_cookie(
        COOKIE,
        language,
        max_age=COOKIE_SECONDS,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure,
    )
    return response


def _choose_language(code: str):
    """GET /language/<code>?next=...: a visitor's choice, kept in a cookie only (a link, so a
    page shared by every visitor carries no per-visitor form token)."""
    from flask import abort, redirect

    from conference.urls import local_path

    language = normalize(code)
    if language is None or language != code:
        abort(404)
    return _remember(redirect(local_path(request.args.get("next")) or "/"), language)


def _save_language():
    """POST /language: a signed-in reader's choice, stored on the account (emails follow it)."""
    from flask import abort, flash, redirect
    from flask_babel import gettext
    from flask_login import current_user

    from conference.accounts import services as accounts
    from conference.extensions import db
    from conference.urls import local_path

    if not current_user.is_authenticated:
        abort(401)
    target = local_path(request.form.get("next")) or "/"
    language = normalize(request.form.get("language"))
    if language is None or language != request.form.get("language"):
        flash(gettext("Choose one of the languages offered."), "warning")
        return redirect(target)
    accounts.set_language(current_user, language)
    db.session.commit()
    return _remember(redirect(target), language)


def register_routes(app) -> None:
    app.add_url_rule("/language/<code>", "choose_language", _choose_language)
    app.add_url_rule("/language", "save_language", _save_language, methods=["POST"])
