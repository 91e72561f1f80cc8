"""money: card payment of invoices (abstract fees), vouchers can be disabled, group orders cancelled

Revision ID: 0031_money_finish
Revises: 0030_book_builds
Create Date: 2026-12-03 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0031_money_finish"
down_revision = "0030_book_builds"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('money_card_checkouts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('congress_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('session_id', sa.String(length=255), nullable=False),
    sa.Column('payment_reference', sa.String(length=255), nullable=False),
    sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('refunded_amount', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.CheckConstraint("status IN ('open', 'paid', 'refunded', 'needs_refund')", name=op.f('ck_money_card_checkouts_status_known')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_money_card_checkouts_amount_positive')),
    sa.CheckConstraint('refunded_amount >= 0', name=op.f('ck_money_card_checkouts_refunded_not_negative')),
    sa.ForeignKeyConstraint(['congress_id'], ['congresses.id'], name=op.f('fk_money_card_checkouts_congress_id_congresses'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invoice_id'], ['money_invoices.id'], name=op.f('fk_money_card_checkouts_invoice_id_money_invoices'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_card_checkouts')),
    sa.UniqueConstraint('provider', 'session_id', name=op.f('uq_money_card_checkouts_provider_session_id'))
    )
    with op.batch_alter_table('money_card_checkouts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_card_checkouts_congress_id'), ['congress_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_card_checkouts_invoice_id'), ['invoice_id'], unique=False)

    with op.batch_alter_table('money_vouchers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('registration_group_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('registration_group_orders', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')

    with op.batch_alter_table('money_vouchers', schema=None) as batch_op:
        batch_op.drop_column('disabled_at')

    with op.batch_alter_table('money_card_checkouts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_card_checkouts_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_money_card_checkouts_congress_id'))

    op.drop_table('money_card_checkouts')
