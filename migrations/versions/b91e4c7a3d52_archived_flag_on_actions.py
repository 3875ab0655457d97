"""The archive rule kept on the action's row (archived itself or through its recommendation or event)

Revision ID: b91e4c7a3d52
Revises: 5d2c8e4a7f13
Create Date: 2026-12-04 17:45:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b91e4c7a3d52'
down_revision = '5d2c8e4a7f13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    # The rule as tracker.models.actions.archived_clause writes it.
    op.execute(
        "UPDATE action SET archived = TRUE WHERE archived_at IS NOT NULL "
        "OR recommendation_id IN (SELECT recommendation.id FROM recommendation "
        "WHERE recommendation.archived_at IS NOT NULL OR recommendation.event_id IN "
        "(SELECT event.id FROM event WHERE event.archived_at IS NOT NULL))")


def downgrade():
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_column('archived')
