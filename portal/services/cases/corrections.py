"""Label corrections as managers list and download them: newest first, within their scope,
as CSV that a spreadsheet shows as text. (A correction is made by
services/cases/labels.py correct_label.)"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Case, Sale, SentimentCorrection, SurveyInvitation, SurveyResponse, User
from portal.services.scope import visible_cases_query, visible_reps_query

CSV_COLUMNS = (
    "corrected_at_utc",
    "case_id",
    "text",
    "original_label",
    "corrected_label",
    "original_reasons",
    "note",
    "corrected_by",
)


def corrections_query(user: User) -> sa.Select:
    """Label corrections, newest first: an admin sees all; a manager those on the cases they
    can see and on the answers of their reps' sales dismissed from the review list (the
    customers' words of other teams stay with those teams)."""
    query = sa.select(SentimentCorrection).options(joinedload(SentimentCorrection.corrected_by))
    if not user.is_admin:
        visible = visible_cases_query(user).with_only_columns(Case.id).order_by(None)
        # An answer dismissed on the review list has no case: seen by whoever sees its sale.
        reps = visible_reps_query(user).with_only_columns(User.id).order_by(None)
        answers = (
            sa.select(SurveyResponse.id)
            .join(SurveyInvitation, SurveyResponse.invitation_id == SurveyInvitation.id)
            .join(Sale, SurveyInvitation.sale_id == Sale.id)
            .where(Sale.rep_id.in_(reps))
        )
        query = query.where(
            sa.or_(
                SentimentCorrection.case_id.in_(visible),
                SentimentCorrection.response_id.in_(answers),
            )
        )
    return query.order_by(SentimentCorrection.created_at.desc(), SentimentCorrection.id.desc())


def correction_rows(user: User) -> Iterator[tuple]:
    """The corrections `user` may see, as rows of CSV_COLUMNS (read in batches: constant
    memory). Written by portal.csv_export, which guards every cell."""
    rows = db.session.scalars(corrections_query(user).execution_options(yield_per=500))
    for row in rows:
        yield (
            f"{row.created_at:%Y-%m-%d %H:%M:%S}",
            row.case_id,
            row.text,
            row.original_label,
            row.corrected_label,
            "; ".join(row.original_reasons or []),
            row.note,
            row.corrected_by.name if row.corrected_by else "",
        )
