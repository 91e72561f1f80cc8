"""congresses: many per installation; roles per congress; archived congresses

Roles other than administrator now belong to one congress (user_roles.congress_id). The
roles held before belonged to the one congress the installation served: they are given to
it (the congress of CONGRESS_SLUG's time is the lowest id when several exist). Administrator
stays global (congress_id NULL). A congress can be archived (congresses.archived_at). Outbox
messages remember the congress that queued them (earlier ones: the only congress).

Revision ID: 0033_congress_scope
Revises: 0037_content_languages
Create Date: 2026-12-03 14:00:00.000000

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0033_congress_scope"
down_revision = "0037_content_languages"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("congresses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("congress_id", sa.Integer(), nullable=True))

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("congress_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_messages_congress_id_congresses"),
            "congresses",
            ["congress_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_outbox_messages_congress_id"), ["congress_id"])

    connection = op.get_bind()
    first = connection.execute(sa.text("SELECT MIN(id) FROM congresses")).scalar()
    if first is None:
        # No congress: a role other than administrator applies to nothing.
        connection.execute(sa.text("DELETE FROM user_roles WHERE role <> 'admin'"))
    else:
        connection.execute(
            sa.text("UPDATE user_roles SET congress_id = :first WHERE role <> 'admin'"),
            {"first": first},
        )
        connection.execute(
            sa.text("UPDATE outbox_messages SET congress_id = :first"), {"first": first}
        )

    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint("uq_user_roles_user_id_role", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_user_roles_user_id_role_congress_id"),
            ["user_id", "role", "congress_id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_user_roles_congress_id_congresses"),
            "congresses",
            ["congress_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(batch_op.f("ix_user_roles_congress_id"), ["congress_id"])
        batch_op.create_check_constraint(
            batch_op.f("ck_user_roles_admin_global_others_per_congress"),
            "(role = 'admin') = (congress_id IS NULL)",
        )


def downgrade():
    connection = op.get_bind()
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_congress_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_outbox_messages_congress_id_congresses"), type_="foreignkey"
        )
        batch_op.drop_column("congress_id")
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_user_roles_admin_global_others_per_congress"), type_="check"
        )
        batch_op.drop_index(batch_op.f("ix_user_roles_congress_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_user_roles_congress_id_congresses"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("uq_user_roles_user_id_role_congress_id"), type_="unique"
        )
    # One role per user and kind again: keep the oldest of each.
    connection.execute(
        sa.text(
            "DELETE FROM user_roles WHERE id NOT IN "
            "(SELECT MIN(id) FROM user_roles GROUP BY user_id, role)"
        )
    )
    with op.batch_alter_table("user_roles", schema=None) as batch_op:
        batch_op.drop_column("congress_id")
        batch_op.create_unique_constraint("uq_user_roles_user_id_role", ["user_id", "role"])

    with op.batch_alter_table("congresses", schema=None) as batch_op:
        batch_op.drop_column("archived_at")
