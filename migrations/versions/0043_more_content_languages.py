"""more content languages: invoices and credit notes record the language they are written in

Revision ID: 0043_more_content_languages
Revises: 0036_outbox_write_jobs
Create Date: 2026-12-03 17:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0043_more_content_languages"
down_revision = "0041_cme_questions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("money_invoices") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
        )
    # Registration invoices were written in the registrant's language: record it.
    op.execute(
        """
        UPDATE money_invoices SET language = (
            SELECT registrations.language FROM registrations, money_orders
            WHERE money_orders.id = money_invoices.order_id
              AND money_orders.source = 'registration'
              AND registrations.congress_id = money_invoices.congress_id
              AND registrations.reference = money_orders.source_key
        )
        WHERE EXISTS (
            SELECT 1 FROM registrations, money_orders
            WHERE money_orders.id = money_invoices.order_id
              AND money_orders.source = 'registration'
              AND registrations.congress_id = money_invoices.congress_id
              AND registrations.reference = money_orders.source_key
        )
        """
    )


def downgrade():
    with op.batch_alter_table("money_invoices") as batch:
        batch.drop_column("language")
