"""mail: outbox messages written by the worker (queue_mail_later's job until the text exists)

Revision ID: 0036_outbox_write_jobs
Revises: 0035_industry
Create Date: 2026-12-03 14:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0036_outbox_write_jobs"
down_revision = "0035_industry"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.add_column(sa.Column("write_job", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.drop_column("write_job")
