"""registration: group orders (one buyer, several places, one invoice; delegates named later)

Revision ID: 0027_group_orders
Revises: 0026_bank_statements
Create Date: 2026-12-03 09:05:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0027_group_orders"
down_revision = "0026_bank_statements"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registration_settings") as batch_op:
        batch_op.add_column(
            sa.Column("group_deadline_days", sa.Integer(), server_default="14", nullable=False)
        )
    op.create_table(
        "registration_group_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("congress_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=24), nullable=False),
        sa.Column("manage_salt", sa.String(length=32), nullable=False),
        sa.Column("buyer_name", sa.String(length=200), nullable=False),
        sa.Column("buyer_email", sa.String(length=254), nullable=False),
        sa.Column("is_industry", sa.Boolean(), nullable=False),
        sa.Column("keep_unfilled", sa.Boolean(), nullable=False),
        sa.Column("invoice_number", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["congress_id"],
            ["congresses.id"],
            name=op.f("fk_registration_group_orders_congress_id_congresses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_group_orders")),
        sa.UniqueConstraint("reference", name=op.f("uq_registration_group_orders_reference")),
    )
    op.create_table(
        "registration_group_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("congress_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("fee_period", sa.String(length=10), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["registration_group_orders.id"],
            name=op.f("fk_registration_group_places_order_id_registration_group_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["congress_id"],
            ["congresses.id"],
            name=op.f("fk_registration_group_places_congress_id_congresses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["professional_categories.id"],
            name=op.f("fk_registration_group_places_category_id_professional_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_registration_group_places_registration_id_registrations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_group_places")),
        sa.UniqueConstraint(
            "registration_id", name=op.f("uq_registration_group_places_registration_id")
        ),
    )


def downgrade():
    op.drop_table("registration_group_places")
    op.drop_table("registration_group_orders")
    with op.batch_alter_table("registration_settings") as batch_op:
        batch_op.drop_column("group_deadline_days")
