"""Indexes for the action list's filters and search, and for the latest events

Revision ID: 5b8e2f0c9d17
Revises: 7d2e4b9c1a55
Create Date: 2026-11-24 19:30:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5b8e2f0c9d17'
down_revision = '7d2e4b9c1a55'
branch_labels = None
depends_on = None

SEARCHED = ('title', 'description')


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_date'), ['date'], unique=False)
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index('ix_action_institution_status_deadline',
                              ['lead_institution_id', 'status', 'deadline'], unique=False)
    if postgresql:
        # Trigram indexes serve ILIKE '%word%' (the list's search). pg_trgm ships with
        # PostgreSQL and is a trusted extension: the database owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for column in SEARCHED:
            op.create_index(f'ix_action_{column}_trgm', 'action', [column], unique=False,
                            postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'})
    else:
        # SQLite has no trigram index; plain ones keep the schema equal to the models.
        with op.batch_alter_table('action', schema=None) as batch_op:
            for column in SEARCHED:
                batch_op.create_index(f'ix_action_{column}_trgm', [column], unique=False)


def downgrade():
    with op.batch_alter_table('action', schema=None) as batch_op:
        for column in SEARCHED:
            batch_op.drop_index(f'ix_action_{column}_trgm')
        batch_op.drop_index('ix_action_institution_status_deadline')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_date'))
