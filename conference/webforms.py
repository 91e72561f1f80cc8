"""Helpers shared by the HTML forms of every domain."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from conference.errors import DomainError


def show_domain_error(form: FlaskForm, exc: DomainError, aliases: dict | None = None) -> None:
    """Attach a service's field errors next to the form's fields; flash what has no field.

    A duplicate the database refused (conference.integrity.DuplicateValue) is a Conflict
    naming its field like any other, so it lands beside the field too.
    """
    aliases = aliases or {}
    unplaced = []
    for name, messages in exc.fields.items():
        field = getattr(form, aliases.get(name, name), None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            unplaced.extend(messages)
    if unplaced or not exc.fields:
        flash(" ".join(unplaced) or exc.message, "danger")
    else:
        flash(exc.message, "danger")
