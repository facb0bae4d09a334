"""helpdesk: cases may wait for the customer (status "waiting", case_pauses); webhooks out
(webhook_endpoints, webhook_deliveries); api_keys.scopes (existing keys keep write:sales)

Revision ID: b8d3f1a6c2e9
Revises: b5d3f7a9c2e1
Create Date: 2026-12-06 05:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8d3f1a6c2e9'
down_revision = 'b5d3f7a9c2e1'
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('open', 'contacted', 'resolved', 'closed', 'reopened')"
NEW_STATUSES = "status IN ('open', 'contacted', 'resolved', 'closed', 'reopened', 'waiting')"


def upgrade():
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', NEW_STATUSES)
    op.create_table(
        'case_pauses',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_by_id', sa.Integer(), nullable=True),
        sa.Column('business_days', sa.SmallInteger(), nullable=False),
        sa.Column('resume_by', sa.DateTime(timezone=True), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_by', sa.String(length=12), nullable=True),
        sa.CheckConstraint(
            "ended_by IS NULL OR ended_by IN ('customer', 'staff', 'no_answer')",
            name=op.f('ck_case_pauses_ended_by_known'),
        ),
        sa.ForeignKeyConstraint(
            ['case_id'], ['cases.id'],
            name=op.f('fk_case_pauses_case_id_cases'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['started_by_id'], ['users.id'],
            name=op.f('fk_case_pauses_started_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_pauses')),
    )
    op.create_index('ix_case_pauses_open', 'case_pauses', ['ended_at', 'resume_by'])
    op.create_index(op.f('ix_case_pauses_case_id'), 'case_pauses', ['case_id'])

    op.create_table(
        'webhook_endpoints',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=False),
        sa.Column('events', sa.JSON(), nullable=False),
        sa.Column('secret_encrypted', sa.Text(), nullable=False),
        sa.Column('secret_prefix', sa.String(length=16), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('consecutive_failures', sa.Integer(), nullable=False),
        sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('disabled_reason', sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['users.id'],
            name=op.f('fk_webhook_endpoints_created_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoints')),
    )
    op.create_table(
        'webhook_deliveries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('endpoint_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.String(length=40), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('response_status', sa.Integer(), nullable=True),
        sa.Column('response_body', sa.Text(), nullable=True),
        sa.Column('error', sa.String(length=500), nullable=True),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'delivered', 'failed')",
            name=op.f('ck_webhook_deliveries_state_known'),
        ),
        sa.ForeignKeyConstraint(
            ['endpoint_id'], ['webhook_endpoints.id'],
            name=op.f('fk_webhook_deliveries_endpoint_id_webhook_endpoints'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries')),
        sa.UniqueConstraint('event_id', name=op.f('uq_webhook_deliveries_event_id')),
    )
    op.create_index(
        'ix_webhook_deliveries_endpoint_created', 'webhook_deliveries', ['endpoint_id', 'created_at']
    )
    op.create_index(
        'ix_webhook_deliveries_due', 'webhook_deliveries', ['state', 'next_attempt_at']
    )

    with op.batch_alter_table('api_keys') as batch_op:
        batch_op.add_column(
            sa.Column(
                'scopes', sa.String(length=200), server_default='write:sales', nullable=False
            )
        )


def downgrade():
    with op.batch_alter_table('api_keys') as batch_op:
        batch_op.drop_column('scopes')
    op.drop_index('ix_webhook_deliveries_due', table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_endpoint_created', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_table('webhook_endpoints')
    op.drop_index(op.f('ix_case_pauses_case_id'), table_name='case_pauses')
    op.drop_index('ix_case_pauses_open', table_name='case_pauses')
    op.drop_table('case_pauses')
    op.execute("UPDATE cases SET status = 'contacted' WHERE status = 'waiting'")
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', OLD_STATUSES)
