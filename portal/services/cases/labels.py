"""The analyser's verdict on the customer's words, as the case page shows it, and a person's
correction of its label (which the sentiment corrections export and the training command
collect). A correction to neutral or positive may close the case as "not a complaint" in the
same step: the case leaves the complaint figures (portal/metrics/facts.py) and the customer
gets no "did this fix it?" survey."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Case, CaseEvent, Complaint, SentimentCorrection, SurveyResponse, User
from portal.models.case import NOT_A_COMPLAINT
from portal.models.survey import SENTIMENT_LABELS
from portal.services.cases.rules import check_version, saving
from portal.services.rules import RuleError


@dataclass(frozen=True)
class Analysis:
    """What the analyser made of the customer's words, as the case page shows it."""

    source: SurveyResponse | Complaint
    text: str | None
    label: str | None
    polarity: float | None
    reasons: list[str]
    flags: list[str]
    analysed_at: datetime | None
    last_correction: SentimentCorrection | None


def analysed_row(case: Case) -> SurveyResponse | Complaint | None:
    """The survey answer or complaint the case was opened from (None for a staff case)."""
    if case.response_id is not None:
        return db.session.get(SurveyResponse, case.response_id)
    if case.complaint_id is not None:
        return db.session.get(Complaint, case.complaint_id)
    return None


def _analysed_text(row: SurveyResponse | Complaint) -> str | None:
    return row.comment if isinstance(row, SurveyResponse) else row.description


def analysis_for(case: Case) -> Analysis | None:
    row = analysed_row(case)
    if row is None:
        return None
    last = db.session.scalar(
        sa.select(SentimentCorrection)
        .where(SentimentCorrection.case_id == case.id)
        .options(joinedload(SentimentCorrection.corrected_by))
        .order_by(SentimentCorrection.created_at.desc(), SentimentCorrection.id.desc())
        .limit(1)
    )
    return Analysis(
        source=row,
        text=_analysed_text(row),
        label=row.sentiment_label,
        polarity=row.sentiment_polarity,
        reasons=list(row.sentiment_reasons or []),
        flags=list(row.sentiment_flags or []),
        analysed_at=row.analysed_at,
        last_correction=last,
    )


def correct_label(
    case: Case,
    actor: User,
    label: str,
    note: str | None,
    version: int | None,
    now: datetime,
    *,
    close_as_not_complaint: bool = False,
) -> SentimentCorrection:
    """Record a person's correction of the label, with the evidence as it was; the case no
    longer needs review. With `close_as_not_complaint` (only for a label that is not
    negative) the case is also closed with the outcome "not a complaint". Committed."""
    row = analysed_row(case)
    if row is None:
        raise RuleError("This case was opened by staff: there is no analysis to correct.")
    check_version(case, version)
    if label not in SENTIMENT_LABELS:
        raise RuleError("Choose negative, neutral or positive.", "label")
    old = row.sentiment_label
    if label == old:
        raise RuleError(
            f"The label is already {label}. Choose a different label to correct it.", "label"
        )
    if close_as_not_complaint and label == "negative":
        raise RuleError(
            'A negative answer is a complaint: untick "close as not a complaint" '
            "or choose neutral or positive.",
            "close_case",
        )
    if close_as_not_complaint and case.status == "closed":
        raise RuleError(
            'This case is closed already: untick "close as not a complaint".', "close_case"
        )
    note = (note or "").strip() or None
    correction = SentimentCorrection(
        case_id=case.id,
        text=_analysed_text(row),
        original_label=old,
        original_reasons=list(row.sentiment_reasons or []),
        corrected_label=label,
        note=note,
        corrected_by_id=actor.id,
        created_at=now,
    )
    message = f"Label corrected from {old or 'none'} to {label} by {actor.name}"
    with saving():
        row.sentiment_label = label
        row.needs_review = False  # a person has looked at it
        case.needs_review = False
        db.session.add_all(
            [
                correction,
                CaseEvent(
                    case_id=case.id,
                    actor_kind="staff",
                    actor_id=actor.id,
                    kind="label_corrected",
                    message=f"{message}: {note}" if note else f"{message}.",
                    data={"from": old, "to": label},
                    created_at=now,
                ),
            ]
        )
        if close_as_not_complaint:
            _close_as_not_complaint(case, actor, note, now)
    return correction


def _close_as_not_complaint(case: Case, actor: User, note: str | None, now: datetime) -> None:
    """Close the case out of the complaint figures; its deadlines no longer run (a closed
    case is not open) and no follow-up survey is planned."""
    previous = case.status
    case.status = "closed"
    case.outcome = NOT_A_COMPLAINT
    case.closed_at = now
    case.resolution_summary = note or "Not a complaint (label corrected)."
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind="staff",
            actor_id=actor.id,
            kind="closed",
            message=f"Closed as not a complaint by {actor.name}: it leaves the complaint figures.",
            data={"from": previous, "outcome": NOT_A_COMPLAINT},
            created_at=now,
        )
    )
