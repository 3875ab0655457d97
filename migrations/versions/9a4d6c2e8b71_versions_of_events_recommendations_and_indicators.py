"""Versions of events, recommendations and indicators, to refuse stale edits

Revision ID: 9a4d6c2e8b71
Revises: e7a41c2d9b60
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9a4d6c2e8b71'
down_revision = 'e7a41c2d9b60'
branch_labels = None
depends_on = None

TABLES = ('event', 'recommendation', 'indicator')


def upgrade():
    # Existing rows start at version 1, as new ones do.
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                          server_default='1'))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('version')
