"""cases: outcome "not_a_complaint" (a relabelled case closed out of the complaint figures);
sentiment_corrections.from_review (a negative marked on the review list of unrouted answers)

Revision ID: e7b2c9d4a1f6
Revises: d4e8a1b2c3f5
Create Date: 2026-12-06 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7b2c9d4a1f6'
down_revision = 'd4e8a1b2c3f5'
branch_labels = None
depends_on = None

OLD = "outcome IS NULL OR outcome IN ('refund', 'replacement', 'discount', 'explanation', 'no_action')"
NEW = (
    "outcome IS NULL OR outcome IN ('refund', 'replacement', 'discount', 'explanation', "
    "'no_action', 'not_a_complaint')"
)


def upgrade():
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_outcome_known'), type_='check')
        batch_op.create_check_constraint('outcome_known', NEW)
    with op.batch_alter_table('sentiment_corrections') as batch_op:
        batch_op.add_column(
            sa.Column('from_review', sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table('sentiment_corrections') as batch_op:
        batch_op.drop_column('from_review')
    op.execute("UPDATE cases SET outcome = 'no_action' WHERE outcome = 'not_a_complaint'")
    with op.batch_alter_table('cases') as batch_op:
        batch_op.drop_constraint(op.f('ck_cases_outcome_known'), type_='check')
        batch_op.create_check_constraint('outcome_known', OLD)
