"""Countries (ISO 3166-1 alpha-2), shared by every domain: validation, choices, names."""

from __future__ import annotations

import pycountry


def check_country(code: str) -> str | None:
    """Return an error message for an unknown country code ("" is allowed), else None."""
    if not code:
        return None
    if pycountry.countries.get(alpha_2=code.upper()) is None:
        return "Choose a country from the list (ISO 3166 two-letter code)."
    return None


def country_choices() -> list[tuple[str, str]]:
    """(code, name) pairs for a select field, sorted by name."""
    return sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda item: item[1])


def country_name(code: str) -> str:
    """The English name of a country code (the code itself when unknown)."""
    country = pycountry.countries.get(alpha_2=code.upper()) if code else None
    return country.name if country else code
