"""Closed organisation units, and the hierarchy's level names

Revision ID: 0019_orgunit_closed_levels
Revises: 0018_user_language
Create Date: 2026-12-04 18:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019_orgunit_closed_levels"
down_revision = "0018_user_language"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("org_units") as batch_op:
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
    op.create_table(
        "org_unit_levels",
        sa.Column("level", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(length=230), nullable=False),
    )


def downgrade():
    op.drop_table("org_unit_levels")
    with op.batch_alter_table("org_units") as batch_op:
        batch_op.drop_column("closed_on")
