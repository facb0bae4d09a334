"""case search: pg_trgm GIN indexes on customers.name, customers.email, sales.order_ref and
cases.subject (PostgreSQL only; on SQLite this migration does nothing)

Revision ID: a4d8f2c6e1b3
Revises: c4e5f6a7b8d9
Create Date: 2026-12-06 06:50:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a4d8f2c6e1b3'
down_revision = 'c4e5f6a7b8d9'
branch_labels = None
depends_on = None

# As in portal/models/search_indexes.py (a migration keeps its own copy: it must not change
# when the code does).
INDEXES = {
    "ix_customers_name_trgm": ("customers", "name"),
    "ix_customers_email_trgm": ("customers", "email"),
    "ix_sales_order_ref_trgm": ("sales", "order_ref"),
    "ix_cases_subject_trgm": ("cases", "subject"),
}


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({column} gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    # The extension stays: other schemas of the database may use it.
