"""Extra closed days, and the last day whose reminders were planned

Revision ID: d3b8f1a6c2e4
Revises: 383fa5cafb3c
Create Date: 2026-12-03 16:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd3b8f1a6c2e4'
down_revision = '383fa5cafb3c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('closed_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_closed_day_created_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closed_day')),
    sa.UniqueConstraint('day', name=op.f('uq_closed_day_day'))
    )
    with op.batch_alter_table('closed_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closed_day_created_by_id'), ['created_by_id'], unique=False)

    op.create_table('planned_day',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('planned_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_planned_day'))
    )


def downgrade():
    op.drop_table('planned_day')
    with op.batch_alter_table('closed_day', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closed_day_created_by_id'))

    op.drop_table('closed_day')
