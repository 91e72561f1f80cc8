"""Writes of institutions: create (also on the fly from an affiliation), aliases, merges."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from conference.errors import Conflict, FieldErrors, ValidationFailed
from conference.extensions import db
from conference.institutions.matching import Part, affiliation_parts, names_match, normalise
from conference.institutions.models import Institution

_ROR = re.compile(r"^(?:https?://ror\.org/)?(0[a-z0-9]{6}[0-9]{2})$")


def _clean_aliases(aliases, name: str) -> list[str]:
    seen = {name.casefold()}
    cleaned = []
    for alias in aliases or []:
        alias = " ".join(str(alias or "").split())[:300]
        if normalise(alias) and alias.casefold() not in seen:
            seen.add(alias.casefold())
            cleaned.append(alias)
    return cleaned


def _refresh(institution: Institution) -> None:
    institution.key = normalise(institution.name)
    institution.search_text = "|".join(sorted(institution.keys))


def _by_key(key: str) -> Institution | None:
    return db.session.scalar(select(Institution).where(Institution.key == key))


def create_institution(
    name: str, *, aliases=(), country: str = "", ror_id: str | None = None
) -> Institution:
    """Add an institution; refuse one whose name is already known (in any spelling)."""
    name = " ".join((name or "").split())
    country = (country or "").strip().upper()
    errors = FieldErrors()
    if not normalise(name):
        errors.add("name", _("Give the institution's name."))
    elif len(name) > 300:
        errors.add("name", _("Keep the name under 300 characters."))
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        errors.add("country", _("Use the two-letter country code, e.g. SE."))
    ror = None
    if ror_id:
        found = _ROR.match(ror_id.strip().lower())
        if not found:
            errors.add("ror_id", _("A ROR id looks like 02jzgtq86 or https://ror.org/02jzgtq86."))
        else:
            ror = found.group(1)
    errors.raise_if_any(_("Please correct the institution's details."))
    existing = _by_key(normalise(name))
    if existing is not None:
        raise Conflict(
            _("“%(name)s” is already listed as %(existing)s.", name=name, existing=existing.name),
            code="institution_exists",
            fields={"name": [_("Already listed as %(existing)s.", existing=existing.name)]},
        )
    if ror and db.session.scalar(select(Institution.id).where(Institution.ror_id == ror)):
        raise Conflict(
            _("Another institution already has this ROR id."),
            code="institution_exists",
            fields={"ror_id": [_("Another institution already has this ROR id.")]},
        )
    institution = Institution(
        name=name, aliases=_clean_aliases(aliases, name), country=country, ror_id=ror
    )
    _refresh(institution)
    if not _insert(institution):  # added meanwhile by a concurrent request
        raise Conflict(
            _("“%(name)s” was just added by someone else.", name=name),
            code="institution_exists",
            fields={"name": [_("This institution was just added by someone else.")]},
        )
    return institution


def _insert(institution: Institution) -> bool:
    """Insert in a savepoint; False when the key or ROR id is already taken."""
    try:
        with db.session.begin_nested():
            db.session.add(institution)
            db.session.flush()
    except IntegrityError:
        return False
    return True


def add_aliases(institution: Institution, aliases) -> Institution:
    """Add spellings under which people write this institution."""
    institution.aliases = _clean_aliases([*(institution.aliases or []), *aliases], institution.name)
    _refresh(institution)
    db.session.flush()
    return institution


def merge_institutions(target: Institution, duplicates: list[Institution]) -> Institution:
    """Fold duplicates into `target`: their names and aliases become its aliases."""
    duplicates = [d for d in duplicates if d.id != target.id]
    if not duplicates:
        raise ValidationFailed(
            _("Choose at least one other institution to merge into this one."),
            fields={"duplicates": [_("Choose at least one other institution.")]},
        )
    spellings = [*(target.aliases or [])]
    for duplicate in duplicates:
        spellings.extend(duplicate.spellings)
        if not target.ror_id and duplicate.ror_id:
            target.ror_id, duplicate.ror_id = duplicate.ror_id, None
        if not target.country:
            target.country = duplicate.country
        db.session.delete(duplicate)
    db.session.flush()  # free the duplicates' keys and ROR ids first
    target.aliases = _clean_aliases(spellings, target.name)
    _refresh(target)
    db.session.flush()
    return target


def _is_known(part: Part, institutions: list[Institution]) -> bool:
    return any(
        names_match(part, Part(spelling, key))
        for institution in institutions
        for spelling, key in zip(
            institution.spellings, map(normalise, institution.spellings), strict=True
        )
    )


def record_affiliation(affiliation: str | None, country: str = "") -> list[Institution]:
    """List the institutions of a free-text affiliation not yet known (created on the fly).

    An institution counts as known when one of its spellings is, or matches by name, so a
    variant ("MD Anderson Cancer Center") adds no duplicate of a listed one.
    """
    return record_affiliations([(affiliation, country)])


def record_affiliations(affiliations: list[tuple[str | None, str]]) -> list[Institution]:
    """record_affiliation for several (affiliation, country) pairs, reading the list once."""
    parts = [
        (part, country)
        for affiliation, country in affiliations
        for part in affiliation_parts(affiliation)
    ]
    if not parts:
        return []
    known = list(db.session.scalars(select(Institution)))
    created = []
    for part, country in parts:
        if _is_known(part, known) or len(part.text) > 300:
            continue
        institution = Institution(name=part.text, aliases=[], country=(country or "")[:2].upper())
        _refresh(institution)
        known.append(institution)
        if _insert(institution):  # else a concurrent request listed it first: fine
            created.append(institution)
    return created
