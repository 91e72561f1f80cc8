"""content languages: the congress's main language and organizers' texts in other languages

Revision ID: 0037_content_languages
Revises: 0029_place_counters
Create Date: 2026-12-03 14:20:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0037_content_languages"
down_revision = "0029_place_counters"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("congresses") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
        )
    op.create_table(
        "content_translations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("congress_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["congress_id"],
            ["congresses.id"],
            name=op.f("fk_content_translations_congress_id_congresses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_translations")),
        sa.UniqueConstraint(
            "congress_id",
            "kind",
            "object_id",
            "field",
            "language",
            name=op.f("uq_content_translations_congress_id_kind_object_id_field_language"),
        ),
    )
    with op.batch_alter_table("content_translations") as batch:
        batch.create_index(
            batch.f("ix_content_translations_congress_id"), ["congress_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("content_translations") as batch:
        batch.drop_index(batch.f("ix_content_translations_congress_id"))
    op.drop_table("content_translations")
    with op.batch_alter_table("congresses") as batch:
        batch.drop_column("language")
