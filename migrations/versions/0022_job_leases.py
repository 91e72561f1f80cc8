"""Periodic job leases: a job runs once per period across any number of workers.

Revision ID: 0022_job_leases
Revises: 0015_money_invoices
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0022_job_leases"
down_revision = '0015_money_invoices'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("run_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_job_leases")),
    )


def downgrade():
    op.drop_table("job_leases")
