"""congresses: terms, cancellation and privacy policies (Markdown source per congress)

Revision ID: 0016_policies
Revises: 0022_job_leases
Create Date: 2026-12-03 07:45:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0016_policies"
down_revision = "0022_job_leases"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "congress_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("congress_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body_markdown", sa.Text(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('terms', 'cancellation', 'privacy')",
            name=op.f("ck_congress_policies_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["congress_id"],
            ["congresses.id"],
            name=op.f("fk_congress_policies_congress_id_congresses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["users.id"],
            name=op.f("fk_congress_policies_updated_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_congress_policies")),
        sa.UniqueConstraint(
            "congress_id", "kind", name=op.f("uq_congress_policies_congress_id_kind")
        ),
    )


def downgrade():
    op.drop_table("congress_policies")
