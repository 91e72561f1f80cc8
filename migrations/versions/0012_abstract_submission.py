"""abstract submission: co-author confirmation, per-person first-author quota locks

Revision ID: 0012_abstract_submission
Revises: 0008_program_exports
Create Date: 2026-12-02 18:20:00.000000

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0012_abstract_submission'
down_revision = '0010_registration_security'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('first_author_quota_locks',
    sa.Column('congress_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.ForeignKeyConstraint(['congress_id'], ['congresses.id'], name=op.f('fk_first_author_quota_locks_congress_id_congresses'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('congress_id', 'email', name=op.f('pk_first_author_quota_locks'))
    )
    with op.batch_alter_table('abstract_authors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
    # A submitter who listed themselves is a confirmed author of their own abstracts.
    op.execute(
        "UPDATE abstract_authors SET confirmed_at = CURRENT_TIMESTAMP "
        "WHERE email = (SELECT users.email FROM abstracts JOIN users "
        "ON users.id = abstracts.submitter_id WHERE abstracts.id = abstract_authors.abstract_id)"
    )


def downgrade():
    with op.batch_alter_table('abstract_authors', schema=None) as batch_op:
        batch_op.drop_column('confirmed_at')
    op.drop_table('first_author_quota_locks')
