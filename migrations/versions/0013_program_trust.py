"""program trust: embargo-keyed exports, sessions' expected audience and ticketed seats

Revision ID: 0013_program_trust
Revises: 0008_program_exports
Create Date: 2026-12-02 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_program_trust'
down_revision = '0012_abstract_submission'
branch_labels = None
depends_on = None


def upgrade():
    # Stored exports are a cache keyed by the embargo as it was when they were built: drop
    # them, they are rebuilt on demand with the embargo as it is now.
    op.execute("DELETE FROM program_exports")
    with op.batch_alter_table('program_exports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('embargo_fingerprint', sa.String(length=64), nullable=False, server_default=''))
        batch_op.drop_constraint(batch_op.f('uq_program_exports_version_id_kind_embargo_epoch'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_program_exports_version_id_kind_embargo_fingerprint_embargo_epoch'), ['version_id', 'kind', 'embargo_fingerprint', 'embargo_epoch'])

    # A session's "capacity" was its expected audience; only meet-the-professor sessions
    # were ticketed, so only they keep it as ticketed seats.
    with op.batch_alter_table('program_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_program_sessions_capacity_not_negative'), type_='check')
        batch_op.alter_column('capacity', new_column_name='expected_audience', existing_type=sa.Integer(), existing_nullable=True)
        batch_op.add_column(sa.Column('ticketed_seats', sa.Integer(), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_program_sessions_expected_audience_not_negative'), 'expected_audience IS NULL OR expected_audience >= 0')
        batch_op.create_check_constraint(batch_op.f('ck_program_sessions_ticketed_seats_not_negative'), 'ticketed_seats IS NULL OR ticketed_seats >= 0')
    op.execute(
        "UPDATE program_sessions SET ticketed_seats = expected_audience "
        "WHERE format = 'meet_the_professor'"
    )


def downgrade():
    with op.batch_alter_table('program_sessions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_program_sessions_ticketed_seats_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_program_sessions_expected_audience_not_negative'), type_='check')
        batch_op.drop_column('ticketed_seats')
        batch_op.alter_column('expected_audience', new_column_name='capacity', existing_type=sa.Integer(), existing_nullable=True)
        batch_op.create_check_constraint(batch_op.f('ck_program_sessions_capacity_not_negative'), 'capacity IS NULL OR capacity >= 0')
    op.execute("DELETE FROM program_exports")
    with op.batch_alter_table('program_exports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_program_exports_version_id_kind_embargo_fingerprint_embargo_epoch'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_program_exports_version_id_kind_embargo_epoch'), ['version_id', 'kind', 'embargo_epoch'])
        batch_op.drop_column('embargo_fingerprint')
