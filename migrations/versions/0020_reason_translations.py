"""The reasons for sending a document back, in the other languages staff write

Revision ID: 0020_reason_translations
Revises: 0019_orgunit_closed_levels
Create Date: 2026-12-04 18:40:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0020_reason_translations"
down_revision = "0019_orgunit_closed_levels"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("change_reasons") as batch_op:
        batch_op.add_column(
            sa.Column("translations", sa.JSON(), nullable=True, server_default="{}")
        )


def downgrade():
    with op.batch_alter_table("change_reasons") as batch_op:
        batch_op.drop_column("translations")
