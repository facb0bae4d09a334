"""performance records per subject (rep, team, all); weekly digest deliveries

The old performance_records table was a placeholder that nothing wrote to: it is replaced.

Revision ID: c6a1d0e4b7f2
Revises: f91dd08f28b7
Create Date: 2026-11-27 16:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c6a1d0e4b7f2'
down_revision = 'f91dd08f28b7'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('performance_records')
    op.create_table('performance_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=24), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("period IN ('week', 'month', 'quarter')", name=op.f('ck_performance_records_period_known')),
    sa.ForeignKeyConstraint(['rep_id'], ['users.id'], name=op.f('fk_performance_records_rep_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_performance_records_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_records')),
    sa.UniqueConstraint('subject', 'period', 'period_start', name='uq_performance_subject_period')
    )
    with op.batch_alter_table('performance_records', schema=None) as batch_op:
        batch_op.create_index('ix_performance_period', ['period', 'period_start'], unique=False)

    op.create_table('digest_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_digest_deliveries_manager_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_deliveries')),
    sa.UniqueConstraint('manager_id', 'week_start', name='uq_digest_manager_week')
    )


def downgrade():
    op.drop_table('digest_deliveries')
    op.drop_table('performance_records')
    op.create_table('performance_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('sales_count', sa.Integer(), nullable=False),
    sa.Column('revenue', sa.BigInteger(), nullable=False),
    sa.Column('surveys_sent', sa.Integer(), nullable=False),
    sa.Column('surveys_answered', sa.Integer(), nullable=False),
    sa.Column('cases_opened', sa.Integer(), nullable=False),
    sa.Column('cases_resolved', sa.Integer(), nullable=False),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("period IN ('week', 'month', 'quarter')", name=op.f('ck_performance_records_period_known')),
    sa.ForeignKeyConstraint(['rep_id'], ['users.id'], name=op.f('fk_performance_records_rep_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_performance_records_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_records')),
    sa.UniqueConstraint('rep_id', 'period', 'period_start', name='uq_performance_rep_period')
    )
    with op.batch_alter_table('performance_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performance_records_team_id'), ['team_id'], unique=False)
