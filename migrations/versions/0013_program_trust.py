"""program trust: exports keyed by the embargo state they were built for

Revision ID: 0013_program_trust
Revises: 0008_program_exports
Create Date: 2026-12-02 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_program_trust'
down_revision = '0008_program_exports'
branch_labels = None
depends_on = None


def upgrade():
    # Stored exports are a cache keyed by the embargo as it was when they were built: drop
    # them, they are rebuilt on demand with the embargo as it is now.
    op.execute("DELETE FROM program_exports")
    with op.batch_alter_table('program_exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('embargo_fingerprint', sa.String(length=64), nullable=False, server_default=''))
        batch_op.drop_constraint('uq_program_exports_version_id_kind_embargo_epoch', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_program_exports_version_id_kind_embargo_fingerprint_embargo_epoch'), ['version_id', 'kind', 'embargo_fingerprint', 'embargo_epoch'])


def downgrade():
    op.execute("DELETE FROM program_exports")
    with op.batch_alter_table('program_exports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_program_exports_version_id_kind_embargo_fingerprint_embargo_epoch'), type_='unique')
        batch_op.create_unique_constraint('uq_program_exports_version_id_kind_embargo_epoch', ['version_id', 'kind', 'embargo_epoch'])
        batch_op.drop_column('embargo_fingerprint')
