"""survey_responses: complaint_probability (the learned scorer's) and review_doubt (how much a
manager's look is worth, services/surveys/doubt.py), with an index for the review list, least
certain first and then newest. Older answers get their doubt from what they stored (no
probability was kept for them).

Revision ID: c5d2a8e4f1b9
Revises: b7c3e9f1a2d4
Create Date: 2026-12-06 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d2a8e4f1b9'
down_revision = 'b7c3e9f1a2d4'
branch_labels = None
depends_on = None

# services/surveys/doubt.py as of this revision, without the probability (none was stored).
BACKFILL = """
UPDATE survey_responses SET review_doubt = CASE
    WHEN needs_review OR sentiment_label = 'negative'
         OR sentiment_flags LIKE '%"mixed"%' OR sentiment_flags LIKE '%"sarcasm"%' THEN 3
    WHEN sentiment_label = 'positive' AND (satisfaction <= 3 OR recommend <= 6) THEN 2
    WHEN sentiment_label IS DISTINCT FROM 'positive'
         OR COALESCE(sentiment_polarity, 0) < 0.3 THEN 1
    ELSE 0 END
WHERE analysed_at IS NOT NULL AND comment IS NOT NULL AND TRIM(comment) <> ''
"""


def upgrade():
    with op.batch_alter_table("survey_responses") as batch:
        batch.add_column(sa.Column("complaint_probability", sa.Float(), nullable=True))
        batch.add_column(sa.Column("review_doubt", sa.SmallInteger(), nullable=True))
    bind = op.get_bind()
    backfill = BACKFILL
    if bind.dialect.name == "postgresql":
        backfill = backfill.replace("sentiment_flags LIKE", "sentiment_flags::text LIKE")
    else:  # SQLite: IS NOT for IS DISTINCT FROM
        backfill = backfill.replace("IS DISTINCT FROM", "IS NOT")
    op.execute(backfill)
    op.create_index(
        "ix_survey_responses_review",
        "survey_responses",
        ["review_doubt", "submitted_at", "id"],
        postgresql_where=sa.text("review_doubt IS NOT NULL"),
        sqlite_where=sa.text("review_doubt IS NOT NULL"),
    )


def downgrade():
    op.drop_index("ix_survey_responses_review", table_name="survey_responses")
    with op.batch_alter_table("survey_responses") as batch:
        batch.drop_column("review_doubt")
        batch.drop_column("complaint_probability")
