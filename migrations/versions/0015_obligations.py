"""Agreements with the obligations of each side, their observations, and templates of standard obligations

Revision ID: 0015_obligations
Revises: 0014_need
Create Date: 2026-12-03 10:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015_obligations"
down_revision = "0014_need"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="agreement_ends_after"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.create_index("ix_agreements_partner_id", ["partner_id"])
    op.create_table(
        "obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=20), nullable=False),
        sa.Column("responsible_user_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("recurrence", sa.String(length=20), nullable=False),
        sa.Column("first_due_on", sa.Date(), nullable=False),
        sa.Column("observed_by", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=True),
        sa.Column("rule_days", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["agreement_id"], ["agreements.id"]),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["responsible_user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index("ix_obligations_agreement_id", ["agreement_id"])
    op.create_table(
        "obligation_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("obligation_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=True),
        sa.Column("storage_key", sa.String(length=64), nullable=True),
        sa.Column("content_type", sa.String(length=120), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("observed_by_id", sa.Integer(), nullable=True),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["obligation_id"], ["obligations.id"]),
        sa.ForeignKeyConstraint(["observed_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("obligation_id", "due_on"),
        sa.UniqueConstraint("storage_key"),
    )
    with op.batch_alter_table("obligation_observations", schema=None) as batch_op:
        batch_op.create_index("ix_obligation_observations_obligation_id", ["obligation_id"])
    op.create_table(
        "obligation_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "obligation_template_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("recurrence", sa.String(length=20), nullable=False),
        sa.Column("first_due_months", sa.Integer(), nullable=False),
        sa.Column("observed_by", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=True),
        sa.Column("rule_days", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["template_id"], ["obligation_templates.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("obligation_template_items", schema=None) as batch_op:
        batch_op.create_index("ix_obligation_template_items_template_id", ["template_id"])
    with op.batch_alter_table("partner_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("agreement_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_partner_documents_agreement_id", ["agreement_id"])
        batch_op.create_foreign_key(
            "fk_partner_documents_agreement_id_agreements", "agreements", ["agreement_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("partner_documents", schema=None) as batch_op:
        batch_op.drop_constraint("fk_partner_documents_agreement_id_agreements", type_="foreignkey")
        batch_op.drop_index("ix_partner_documents_agreement_id")
        batch_op.drop_column("agreement_id")
    op.drop_table("obligation_template_items")
    op.drop_table("obligation_templates")
    op.drop_table("obligation_observations")
    op.drop_table("obligations")
    op.drop_table("agreements")
