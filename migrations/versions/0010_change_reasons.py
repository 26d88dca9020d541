"""reasons for sending a document back: the list administrators keep, and the
reason each sent-back submission was given

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:00:00

"""

from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The list as the programme started it (portal.review.models.DEFAULT_REASONS
# then; written out here so that this migration never changes with the code).
REASONS = ("Incomplete", "Wrong document", "Not signed", "Expired", "Illegible", "Other")


def upgrade():
    reasons = op.create_table(
        "change_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_change_reasons")),
    )
    with op.batch_alter_table("change_reasons", schema=None) as batch_op:
        batch_op.create_index(
            "uq_change_reasons_active_label",
            ["label"],
            unique=True,
            sqlite_where=sa.text("retired_at IS NULL"),
            postgresql_where=sa.text("retired_at IS NULL"),
        )
    now = datetime.now(timezone.utc)
    op.bulk_insert(
        reasons,
        [
            {"label": label, "position": position, "created_at": now}
            for position, label in enumerate(REASONS, start=1)
        ],
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_reason_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_submissions_change_reason_id"), ["change_reason_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_submissions_change_reason_id_change_reasons"),
            "change_reasons",
            ["change_reason_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_submissions_change_reason_id_change_reasons"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_submissions_change_reason_id"))
        batch_op.drop_column("change_reason_id")
    with op.batch_alter_table("change_reasons", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_change_reasons_active_label",
            sqlite_where=sa.text("retired_at IS NULL"),
            postgresql_where=sa.text("retired_at IS NULL"),
        )
    op.drop_table("change_reasons")
