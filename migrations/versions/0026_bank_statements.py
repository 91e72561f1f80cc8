"""money: imported bank statement lines (reconciliation of bank transfers)

Revision ID: 0026_bank_statements
Revises: 0025_vouchers
Create Date: 2026-12-03 08:50:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0026_bank_statements"
down_revision = '0025_vouchers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "money_bank_statement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("congress_id", sa.Integer(), nullable=False),
        sa.Column("line_hash", sa.String(length=64), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("remittance", sa.String(length=300), nullable=False),
        sa.Column("payer", sa.String(length=200), nullable=False),
        sa.Column("matched_to", sa.String(length=40), nullable=False),
        sa.Column("recorded_amount", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["congress_id"],
            ["congresses.id"],
            name=op.f("fk_money_bank_statement_lines_congress_id_congresses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_money_bank_statement_lines_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_money_bank_statement_lines")),
        sa.UniqueConstraint(
            "congress_id",
            "line_hash",
            name=op.f("uq_money_bank_statement_lines_congress_id_line_hash"),
        ),
    )


def downgrade():
    op.drop_table("money_bank_statement_lines")
