"""outbox: a mail job's claim (claimed_at), taken and committed before the message is sent

Revision ID: d4e8a1b2c3f5
Revises: c6f1fa151ebe
Create Date: 2026-12-06 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e8a1b2c3f5'
down_revision = 'c6f1fa151ebe'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_jobs') as batch_op:
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_jobs') as batch_op:
        batch_op.drop_column('claimed_at')
