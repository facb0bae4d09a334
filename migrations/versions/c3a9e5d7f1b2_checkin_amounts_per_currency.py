"""checkin_rules.min_amounts: an amount per currency for the rules with an amount (a large
sale, a key customer), since the rule never converts between currencies: one amount for SEK,
EUR and GBP sales alike meant a large-sale check-in for a SEK sale but hardly ever for a EUR one

Revision ID: c3a9e5d7f1b2
Revises: c5d2a8e4f1b9
Create Date: 2026-12-06 11:55:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3a9e5d7f1b2'
down_revision = 'c5d2a8e4f1b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("checkin_rules") as batch_op:
        batch_op.add_column(sa.Column("min_amounts", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("checkin_rules") as batch_op:
        batch_op.drop_column("min_amounts")
