"""The retention rule: customers' words older than N months are replaced by the erasure's
marker (erasure.py), by a daily job (jobs/privacy.py), setting CUSTOMER_WORDS_RETENTION_MONTHS.

Only words: survey comments, complaint descriptions, the subject and description of a case,
the customer's messages, the analysis' quoted reasons and the text of label corrections; the
photos and files customers sent are deleted (their names on the timeline replaced). Scores,
labels, dates and contact data stay (contact data goes only on request: erasure.py). Words
that belong to a case still open stay until it is resolved. Running it twice changes nothing
the second time, and records only a run that changed something (as a system action).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Case,
    CaseEvent,
    Complaint,
    InboundAttachment,
    SentimentCorrection,
    SurveyResponse,
)
from portal.models.case import OPEN_STATUSES
from portal.services import audit
from portal.services.cases import joining
from portal.services.cases.messages import FROM_CUSTOMER
from portal.services.customer_data import erasure


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the last day
    of a shorter month)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def anonymise_old_words(months: int, now: datetime) -> dict[str, int]:
    """Replace the words older than `months` months (see the module docstring)."""
    cutoff = months_before(now, months)
    open_cases = sa.select(Case.id).where(Case.status.in_(OPEN_STATUSES))
    # The words of an open case are kept: those that opened it and those added to it.
    in_open_case = joining.responses_in_cases(open_cases)
    complaint_in_open_case = joining.complaints_in_cases(open_cases)
    old_closed_cases = sa.select(Case.id).where(
        Case.created_at < cutoff, Case.status.not_in(OPEN_STATUSES)
    )
    counts = {
        "answers": erasure.blank_answers(
            sa.select(SurveyResponse.id).where(
                SurveyResponse.submitted_at < cutoff, SurveyResponse.id.not_in(in_open_case)
            )
        ),
        "complaints": erasure.blank_complaints(
            sa.select(Complaint.id).where(
                Complaint.created_at < cutoff, Complaint.id.not_in(complaint_in_open_case)
            ),
            contact_data=False,
        ),
        "case_texts": erasure.blank_cases(old_closed_cases, columns=("subject", "description")),
        "customer_messages": erasure.blank_events(
            sa.select(CaseEvent.id).where(
                CaseEvent.created_at < cutoff,
                CaseEvent.kind == FROM_CUSTOMER,
                CaseEvent.case_id.not_in(open_cases),
            )
        ),
        "corrections": erasure.blank_corrections(
            sa.select(SentimentCorrection.case_id).where(
                SentimentCorrection.created_at < cutoff,
                SentimentCorrection.case_id.not_in(open_cases),
            )
        ),
        "files": erasure.delete_files(
            sa.select(InboundAttachment.id).where(
                InboundAttachment.created_at < cutoff,
                sa.or_(
                    InboundAttachment.case_id.is_(None),
                    InboundAttachment.case_id.not_in(open_cases),
                ),
            )
        ),
    }
    # The reasons quoted when an old case opened.
    erasure.blank_events(
        sa.select(CaseEvent.id).where(
            CaseEvent.case_id.in_(old_closed_cases), CaseEvent.kind == "opened"
        ),
        messages=False,
    )
    if any(counts.values()):
        audit.record(
            "retention.customer_words_anonymised",
            target_type="customer",
            actor=audit.SYSTEM,
            after={"months": months, "before": cutoff, **counts},
        )
    db.session.commit()
    return counts
