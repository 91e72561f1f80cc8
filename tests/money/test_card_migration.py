"""Migration 0039: registration's card checkouts and provider events become money's, unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import MetaData, Table, create_engine, inspect, text

from conference import create_app
from config import TestingConfig

BEFORE = "0036_outbox_write_jobs"
AFTER = "0039_card_for_invoices"


def _filler(column) -> object:
    """A value for a NOT NULL column the test does not care about."""
    kind = str(column["type"]).upper()
    if "INT" in kind or "NUMERIC" in kind or "BOOL" in kind:
        return 0
    if "DATETIME" in kind or "TIMESTAMP" in kind:
        return datetime(2026, 1, 1, tzinfo=UTC)
    if "DATE" in kind:
        return date(2026, 1, 1)
    if "JSON" in kind:
        return "[]"
    return "x"


def _insert(conn, table: str, **values) -> int:
    """Insert a row, filling every other NOT NULL column without a default."""
    for column in inspect(conn).get_columns(table):
        name = column["name"]
        if name in values or name == "id" or column["nullable"] or column["default"] is not None:
            continue
        values[name] = _filler(column)
    reflected = Table(table, MetaData(), autoload_with=conn)
    return conn.execute(reflected.insert().values(**values)).inserted_primary_key[0]


def test_registration_checkouts_and_events_move_to_money(tmp_path):
    from flask_migrate import downgrade, upgrade

    url = f"sqlite:///{tmp_path / 'migrate.sqlite'}"
    config = type("MigrateConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    app = create_app(config)
    with app.app_context():
        upgrade(revision=BEFORE)
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            conn.execute(text("PRAGMA ignore_check_constraints=ON"))  # only the rows moved matter
            congress_id = _insert(conn, "congresses", slug="met26", short_name="MET26")
            registration_id = _insert(
                conn, "registrations", congress_id=congress_id, reference="MET26-7K3Q"
            )
            _insert(
                conn,
                "registration_card_checkouts",
                registration_id=registration_id,
                provider="stripe",
                session_id="cs_test_paid",
                payment_reference="pi_123",
                amount=Decimal("480.00"),
                currency="EUR",
                status="needs_refund",
                refunded_amount=Decimal("0.00"),
                note="Paid after the registration was cancelled",
            )
            _insert(
                conn,
                "registration_provider_events",
                provider="stripe",
                event_id="evt_1",
                event_type="checkout.session.completed",
            )
        upgrade(revision=AFTER)
        with engine.begin() as conn:
            tables = set(inspect(conn).get_table_names())
            assert "registration_card_checkouts" not in tables
            assert "registration_provider_events" not in tables
            row = conn.execute(
                text(
                    "SELECT congress_id, source, source_key, invoice_id, session_id, "
                    "payment_reference, amount, status, note FROM money_card_checkouts"
                )
            ).one()
            assert row.congress_id == congress_id
            assert (row.source, row.source_key, row.invoice_id) == (
                "registration",
                "MET26-7K3Q",
                None,
            )
            assert (row.session_id, row.payment_reference, row.status) == (
                "cs_test_paid",
                "pi_123",
                "needs_refund",
            )
            assert Decimal(str(row.amount)) == Decimal("480.00")
            event = conn.execute(text("SELECT event_id FROM money_provider_events")).scalar_one()
            assert event == "evt_1"
        # And back: the registration's checkout returns to its table.
        downgrade(revision=BEFORE)
        with engine.begin() as conn:
            back = conn.execute(
                text("SELECT registration_id, session_id FROM registration_card_checkouts")
            ).one()
            assert tuple(back) == (registration_id, "cs_test_paid")
            assert conn.execute(text("SELECT count(*) FROM money_card_checkouts")).scalar() == 0
        engine.dispose()
