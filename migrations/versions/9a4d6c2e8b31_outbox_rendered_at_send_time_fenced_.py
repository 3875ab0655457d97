"""Outbox rendered at send time, fenced delivery claims, reset links kept as digests

The outbox stops keeping working links: rows hold a template, a JSON context and a link
id, and are rendered when sent. Rows not sent yet at the upgrade were rendered by the
previous version, with their links inside: they are removed (the next `reminders plan`
writes again the reminders still due; deliver before upgrading to lose nothing). The
bodies of sent rows keep their text with every link replaced by "[link]". Used one-click
links are kept as SHA-256 digests of their ids.

Revision ID: 9a4d6c2e8b31
Revises: 7cbdecb9d69e
Create Date: 2026-12-01 09:00:00.000000

"""
import hashlib
import re
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9a4d6c2e8b31'
down_revision = '7cbdecb9d69e'
branch_labels = None
depends_on = None

URL = re.compile(r"""https?://[^\s"'<>]+""")


def upgrade():
    op.create_table('reset_link',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_reset_link_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('digest', name=op.f('pk_reset_link'))
    )
    with op.batch_alter_table('reset_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reset_link_user_id'), ['user_id'], unique=False)

    conn = op.get_bind()
    conn.execute(sa.text("DELETE FROM outbox_message WHERE status <> 'sent'"))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('template', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('context', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('link_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('message_uuid', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(), nullable=True))
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('headers')

    rows = conn.execute(sa.text("SELECT id, body_text, body_html FROM outbox_message")).all()
    for row_id, text, html in rows:
        conn.execute(sa.text(
            "UPDATE outbox_message SET body_text = :text, body_html = :html, message_uuid = :uuid "
            "WHERE id = :id"), {"id": row_id, "text": URL.sub("[link]", text),
                                "html": URL.sub("[link]", html), "uuid": str(uuid.uuid4())})
    used = conn.execute(sa.text("SELECT token_id FROM used_token")).scalars().all()
    for token_id in used:
        conn.execute(sa.text("UPDATE used_token SET token_id = :digest WHERE token_id = :id"),
                     {"id": token_id, "digest": hashlib.sha256(token_id.encode()).hexdigest()})

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('message_uuid', existing_type=sa.String(length=36), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_message_message_uuid'), ['message_uuid'])


def downgrade():
    # The rows planned by this version have no bodies to send with the previous one.
    op.execute("DELETE FROM outbox_message WHERE status <> 'sent'")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_message_message_uuid'), type_='unique')
        batch_op.add_column(sa.Column('headers', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))
        batch_op.drop_column('lease_until')
        batch_op.drop_column('claim_token')
        batch_op.drop_column('message_uuid')
        batch_op.drop_column('link_id')
        batch_op.drop_column('context')
        batch_op.drop_column('template')

    with op.batch_alter_table('reset_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reset_link_user_id'))
    op.drop_table('reset_link')
