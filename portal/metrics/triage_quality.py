"""How well triage routes: precision and recall of "this answer is a complaint" as staff
corrections show it, over the last 90 days (docs/metrics.md, "Triage precision and recall").

- A **routed** case is a survey case that the analysis opened (not one opened from the review
  list) in the window. It is **reviewed** once a person has acted on it: a label correction, a
  first contact, or resolved / closed. A reviewed case whose latest label correction is
  neutral or positive was a **false alarm**; the other reviewed cases were **caught**.
- A **missed** complaint is an answer that opened no case and that a manager marked negative
  on the review list (a correction `from_review`) in the window.
- precision = caught / reviewed; recall = caught / (caught + missed). Each comes with its
  sample size; with nothing to count it is None (a dash), never 0.

Recall counts only the misses someone found: answers nobody reviewed are not in it, so it is
an upper bound until the review list is read regularly (its sample says how many were found).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.definitions import share
from portal.models import Case, SentimentCorrection

WINDOW = timedelta(days=90)
WORKED_STATUSES = ("resolved", "closed")


@dataclass(frozen=True)
class RoutedCase:
    id: int
    reviewed: bool
    latest_label: str | None  # the latest staff correction's label; None: never corrected


@dataclass(frozen=True)
class TriageQuality:
    since: datetime
    reviewed: int  # precision's sample
    caught: int
    false_alarms: int
    missed: int
    precision: float | None
    recall: float | None

    @property
    def recall_sample(self) -> int:
        return self.caught + self.missed


def triage_quality_of(routed: Iterable[RoutedCase], missed: int, since: datetime):
    """The definition, on facts: precision and recall with their samples."""
    reviewed = [c for c in routed if c.reviewed]
    false_alarms = sum(c.latest_label not in (None, "negative") for c in reviewed)
    return _quality(len(reviewed), false_alarms, missed, since)


def _quality(reviewed: int, false_alarms: int, missed: int, since: datetime) -> TriageQuality:
    caught = reviewed - false_alarms
    return TriageQuality(
        since=since,
        reviewed=reviewed,
        caught=caught,
        false_alarms=false_alarms,
        missed=missed,
        precision=share(caught, reviewed),
        recall=share(caught, caught + missed),
    )


def load_triage_quality(now: datetime, rep_ids: Iterable[int] | None = None) -> TriageQuality:
    """The last 90 days for the cases assigned to these reps (None: all, triage included).

    Counted by the database, as `triage_quality_of` counts the routed cases: the dashboard
    shows it on every load, and an admin's 90 days are tens of thousands of cases."""
    since = now - WINDOW
    reps = None if rep_ids is None else sorted(set(rep_ids))

    def scoped(query):
        return query if reps is None else query.where(Case.assigned_rep_id.in_(reps))

    from_review = sa.select(SentimentCorrection.case_id).where(
        SentimentCorrection.from_review.is_(True), SentimentCorrection.case_id.is_not(None)
    )
    routed = (
        Case.source == "survey",
        Case.created_at >= since,
        Case.created_at < now,
        Case.id.not_in(from_review),
    )
    worked = sa.or_(Case.first_contact_at.is_not(None), Case.status.in_(WORKED_STATUSES))
    # Reviewed: worked on, or corrected (a few cases: counted apart, so the tens of thousands
    # of routed cases are counted without a look-up each).
    worked_count = db.session.scalar(
        scoped(sa.select(sa.func.count(Case.id)).where(*routed, worked))
    )
    latest = (
        sa.select(SentimentCorrection.corrected_label)
        .where(SentimentCorrection.case_id == Case.id)
        .order_by(SentimentCorrection.created_at.desc(), SentimentCorrection.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    corrected = sa.select(SentimentCorrection.case_id).where(
        SentimentCorrection.case_id.is_not(None)
    )
    only_corrected, false_alarms = db.session.execute(
        scoped(
            sa.select(
                sa.func.count(sa.case((sa.not_(worked), 1))),
                sa.func.count(sa.case((latest != "negative", 1))),
            ).where(*routed, Case.id.in_(corrected))
        )
    ).one()
    missed = db.session.scalar(
        scoped(
            sa.select(sa.func.count(SentimentCorrection.id))
            .join(Case, Case.id == SentimentCorrection.case_id)
            .where(
                SentimentCorrection.from_review.is_(True),
                SentimentCorrection.created_at >= since,
                SentimentCorrection.created_at < now,
            )
        )
    )
    return _quality(worked_count + only_corrected, false_alarms, missed or 0, since)
