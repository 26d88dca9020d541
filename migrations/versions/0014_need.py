"""The need check of a prospective partner: its checklist and the decision

Revision ID: 0014_need
Revises: 0013
Create Date: 2026-12-03 10:30:00

"""

from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = "0014_need"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "need_checks",
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("research_note", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('go', 'no_go')", name="known_decision"
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"]),
        sa.PrimaryKeyConstraint("partner_id"),
    )
    op.create_table(
        "need_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tested", sa.Boolean(), nullable=True),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["added_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["need_checks.partner_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("need_items", schema=None) as batch_op:
        batch_op.create_index("ix_need_items_partner_id", ["partner_id"], unique=False)


def downgrade():
    with op.batch_alter_table("need_items", schema=None) as batch_op:
        batch_op.drop_index("ix_need_items_partner_id")
    op.drop_table("need_items")
    op.drop_table("need_checks")
