"""The "Did this resolve your concern?" survey, scheduled when a case is resolved.

- `on_resolved` (called by the resolve action, inside its transaction) schedules one follow-up
  invitation per resolution round, under the survey rules: never to an unsubscribed or bounced
  customer, and within the survey budget. Why a customer gets none is written on the case.
- The follow-up goes out with the other surveys (services/surveys/sending.py), which checks the
  same rules again at sending time.
- What the answer does to the case is services/cases/followup.py (a job, APPLY_ANSWER_JOB).

The budget for follow-ups: the survey that opened the case, and earlier follow-ups of the same
case, are part of the same conversation and do not count. Any other survey sent to the customer
within the budget days does: then the customer is not asked again so soon.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, CaseEvent, Complaint, Customer, SurveyInvitation, SurveyResponse
from portal.services.surveys.schedule import budget_cutoff, get_policy, in_daytime, zone

FOLLOWUP_KIND = "resolution"
# The job that applies an answer to its case (services/cases/followup.py), queued with it.
APPLY_ANSWER_JOB = "followup.apply_followup_answer"
# Time for the fix to reach the customer before we ask whether it worked.
FOLLOWUP_DELAY = timedelta(days=1)

SKIP_MESSAGES = {
    "no_contact_wanted": 'No follow-up survey: the customer did not ask to be contacted ("You '
    'may contact me" left unticked), so they are not emailed to ask whether this fixed it.',
    "unsubscribed": "No follow-up survey: the customer has unsubscribed from surveys.",
    "bounced": "No follow-up survey: the customer's email address bounces.",
    "budget": "No follow-up survey: the customer had another survey within the last "
    "{days} days (survey budget).",
    "not_resolved": "Follow-up survey not sent: the case was no longer resolved when it was due.",
}


# --- scheduling ------------------------------------------------------------------------------


def on_resolved(case: Case, now: datetime) -> SurveyInvitation | None:
    """Schedule this resolution round's follow-up (flushed, not committed), or record on the
    case why there is none. Safe to call twice in one round."""
    round_ = case.reopen_count or 0
    if _round_handled(case, round_):
        return None
    policy = get_policy()
    customer = db.session.get(Customer, case.customer_id)
    reason = why_no_followup(case, customer, now)
    if reason is not None:
        record_skip(case, reason, now, round_=round_)
        return None
    _retire_earlier_followups(case, now)
    invitation = SurveyInvitation(
        kind=FOLLOWUP_KIND,
        customer_id=customer.id,
        case_id=case.id,
        scheduled_for=in_daytime(
            now + FOLLOWUP_DELAY, zone(customer.timezone, customer.locale), policy
        ),
        send_attempts=0,
        created_at=now,
    )
    db.session.add(invitation)
    db.session.flush()
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind="system",
            kind="followup_scheduled",
            message="Follow-up survey scheduled: the customer will be asked whether this "
            "resolved their concern.",
            data={
                "round": round_,
                "invitation_id": invitation.id,
                "scheduled_for": invitation.scheduled_for.isoformat(),
            },
            created_at=now,
        )
    )
    return invitation


def _round_handled(case: Case, round_: int) -> bool:
    events = db.session.scalars(
        sa.select(CaseEvent).where(
            CaseEvent.case_id == case.id,
            CaseEvent.kind.in_(("followup_scheduled", "followup_skipped")),
        )
    )
    return any((event.data or {}).get("round") == round_ for event in events)


def _retire_earlier_followups(case: Case, now: datetime) -> None:
    """A new round replaces an unanswered follow-up of an earlier one: its link stops."""
    earlier = db.session.scalars(
        sa.select(SurveyInvitation).where(
            SurveyInvitation.case_id == case.id,
            SurveyInvitation.kind == FOLLOWUP_KIND,
            SurveyInvitation.answered_at.is_(None),
        )
    )
    for invitation in earlier:
        if invitation.sent_at is None and invitation.skipped_at is None:
            invitation.skipped_at, invitation.skip_reason = now, "superseded"
        elif invitation.expires_at is None or invitation.expires_at > now:
            invitation.expires_at = now


def why_no_followup(case: Case, customer: Customer, now: datetime) -> str | None:
    """The survey rules for a follow-up: None if it may go out, else the reason it may not."""
    if case.contact_wanted is False:
        return "no_contact_wanted"
    if customer.unsubscribed_at is not None:
        return "unsubscribed"
    if customer.bounced_at is not None:
        return "bounced"
    if over_budget(case, customer, now):
        return "budget"
    return None


def over_budget(case: Case, customer: Customer, now: datetime) -> bool:
    cutoff = budget_cutoff(now, get_policy())
    # Spelled out, not NOT(case_id = x): a NULL case_id would make that NULL, never true.
    other_conversation = [
        sa.or_(SurveyInvitation.case_id.is_(None), SurveyInvitation.case_id != case.id),
        SurveyInvitation.id.not_in(opening_invitation_ids(case)),
    ]
    other = db.session.scalar(
        sa.select(SurveyInvitation.id)
        .where(
            SurveyInvitation.customer_id == customer.id,
            SurveyInvitation.sent_at > cutoff,
            *other_conversation,
        )
        .limit(1)
    )
    return other is not None


def opening_invitation_ids(case: Case) -> list[int]:
    """The surveys whose answers (or whose complaint links) are this case's words: the one
    that opened it and those added to it since (services/cases/joining.py)."""
    answers = sa.select(SurveyResponse.invitation_id).where(
        sa.or_(SurveyResponse.id == case.response_id, SurveyResponse.added_to_case_id == case.id)
    )
    complaints = sa.select(Complaint.invitation_id).where(
        sa.or_(Complaint.id == case.complaint_id, Complaint.added_to_case_id == case.id),
        Complaint.invitation_id.is_not(None),
    )
    return sorted(set(db.session.scalars(answers.union(complaints))))


def record_skip(case: Case, reason: str, now: datetime, round_: int | None = None) -> None:
    message = SKIP_MESSAGES.get(reason, f"No follow-up survey ({reason}).")
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind="system",
            kind="followup_skipped",
            message=message.format(days=get_policy().budget_days),
            data={"round": case.reopen_count if round_ is None else round_, "reason": reason},
            created_at=now,
        )
    )
