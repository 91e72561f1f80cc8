"""Set and read congress content per language, falling back to the congress's main language.

Domains register what can be translated (`KINDS`: kind -> field -> maximum length) and how
their texts appear on the organizer's content page (`register_kind(..., items=, check=)`):
the program its congress and tracks, registration its categories, congresses its policies
("page"), abstracts its changed decision emails ("email_template"), mailings its campaigns.
"""

from __future__ import annotations

from collections.abc import Callable

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
    "congress": {"name": 200, "short_name": 40, "description": 20000, "venue": 200},
    "track": {"name": 120, "description": 5000},
    "category": {"name": 120, "description": 5000, "proof_hint": 300},
    #: Policies (terms, cancellation, privacy): their titles are the interface's own words.
    "page": {"body": 100000},
    "email_template": {"subject": 300, "body": 50000},
}

#: Functions `(congress) -> [item]` listing a domain's texts on the organizer's content page;
#: an item is {"kind", "id", "field", "label", "main"} ("main": the main-language text).
ITEM_PROVIDERS: dict[str, Callable] = {}
#: Functions `(field, text) -> [problem]` checking a kind's texts (placeholders of an email).
CHECKS: dict[str, Callable] = {}


def register_kind(
    kind: str,
    fields: dict[str, int],
    items: Callable | None = None,
    check: Callable | None = None,
) -> None:
    """Let organizers translate `fields` of `kind` (a domain's own objects); `items` lists them
    for the organizer's content page, `check` finds problems in a text."""
    KINDS.setdefault(kind, {}).update(fields)
    if items is not None:
        ITEM_PROVIDERS[kind] = items
    if check is not None:
        CHECKS[kind] = check


def content_items(congress) -> list[dict]:
    """Every text an organizer can give per language, kind by kind (in KINDS order),
    with its form name ("kind-id-field") and whether it is long (a text area)."""
    items = []
    for kind in KINDS:
        if kind in ITEM_PROVIDERS:
            items.extend(ITEM_PROVIDERS[kind](congress))
    for item in items:
        item["name"] = f"{item['kind']}-{item['id']}-{item['field']}"
        item["long"] = item["field"] in ("description", "body")
        item["main"] = item.get("main") or ""
    return items


def translations_of(congress, kind: str, object_id: int) -> dict[str, dict[str, str]]:
    """{language: {field: text}} of one object, every other language listed (the API's
    `translations`; a missing field falls back to the main language). The kind's texts are
    read once per request, so a list of objects costs one query."""
    by_object = _kind_map(congress, kind)
    given = by_object.get(int(object_id), {})
    return {code: dict(given.get(code, {})) for code in other_languages(congress)}


def _kind_map(congress, kind: str) -> dict[int, dict[str, dict[str, str]]]:
    def read():
        rows = db.session.execute(
            select(
                ContentTranslation.object_id,
                ContentTranslation.language,
                ContentTranslation.field,
                ContentTranslation.text,
            ).where(ContentTranslation.congress_id == congress.id, ContentTranslation.kind == kind)
        )
        result: dict[int, dict[str, dict[str, str]]] = {}
        for object_id, language, field, text in rows:
            result.setdefault(object_id, {}).setdefault(language, {})[field] = text
        return result

    if not has_app_context():
        return read()
    cache = g.setdefault("_content_kinds", {})
    key = (congress.id, kind)
    if key not in cache:
        cache[key] = read()
    return cache[key]


def set_object_translations(
    congress, kind: str, object_id: int, translations: dict[str, dict[str, str]]
) -> int:
    """Store one object's texts per language ({language: {field: text}}, as the API sends
    them): the fields given are set (empty: removed), others are kept. Field errors are keyed
    "translations.<language>.<field>"."""
    errors = FieldErrors()
    for language, fields in (translations or {}).items():
        if language not in other_languages(congress):
            errors.add(
                f"translations.{language}",
                _(
                    "Give texts in the congress's other languages only (%(languages)s).",
                    languages=", ".join(other_languages(congress)),
                ),
            )
            continue
        for field, text in (fields or {}).items():
            limit = KINDS.get(kind, {}).get(field)
            if limit is None:
                errors.add(f"translations.{language}.{field}", _("This text cannot be translated."))
            elif len((text or "").strip()) > limit:
                errors.add(
                    f"translations.{language}.{field}",
                    _("At most %(num)s characters.", num=limit),
                )
            elif text and kind in CHECKS:
                for problem in CHECKS[kind](field, text):
                    errors.add(f"translations.{language}.{field}", problem)
    errors.raise_if_any(_("Please correct the highlighted fields."))
    changed = 0
    for language, fields in (translations or {}).items():
        changed += set_translations(
            congress,
            language,
            {(kind, object_id, field): text or "" for field, text in (fields or {}).items()},
        )
    return changed


def forget_object(congress, kind: str, object_id: int) -> None:
    """Remove the translations of a deleted object."""
    db.session.execute(
        delete(ContentTranslation).where(
            ContentTranslation.congress_id == congress.id,
            ContentTranslation.kind == kind,
            ContentTranslation.object_id == object_id,
        )
    )
    _forget()


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
        problems = CHECKS[kind](field, text) if text and kind in CHECKS else []
        for problem in problems:
            errors.add(name, problem)
        if problems:
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
        g.pop("_content_kinds", None)


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


def copy_translations(
    source, target, kind: str, id_map: dict[int, int], fields: tuple[str, ...] | None = None
) -> int:
    """Copy the texts of `kind` from congress `source` to `target` (copying a congress):
    `id_map` is {source object id: target object id}; `fields` limits what is copied.
    Returns how many texts were copied."""
    rows = db.session.scalars(
        select(ContentTranslation).where(
            ContentTranslation.congress_id == source.id, ContentTranslation.kind == kind
        )
    )
    copied = 0
    for row in rows:
        if row.object_id not in id_map or (fields and row.field not in fields):
            continue
        if row.language == target.language:
            continue
        db.session.add(
            ContentTranslation(
                congress_id=target.id,
                kind=kind,
                object_id=id_map[row.object_id],
                field=row.field,
                language=row.language,
                text=row.text,
            )
        )
        copied += 1
    db.session.flush()
    _forget()
    return copied
