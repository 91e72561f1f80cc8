"""Set and read congress content per language, falling back to the congress's main language.

Domains register what can be translated (`KINDS`: kind -> field -> maximum length); the
program registers the congress and its tracks here, and registration categories, page texts
and email templates join by adding their kind (their owners call `register_kind`).
"""

from __future__ import annotations

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import delete, select

from conference.content.models import ContentTranslation
from conference.errors import FieldErrors, NotFound
from conference.extensions import db
from conference.i18n import LANGUAGES, current_language
from conference.models import utcnow

#: kind -> {field: maximum length}: what organizers may give per language.
KINDS: dict[str, dict[str, int]] = {
    "congress": {"name": 200, "short_name": 40, "description": 20000},
    "track": {"name": 120, "description": 5000},
    "category": {"name": 120},
    "page": {"title": 200, "body": 50000},
    "email_template": {"subject": 300, "body": 50000},
}


def register_kind(kind: str, fields: dict[str, int]) -> None:
    """Let organizers translate `fields` of `kind` (a domain's own objects)."""
    KINDS.setdefault(kind, {}).update(fields)


def other_languages(congress) -> list[str]:
    """The interface languages an organizer can give content in (all but the main one)."""
    return [code for code in LANGUAGES if code != congress.language]


def check_language(congress, language: str) -> str:
    if language not in other_languages(congress):
        raise NotFound(_("No such language for this congress's content."))
    return language


def set_translations(congress, language: str, values: dict[tuple[str, int, str], str]) -> int:
    """Store the texts of `values` ({(kind, object id, field): text}) in `language`; an empty
    text removes the translation (the main language shows again). Returns how many changed.

    Field errors (unknown kind or field, too long) are keyed "kind-id-field"."""
    check_language(congress, language)
    errors = FieldErrors()
    cleaned: dict[tuple[str, int, str], str] = {}
    for (kind, object_id, field), text in values.items():
        name = f"{kind}-{object_id}-{field}"
        limit = KINDS.get(kind, {}).get(field)
        if limit is None:
            errors.add(name, _("This text cannot be translated."))
            continue
        text = (text or "").strip()
        if len(text) > limit:
            errors.add(name, _("At most %(num)s characters.", num=limit))
            continue
        cleaned[(kind, int(object_id), field)] = text
    errors.raise_if_any(_("Please correct the highlighted fields."))
    existing = {
        (row.kind, row.object_id, row.field): row
        for row in db.session.scalars(
            select(ContentTranslation).where(
                ContentTranslation.congress_id == congress.id,
                ContentTranslation.language == language,
            )
        )
    }
    changed = 0
    for key, text in cleaned.items():
        row = existing.get(key)
        if not text:
            if row is not None:
                db.session.execute(
                    delete(ContentTranslation).where(ContentTranslation.id == row.id)
                )
                changed += 1
            continue
        if row is None:
            kind, object_id, field = key
            db.session.add(
                ContentTranslation(
                    congress_id=congress.id,
                    kind=kind,
                    object_id=object_id,
                    field=field,
                    language=language,
                    text=text,
                )
            )
            changed += 1
        elif row.text != text:
            row.text = text
            row.updated_at = utcnow()
            changed += 1
    db.session.flush()
    _forget()
    return changed


def get_translations(congress, language: str) -> dict[tuple[str, int, str], str]:
    """{(kind, object id, field): text} of the congress's content in `language` (one query)."""
    rows = db.session.execute(
        select(
            ContentTranslation.kind,
            ContentTranslation.object_id,
            ContentTranslation.field,
            ContentTranslation.text,
        ).where(
            ContentTranslation.congress_id == congress.id,
            ContentTranslation.language == language,
        )
    )
    return {(row.kind, row.object_id, row.field): row.text for row in rows}


def _forget() -> None:
    if has_app_context():
        g.pop("_content_translations", None)


def _current_map(congress, language: str) -> dict:
    """The translations of the reader's language, read once per request (or app context)."""
    if not has_app_context():
        return get_translations(congress, language)
    cache = g.setdefault("_content_translations", {})
    key = (congress.id, language)
    if key not in cache:
        cache[key] = get_translations(congress, language)
    return cache[key]


def translated(
    congress, kind: str, object_id: int, field: str, default: str, language: str | None = None
) -> str:
    """The text of a field in `language` (default: the reader's), else `default` (the
    object's own, main-language text)."""
    if congress is None:
        return default
    language = language or current_language()
    if language == congress.language:
        return default
    return _current_map(congress, language).get((kind, int(object_id), field)) or default
