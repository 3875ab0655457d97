"""Archived events, recommendations and actions

Revision ID: a7c3e9f1b2d4
Revises: 68346b1d4ae0
Create Date: 2026-12-03 16:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a7c3e9f1b2d4'
down_revision = '68346b1d4ae0'
branch_labels = None
depends_on = None

TABLES = ('event', 'recommendation', 'action')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('archived_at')
