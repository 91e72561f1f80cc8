"""abstracts: optional fee per submitted abstract (status, invoice, waiver)

Revision ID: 0028_abstract_fees
Revises: 0027_group_orders
Create Date: 2026-12-03 09:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0028_abstract_fees"
down_revision = "0027_group_orders"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("congresses") as batch:
        batch.add_column(sa.Column("abstract_fee", sa.Numeric(precision=10, scale=2), nullable=True))
        batch.add_column(sa.Column("abstract_fee_waiver_countries", sa.JSON(), nullable=True))
    with op.batch_alter_table("abstracts") as batch:
        batch.add_column(
            sa.Column("fee_status", sa.String(length=20), nullable=False, server_default="none")
        )
        batch.add_column(sa.Column("fee_amount", sa.Numeric(precision=10, scale=2), nullable=True))
        batch.add_column(sa.Column("fee_paid_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("fee_invoice_number", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("fee_waived_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("fee_waived_by_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("fee_waiver_reason", sa.String(length=300), nullable=False, server_default="")
        )
        batch.create_foreign_key(
            batch.f("fk_abstracts_fee_waived_by_id_users"),
            "users",
            ["fee_waived_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_check_constraint(
            "fee_status_known", "fee_status IN ('none', 'awaiting', 'paid', 'waived')"
        )


def downgrade():
    with op.batch_alter_table("abstracts") as batch:
        batch.drop_constraint("ck_abstracts_fee_status_known", type_="check")
        batch.drop_constraint("fk_abstracts_fee_waived_by_id_users", type_="foreignkey")
        for column in (
            "fee_waiver_reason",
            "fee_waived_by_id",
            "fee_waived_at",
            "fee_invoice_number",
            "fee_paid_at",
            "fee_amount",
            "fee_status",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("congresses") as batch:
        batch.drop_column("abstract_fee_waiver_countries")
        batch.drop_column("abstract_fee")
