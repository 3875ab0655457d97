"""Replies to the tracker's emails

Revision ID: 68346b1d4ae0
Revises: d3b8f1a6c2e4
Create Date: 2026-12-03 16:36:24.087881

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '68346b1d4ae0'
down_revision = 'd3b8f1a6c2e4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=255), nullable=False),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('from_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('attachments', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('recorded', 'held', 'assigned', 'refused', 'ignored', name='replystatus', native_enum=False, length=10), nullable=False),
    sa.Column('reason', sa.Enum('no_reference', 'forged_reference', 'other_sender', 'no_action', 'several_actions', 'refused_file', 'refused_change', 'too_large', 'automatic', name='holdreason', native_enum=False, length=20), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('proposed_status', sa.String(length=20), nullable=True),
    sa.Column('proposed_progress', sa.Integer(), nullable=True),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('update_id', sa.Integer(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_inbound_reply_action_id_action'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user.id'], name=op.f('fk_inbound_reply_handled_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sender_id'], ['user.id'], name=op.f('fk_inbound_reply_sender_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['update_id'], ['action_update.id'], name=op.f('fk_inbound_reply_update_id_action_update'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_reply')),
    sa.UniqueConstraint('message_key', name=op.f('uq_inbound_reply_message_key'))
    )
    with op.batch_alter_table('inbound_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_reply_action_id'), ['action_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_reply_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_reply_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('inbound_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_reply_status'))
        batch_op.drop_index(batch_op.f('ix_inbound_reply_received_at'))
        batch_op.drop_index(batch_op.f('ix_inbound_reply_action_id'))

    op.drop_table('inbound_reply')
