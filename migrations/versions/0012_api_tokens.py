"""API tokens, and updated_at on what the API serves (its `updated_since`)

Revision ID: 0012_api_tokens
Revises: 0011_surveys
Create Date: 2026-12-10 10:00:00

No client has synchronised before this migration, so the backfilled updated_at
only has to be a plausible time: the row's creation where the table records
one (a submission's upload), else the time of the migration.
"""

from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012_api_tokens"
down_revision = "0011_surveys"
branch_labels = None
depends_on = None

# table -> the column its updated_at starts from (None: now)
SERVED = {
    "partners": "created_at",
    "accreditations": "created_at",
    "milestones": None,
    "checklist_items": None,
    "submissions": "uploaded_at",
}


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_api_tokens_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_api_tokens_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_tokens_secret_hash")),
    )
    # Bound as a typed parameter, so SQLite stores it in the format it stores
    # every other time in (CURRENT_TIMESTAMP's would compare wrongly as text).
    now = sa.bindparam("now", datetime.now(UTC), type_=sa.DateTime(timezone=True))
    for table, source in SERVED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))
        if source:
            op.execute(sa.text(f"UPDATE {table} SET updated_at = {source}"))
        else:
            op.execute(sa.text(f"UPDATE {table} SET updated_at = :now").bindparams(now))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("updated_at", existing_type=sa.DateTime(timezone=True), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_updated_at"), ["updated_at"], unique=False)


def downgrade():
    for table in reversed(SERVED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_updated_at"))
            batch_op.drop_column("updated_at")
    op.drop_table("api_tokens")
