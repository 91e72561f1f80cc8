"""one card-payment flow in money: checkouts of any sale, provider events, card refunds

Registration's card checkouts and provider events move into money's tables (a checkout now
names the sale it pays, `source` and `source_key`, and pays an invoice only when it has one);
refunds made through the provider from the invoice pages get their own rows.

Revision ID: 0039_card_for_invoices
Revises: 0036_outbox_write_jobs
Create Date: 2026-12-03 17:20:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0039_card_for_invoices"
down_revision = "0038_industry_finish"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("money_card_checkouts") as batch:
        batch.add_column(
            sa.Column("source", sa.String(length=40), nullable=False, server_default="")
        )
        batch.add_column(
            sa.Column("source_key", sa.String(length=80), nullable=False, server_default="")
        )
        batch.alter_column("invoice_id", existing_type=sa.Integer(), nullable=True)
        batch.create_index(batch.f("ix_money_card_checkouts_source_key"), ["source_key"])
        batch.create_check_constraint(
            op.f("ck_money_card_checkouts_refunded_at_most_amount"), "refunded_amount <= amount"
        )
    # Invoice checkouts name the sale of their invoice.
    op.execute(
        "UPDATE money_card_checkouts SET "
        "source = (SELECT o.source FROM money_invoices i JOIN money_orders o "
        "ON o.id = i.order_id WHERE i.id = money_card_checkouts.invoice_id), "
        "source_key = (SELECT o.source_key FROM money_invoices i JOIN money_orders o "
        "ON o.id = i.order_id WHERE i.id = money_card_checkouts.invoice_id)"
    )
    # Registration's checkouts become money's, named by the registration's reference.
    op.execute(
        "INSERT INTO money_card_checkouts (congress_id, source, source_key, invoice_id, "
        "provider, session_id, payment_reference, amount, currency, status, refunded_amount, "
        "created_at, completed_at, note) "
        "SELECT r.congress_id, 'registration', r.reference, NULL, c.provider, c.session_id, "
        "c.payment_reference, c.amount, c.currency, c.status, c.refunded_amount, "
        "c.created_at, c.completed_at, c.note "
        "FROM registration_card_checkouts c JOIN registrations r ON r.id = c.registration_id "
        "ORDER BY c.id"
    )
    op.create_table(
        "money_provider_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_money_provider_events")),
        sa.UniqueConstraint(
            "provider", "event_id", name=op.f("uq_money_provider_events_provider_event_id")
        ),
    )
    op.execute(
        "INSERT INTO money_provider_events (provider, event_id, event_type, outcome, "
        "received_at) SELECT provider, event_id, event_type, outcome, received_at "
        "FROM registration_provider_events ORDER BY id"
    )
    op.create_table(
        "money_card_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("congress_id", sa.Integer(), nullable=False),
        sa.Column("checkout_id", sa.Integer(), nullable=False),
        sa.Column("credit_note_id", sa.Integer(), nullable=True),
        sa.Column("amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("provider_refund_id", sa.String(length=255), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refunded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_money_card_refunds_amount_positive")),
        sa.CheckConstraint(
            "status IN ('pending', 'refunded', 'needs_refund')",
            name=op.f("ck_money_card_refunds_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["checkout_id"],
            ["money_card_checkouts.id"],
            name=op.f("fk_money_card_refunds_checkout_id_money_card_checkouts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["congress_id"],
            ["congresses.id"],
            name=op.f("fk_money_card_refunds_congress_id_congresses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credit_note_id"],
            ["money_invoices.id"],
            name=op.f("fk_money_card_refunds_credit_note_id_money_invoices"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_money_card_refunds")),
    )
    with op.batch_alter_table("money_card_refunds") as batch:
        batch.create_index(batch.f("ix_money_card_refunds_congress_id"), ["congress_id"])
        batch.create_index(batch.f("ix_money_card_refunds_checkout_id"), ["checkout_id"])
        batch.create_index(batch.f("ix_money_card_refunds_credit_note_id"), ["credit_note_id"])
    with op.batch_alter_table("registration_card_checkouts") as batch:
        batch.drop_index(batch.f("ix_registration_card_checkouts_registration_id"))
    op.drop_table("registration_card_checkouts")
    op.drop_table("registration_provider_events")


def downgrade():
    op.create_table(
        "registration_provider_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_provider_events")),
        sa.UniqueConstraint(
            "provider", "event_id", name=op.f("uq_registration_provider_events_provider_event_id")
        ),
    )
    op.execute(
        "INSERT INTO registration_provider_events (provider, event_id, event_type, outcome, "
        "received_at) SELECT provider, event_id, event_type, outcome, received_at "
        "FROM money_provider_events ORDER BY id"
    )
    op.create_table(
        "registration_card_checkouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("session_id", sa.String(length=255), nullable=False),
        sa.Column("payment_reference", sa.String(length=255), nullable=False),
        sa.Column("amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("refunded_amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'paid', 'needs_refund', 'refunded')",
            name=op.f("ck_registration_card_checkouts_status_known"),
        ),
        sa.CheckConstraint(
            "amount > 0", name=op.f("ck_registration_card_checkouts_amount_positive")
        ),
        sa.CheckConstraint(
            "refunded_amount >= 0",
            name=op.f("ck_registration_card_checkouts_refunded_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_registration_card_checkouts_registration_id_registrations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_card_checkouts")),
        sa.UniqueConstraint(
            "provider",
            "session_id",
            name=op.f("uq_registration_card_checkouts_provider_session_id"),
        ),
    )
    with op.batch_alter_table("registration_card_checkouts") as batch:
        batch.create_index(
            batch.f("ix_registration_card_checkouts_registration_id"), ["registration_id"]
        )
    op.execute(
        "INSERT INTO registration_card_checkouts (registration_id, provider, session_id, "
        "payment_reference, amount, currency, status, refunded_amount, created_at, "
        "completed_at, note) "
        "SELECT r.id, c.provider, c.session_id, c.payment_reference, c.amount, c.currency, "
        "c.status, c.refunded_amount, c.created_at, c.completed_at, c.note "
        "FROM money_card_checkouts c JOIN registrations r "
        "ON r.reference = c.source_key AND r.congress_id = c.congress_id "
        "WHERE c.source = 'registration' AND c.invoice_id IS NULL"
    )
    op.execute(
        "DELETE FROM money_card_checkouts WHERE source = 'registration' AND invoice_id IS NULL"
    )
    op.drop_table("money_card_refunds")
    op.drop_table("money_provider_events")
    with op.batch_alter_table("money_card_checkouts") as batch:
        batch.drop_constraint(
            op.f("ck_money_card_checkouts_refunded_at_most_amount"), type_="check"
        )
        batch.drop_index(batch.f("ix_money_card_checkouts_source_key"))
        batch.alter_column("invoice_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("source_key")
        batch.drop_column("source")
