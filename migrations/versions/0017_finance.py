"""DHIS2 data sets and partners' data-set assignments; bank details for payments and their two-administrator changes

Revision ID: 0017_finance
Revises: 0016_concerns
Create Date: 2026-12-03 10:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0017_finance"
down_revision = "0016_concerns"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_sets",
        sa.Column("id", sa.String(length=11), nullable=False),
        sa.Column("name", sa.String(length=230), nullable=False),
        sa.Column("short_name", sa.String(length=50), nullable=True),
        sa.Column("code", sa.String(length=50), nullable=True),
        sa.Column("period_type", sa.String(length=30), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "data_set_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("data_set_id", sa.String(length=11), nullable=False),
        sa.Column("purpose", sa.String(length=10), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on", name="assignment_ends_after_start"
        ),
        sa.CheckConstraint("purpose IN ('reports', 'paid_on', 'both')", name="assignment_purpose"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["data_set_id"], ["data_sets.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("data_set_assignments", schema=None) as batch_op:
        batch_op.create_index("ix_data_set_assignments_data_set_id", ["data_set_id"])
        batch_op.create_index("ix_data_set_assignments_partner_id", ["partner_id"])
        batch_op.create_index("ix_data_set_assignments_partner_ends", ["partner_id", "ends_on"])
    op.create_table(
        "bank_details_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("bank", sa.String(length=200), nullable=False),
        sa.Column("account_number", sa.String(length=40), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'cancelled')", name="bank_change_status"
        ),
        sa.CheckConstraint(
            "status <> 'confirmed' OR decided_by_id <> proposed_by_id",
            name="bank_change_second_person",
        ),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"]),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bank_details_changes", schema=None) as batch_op:
        batch_op.create_index("ix_bank_details_changes_partner_id", ["partner_id"])
        batch_op.create_index(
            "ix_bank_details_changes_one_pending",
            ["partner_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
    op.create_table(
        "bank_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("bank", sa.String(length=200), nullable=False),
        sa.Column("account_number", sa.String(length=40), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["change_id"], ["bank_details_changes.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partner_id"),
    )


def downgrade():
    op.drop_table("bank_accounts")
    with op.batch_alter_table("bank_details_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_bank_details_changes_one_pending")
        batch_op.drop_index("ix_bank_details_changes_partner_id")
    op.drop_table("bank_details_changes")
    with op.batch_alter_table("data_set_assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_data_set_assignments_partner_ends")
        batch_op.drop_index("ix_data_set_assignments_partner_id")
        batch_op.drop_index("ix_data_set_assignments_data_set_id")
    op.drop_table("data_set_assignments")
    op.drop_table("data_sets")
