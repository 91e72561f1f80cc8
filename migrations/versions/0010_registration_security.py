"""registration security: email confirmation, proof hold time, outbox messages by registration

Revision ID: 0010_registration_security
Revises: 0008_program_exports
Create Date: 2026-12-02 18:30:00.000000

"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_registration_security'
down_revision = '0009_accounts_security'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('registration_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('proof_hours', sa.Integer(), server_default='48', nullable=False))
        batch_op.create_check_constraint(op.f('ck_registration_settings_proof_hours_positive'), 'proof_hours > 0')

    # Places held without a proof of status (missing, or refused) used to be held forever:
    # from now on they get the default 48 hours to follow up, like new ones.
    op.execute(
        sa.text(
            "UPDATE registrations SET expires_at = :until "
            "WHERE status = 'awaiting_verification' AND proof_status IN ('missing', 'refused') "
            "AND expires_at IS NULL"
        ).bindparams(
            sa.bindparam("until", datetime.now(UTC) + timedelta(hours=48), type_=sa.DateTime(timezone=True))
        )
    )

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_messages_registration_id'), ['registration_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_messages_registration_id_registrations'),
            'registrations', ['registration_id'], ['id'], ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_registration_id_registrations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_registration_id'))
        batch_op.drop_column('registration_id')

    with op.batch_alter_table('registration_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_registration_settings_proof_hours_positive'), type_='check')
        batch_op.drop_column('proof_hours')

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')
