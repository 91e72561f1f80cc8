"""Countries (ISO 3166-1 alpha-2), shared by every domain: validation, choices, names."""

from __future__ import annotations

import pycountry


def check_country(code: str) -> str | None:
    """Return an error message for an unknown country code ("" is allowed), else None."""
    if not code:
        return None
    if pycountry.countries.get(alpha_2=code.upper()) is None:
        from flask_babel import gettext as _

        return _("Choose a country from the list (ISO 3166 two-letter code).")
    return None


def _local_names() -> dict[str, str] | None:
    """Country names in the reader's language (CLDR, through Babel); None for English."""
    try:
        from conference.i18n import current_language

        language = current_language()
    except RuntimeError:  # outside an application context
        return None
    if language == "en":
        return None
    from babel import Locale

    return Locale.parse(language).territories


def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs for a select field, sorted by name, in the reader's language."""
    names = _local_names()
    if names is None:
        return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda i: i[1])
    choices = [(c.alpha_2, names.get(c.alpha_2) or c.name) for c in pycountry.countries]
    return sorted(choices, key=lambda item: _sort_key(item[1]))


def _sort_key(name: str) -> str:
    """Sort "Émirats arabes unis" with the E's (accents do not move a name to the end)."""
    import unicodedata

    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def country_name(code: str) -> str:
    """The name of a country code in the reader's language (the code itself when unknown)."""
    country = pycountry.countries.get(alpha_2=code.upper()) if code else None
    if country is None:
        return code
    names = _local_names()
    return (names or {}).get(country.alpha_2) or country.name
