"""teams.round_the_clock (an on-call rota: wall-clock SLA policies apply only to such teams);
users.away_from (an absence has a start as well as an end); cases.covering_for_id (the away
rep whose case a stand-in holds until they return)

Revision ID: a5c3e9f2b7d1
Revises: e7b2c9d4a1f6
Create Date: 2026-12-06 05:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5c3e9f2b7d1'
down_revision = 'e7b2c9d4a1f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('teams') as batch_op:
        batch_op.add_column(
            sa.Column('round_the_clock', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('away_from', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('cases') as batch_op:
        batch_op.add_column(sa.Column('covering_for_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_cases_covering_for_id_users'),
            'users',
            ['covering_for_id'],
            ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_index(op.f('ix_cases_covering_for_id'), ['covering_for_id'])


def downgrade():
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_index(op.f('ix_cases_covering_for_id'))
        batch_op.drop_constraint(op.f('fk_cases_covering_for_id_users'), type_='foreignkey')
        batch_op.drop_column('covering_for_id')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('away_from')
    with op.batch_alter_table('teams') as batch_op:
        batch_op.drop_column('round_the_clock')
