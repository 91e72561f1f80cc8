"""mailings: bulk email campaigns to groups and their recipients (delivery from the outbox)

Revision ID: 0017_publish_mailings
Revises: 0021_card_payments
Create Date: 2026-12-03 07:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_publish_mailings"
down_revision = "0021_card_payments"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mailing_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("congress_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("audience", sa.String(length=30), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("preview_token", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "audience IN ('attendees', 'presenting_authors', 'reviewers', 'chairs', 'waitlisted')",
            name=op.f("ck_mailing_campaigns_audience_known"),
        ),
        sa.ForeignKeyConstraint(
            ["congress_id"],
            ["congresses.id"],
            name=op.f("fk_mailing_campaigns_congress_id_congresses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_mailing_campaigns_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailing_campaigns")),
        sa.UniqueConstraint("preview_token", name=op.f("uq_mailing_campaigns_preview_token")),
    )
    with op.batch_alter_table("mailing_campaigns", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mailing_campaigns_congress_id"), ["congress_id"], unique=False
        )
    op.create_table(
        "mailing_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["mailing_campaigns.id"],
            name=op.f("fk_mailing_recipients_campaign_id_mailing_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_mailing_recipients_outbox_message_id_outbox_messages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mailing_recipients")),
        sa.UniqueConstraint(
            "campaign_id", "email", name=op.f("uq_mailing_recipients_campaign_id_email")
        ),
    )
    with op.batch_alter_table("mailing_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mailing_recipients_campaign_id"), ["campaign_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("mailing_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mailing_recipients_campaign_id"))
    op.drop_table("mailing_recipients")
    with op.batch_alter_table("mailing_campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mailing_campaigns_congress_id"))
    op.drop_table("mailing_campaigns")
