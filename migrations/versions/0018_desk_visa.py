"""desk and visa letters: cash payments, visa requests (passport data apart), visa signatory
and retention in the registration settings

Revision ID: 0018_desk_visa
Revises: 0023_export_encodings
Create Date: 2026-12-03 07:45:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018_desk_visa"
down_revision = '0023_export_encodings'
branch_labels = None
depends_on = None

KINDS_BEFORE = "kind IN ('bank_transfer', 'card_on_site', 'waived', 'online', 'refund')"
KINDS_AFTER = "kind IN ('bank_transfer', 'card_on_site', 'cash', 'waived', 'online', 'refund')"


def upgrade():
    op.create_table(
        "registration_visa_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("passport_number", sa.String(length=20), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("verification_code", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_registration_visa_requests_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_visa_requests")),
        sa.UniqueConstraint(
            "registration_id", name=op.f("uq_registration_visa_requests_registration_id")
        ),
        sa.UniqueConstraint(
            "verification_code", name=op.f("uq_registration_visa_requests_verification_code")
        ),
    )
    with op.batch_alter_table("registration_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("visa_signatory_name", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("visa_signatory_title", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("visa_retention_days", sa.Integer(), server_default="30", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_registration_settings_visa_retention_days_not_negative"),
            "visa_retention_days >= 0",
        )
    with op.batch_alter_table("registration_payments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_registration_payments_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_registration_payments_kind_known"), KINDS_AFTER)


def downgrade():
    with op.batch_alter_table("registration_payments", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_registration_payments_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_registration_payments_kind_known"), KINDS_BEFORE)
    with op.batch_alter_table("registration_settings", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("ck_registration_settings_visa_retention_days_not_negative"), type_="check"
        )
        batch_op.drop_column("visa_retention_days")
        batch_op.drop_column("visa_signatory_title")
        batch_op.drop_column("visa_signatory_name")
    op.drop_table("registration_visa_requests")
