"""The trigram (pg_trgm) GIN indexes of the case search (services/cases/queue.py `_search`):
on PostgreSQL, `column ILIKE '%text%'` on these columns reads the index instead of every row.

They exist only on PostgreSQL and only through their migration
(migrations/versions/a4d8f2c6e1b3_search_trigram_indexes.py): SQLite has no such index, and
the models do not declare them. `include_object` keeps them out of schema comparisons
(alembic autogenerate, tests/system/test_migrations.py), which would otherwise drop them.
"""

from __future__ import annotations

# name: (table, column)
TRIGRAM_INDEXES = {
    "ix_customers_name_trgm": ("customers", "name"),
    "ix_customers_email_trgm": ("customers", "email"),
    "ix_sales_order_ref_trgm": ("sales", "order_ref"),
    "ix_cases_subject_trgm": ("cases", "subject"),
}


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: everything but the trigram indexes."""
    return not (type_ == "index" and name in TRIGRAM_INDEXES)
