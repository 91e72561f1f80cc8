"""Shared marshmallow fields for the API."""

from __future__ import annotations

from datetime import datetime

from marshmallow import fields

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
