"""survey_responses.added_to_case_id, complaints.added_to_case_id: the open case of the same
order an answer or complaint was added to ("the customer wrote again") instead of opening a
second case (services/cases/joining.py). NULL for every existing row: those opened their own
case, linked as before by cases.response_id / cases.complaint_id.

A batch on SQLite (it cannot add a foreign key in place); env.py turns SQLite's foreign keys
off around it, so copying the tables blanks no reference to them.

Revision ID: a5c8e2f4b6d1
Revises: d7e3b1c9a4f6
Create Date: 2026-12-06 18:20:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a5c8e2f4b6d1'
down_revision = 'd7e3b1c9a4f6'
branch_labels = None
depends_on = None

TABLES = ("survey_responses", "complaints")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("added_to_case_id", sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                op.f(f"fk_{table}_added_to_case_id_cases"),
                "cases",
                ["added_to_case_id"],
                ["id"],
                ondelete="SET NULL",
            )
            batch_op.create_index(
                op.f(f"ix_{table}_added_to_case_id"), ["added_to_case_id"], unique=False
            )


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(op.f(f"ix_{table}_added_to_case_id"))
            batch_op.drop_constraint(
                op.f(f"fk_{table}_added_to_case_id_cases"), type_="foreignkey"
            )
            batch_op.drop_column("added_to_case_id")
