"""Day of each action's last news, for reporting cycles and stale actions

Revision ID: 7d2e4b9c1a55
Revises: 334db4db8f76
Create Date: 2026-11-25 09:00:00.000000

"""
from datetime import UTC
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7d2e4b9c1a55'
down_revision = '334db4db8f76'
branch_labels = None
depends_on = None

# The history kinds that restart the reporting clock (tracker.models.CLOCK_RESTARTING_KINDS,
# copied: a migration must not change when the code does).
NEWS_KINDS = ('progress', 'measurement', 'extension_requested', 'returned')

action = sa.table('action', sa.column('id', sa.Integer), sa.column('created_at', sa.DateTime),
                  sa.column('last_news_on', sa.Date))
action_update = sa.table('action_update', sa.column('action_id', sa.Integer),
                         sa.column('created_at', sa.DateTime), sa.column('kind', sa.String))


def _timezone() -> ZoneInfo:
    try:
        from flask import current_app

        return ZoneInfo(current_app.config['TRACKER_TIMEZONE'])
    except (ImportError, KeyError, RuntimeError):
        return ZoneInfo('Africa/Tunis')


def upgrade():
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_news_on', sa.Date(), nullable=True))

    # Fill from the history: the latest news, else the day the action was created, as a
    # day where the tracker's users are (timestamps are stored as naive UTC).
    zone = _timezone()
    conn = op.get_bind()
    latest = dict(conn.execute(
        sa.select(action_update.c.action_id, sa.func.max(action_update.c.created_at))
        .where(action_update.c.kind.in_(NEWS_KINDS)).group_by(action_update.c.action_id)).all())
    rows = []
    for action_id, created_at in conn.execute(sa.select(action.c.id, action.c.created_at)):
        moment = latest.get(action_id) or created_at
        rows.append({'b_id': action_id,
                     'b_day': moment.replace(tzinfo=UTC).astimezone(zone).date()})
    if rows:
        conn.execute(action.update().where(action.c.id == sa.bindparam('b_id'))
                     .values(last_news_on=sa.bindparam('b_day')), rows)

    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.alter_column('last_news_on', existing_type=sa.Date(), nullable=False)
        batch_op.create_index(batch_op.f('ix_action_last_news_on'), ['last_news_on'], unique=False)


def downgrade():
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_last_news_on'))
        batch_op.drop_column('last_news_on')
