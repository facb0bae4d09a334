"""The survey budget: a customer is surveyed at most once per budget period.

A customer's `last_surveyed_at` is moved forward in one guarded UPDATE
(`... WHERE last_surveyed_at IS NULL OR last_surveyed_at <= cutoff RETURNING id`), so two
workers can never survey the same customer twice within the budget, whatever they race for.
The follow-up after a case has its own rule (services/surveys/followup.py): the surveys of
the case's own conversation do not count.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Customer, SurveyInvitation
from portal.models.survey_policy import SurveyPolicy
from portal.services.surveys.followup import opening_invitation_ids
from portal.services.surveys.schedule import budget_cutoff


def take_budget(customer_ids: set[int], now: datetime, policy: SurveyPolicy) -> set[int]:
    """Atomically mark these customers surveyed now, where the budget allows. Returns the
    ids whose budget was taken (the others were surveyed too recently)."""
    if not customer_ids:
        return set()
    cutoff = budget_cutoff(now, policy)
    result = db.session.execute(
        sa.update(Customer)
        .where(
            Customer.id.in_(customer_ids),
            sa.or_(Customer.last_surveyed_at.is_(None), Customer.last_surveyed_at <= cutoff),
        )
        .values(last_surveyed_at=now)
        .returning(Customer.id)
        .execution_options(synchronize_session=False)
    )
    taken = set(result.scalars())
    db.session.commit()
    return taken


def take_followup_budget(case: Case, customer_id: int, now: datetime, policy) -> bool:
    """The follow-up's budget, taken the way `take_budget` takes a post-sale one: one guarded
    UPDATE, so a post-sale survey (or another follow-up) for the same customer in this batch,
    or in a concurrent dispatch, cannot go out too. The customer's last survey may be within
    the budget only if it was part of this case's own conversation (the survey that opened it,
    an earlier follow-up): then it was sent no later than that conversation's latest send."""
    cutoff = budget_cutoff(now, policy)
    conversation_sent = db.session.scalar(
        sa.select(sa.func.max(SurveyInvitation.sent_at)).where(
            sa.or_(
                SurveyInvitation.case_id == case.id,
                SurveyInvitation.id.in_(opening_invitation_ids(case) or [0]),
            )
        )
    )
    allowed = [Customer.last_surveyed_at.is_(None), Customer.last_surveyed_at <= cutoff]
    if conversation_sent is not None:
        allowed.append(Customer.last_surveyed_at <= conversation_sent)
    result = db.session.execute(
        sa.update(Customer)
        .where(Customer.id == customer_id, sa.or_(*allowed))
        .values(last_surveyed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def give_back_budget(customer_id: int, previous: datetime | None, now: datetime) -> None:
    db.session.execute(
        sa.update(Customer)
        .where(Customer.id == customer_id, Customer.last_surveyed_at == now)
        .values(last_surveyed_at=previous)
        .execution_options(synchronize_session=False)
    )
