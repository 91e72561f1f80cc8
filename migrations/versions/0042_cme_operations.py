"""cme: certificate runs by the worker, retention purge, owners and employees of ineligible
companies

Revision ID: 0042_cme_operations
Revises: 0036_outbox_write_jobs
Create Date: 2026-12-03 17:10:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0042_cme_operations"
down_revision = "0039_card_for_invoices"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cme_certificate_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("congress_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("after_registration_id", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_cme_certificate_runs_run_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["congress_id"],
            ["congresses.id"],
            name=op.f("fk_cme_certificate_runs_congress_id_congresses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_cme_certificate_runs_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cme_certificate_runs")),
    )
    with op.batch_alter_table("cme_certificate_runs") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cme_certificate_runs_congress_id"), ["congress_id"], unique=False
        )
    with op.batch_alter_table("cme_settings") as batch_op:
        batch_op.add_column(
            sa.Column("retention_years", sa.Integer(), nullable=False, server_default="6")
        )
        batch_op.add_column(
            sa.Column("records_purged_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("retained_counts", sa.JSON(), nullable=False, server_default="{}")
        )
        batch_op.create_check_constraint("retention_years_positive", "retention_years > 0")
    with op.batch_alter_table("cme_certificates") as batch_op:
        batch_op.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("cme_disclosures") as batch_op:
        batch_op.add_column(
            sa.Column(
                "owner_employee_of", sa.String(length=200), nullable=False, server_default=""
            )
        )
        batch_op.add_column(sa.Column("owner_exception", sa.String(length=30), nullable=True))
        batch_op.add_column(
            sa.Column("owner_exception_note", sa.Text(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("owner_exception_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "owner_exception_by_name", sa.String(length=200), nullable=False, server_default=""
            )
        )
        batch_op.add_column(
            sa.Column("owner_exception_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cme_disclosures_owner_exception_by_id_users"),
            "users",
            ["owner_exception_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_check_constraint(
            "owner_exception_known",
            "owner_exception IS NULL OR owner_exception IN "
            "('not_related', 'research_technology', 'research_presenter')",
        )


def downgrade():
    with op.batch_alter_table("cme_disclosures") as batch_op:
        batch_op.drop_constraint("owner_exception_known", type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_cme_disclosures_owner_exception_by_id_users"), type_="foreignkey"
        )
        for column in (
            "owner_exception_at",
            "owner_exception_by_name",
            "owner_exception_by_id",
            "owner_exception_note",
            "owner_exception",
            "owner_employee_of",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("cme_certificates") as batch_op:
        batch_op.drop_column("purged_at")
    with op.batch_alter_table("cme_settings") as batch_op:
        batch_op.drop_constraint("retention_years_positive", type_="check")
        batch_op.drop_column("retained_counts")
        batch_op.drop_column("records_purged_at")
        batch_op.drop_column("retention_years")
    with op.batch_alter_table("cme_certificate_runs") as batch_op:
        batch_op.drop_index(batch_op.f("ix_cme_certificate_runs_congress_id"))
    op.drop_table("cme_certificate_runs")
