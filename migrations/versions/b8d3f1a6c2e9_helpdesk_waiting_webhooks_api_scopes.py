"""helpdesk: cases may wait for the customer (status "waiting", case_pauses)

Revision ID: b8d3f1a6c2e9
Revises: e7b2c9d4a1f6
Create Date: 2026-12-06 05:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b8d3f1a6c2e9'
down_revision = 'e7b2c9d4a1f6'
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


def downgrade():
    op.drop_index(op.f('ix_case_pauses_case_id'), table_name='case_pauses')
    op.drop_index('ix_case_pauses_open', table_name='case_pauses')
    op.drop_table('case_pauses')
    op.execute("UPDATE cases SET status = 'contacted' WHERE status = 'waiting'")
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_status_known'), type_='check')
        batch_op.create_check_constraint('status_known', OLD_STATUSES)
