"""What admins see and do with surveys: invitation states, the funnel, resending, the
unsubscribed list, and the survey policy.

No Flask request state here. A policy change that breaks a rule raises `RuleError`,
naming the form field it concerns so the page can show the message next to that field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from portal.extensions import db
from portal.models import Customer, Sale, SurveyInvitation, SurveyResponse, User, utcnow
from portal.models.survey_policy import SurveyPolicy
from portal.services import audit
from portal.services.rules import RuleError
from portal.services.surveys.schedule import get_policy

STATES = (
    "scheduled",
    "sending",
    "sent",
    "opened",
    "answered",
    "expired",
    "bounced",
    "failed",
    "skipped",
    "unsubscribed",
)


def state_of(inv: SurveyInvitation, now: datetime) -> str:
    """One word for where an invitation stands, most final first (the same order as
    `_STATE_LADDER`, which finds them in the database)."""
    if inv.answered_at is not None:
        return "answered"
    if inv.unsubscribed_at is not None:
        return "unsubscribed"
    if inv.bounced_at is not None:
        return "bounced"
    if inv.failed_at is not None:
        return "failed"
    if inv.skipped_at is not None:
        return "skipped"
    if inv.sent_at is None:
        return "sending" if inv.claimed_at is not None else "scheduled"
    if inv.expires_at is not None and inv.expires_at <= now:
        return "expired"
    return "opened" if inv.opened_at is not None else "sent"


def _state_ladder(now: datetime) -> list[tuple[str, sa.ColumnElement]]:
    """(state, condition) in the order `state_of` tries them: an invitation is in the first
    state whose condition holds. No condition can be NULL, so NOT works on every one."""
    i = SurveyInvitation
    return [
        ("answered", i.answered_at.is_not(None)),
        ("unsubscribed", i.unsubscribed_at.is_not(None)),
        ("bounced", i.bounced_at.is_not(None)),
        ("failed", i.failed_at.is_not(None)),
        ("skipped", i.skipped_at.is_not(None)),
        ("sending", sa.and_(i.sent_at.is_(None), i.claimed_at.is_not(None))),
        ("scheduled", i.sent_at.is_(None)),
        ("expired", sa.and_(i.expires_at.is_not(None), i.expires_at <= now)),
        ("opened", i.opened_at.is_not(None)),
        ("sent", sa.true()),
    ]


def _state_filter(state: str, now: datetime) -> sa.ColumnElement:
    earlier = []
    for name, condition in _state_ladder(now):
        if name == state:
            return sa.and_(*(sa.not_(c) for c in earlier), condition)
        earlier.append(condition)
    raise ValueError(f"unknown invitation state {state!r}")


def _customer_matches(text: str) -> sa.ColumnElement:
    return sa.or_(
        Customer.name.icontains(text, autoescape=True),
        Customer.email.icontains(text, autoescape=True),
    )


def invitations_query(now: datetime, state: str | None = None, search: str | None = None):
    """Invitations, newest first; `state` one of STATES, `search` part of the customer's name
    or email, or of the order ref (a % or _ is a character to find, not a wildcard)."""
    query = (
        sa.select(SurveyInvitation)
        .join(Customer, Customer.id == SurveyInvitation.customer_id)
        .outerjoin(Sale, Sale.id == SurveyInvitation.sale_id)
        .options(contains_eager(SurveyInvitation.customer), contains_eager(SurveyInvitation.sale))
        .order_by(SurveyInvitation.scheduled_for.desc(), SurveyInvitation.id.desc())
    )
    if state in STATES:
        query = query.where(_state_filter(state, now))
    text = (search or "").strip()
    if text:
        query = query.where(
            sa.or_(_customer_matches(text), Sale.order_ref.icontains(text, autoescape=True))
        )
    return query


@dataclass
class Funnel:
    sent: int
    opened: int
    answered: int
    bounced: int
    unsubscribed: int
    failed: int

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.sent if self.sent else None


def funnel(since: datetime) -> Funnel:
    """What became of the invitations sent since `since` (opened, answered, unsubscribed
    through their link), and how many could not be delivered since then. A bounce or a
    failure happens instead of sending (no sent_at), so those count by their own time."""
    i = SurveyInvitation
    count = sa.func.count
    sent, opened, answered, unsubscribed = db.session.execute(
        sa.select(
            count(i.sent_at), count(i.opened_at), count(i.answered_at), count(i.unsubscribed_at)
        ).where(i.sent_at >= since)
    ).one()
    bounced = db.session.scalar(sa.select(count()).where(i.bounced_at >= since))
    failed = db.session.scalar(sa.select(count()).where(i.failed_at >= since))
    return Funnel(
        sent=sent,
        opened=opened,
        answered=answered,
        bounced=bounced or 0,
        unsubscribed=unsubscribed,
        failed=failed or 0,
    )


class CannotResend(Exception):
    pass


def resend(inv: SurveyInvitation, now: datetime) -> None:
    """Send a failed invitation again, at the next dispatch.

    Only never-delivered invitations: a survey that reached the customer is not sent twice.
    The customer's survey budget is recomputed from what they actually received, so a send
    that failed does not count against it.
    """
    if inv.failed_at is None or inv.sent_at is not None:
        raise CannotResend(
            "Only a failed invitation that never reached the customer can be resent."
        )
    customer = inv.customer
    if customer.unsubscribed_at is not None or customer.bounced_at is not None:
        raise CannotResend("The customer unsubscribed or their address bounced: nothing is sent.")
    inv.failed_at = None
    inv.last_error = None
    inv.send_attempts = 0
    inv.claimed_at = None
    inv.claim_token = None
    inv.scheduled_for = now
    customer.last_surveyed_at = db.session.scalar(
        sa.select(sa.func.max(SurveyInvitation.sent_at)).where(
            SurveyInvitation.customer_id == customer.id, SurveyInvitation.id != inv.id
        )
    )
    db.session.commit()


def unsubscribed_customers(search: str | None = None):
    """Customers who asked for no more surveys, the latest first."""
    query = (
        sa.select(Customer)
        .where(Customer.unsubscribed_at.is_not(None))
        .order_by(Customer.unsubscribed_at.desc(), Customer.id.desc())
    )
    text = (search or "").strip()
    if text:
        query = query.where(_customer_matches(text))
    return query


def answer_of(inv: SurveyInvitation) -> SurveyResponse | None:
    return inv.response


# --- the survey policy ------------------------------------------------------------------------

# The allowed range of each setting, inclusive (the database checks the same ranges).
POLICY_LIMITS = {
    "send_after_days": (0, 60),
    "window_start_hour": (0, 24),
    "window_end_hour": (0, 24),
    "budget_days": (0, 365),
    "reminder_after_days": (0, 60),
    "link_expiry_days": (1, 365),
}


@dataclass(frozen=True)
class PolicySettings:
    send_after_days: int
    window_start_hour: int
    window_end_hour: int
    budget_days: int
    reminder_after_days: int
    link_expiry_days: int

    @classmethod
    def of(cls, policy: SurveyPolicy) -> PolicySettings:
        return cls(**{f.name: getattr(policy, f.name) for f in fields(cls)})


def update_policy(actor: User, settings: PolicySettings) -> SurveyPolicy:
    """Save an administrator's survey policy. It applies from the next dispatch (within a
    minute); invitations already planned keep their planned day."""
    for name, (low, high) in POLICY_LIMITS.items():
        value = getattr(settings, name)
        if not isinstance(value, int) or not low <= value <= high:
            raise RuleError(f"Enter a whole number from {low} to {high}.", name)
    check_sending_hours(settings.window_start_hour, settings.window_end_hour)
    policy = get_policy()
    before = PolicySettings.of(policy)
    for f in fields(settings):
        setattr(policy, f.name, getattr(settings, f.name))
    policy.updated_by_id = actor.id
    policy.updated_at = utcnow()
    audit.record_changes(
        "survey_policy.updated",
        policy,
        asdict(before),
        asdict(settings),
        actor=actor,
        label="survey policy",
    )
    db.session.commit()
    return policy


def check_sending_hours(start: int, end: int) -> None:
    """The sending hours are one stretch of the customer's day: they end after they start
    (a window across midnight is not supported by survey_schedule.in_daytime)."""
    if start >= end:
        raise RuleError(
            f"The sending hours must end later in the day than they start (at {start}).",
            "window_end_hour",
        )


def policy_editor(policy: SurveyPolicy) -> User | None:
    """Who last changed the policy (None: nobody yet, or their account is gone)."""
    return db.session.get(User, policy.updated_by_id) if policy.updated_by_id else None
