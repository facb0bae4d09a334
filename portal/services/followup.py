"""Closing the loop: "Did this resolve your concern?" after a case is resolved.

- `on_resolved` (called by the resolve action, inside its transaction) schedules one follow-up
  invitation per resolution round, under the survey rules: never to an unsubscribed or bounced
  customer, and within the survey budget. Why a customer gets none is written on the case.
- The follow-up goes out with the other surveys (services/survey_dispatch.py), which checks the
  same rules again at sending time.
- `apply_answer` (a job, after the answer is committed): a "no" or a rating of
  REOPEN_AT_OR_BELOW or less reopens the case and tells the rep; otherwise the case is closed.
  The rating is recorded as the case's satisfaction after.
- `close_unanswered` (a periodic sweep): when the latest follow-up of a still-resolved case
  expires unanswered, the system closes the case, saying "no answer to the follow-up". Silence
  after a fix is taken as the fix holding; the customer's status link still works for
  LINK_DAYS_AFTER_CLOSE days (services/case_links.py), and staff can reopen.

The budget for follow-ups: the survey that opened the case, and earlier follow-ups of the same
case, are part of the same conversation and do not count. Any other survey sent to the customer
within the budget days does: then the customer is not asked again so soon.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, CaseEvent, Customer, SurveyInvitation, SurveyResponse
from portal.services.survey_schedule import budget_cutoff, get_policy, in_daytime, zone

FOLLOWUP_KIND = "resolution"
# Time for the fix to reach the customer before we ask whether it worked.
FOLLOWUP_DELAY = timedelta(days=1)
# A rating at or below this reopens the case, whatever the yes/no says.
REOPEN_AT_OR_BELOW = 2

SKIP_MESSAGES = {
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
        SurveyInvitation.id.not_in(_opening_invitation_ids(case)),
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


def _opening_invitation_ids(case: Case) -> list[int]:
    """The survey whose answer (or whose complaint link) opened the case."""
    ids = []
    if case.response_id is not None:
        ids.append(
            db.session.scalar(
                sa.select(SurveyResponse.invitation_id).where(SurveyResponse.id == case.response_id)
            )
        )
    if case.complaint_id is not None:
        from portal.models import Complaint

        ids.append(
            db.session.scalar(
                sa.select(Complaint.invitation_id).where(Complaint.id == case.complaint_id)
            )
        )
    return [i for i in ids if i is not None]


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


# --- the answer --------------------------------------------------------------------------------


def wants_reopen(response: SurveyResponse) -> bool:
    return response.resolved_concern is False or (
        response.satisfaction is not None and response.satisfaction <= REOPEN_AT_OR_BELOW
    )


def apply_answer(response_id: int, now: datetime) -> str:
    """Record the answer on its case, then reopen it (and queue the rep's email) or close it,
    through the case rules of services/case_work.py. Commits, together with whatever the
    caller added to the session (the job's outbox "done" mark). Returns what happened:
    "reopened", "closed", "recorded" (the case was not waiting for this answer) or "gone".
    """
    from portal.jobs.customer_mail import notify_rep_of_followup
    from portal.services import case_work, outbox

    response = db.session.get(SurveyResponse, response_id)
    case = None
    if response is not None and response.invitation.kind == FOLLOWUP_KIND:
        case = db.session.get(Case, response.invitation.case_id)
    if case is None:
        db.session.commit()
        return "gone"
    case.satisfaction_after = response.satisfaction
    if case.satisfaction_before is None and case.response_id is not None:
        opening = db.session.get(SurveyResponse, case.response_id)
        case.satisfaction_before = opening.satisfaction if opening else None
    outcome = _outcome(case, response)
    said = "yes" if response.resolved_concern else "no"
    summary = f'follow-up answer "{said}", satisfaction {response.satisfaction}/5'
    event = CaseEvent(
        case_id=case.id,
        actor_kind="customer",
        kind="followup_answered",
        message=f"The customer answered the follow-up: did this resolve their concern? "
        f'"{said}"; satisfaction {response.satisfaction}/5.'
        + (f" They wrote: {response.comment}" if response.comment else ""),
        data={
            "response_id": response.id,
            "resolved_concern": response.resolved_concern,
            "satisfaction": response.satisfaction,
            "outcome": outcome,
        },
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()
    if outcome == "reopened":
        outbox.add(notify_rep_of_followup, event.id, family="mail")
        case_work.reopen(case, None, summary, now, by_customer=True)
    elif outcome == "closed":
        case_work.close(case, None, summary, now, by_customer=True)
    else:
        db.session.commit()
    return outcome


def _outcome(case: Case, response: SurveyResponse) -> str:
    """Only the answer to the latest follow-up moves the case, and only a case that is still
    resolved (or closed, when a "yes" is changed to a "no" within the change window)."""
    if case.status not in ("resolved", "closed") or _latest_followup_id(case) != (
        response.invitation_id
    ):
        return "recorded"
    if wants_reopen(response):
        return "reopened"
    return "closed" if case.status == "resolved" else "recorded"


def _latest_followup_id(case: Case) -> int | None:
    return db.session.scalar(
        sa.select(SurveyInvitation.id)
        .where(SurveyInvitation.case_id == case.id, SurveyInvitation.kind == FOLLOWUP_KIND)
        .order_by(SurveyInvitation.id.desc())
        .limit(1)
    )


# --- no answer -----------------------------------------------------------------------------------

NO_ANSWER_REASON = "no answer to the follow-up"


def close_unanswered(now: datetime) -> int:
    """Close every resolved case whose latest follow-up expired unanswered. Returns how many.

    Idempotent: a closed case no longer matches. A case changed meanwhile (a rep reopened it,
    the customer's answer was applied: a new version) is left to that change.
    """
    from portal.services import case_work
    from portal.services.case_triage import StaleCaseError

    latest = (
        sa.select(sa.func.max(SurveyInvitation.id))
        .where(SurveyInvitation.kind == FOLLOWUP_KIND)
        .group_by(SurveyInvitation.case_id)
    )
    case_ids = list(
        db.session.scalars(
            sa.select(SurveyInvitation.case_id)
            .join(Case, Case.id == SurveyInvitation.case_id)
            .where(
                SurveyInvitation.id.in_(latest),
                SurveyInvitation.sent_at.is_not(None),
                SurveyInvitation.answered_at.is_(None),
                SurveyInvitation.expires_at <= now,
                Case.status == "resolved",
            )
            .order_by(SurveyInvitation.case_id)
        )
    )
    db.session.rollback()
    closed = 0
    for case_id in case_ids:
        case = db.session.get(Case, case_id)
        if case is None or case.status != "resolved":
            db.session.rollback()
            continue
        try:
            case_work.close(case, None, NO_ANSWER_REASON, now, by_system=True)
        except StaleCaseError:
            continue
        closed += 1
    return closed
