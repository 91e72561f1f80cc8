"""registration: place counters (one row per category, one for the congress total)

Taking a place updates these rows instead of counting registrations under a congress-wide
lock. The counters are filled from the current registrations and group places.

Revision ID: 0029_place_counters
Revises: 0031_money_finish
Create Date: 2026-12-03 10:40:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0029_place_counters"
down_revision = "0031_money_finish"
branch_labels = None
depends_on = None

HOLDING = "('awaiting_verification', 'awaiting_payment', 'confirmed')"


def upgrade():
    op.create_table(
        "registration_place_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("congress_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "taken >= 0", name=op.f("ck_registration_place_counters_taken_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["professional_categories.id"],
            name=op.f("fk_registration_place_counters_category_id_professional_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["congress_id"],
            ["congresses.id"],
            name=op.f("fk_registration_place_counters_congress_id_congresses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_place_counters")),
        sa.UniqueConstraint(
            "congress_id",
            "category_id",
            name=op.f("uq_registration_place_counters_congress_id_category_id"),
        ),
    )
    op.create_index(
        "uq_registration_place_counters_congress_total",
        "registration_place_counters",
        ["congress_id"],
        unique=True,
        postgresql_where=sa.text("category_id IS NULL"),
        sqlite_where=sa.text("category_id IS NULL"),
    )
    # Backfill: places held by registrations plus unnamed, unreleased group places.
    per_category = f"""
        (SELECT count(*) FROM registrations r
          WHERE r.category_id = c.id AND r.status IN {HOLDING})
        + (SELECT count(*) FROM registration_group_places g
          WHERE g.category_id = c.id AND g.registration_id IS NULL AND g.released_at IS NULL)
    """
    op.execute(
        "INSERT INTO registration_place_counters (congress_id, category_id, taken) "
        f"SELECT c.congress_id, c.id, {per_category} FROM professional_categories c"
    )
    op.execute(
        "INSERT INTO registration_place_counters (congress_id, category_id, taken) "
        "SELECT s.congress_id, NULL, COALESCE((SELECT sum(p.taken) "
        "FROM registration_place_counters p "
        "WHERE p.congress_id = s.congress_id AND p.category_id IS NOT NULL), 0) "
        "FROM registration_settings s"
    )


def downgrade():
    op.drop_index(
        "uq_registration_place_counters_congress_total",
        table_name="registration_place_counters",
    )
    op.drop_table("registration_place_counters")
