"""Unique-constraint violations are domain errors: a 409 naming the field, written once.

A service's pre-check for duplicates can miss (SQLite's lower() folds ASCII only, Python's
folds everything; two requests may insert at once), so the database's unique constraints are
the last word. An engine `handle_error` hook turns every unique violation into
`DuplicateValue`, which is both a `Conflict` (views show it beside the field through
`show_domain_error`, the API answers 409 with `fields`) and an `IntegrityError` (code that
catches a lost race in a savepoint keeps working). The constraint is found by its name, which
the models' naming convention makes predictable (`uq_<table>_<columns>`), or by its table and
columns in SQLite's message. A constraint can give its own words with
`info={"field": ..., "message": ...}`.
"""

from __future__ import annotations

import re
from functools import cache

from sqlalchemy import Column, Index, UniqueConstraint, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import visitors

from conference.errors import Conflict

#: SQLite: "UNIQUE constraint failed: rooms.congress_id, rooms.name" or "...: index 'uq_x'".
SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (?:index '(?P<index>[^']+)'|(?P<cols>.+))")
POSTGRES_UNIQUE_VIOLATION = "23505"
#: Columns that scope a uniqueness rule rather than name what the user typed.
SCOPE_SUFFIX = "_id"
#: Derived columns that stand for a field the user filled in.
FIELD_OF_COLUMN = {"email_key": "email"}


class DuplicateValue(Conflict, IntegrityError):
    """A unique constraint refused a value: a Conflict naming the field(s)."""

    def __init__(self, original: IntegrityError, fields: dict[str, list[str]], message: str):
        IntegrityError.__init__(
            self,
            original.statement,
            original.params,
            original.orig,
            hide_parameters=original.hide_parameters,
            ismulti=original.ismulti,
        )
        # DomainError's attributes, set by hand: its __init__ would call IntegrityError's.
        self.message = message
        self.fields = fields
        self.code = "duplicate"
        self.extra = {}
        self.constraint_fields = list(fields)

    def _code_str(self) -> str:
        return ""

    def __str__(self) -> str:
        return self.message


class _Rule:
    def __init__(self, name: str, table: str, columns: list[str], info: dict):
        self.name = name
        self.table = table
        self.columns = columns
        self.info = info

    def fields(self) -> list[str]:
        if self.info.get("field"):
            return [self.info["field"]]
        named = [c for c in self.columns if not c.endswith(SCOPE_SUFFIX)]
        return [FIELD_OF_COLUMN.get(c, c) for c in named or self.columns]

    def message(self) -> str:
        if self.info.get("message"):
            return self.info["message"]
        labels = [field.removesuffix(SCOPE_SUFFIX).replace("_", " ") for field in self.fields()]
        if len(labels) == 1:
            return f"This {labels[0]} is already taken: choose another one."
        joined = ", ".join(labels[:-1]) + f" and {labels[-1]}"
        return f"This combination of {joined} is already taken: choose another one."


@cache
def _rules() -> tuple[dict[str, _Rule], dict[tuple[str, frozenset[str]], _Rule]]:
    """Every unique constraint and unique index of the models, by name and by columns."""
    from conference.extensions import db

    by_name: dict[str, _Rule] = {}
    by_columns: dict[tuple[str, frozenset[str]], _Rule] = {}
    for table in db.metadata.sorted_tables:
        items = [c for c in table.constraints if isinstance(c, UniqueConstraint)]
        items += [ix for ix in table.indexes if isinstance(ix, Index) and ix.unique]
        for item in items:
            if isinstance(item, Index):
                found = [e for x in item.expressions for e in visitors.iterate(x)]
                columns = [e.name for e in found if isinstance(e, Column)]
            else:
                columns = [c.name for c in item.columns]
            rule = _Rule(str(item.name), table.name, columns, dict(item.info or {}))
            by_name[rule.name] = rule
            by_columns.setdefault((table.name, frozenset(columns)), rule)
    return by_name, by_columns


def _violated_rule(exc: BaseException) -> _Rule | None:
    """The unique rule a driver error names, or None when it is not a unique violation."""
    by_name, by_columns = _rules()
    if getattr(exc, "sqlstate", None) == POSTGRES_UNIQUE_VIOLATION:
        diag = getattr(exc, "diag", None)
        name = getattr(diag, "constraint_name", None)
        table = getattr(diag, "table_name", None) or ""
        return by_name.get(name or "") or _Rule(name or "", table, _pg_columns(diag), {})
    match = SQLITE_UNIQUE.search(str(exc))
    if match is None:
        return None
    if match["index"]:
        return by_name.get(match["index"]) or _Rule(match["index"], "", ["value"], {})
    pairs = [part.strip().rpartition(".") for part in match["cols"].split(",")]
    table = pairs[0][0]
    columns = [column for _, _, column in pairs]
    return by_columns.get((table, frozenset(columns))) or _Rule("", table, columns, {})


def _pg_columns(diag) -> list[str]:
    detail = getattr(diag, "message_detail", None) or ""
    match = re.match(r"Key \((?P<cols>[^)]*)\)", detail)
    if not match:
        return ["value"]
    return [part.strip().strip('"') for part in match["cols"].split(",")]


def duplicate_from(error: IntegrityError) -> DuplicateValue | None:
    """A DuplicateValue for a unique violation; None for other integrity errors."""
    if isinstance(error, DuplicateValue):
        return error
    rule = _violated_rule(error.orig)
    if rule is None:
        return None
    message = rule.message()
    return DuplicateValue(error, {field: [message] for field in rule.fields()}, message)


def _on_engine_error(context):
    error = context.sqlalchemy_exception
    if isinstance(error, IntegrityError):
        return duplicate_from(error)
    return None


def install() -> None:
    """Convert unique violations on every engine (once per process)."""
    if not event.contains(Engine, "handle_error", _on_engine_error):
        event.listen(Engine, "handle_error", _on_engine_error)
