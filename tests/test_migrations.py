"""The schema comes from Alembic migrations, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from conference.extensions import db


def test_migrations_create_every_model_table(app):
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_models_and_migrations_do_not_differ(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": False}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"


def test_running_migrations_leaves_the_applications_loggers_enabled(app):
    """Alembic's logging set-up must not silence our loggers (it did, hiding test errors)."""
    import logging

    assert not logging.getLogger("conference").disabled
    assert not app.logger.disabled
