"""Shared marshmallow fields for the API."""

from __future__ import annotations

from datetime import datetime

from marshmallow import fields, missing

from conference.models import MAX_DB_INT
from conference.program.queries import get_current_congress
from conference.timeutil import local_to_utc


class Integer(fields.Integer):
    """A whole number that fits an INTEGER column; larger ones are a 422, not a query error."""

    default_error_messages = {"out_of_range": "Must be between -{max} and {max}."}

    def _validated(self, value):
        number = super()._validated(value)
        if number is not None and abs(number) > MAX_DB_INT:
            raise self.make_error("out_of_range", max=MAX_DB_INT)
        return number


class CongressDateTime(fields.DateTime):
    """ISO 8601; a time without offset is read in the congress's time zone; output in UTC."""

    def _deserialize(self, value, attr, data, **kwargs):
        parsed: datetime = super()._deserialize(value, attr, data, **kwargs)
        congress = get_current_congress()
        if parsed.tzinfo is None and congress is not None:
            return local_to_utc(parsed, congress.tz)
        if parsed.tzinfo is None:
            raise self.make_error("invalid", input=value, obj_type="datetime")
        return local_to_utc(parsed, parsed.tzinfo)


class LocalOrAwareDateTime(fields.DateTime):
    """ISO 8601 kept as given: naive values stay naive for the service to place in a zone.

    Used where the same request may change the congress's time zone (PATCH /conference).
    """


class Translations(fields.Dict):
    """An organizer's texts in the congress's other languages: {language: {field: text}}.

    Read: every other language is listed, with the fields given in it (a missing field shows
    the main-language text, the object's own). Written (optional): the languages and fields
    sent are set, an empty text removes one; others are kept."""

    def __init__(self, kind: str, field_names: tuple[str, ...], **kwargs):
        self.kind = kind
        example = {"fr": {field_names[0]: "…"}}
        super().__init__(
            keys=fields.String(),
            values=fields.Dict(keys=fields.String(), values=fields.String(allow_none=True)),
            metadata={
                "description": "Texts per language (fr, de, es: the congress's languages "
                "other than its main one); fields: " + ", ".join(field_names) + ". Readers in "
                "a language without a text get the main-language one.",
                "example": example,
            },
            **kwargs,
        )

    def get_value(self, obj, attr, accessor=None, default=missing):
        if isinstance(obj, dict):
            return obj.get(attr, missing)
        from conference.content.services import translations_of

        congress = get_current_congress()
        if congress is None or getattr(obj, "id", None) is None:
            return missing
        return translations_of(congress, self.kind, obj.id)
