"""outbox: private links sealed apart from the visible body

Revision ID: 0014_crosscut
Revises: 0008_program_exports
Create Date: 2026-12-02 18:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_crosscut'
down_revision = '0008_program_exports'
branch_labels = None
depends_on = None

#: Kinds that carried a live password-reset, confirmation, manage or presenter link in their body.
SECRET_KINDS = (
    'accounts/confirm',
    'accounts/reset_password',
    'abstracts/decision',
    'registration/received',
    'registration/confirmed',
    'registration/waitlist_offer',
    'registration/payment_received',
    'registration/proof_refused',
    'registration/cancelled',
    'registration/manage_link',
)


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('has_secrets', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column('sealed_secrets', sa.Text(), nullable=True))
    outbox = sa.table(
        'outbox_messages',
        sa.column('kind', sa.String),
        sa.column('status', sa.String),
        sa.column('has_secrets', sa.Boolean),
        sa.column('body_text', sa.Text),
        sa.column('body_html', sa.Text),
    )
    # Older rows hold their links in plain text: hide them from the outbox pages, and drop the
    # text of those already delivered (it only served the organizers' view).
    op.execute(outbox.update().where(outbox.c.kind.in_(SECRET_KINDS)).values(has_secrets=True))
    op.execute(
        outbox.update()
        .where(outbox.c.kind.in_(SECRET_KINDS), outbox.c.status == 'sent')
        .values(
            body_text='(This message held a private link; its text was removed.)',
            body_html=None,
        )
    )


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('sealed_secrets')
        batch_op.drop_column('has_secrets')
