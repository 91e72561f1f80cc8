"""accounts security: API tokens bound to the security stamp, a session generation per user;
a person's professional category moves from users.category_id to registration's user_categories

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
    op.create_table(
        'user_categories',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['category_id'], ['professional_categories.id'],
            name=op.f('fk_user_categories_category_id_professional_categories'),
            ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'],
            name=op.f('fk_user_categories_user_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_categories')),
    )
    with op.batch_alter_table('user_categories', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_user_categories_category_id'), ['category_id'], unique=False
        )
    op.execute(
        "INSERT INTO user_categories (user_id, category_id) "
        "SELECT id, category_id FROM users WHERE category_id IS NOT NULL"
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(
            'fk_users_category_id_professional_categories', type_='foreignkey'
        )
        batch_op.drop_column('category_id')
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
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_users_category_id_professional_categories', 'professional_categories',
            ['category_id'], ['id'], ondelete='SET NULL',
        )
    op.execute(
        "UPDATE users SET category_id = (SELECT user_categories.category_id "
        "FROM user_categories WHERE user_categories.user_id = users.id)"
    )
    with op.batch_alter_table('user_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_categories_category_id'))
    op.drop_table('user_categories')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('security_stamp')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
