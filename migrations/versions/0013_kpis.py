"""KPI benchmarks, engagement assessments, coaching calls, the KPI values and survey figures published for reporting tools

Revision ID: 0013
Revises: 0012_api_tokens
Create Date: 2026-12-02 16:40:00

"""

from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kpi_benchmarks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(length=40), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("warning", sa.Float(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kpi"),
    )
    op.create_table(
        "engagement_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("accreditation_id", sa.Integer(), nullable=False),
        sa.Column("milestone_id", sa.Integer(), nullable=True),
        sa.Column("engagement", sa.Integer(), nullable=False),
        sa.Column("proactivity", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("assessed_by_id", sa.Integer(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("engagement BETWEEN 1 AND 5", name="engagement_on_scale"),
        sa.CheckConstraint("proactivity BETWEEN 1 AND 5", name="proactivity_on_scale"),
        sa.ForeignKeyConstraint(["accreditation_id"], ["accreditations.id"]),
        sa.ForeignKeyConstraint(["assessed_by_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["milestone_id"], ["milestones.id"]),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("engagement_assessments", schema=None) as batch_op:
        batch_op.create_index("ix_engagement_assessments_accreditation_id", ["accreditation_id"])
        batch_op.create_index("ix_engagement_assessments_assessed_at", ["assessed_at"])
        batch_op.create_index("ix_engagement_assessments_partner_id", ["partner_id"])
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kpi", sa.String(length=40), nullable=True))
    op.create_table(
        "kpi_values",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=24), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=True),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("warning", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partner_id", "kpi", "period"),
    )
    with op.batch_alter_table("kpi_values", schema=None) as batch_op:
        batch_op.create_index("ix_kpi_values_partner_id", ["partner_id"])
        batch_op.create_index("ix_kpi_values_updated_at", ["updated_at"])
    op.create_table(
        "survey_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=24), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("average", sa.Float(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["question_id"], ["survey_questions.id"]),
        sa.ForeignKeyConstraint(["survey_id"], ["surveys.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question_id", "period"),
    )
    with op.batch_alter_table("survey_figures", schema=None) as batch_op:
        batch_op.create_index("ix_survey_figures_updated_at", ["updated_at"])


def downgrade():
    op.drop_table("survey_figures")
    op.drop_table("kpi_values")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_column("kpi")
    op.drop_table("engagement_assessments")
    op.drop_table("kpi_benchmarks")
