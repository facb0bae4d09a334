"""inbound_attachments: also the photos and files customers upload on the complaint form and
with a message on their case's status page. A `source` column (existing rows: "email"), a
`complaint_id` (the complaint the file came with, before triage opens its case), and the
message and case become optional (a complaint's files have neither until its case opens); one
of case and complaint is always there.

A batch on SQLite (it cannot make a column nullable in place): the table is copied. Nothing
references inbound_attachments, so dropping the old copy deletes nothing else, and the
migrations run with foreign keys off on SQLite (migrations/env.py).

Revision ID: e9a4c2f7b3d1
Revises: a5c8e2f4b6d1
Create Date: 2026-12-06 18:20:00

"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "e9a4c2f7b3d1"
down_revision = "a5c8e2f4b6d1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inbound_attachments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=20), nullable=False, server_default="email")
        )
        batch_op.add_column(sa.Column("complaint_id", sa.Integer(), nullable=True))
        batch_op.alter_column("inbound_message_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f("fk_inbound_attachments_complaint_id_complaints"),
            "complaints",
            ["complaint_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_attachments_complaint_id"), ["complaint_id"], unique=False
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_inbound_attachments_source_known"),
            "source IN ('email', 'complaint_form', 'status_page')",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_inbound_attachments_case_or_complaint"),
            "case_id IS NOT NULL OR complaint_id IS NOT NULL",
        )


def downgrade():
    # The uploads have no message to hang from in the old schema: they go (the customer's
    # words they came with stay).
    op.execute("DELETE FROM inbound_attachments WHERE inbound_message_id IS NULL")
    with op.batch_alter_table("inbound_attachments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_inbound_attachments_case_or_complaint"), type_="check"
        )
        batch_op.drop_constraint(batch_op.f("ck_inbound_attachments_source_known"), type_="check")
        batch_op.drop_index(batch_op.f("ix_inbound_attachments_complaint_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_inbound_attachments_complaint_id_complaints"), type_="foreignkey"
        )
        batch_op.alter_column("case_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("inbound_message_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("complaint_id")
        batch_op.drop_column("source")
