"""cases: an index on created_at, for the dashboard's counts of the last 90 days' cases (triage
precision and recall), which otherwise read every case ever opened on each page load

Revision ID: b7c3e9f1a2d4
Revises: b6c1d9e3f2a7
Create Date: 2026-12-06 09:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7c3e9f1a2d4'
down_revision = 'b6c1d9e3f2a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_cases_created_at", "cases", ["created_at"])


def downgrade():
    op.drop_index("ix_cases_created_at", table_name="cases")
