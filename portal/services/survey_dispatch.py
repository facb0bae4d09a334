"""Sending survey invitations and reminders: planned from sales, claimed, sent in batches.

The guarantees, and how they hold:
- *At most once.* An invitation is claimed (claimed_at set, in a committed UPDATE guarded by
  `claimed_at IS NULL`) before its message is built; only the claimer sends it. A worker that
  dies after claiming leaves the claim behind; a later run marks such stale claims failed
  instead of sending again, and an admin can resend. A retried or doubled job finds nothing
  left to claim.
- *The budget.* A customer's `last_surveyed_at` is moved forward in the same guarded way
  (`UPDATE ... WHERE last_surveyed_at IS NULL OR last_surveyed_at <= cutoff RETURNING id`), so two
  workers can never survey the same customer twice within the budget, whatever they race for.
- *Failures.* A temporary SMTP failure puts the invitation back with a backoff and the error
  recorded; after MAX_SEND_ATTEMPTS it is marked failed and shown to admins. A permanent
  refusal of the address (5xx) marks the customer bounced: never mailed again.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, gettext
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from portal import mail
from portal.extensions import db
from portal.models import Case, Customer, Sale, SurveyInvitation, utcnow
from portal.models.survey_policy import SurveyPolicy
from portal.services import case_links, followup
from portal.services.followup import FOLLOWUP_KIND
from portal.services.survey_schedule import (
    LATEST_SURVEY_DAYS_AFTER_DUE,
    budget_cutoff,
    first_send_time,
    get_policy,
    in_daytime,
    zone,
)
from portal.tokens import make_token
from portal.urls import external_url

log = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 5
RETRY_BACKOFF = (
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
)
STALE_CLAIM = timedelta(minutes=15)
COMMIT_EVERY = 20


class TemporaryMailFailure(Exception):
    """The SMTP server could not take the batch now; the job should be retried."""


@dataclass
class DispatchResult:
    planned: int = 0
    sent: int = 0
    reminded: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    deferred: int = 0
    bounced: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    out_of_time: bool = False

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


# --- planning -------------------------------------------------------------------------------


def plan_post_sale_invitations(now: datetime, policy: SurveyPolicy) -> int:
    """Create the post-sale invitation of every recent sale that has none yet."""
    oldest = now - timedelta(days=policy.send_after_days + LATEST_SURVEY_DAYS_AFTER_DUE)
    rows = db.session.execute(
        sa.select(Sale.id, Sale.sold_at, Sale.customer_id, Customer.timezone, Customer.locale)
        .join(Customer, Customer.id == Sale.customer_id)
        .outerjoin(
            SurveyInvitation,
            sa.and_(SurveyInvitation.sale_id == Sale.id, SurveyInvitation.kind == "post_sale"),
        )
        .where(SurveyInvitation.id.is_(None), Sale.sold_at >= oldest)
    ).all()
    if not rows:
        return 0
    values = [
        {
            "kind": "post_sale",
            "sale_id": sale_id,
            "customer_id": customer_id,
            "scheduled_for": first_send_time(sold_at, zone(tz, locale), policy),
            "send_attempts": 0,
            "created_at": now,
        }
        for sale_id, sold_at, customer_id, tz, locale in rows
    ]
    insert = _insert_ignoring_duplicates()
    connection = db.session.connection()
    created = 0
    for start in range(0, len(values), 1000):
        created += len(connection.execute(insert, values[start : start + 1000]).all())
    db.session.commit()
    return created


def _insert_ignoring_duplicates():
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    # Unique (kind, sale_id): a planner racing another planner inserts nothing twice.
    table = SurveyInvitation.__table__
    return dialect.insert(table).on_conflict_do_nothing().returning(table.c.id)


# --- claiming -------------------------------------------------------------------------------


def _claim(candidates: sa.Select, now: datetime, limit: int) -> list[SurveyInvitation]:
    """Claim up to `limit` invitations matched by `candidates` (a select of ids)."""
    token = secrets.token_hex(8)
    ids_query = candidates.where(SurveyInvitation.claimed_at.is_(None)).limit(limit)
    if db.engine.dialect.name == "postgresql":
        ids_query = ids_query.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(ids_query))
    if not ids:
        db.session.rollback()
        return []
    db.session.execute(
        sa.update(SurveyInvitation)
        .where(SurveyInvitation.id.in_(ids), SurveyInvitation.claimed_at.is_(None))
        .values(claimed_at=now, claim_token=token)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return list(
        db.session.scalars(
            sa.select(SurveyInvitation)
            .where(SurveyInvitation.claim_token == token)
            .options(joinedload(SurveyInvitation.customer), joinedload(SurveyInvitation.sale))
            .order_by(SurveyInvitation.id)
        )
    )


def _open_states():
    return sa.and_(
        SurveyInvitation.failed_at.is_(None),
        SurveyInvitation.skipped_at.is_(None),
        SurveyInvitation.answered_at.is_(None),
    )


def due_first_sends(now: datetime) -> sa.Select:
    return (
        sa.select(SurveyInvitation.id)
        .where(
            SurveyInvitation.sent_at.is_(None),
            SurveyInvitation.scheduled_for <= now,
            _open_states(),
        )
        .order_by(SurveyInvitation.scheduled_for, SurveyInvitation.id)
    )


def due_reminders(now: datetime, policy: SurveyPolicy) -> sa.Select:
    return (
        sa.select(SurveyInvitation.id)
        .where(
            SurveyInvitation.sent_at <= now - timedelta(days=policy.reminder_after_days),
            SurveyInvitation.reminded_at.is_(None),
            SurveyInvitation.expires_at > now,
            SurveyInvitation.bounced_at.is_(None),
            SurveyInvitation.scheduled_for <= now,
            _open_states(),
        )
        .order_by(SurveyInvitation.sent_at, SurveyInvitation.id)
    )


def fail_stale_claims(now: datetime) -> int:
    """Claims older than STALE_CLAIM belong to a worker that died mid-send. Whether the
    message left is unknown, so it is not sent again: marked failed for an admin to resend
    (a reminder is simply dropped)."""
    stale = sa.and_(
        SurveyInvitation.claimed_at.is_not(None),
        SurveyInvitation.claimed_at < now - STALE_CLAIM,
    )
    failed = db.session.execute(
        sa.update(SurveyInvitation)
        .where(stale, SurveyInvitation.sent_at.is_(None))
        .values(
            claimed_at=None,
            claim_token=None,
            failed_at=now,
            last_error="The worker stopped while sending; not resent automatically so the "
            "customer cannot get it twice. Resend it if needed.",
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        sa.update(SurveyInvitation)
        .where(stale, SurveyInvitation.sent_at.is_not(None))
        .values(claimed_at=None, claim_token=None, reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return failed or 0


# --- the budget -----------------------------------------------------------------------------


def _take_budget(customer_ids: set[int], now: datetime, policy: SurveyPolicy) -> set[int]:
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


def _take_followup_budget(case: Case, customer_id: int, now: datetime, policy) -> bool:
    """The follow-up's budget, taken the way `_take_budget` takes a post-sale one: one guarded
    UPDATE, so a post-sale survey (or another follow-up) for the same customer in this batch,
    or in a concurrent dispatch, cannot go out too. The customer's last survey may be within
    the budget only if it was part of this case's own conversation (the survey that opened it,
    an earlier follow-up): then it was sent no later than that conversation's latest send."""
    cutoff = budget_cutoff(now, policy)
    conversation_sent = db.session.scalar(
        sa.select(sa.func.max(SurveyInvitation.sent_at)).where(
            sa.or_(
                SurveyInvitation.case_id == case.id,
                SurveyInvitation.id.in_(followup._opening_invitation_ids(case) or [0]),
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


def _give_back_budget(customer_id: int, previous: datetime | None, now: datetime) -> None:
    db.session.execute(
        sa.update(Customer)
        .where(Customer.id == customer_id, Customer.last_surveyed_at == now)
        .values(last_surveyed_at=previous)
        .execution_options(synchronize_session=False)
    )


# --- messages -------------------------------------------------------------------------------


def survey_links(invitation: SurveyInvitation) -> dict[str, object]:
    token = make_token("survey", invitation.id)
    unsubscribe = external_url("survey.unsubscribe", token=make_token("unsubscribe", invitation.id))
    return {
        "survey": external_url("survey.answer", token=token),
        "ratings": [
            (score, external_url("survey.answer", token=token, score=score))
            for score in range(1, 6)
        ],
        "unsubscribe": unsubscribe,
    }


def build_invitation_message(invitation: SurveyInvitation, reminder: bool):
    customer = invitation.customer
    links = survey_links(invitation)
    if invitation.kind == FOLLOWUP_KIND:
        return _build_followup_message(invitation, links, reminder)
    with force_locale(customer.locale):
        subject = (
            gettext("Reminder: how was your purchase?")
            if reminder
            else gettext("How was your purchase?")
        )
        return mail.build_message(
            customer.email,
            subject,
            "survey_invitation",
            headers={
                # RFC 8058 one-click unsubscribe, honoured by the big mailbox providers.
                "List-Unsubscribe": f"<{links['unsubscribe']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            locale=customer.locale or "en",
            customer=customer,
            sale=invitation.sale,
            links=links,
            reminder=reminder,
            expires_at=invitation.expires_at,
        )


def _build_followup_message(invitation: SurveyInvitation, links: dict, reminder: bool):
    """The "did this fix it?" email: yes / no buttons open the follow-up page with that answer
    chosen, and the case's status link is in it, as in every email about the case."""
    customer = invitation.customer
    case = db.session.get(Case, invitation.case_id)
    token = make_token("survey", invitation.id)
    links = {
        **links,
        "yes": external_url("survey.answer", token=token, resolved="yes"),
        "no": external_url("survey.answer", token=token, resolved="no"),
        "status": case_links.status_url(case),
    }
    with force_locale(customer.locale):
        subject = gettext("Did this resolve your concern?")
        if reminder:
            subject = gettext("Reminder: %(subject)s", subject=subject)
        return mail.build_message(
            customer.email,
            subject,
            "survey_followup",
            headers={
                "List-Unsubscribe": f"<{links['unsubscribe']}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
            locale=customer.locale or "en",
            customer=customer,
            case=case,
            links=links,
            reminder=reminder,
            expires_at=invitation.expires_at,
        )


# --- sending --------------------------------------------------------------------------------


def dispatch(
    now: datetime | None = None,
    batch_size: int = 200,
    max_batches: int = 10_000,
    time_budget: float | None = None,
):
    """Plan, then send every due invitation and reminder. Raises TemporaryMailFailure
    (after recording it) when the SMTP server is unavailable, so RQ retries with backoff.

    With a `time_budget` (seconds), no new batch is claimed once it is spent: the job ends
    well inside its RQ timeout, never killed mid-batch, and the next run carries on.
    """
    now = now or utcnow()
    started = time.monotonic()
    session = db.session()
    # The claimed rows are loaded once with what the messages need; expiring them at every
    # commit would reload three or four rows per email.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        policy = get_policy()
        result = DispatchResult()
        result.planned = plan_post_sale_invitations(now, policy)
        result.failed += fail_stale_claims(now)
        for reminder in (False, True):
            if reminder and policy.reminder_after_days == 0:
                continue
            query = due_reminders(now, policy) if reminder else due_first_sends(now)
            for _ in range(max_batches):
                if time_budget is not None and time.monotonic() - started > time_budget:
                    result.out_of_time = True
                    return result
                batch = _claim(query, now, batch_size)
                if not batch:
                    break
                _send_batch(batch, now, policy, reminder, result)
        return result
    finally:
        session.expire_on_commit = expire_on_commit


def _send_batch(batch, now, policy, reminder, result: DispatchResult) -> None:
    sendable = []
    for inv in batch:
        customer = inv.customer
        if customer.unsubscribed_at is not None:
            _finish_skipped(inv, "unsubscribed", now, result)
        elif customer.bounced_at is not None:
            _finish_skipped(inv, "bounced", now, result)
        elif not reminder and _too_late(inv, now, policy):
            _finish_skipped(inv, "too_late", now, result)
        elif _case_moved_on(inv):  # no follow-up, nor its reminder, for a reopened case
            _finish_skipped(inv, "not_resolved", now, result)
        elif (next_ok := in_daytime(now, zone(customer.timezone, customer.locale), policy)) > now:
            inv.scheduled_for = next_ok  # outside the customer's daytime: wait for morning
            _release(inv)
            result.deferred += 1
        else:
            sendable.append(inv)
    previous = {}
    if not reminder:
        previous = {inv.customer_id: inv.customer.last_surveyed_at for inv in sendable}
        db.session.commit()
        post_sale = {inv.customer_id for inv in sendable if inv.kind != FOLLOWUP_KIND}
        taken = _take_budget(post_sale, now, policy)
        fresh = []
        for inv in sendable:
            if inv.kind == FOLLOWUP_KIND:
                # The follow-up's own budget rule (services/followup.py): the survey that
                # opened the case is part of the same conversation and does not count.
                case = db.session.get(Case, inv.case_id)
                if followup.over_budget(case, inv.customer, now) or not _take_followup_budget(
                    case, inv.customer_id, now, policy
                ):
                    _finish_skipped(inv, "budget", now, result)
                else:
                    fresh.append(inv)
            elif inv.customer_id in taken:
                taken.discard(inv.customer_id)  # one survey per customer, even in one batch
                fresh.append(inv)
            else:
                _finish_skipped(inv, "budget", now, result)
        sendable = fresh
    db.session.commit()
    try:
        _deliver(sendable, now, policy, reminder, previous, result)
    finally:
        db.session.commit()


def _deliver(sendable, now, policy, reminder, previous, result: DispatchResult) -> None:
    if not sendable:
        return
    pending = list(sendable)
    try:
        with mail.connect() as sender:
            while pending:
                inv = pending[0]
                if not reminder:
                    inv.expires_at = now + timedelta(days=policy.link_expiry_days)
                message = build_invitation_message(inv, reminder)
                try:
                    sender.send(message)
                except smtplib.SMTPRecipientsRefused as exc:
                    code = next(iter(exc.recipients.values()))[0]
                    pending.pop(0)
                    _refused(inv, code, exc, now, previous, result)
                    continue
                pending.pop(0)
                _mark_sent(inv, now, reminder, result)
                if (result.sent + result.reminded) % COMMIT_EVERY == 0:
                    db.session.commit()  # what left is recorded as it leaves, not per batch
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        for inv in pending:
            _retry_later(inv, error, now, previous, result)
        result.errors.append(error)
        db.session.commit()
        raise TemporaryMailFailure(error) from exc


def _too_late(inv: SurveyInvitation, now: datetime, policy: SurveyPolicy) -> bool:
    if inv.sale is None:
        return False
    latest = inv.sale.sold_at + timedelta(
        days=policy.send_after_days + LATEST_SURVEY_DAYS_AFTER_DUE
    )
    return now > latest


def _case_moved_on(inv: SurveyInvitation) -> bool:
    """A follow-up whose case was reopened (or closed by staff) before it went out."""
    if inv.kind != FOLLOWUP_KIND:
        return False
    case = db.session.get(Case, inv.case_id)
    return case is None or case.status != "resolved"


def _release(inv: SurveyInvitation) -> None:
    inv.claimed_at = None
    inv.claim_token = None


def _finish_skipped(inv, reason: str, now, result: DispatchResult) -> None:
    if inv.sent_at is None:
        inv.skipped_at = now
        inv.skip_reason = reason
        if inv.case_id is not None:  # why the customer was not asked, on the case itself
            case = db.session.get(Case, inv.case_id)
            if case is not None:
                followup.record_skip(case, reason, now)
    else:
        inv.reminded_at = now  # no reminder to someone who left the list
    _release(inv)
    result.skip(reason)


def _mark_sent(inv, now, reminder: bool, result: DispatchResult) -> None:
    if reminder:
        inv.reminded_at = now
        result.reminded += 1
    else:
        inv.sent_at = now
        inv.send_attempts += 1
        result.sent += 1
    inv.last_error = None
    _release(inv)


def _refused(inv, code: int, exc, now, previous, result: DispatchResult) -> None:
    if code >= 500:
        # The server says this address will never work: a hard bounce.
        inv.bounced_at = now
        inv.customer.bounced_at = now
        inv.last_error = f"address refused ({code}); marked bounced"
        if inv.sent_at is None:
            inv.skipped_at = now
            inv.skip_reason = "bounced"
            if inv.case_id is not None:
                followup.record_skip(db.session.get(Case, inv.case_id), "bounced", now)
        _release(inv)
        result.bounced += 1
    else:
        _retry_later(inv, f"address refused for now ({code})", now, previous, result)


def _retry_later(inv, error: str, now, previous, result: DispatchResult) -> None:
    if not inv.sent_at:
        inv.send_attempts += 1
        if inv.customer_id in previous:
            _give_back_budget(inv.customer_id, previous[inv.customer_id], now)
    inv.last_error = error
    attempts = inv.send_attempts
    if attempts >= MAX_SEND_ATTEMPTS:
        inv.failed_at = now
        result.failed += 1
    else:
        inv.scheduled_for = now + RETRY_BACKOFF[min(attempts, len(RETRY_BACKOFF)) - 1]
        result.retrying += 1
    _release(inv)
