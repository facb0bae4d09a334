"""cases.contact_wanted: false when the customer left "You may contact me" unticked on the
survey answer that opened the case (no first-contact deadline, no follow-up survey, not in the
first-contact figures). Existing cases keep true: their deadlines and figures stay as they were.

A plain ALTER TABLE, not a batch: on SQLite a batch that copies `cases` into a new table drops
the old one, and with foreign keys on (portal/__init__.py) that deletes every row referencing
it with ON DELETE CASCADE (the timelines, themes, pauses) and empties the SET NULL references.
SQLite adds a column with a constant default, and drops one (3.35+), in place.

Revision ID: d7e3b1c9a4f6
Revises: c3a9e5d7f1b2
Create Date: 2026-12-06 15:55:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'd7e3b1c9a4f6'
down_revision = 'c3a9e5d7f1b2'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "cases",
        sa.Column("contact_wanted", sa.Boolean(), nullable=False, server_default=sa.true()),
    )


def downgrade():
    op.drop_column("cases", "contact_wanted")
