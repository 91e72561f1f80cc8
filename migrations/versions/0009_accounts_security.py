"""accounts security: API tokens bound to the security stamp, a session generation per user

Revision ID: 0009_accounts_security
Revises: 0008_program_exports
Create Date: 2026-12-02 18:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_accounts_security'
down_revision = '0008_program_exports'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), server_default='0', nullable=False)
        )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('security_stamp', sa.String(length=32), server_default='', nullable=False)
        )
    # Existing tokens are bound to their owner's current stamp: they keep working until the
    # next password change, reset or disabling of the account.
    op.execute(
        "UPDATE api_tokens SET security_stamp = "
        "(SELECT users.security_stamp FROM users WHERE users.id = api_tokens.user_id)"
    )


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('security_stamp')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
