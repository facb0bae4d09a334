"""inbound mail: messages as received, customers' attachments, delivery reports (bounces),
revoked case reply addresses

Revision ID: a3c5e7f9b1d2
Revises: a9d3f7c2e815
Create Date: 2026-12-06 05:31:09.708328

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a3c5e7f9b1d2'
down_revision = 'a9d3f7c2e815'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('envelope_from', sa.String(length=320), nullable=False),
    sa.Column('envelope_to', sa.JSON(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IS NULL OR kind IN ('customer_reply', 'bounce', 'auto_reply', 'not_for_us')", name=op.f('ck_inbound_messages_kind_known')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_inbound_messages_case_id_cases'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_messages'))
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_case_id'), ['case_id'], unique=False)

    op.create_table('reply_address_revocations',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_reply_address_revocations_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_reply_address_revocations'))
    )
    op.create_table('inbound_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_message_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_inbound_attachments_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['inbound_message_id'], ['inbound_messages.id'], name=op.f('fk_inbound_attachments_inbound_message_id_inbound_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_attachments'))
    )
    with op.batch_alter_table('inbound_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_attachments_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_attachments_inbound_message_id'), ['inbound_message_id'], unique=False)

    op.create_table('mail_bounces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbound_message_id', sa.Integer(), nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('diagnostic', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('hard', 'soft')", name=op.f('ck_mail_bounces_kind_known')),
    sa.ForeignKeyConstraint(['inbound_message_id'], ['inbound_messages.id'], name=op.f('fk_mail_bounces_inbound_message_id_inbound_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_bounces')),
    sa.UniqueConstraint('inbound_message_id', 'address', name=op.f('uq_mail_bounces_inbound_message_id'))
    )
    with op.batch_alter_table('mail_bounces', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_bounces_address'), ['address'], unique=False)



def downgrade():
    with op.batch_alter_table('mail_bounces', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_bounces_address'))

    op.drop_table('mail_bounces')
    with op.batch_alter_table('inbound_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_attachments_inbound_message_id'))
        batch_op.drop_index(batch_op.f('ix_inbound_attachments_case_id'))

    op.drop_table('inbound_attachments')
    op.drop_table('reply_address_revocations')
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_case_id'))

    op.drop_table('inbound_messages')
