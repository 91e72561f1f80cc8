"""registration: a congress may let group buyers cancel their whole order themselves

Revision ID: 0040_orders_vouchers_finish
Revises: 0036_outbox_write_jobs
Create Date: 2026-12-03 17:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0040_orders_vouchers_finish"
down_revision = "0042_cme_operations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registration_settings") as batch_op:
        batch_op.add_column(
            sa.Column(
                "group_buyer_can_cancel",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )


def downgrade():
    with op.batch_alter_table("registration_settings") as batch_op:
        batch_op.drop_column("group_buyer_can_cancel")
