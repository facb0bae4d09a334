"""check-ins: the rules that make a customer due a personal check-in (seeded with the
defaults), and the check-ins done

Revision ID: c4e5f6a7b8d9
Revises: b8d3f1a6c2e9
Create Date: 2026-12-06 06:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e5f6a7b8d9'
down_revision = 'b8d3f1a6c2e9'
branch_labels = None
depends_on = None

KINDS = "('large_sale', 'after_resolution', 'detractor', 'silent_key_customer')"
# (kind, min_amount in cents, days): models/checkin.py DEFAULT_CHECKIN_RULES
DEFAULTS = (
    ("large_sale", 1_000_000, 14),
    ("after_resolution", None, 30),
    ("detractor", None, 2),
    ("silent_key_customer", 2_000_000, 90),
)


def upgrade():
    rules = op.create_table(
        'checkin_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('min_amount', sa.BigInteger(), nullable=True),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint(f"kind IN {KINDS}", name=op.f('ck_checkin_rules_kind_known')),
        sa.CheckConstraint('days BETWEEN 0 AND 730', name=op.f('ck_checkin_rules_days_range')),
        sa.CheckConstraint(
            'min_amount IS NULL OR min_amount >= 0',
            name=op.f('ck_checkin_rules_amount_not_negative'),
        ),
        sa.ForeignKeyConstraint(
            ['updated_by_id'], ['users.id'],
            name=op.f('fk_checkin_rules_updated_by_id_users'), ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_rules')),
        sa.UniqueConstraint('kind', name=op.f('uq_checkin_rules_kind')),
    )
    op.create_table(
        'checkins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('rep_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=32), nullable=True),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "channel IN ('call', 'email', 'meeting', 'note')",
            name=op.f('ck_checkins_channel_known'),
        ),
        sa.ForeignKeyConstraint(
            ['customer_id'], ['customers.id'],
            name=op.f('fk_checkins_customer_id_customers'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['rep_id'], ['users.id'], name=op.f('fk_checkins_rep_id_users'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
    )
    op.create_index('ix_checkins_customer_at', 'checkins', ['customer_id', 'at'], unique=False)
    op.create_index('ix_checkins_rep_at', 'checkins', ['rep_id', 'at'], unique=False)
    op.bulk_insert(
        rules,
        [
            {"kind": kind, "min_amount": amount, "days": days, "active": True}
            for kind, amount, days in DEFAULTS
        ],
    )


def downgrade():
    op.drop_index('ix_checkins_rep_at', table_name='checkins')
    op.drop_index('ix_checkins_customer_at', table_name='checkins')
    op.drop_table('checkins')
    op.drop_table('checkin_rules')
