"""cases.contact_wanted: false when the customer left "You may contact me" unticked on the
survey answer that opened the case (no first-contact deadline, no follow-up survey, not in the
first-contact figures). Existing cases keep true: their deadlines and figures stay as they were.

Revision ID: d7e3b1c9a4f6
Revises: c3a9e5d7f1b2
Create Date: 2026-12-06 15:55:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "d7e3b1c9a4f6"
down_revision = "c3a9e5d7f1b2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(
            sa.Column("contact_wanted", sa.Boolean(), nullable=False, server_default=sa.true())
        )


def downgrade():
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("contact_wanted")
