"""Survey questions written per language: their text and options in French (or
another reporting language) beside the English (portal.core.translated)

Revision ID: 0022_survey_translations
Revises: 0021_template_translations
Create Date: 2026-12-04 19:00:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0022_survey_translations"
down_revision = "0021_template_translations"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("survey_questions") as batch_op:
        batch_op.add_column(
            sa.Column("translations", sa.JSON(), server_default="{}", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("survey_questions") as batch_op:
        batch_op.drop_column("translations")
