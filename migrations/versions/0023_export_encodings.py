"""Stored program exports keep their gzip bytes and a content hash (ETag).

Revision ID: 0023_export_encodings
Revises: 0016_policies
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023_export_encodings"
down_revision = '0016_policies'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("program_exports") as batch:
        batch.add_column(sa.Column("content_gzip", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("etag", sa.String(length=64), nullable=False, server_default=""))
    with op.batch_alter_table("program_exports") as batch:
        batch.alter_column("etag", server_default=None)


def downgrade():
    with op.batch_alter_table("program_exports") as batch:
        batch.drop_column("etag")
        batch.drop_column("content_gzip")
