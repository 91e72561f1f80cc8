"""Declarative base shared by every domain, with a naming convention and mixins."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite loses tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Base for all models."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    """created_at/updated_at columns kept by the ORM."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


#: Largest value of an INTEGER column (PostgreSQL int4, the narrowest of our databases).
MAX_DB_INT = 2**31 - 1


def db_int(text: str) -> int:
    """A whole number from a form or query string that fits an INTEGER column.

    For `request.args.get(name, default, type=db_int)`: anything else (huge numbers, "²",
    "1.5") raises ValueError, so the default is used instead of a query that overflows.
    """
    text = (text or "").strip()
    digits = text[1:] if text[:1] == "-" else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10:
        raise ValueError(f"not a whole number: {text!r}")
    number = int(text)
    if abs(number) > MAX_DB_INT:
        raise ValueError(f"out of range: {text!r}")
    return number


def db_ints(values) -> list[int]:
    """The values of a multi-valued field that are valid ids (see db_int); others dropped."""
    found = []
    for value in values:
        try:
            found.append(db_int(value))
        except ValueError:
            continue
    return found


def clone_row(row, *, shift=None, **values):
    """A new, unsaved row of `row`'s model with the same column values (copying a congress).

    Dates and times move by `shift` (a timedelta); the primary key and the created/updated
    times are left to their defaults; `values` replace columns (the new congress_id, ...).
    """
    from datetime import date

    from sqlalchemy import inspect

    data = {}
    for attr in inspect(type(row)).column_attrs:
        key = attr.key
        if key in values or key in ("created_at", "updated_at"):
            continue
        if any(column.primary_key for column in attr.columns):
            continue
        value = getattr(row, key)
        if shift is not None and isinstance(value, datetime | date):
            value = value + shift
        data[key] = value
    data.update(values)
    return type(row)(**data)


def dialect_insert(table):
    """An INSERT of the session's database dialect (PostgreSQL or SQLite), which both offer
    `on_conflict_do_nothing` and `returning`: one statement where a savepoint per row was."""
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    from conference.extensions import db

    postgresql = db.session.get_bind().dialect.name == "postgresql"
    return (postgresql_insert if postgresql else sqlite_insert)(table)
