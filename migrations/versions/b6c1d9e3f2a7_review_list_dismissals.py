"""sentiment_corrections.response_id: the survey answer a correction was made on, set when a
manager dismisses an answer from the review list of unrouted answers ("not a complaint": no
case, so no case_id); a dismissed answer leaves the list

Revision ID: b6c1d9e3f2a7
Revises: d2f6b8a4c1e7
Create Date: 2026-12-06 08:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b6c1d9e3f2a7'
down_revision = 'd2f6b8a4c1e7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sentiment_corrections') as batch_op:
        batch_op.add_column(sa.Column('response_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f('fk_sentiment_corrections_response_id_survey_responses'),
            'survey_responses',
            ['response_id'],
            ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_index(
            op.f('ix_sentiment_corrections_response_id'), ['response_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('sentiment_corrections') as batch_op:
        batch_op.drop_index(op.f('ix_sentiment_corrections_response_id'))
        batch_op.drop_constraint(
            op.f('fk_sentiment_corrections_response_id_survey_responses'), type_='foreignkey'
        )
        batch_op.drop_column('response_id')
