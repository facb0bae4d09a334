"""cases: index ix_cases_status_rep (status, assigned_rep_id; on PostgreSQL it also carries id
and the deadline columns): the queue's page of ids, its count and the open counts of the
navigation, the triage tab and the assignee list read it alone, never the table

Revision ID: 5387c98c0f65
Revises: a4d8f2c6e1b3
Create Date: 2026-12-06 08:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5387c98c0f65'
down_revision = 'a4d8f2c6e1b3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_cases_status_rep",
        "cases",
        ["status", "assigned_rep_id"],
        postgresql_include=["id", "first_contact_at", "first_contact_due", "resolve_due"],
    )


def downgrade():
    op.drop_index("ix_cases_status_rep", table_name="cases")
