"""Source documents, recommendation links, trigram index on recommendation titles

Revision ID: 383fa5cafb3c
Revises: 9a4d6c2e8b71
Create Date: 2026-12-03 14:16:45.062122

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '383fa5cafb3c'
down_revision = '9a4d6c2e8b71'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('recommendation_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('earlier_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('recommendation_id <> earlier_id', name=op.f('ck_recommendation_link_not_itself')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_recommendation_link_created_by_id_user')),
    sa.ForeignKeyConstraint(['earlier_id'], ['recommendation.id'], name=op.f('fk_recommendation_link_earlier_id_recommendation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_recommendation_link_recommendation_id_recommendation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation_link')),
    sa.UniqueConstraint('recommendation_id', 'earlier_id', name=op.f('uq_recommendation_link_recommendation_id_earlier_id'))
    )
    with op.batch_alter_table('recommendation_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_link_earlier_id'), ['earlier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_link_recommendation_id'), ['recommendation_id'], unique=False)

    op.create_table('source_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user.id'], name=op.f('fk_source_document_added_by_id_user')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_source_document_event_id_event')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_document')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_source_document_stored_name'))
    )
    with op.batch_alter_table('source_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_source_document_event_id'), ['event_id'], unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        # Created by 5b8e2f0c9d17 already; repeated so this index never lacks its operators.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    # GIN trigram index on PostgreSQL (similar recommendations); a plain one on SQLite.
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.create_index('ix_recommendation_title_trgm', ['title'], unique=False, postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})



def downgrade():
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_index('ix_recommendation_title_trgm', postgresql_using='gin', postgresql_ops={'title': 'gin_trgm_ops'})

    with op.batch_alter_table('source_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_source_document_event_id'))

    op.drop_table('source_document')
    with op.batch_alter_table('recommendation_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_link_recommendation_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_link_earlier_id'))

    op.drop_table('recommendation_link')
