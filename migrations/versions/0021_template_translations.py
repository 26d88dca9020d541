"""Accreditation template stages and documents written in other languages

Revision ID: 0021_template_translations
Revises: 0020_reason_translations
Create Date: 2026-12-04 19:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021_template_translations"
down_revision = "0020_reason_translations"
branch_labels = None
depends_on = None


def upgrade():
    # {"fr": {"name": "…", "description": "…", "guidance": "…"}}; the English text
    # stays in the columns beside it (portal.core.translated).
    for table in ("stages", "requirements"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column("translations", sa.JSON(), nullable=True, server_default="{}")
            )


def downgrade():
    for table in ("requirements", "stages"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("translations")
