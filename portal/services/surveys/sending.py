"""Sending survey invitations and reminders: planned from sales (planning.py), claimed, sent
in batches (messages.py builds each email; budget.py keeps the survey budget).

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
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal import mail
from portal.extensions import db
from portal.models import Case, SurveyInvitation, utcnow
from portal.models.survey_policy import SurveyPolicy
from portal.services.surveys.budget import give_back_budget, take_budget, take_followup_budget
from portal.services.surveys.courier import Courier
from portal.services.surveys.followup import FOLLOWUP_KIND, over_budget, record_skip
from portal.services.surveys.messages import InvitationWriter
from portal.services.surveys.planning import (
    due_first_sends,
    due_reminders,
    plan_post_sale_invitations,
)
from portal.services.surveys.schedule import (
    LATEST_SURVEY_DAYS_AFTER_DUE,
    get_policy,
    in_daytime,
    zone,
)

log = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 5
RETRY_BACKOFF = (
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
)
STALE_CLAIM = timedelta(minutes=15)
COMMIT_EVERY = 50


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
    due: int = 0  # due and not claimed yet, when prepare() looked

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


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


# --- sending --------------------------------------------------------------------------------


def dispatch(
    now: datetime | None = None,
    batch_size: int = 200,
    max_batches: int = 10_000,
    time_budget: float | None = None,
):
    """Plan, then send every due invitation and reminder (in one run: the CLI, tests; the
    worker cuts the backlog into batch jobs instead, jobs/surveys.py). Raises
    TemporaryMailFailure (after recording it) when the SMTP server is unavailable, so RQ
    retries with backoff.

    With a `time_budget` (seconds), no new batch is claimed once it is spent: the run ends
    well inside its RQ timeout, never killed mid-batch, with `out_of_time` set.
    """
    now = now or utcnow()
    result = prepare(now)
    send_due(now, batch_size=batch_size, limit=batch_size * max_batches,
             time_budget=time_budget, result=result)  # fmt: skip
    return result


def prepare(now: datetime | None = None) -> DispatchResult:
    """Plan the invitations of recent sales and fail stale claims; `result.due` is how many
    first sends and reminders are due now, for the caller to cut into batches."""
    now = now or utcnow()
    policy = get_policy()
    result = DispatchResult()
    result.planned = plan_post_sale_invitations(now, policy)
    result.failed += fail_stale_claims(now)
    unclaimed = SurveyInvitation.claimed_at.is_(None)
    queries = [due_first_sends(now)]
    if policy.reminder_after_days:
        queries.append(due_reminders(now, policy))
    for query in queries:
        ids = query.where(unclaimed).order_by(None).subquery()
        result.due += db.session.scalar(sa.select(sa.func.count()).select_from(ids)) or 0
    db.session.commit()
    return result


def send_due(
    now: datetime | None = None,
    batch_size: int = 100,
    limit: int | None = None,
    time_budget: float | None = None,
    result: DispatchResult | None = None,
) -> DispatchResult:
    """Claim and send due first sends, then reminders, `batch_size` at a time, until `limit`
    invitations were claimed, none is left, or `time_budget` seconds are spent after a batch
    (then `out_of_time` is set, for the caller to queue the rest). Several of these can run at once
    (one per worker): each invitation is claimed by exactly one of them (`_claim`)."""
    now = now or utcnow()
    started = time.monotonic()
    result = result or DispatchResult()
    left = limit
    session = db.session()
    # The claimed rows are loaded once with what the messages need; expiring them at every
    # commit would reload three or four rows per email.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    writer = InvitationWriter()  # its email skeletons serve every batch of the run
    try:
        policy = get_policy()
        for reminder in (False, True):
            if reminder and policy.reminder_after_days == 0:
                continue
            query = due_reminders(now, policy) if reminder else due_first_sends(now)
            while left is None or left > 0:
                batch = _claim(query, now, batch_size if left is None else min(left, batch_size))
                if not batch:
                    break
                if left is not None:
                    left -= len(batch)
                _send_batch(batch, now, policy, reminder, result, writer)
                # Checked after a batch: every run moves on, however little time it had.
                if time_budget is not None and time.monotonic() - started > time_budget:
                    result.out_of_time = True
                    return result
        return result
    finally:
        session.expire_on_commit = expire_on_commit


def _send_batch(batch, now, policy, reminder, result: DispatchResult, writer) -> None:
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
        taken = take_budget(post_sale, now, policy)
        fresh = []
        for inv in sendable:
            if inv.kind == FOLLOWUP_KIND:
                # The follow-up's own budget rule (services/followup.py): the survey that
                # opened the case is part of the same conversation and does not count.
                case = db.session.get(Case, inv.case_id)
                if over_budget(case, inv.customer, now) or not take_followup_budget(
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
        _deliver(sendable, now, policy, reminder, previous, result, writer)
    finally:
        db.session.commit()


def _deliver(sendable, now, policy, reminder, previous, result, writer) -> None:
    """Send the batch over one connection, the courier thread talking to the server while
    this one builds the next messages (courier.py), and record each outcome as it comes."""
    if not sendable:
        return
    expires_at = None if reminder else now + timedelta(days=policy.link_expiry_days)
    unsent = {inv.id: inv for inv in sendable}
    sent: list[SurveyInvitation] = []
    failure: BaseException | None = None

    def record(outcomes) -> None:
        nonlocal failure
        for inv, exc in outcomes:
            del unsent[inv.id]
            if exc is None:
                sent.append(inv)
                if len(sent) == COMMIT_EVERY:
                    _record_sent(sent, now, expires_at, result)
                    db.session.commit()  # what left is recorded as it leaves, not per batch
            elif isinstance(exc, smtplib.SMTPRecipientsRefused):
                code = next(iter(exc.recipients.values()))[0]
                inv.expires_at = expires_at or inv.expires_at
                _refused(inv, code, exc, now, previous, result)
            else:
                failure = failure or exc
                unsent[inv.id] = inv  # not sent: retried below

    try:
        try:
            with mail.connect() as sender:
                courier = Courier(sender)
                try:
                    for inv in sendable:
                        if courier.broken is not None:
                            break
                        courier.put(inv, writer.write(inv, reminder, expires_at))
                        record(courier.outcomes())
                finally:
                    courier.close()
                    record(courier.outcomes())
        except (smtplib.SMTPException, OSError) as exc:  # connecting, or saying goodbye
            failure = failure or exc
    finally:
        _record_sent(sent, now, expires_at, result)  # even when a bug stops the batch
    if failure is None:
        return
    if not isinstance(failure, smtplib.SMTPException | OSError):
        raise failure  # a bug, not the server: the claims stay (see fail_stale_claims)
    error = f"{type(failure).__name__}: {failure}"
    for inv in sorted(unsent.values(), key=lambda inv: inv.id):
        inv.expires_at = expires_at or inv.expires_at
        _retry_later(inv, error, now, previous, result)
    result.errors.append(error)
    db.session.commit()
    raise TemporaryMailFailure(error) from failure


def _record_sent(sent: list, now, expires_at, result: DispatchResult) -> None:
    """Mark `sent` (then empty it) in one UPDATE: the ORM's unit of work, one UPDATE per
    row, cost more of the worker's CPU than building the emails (issue 15). The loaded rows
    are given the same values, so the session sees what the database holds."""
    if not sent:
        return
    values = {"last_error": None, "claimed_at": None, "claim_token": None}
    if expires_at is None:  # reminders
        values["reminded_at"] = now
        result.reminded += len(sent)
    else:
        values |= {"sent_at": now, "expires_at": expires_at}
        result.sent += len(sent)
    db.session.execute(
        sa.update(SurveyInvitation)
        .where(SurveyInvitation.id.in_([inv.id for inv in sent]))
        .values(**values, **({} if expires_at is None else {"send_attempts": _PLUS_ONE}))
        .execution_options(synchronize_session=False)
    )
    for inv in sent:
        for name, value in values.items():
            set_committed_value(inv, name, value)
        if expires_at is not None:
            set_committed_value(inv, "send_attempts", inv.send_attempts + 1)
    sent.clear()


_PLUS_ONE = SurveyInvitation.send_attempts + 1


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
                record_skip(case, reason, now)
    else:
        inv.reminded_at = now  # no reminder to someone who left the list
    _release(inv)
    result.skip(reason)


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
                record_skip(db.session.get(Case, inv.case_id), "bounced", now)
        _release(inv)
        result.bounced += 1
    else:
        _retry_later(inv, f"address refused for now ({code})", now, previous, result)


def _retry_later(inv, error: str, now, previous, result: DispatchResult) -> None:
    if not inv.sent_at:
        inv.send_attempts += 1
        if inv.customer_id in previous:
            give_back_budget(inv.customer_id, previous[inv.customer_id], now)
    inv.last_error = error
    attempts = inv.send_attempts
    if attempts >= MAX_SEND_ATTEMPTS:
        inv.failed_at = now
        result.failed += 1
    else:
        inv.scheduled_for = now + RETRY_BACKOFF[min(attempts, len(RETRY_BACKOFF)) - 1]
        result.retrying += 1
    _release(inv)
