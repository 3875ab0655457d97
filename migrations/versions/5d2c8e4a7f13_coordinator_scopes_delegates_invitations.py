"""Coordinators' escalation scopes, daily email hour and delegate, account invitations

Revision ID: 5d2c8e4a7f13
Revises: d4b7e2a91c05
Create Date: 2026-12-03 16:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d2c8e4a7f13'
down_revision = 'd4b7e2a91c05'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coordinator_event',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_coordinator_event_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_coordinator_event_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'event_id', name=op.f('pk_coordinator_event'))
    )
    with op.batch_alter_table('coordinator_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coordinator_event_event_id'), ['event_id'], unique=False)

    op.create_table('coordinator_institution',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], name=op.f('fk_coordinator_institution_institution_id_institution'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_coordinator_institution_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'institution_id', name=op.f('pk_coordinator_institution'))
    )
    with op.batch_alter_table('coordinator_institution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coordinator_institution_institution_id'), ['institution_id'], unique=False)

    op.create_table('invitation_link',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_invitation_link_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_invitation_link'))
    )
    with op.batch_alter_table('invitation_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_link_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('daily_email_hour', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delegate_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('delegate_until', sa.Date(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_user_delegate_id_user'), 'user', ['delegate_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_user_delegate_id_user'), type_='foreignkey')
        batch_op.drop_column('delegate_until')
        batch_op.drop_column('delegate_id')
        batch_op.drop_column('daily_email_hour')

    with op.batch_alter_table('invitation_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_link_user_id'))
    op.drop_table('invitation_link')

    with op.batch_alter_table('coordinator_institution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coordinator_institution_institution_id'))
    op.drop_table('coordinator_institution')

    with op.batch_alter_table('coordinator_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coordinator_event_event_id'))
    op.drop_table('coordinator_event')
