"""users.time_zone (the zone a staff member reads times in); organisation_settings (the
company's name, logo, sender, support contact and brand colour on customer pages and emails)

Revision ID: b5d1e8f2a7c3
Revises: a3c5e7f9b1d2
Create Date: 2026-12-06 05:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d1e8f2a7c3'
down_revision = 'a3c5e7f9b1d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=True))
    op.create_table(
        'organisation_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('sender_name', sa.String(length=120), nullable=True),
        sa.Column('sender_address', sa.String(length=254), nullable=True),
        sa.Column('reply_to', sa.String(length=254), nullable=True),
        sa.Column('support_email', sa.String(length=254), nullable=True),
        sa.Column('support_phone', sa.String(length=40), nullable=True),
        sa.Column('support_url', sa.String(length=300), nullable=True),
        sa.Column('brand_colour', sa.String(length=7), nullable=True),
        sa.Column('logo_file', sa.String(length=40), nullable=True),
        sa.Column('logo_version', sa.Integer(), server_default='0', nullable=False),
        sa.Column('time_zone', sa.String(length=64), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_settings')),
    )


def downgrade():
    op.drop_table('organisation_settings')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('time_zone')
