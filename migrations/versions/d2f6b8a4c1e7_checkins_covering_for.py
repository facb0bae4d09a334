"""checkins.covering_for_id: the away rep a stand-in checked in for

Revision ID: d2f6b8a4c1e7
Revises: 5387c98c0f65
Create Date: 2026-12-06 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2f6b8a4c1e7'
down_revision = '5387c98c0f65'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('checkins') as batch_op:
        batch_op.add_column(sa.Column('covering_for_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_checkins_covering_for_id_users'),
            'users',
            ['covering_for_id'],
            ['id'],
            ondelete='SET NULL',
        )


def downgrade():
    with op.batch_alter_table('checkins') as batch_op:
        batch_op.drop_constraint(op.f('fk_checkins_covering_for_id_users'), type_='foreignkey')
        batch_op.drop_column('covering_for_id')
