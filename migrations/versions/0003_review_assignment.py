"""review assignment: who is to review a submission

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 14:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_to_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_submissions_assigned_to_id'), ['assigned_to_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_submissions_assigned_to_id_users'), 'users', ['assigned_to_id'], ['id'])


def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submissions_assigned_to_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_submissions_assigned_to_id'))
        batch_op.drop_column('assigned_to_id')
