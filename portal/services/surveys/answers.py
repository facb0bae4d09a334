"""What happens when a customer opens or answers their survey link.

Opening the link (a GET, perhaps by a mail scanner) records nothing. Only the customer's own
POST stores an answer, and the answer is committed before anything else happens to it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from types import SimpleNamespace

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Customer, Sale, SurveyInvitation, SurveyResponse
from portal.models.survey_policy import SurveyPolicy
from portal.services.surveys.followup import APPLY_ANSWER_JOB, FOLLOWUP_KIND
from portal.services.surveys.schedule import POLICY_ID, get_policy
from portal.services.webhooks import events as webhook_events
from portal.tokens import InvalidToken, is_expired, read_token, read_token_dated

# For how long after answering a customer may still change their answer.
CHANGE_WINDOW = timedelta(hours=24)
# Unsubscribe links keep working long after the survey closed.
UNSUBSCRIBE_MAX_AGE = 400 * 24 * 3600


class LinkState(enum.Enum):
    INVALID = "invalid"  # tampered, unknown, or never sent: reveals nothing
    EXPIRED = "expired"
    OPEN = "open"  # not answered yet
    EDITABLE = "editable"  # answered, still inside the change window
    CLOSED = "closed"  # answered, change window over


@dataclass
class Link:
    state: LinkState
    invitation: SurveyInvitation | None = None

    @property
    def response(self) -> SurveyResponse | None:
        return self.invitation.response if self.invitation else None


def _signed_invitation(token: str) -> tuple[int, int] | None:
    """The invitation id a survey link names and when it was signed; None for a link that is
    not ours (bad signature, or a payload that is not an invitation id)."""
    try:
        invitation_id, signed_at = read_token_dated("survey", token)
    except InvalidToken:
        return None
    if not isinstance(invitation_id, int):
        return None
    return invitation_id, signed_at


def resolve(token: str, now: datetime) -> Link:
    signed = _signed_invitation(token)
    if signed is None:
        return Link(LinkState.INVALID)
    invitation_id, signed_at = signed
    # One query for what every survey page reads (the customer's locale, the sale, the answer)
    # and for how long links live (the policy), instead of one for each as it is touched: the
    # ORM load of each was most of the page's database time (bench/survey_submit.py).
    row = db.session.execute(
        sa.select(SurveyInvitation, SurveyPolicy.link_expiry_days)
        .outerjoin(SurveyPolicy, SurveyPolicy.id == POLICY_ID)
        .where(SurveyInvitation.id == invitation_id)
        .options(
            joinedload(SurveyInvitation.customer),
            joinedload(SurveyInvitation.sale),
            joinedload(SurveyInvitation.response),
        )
    ).first()
    expiry_days = row[1] if row is not None and row[1] is not None else None
    if expiry_days is None:  # no policy row yet (or no such invitation): as it was always read
        expiry_days = get_policy().link_expiry_days
    if is_expired(signed_at, expiry_days * 86400 * 2):
        return Link(LinkState.EXPIRED)
    invitation = row[0] if row is not None else None
    if invitation is None or invitation.sent_at is None:
        return Link(LinkState.INVALID)
    return _state_of(invitation, now)


def resolve_for_page(token: str, now: datetime) -> Link:
    """`resolve` for the survey page and its POST, the path every customer takes: the same
    states, from one plain SELECT, with the invitation, its customer, sale and answer as plain
    read-only values (the attributes the pages and `record_answer` read), not ORM objects:
    loading four of those was a quarter of the page's CPU (bench/survey_submit.py)."""
    signed = _signed_invitation(token)
    if signed is None:
        return Link(LinkState.INVALID)
    invitation_id, signed_at = signed
    # On the session's connection: the session's own execute adds a fifth to a plain SELECT.
    row = db.session.connection().execute(_page_query(), {"invitation_id": invitation_id}).first()
    expiry_days = row.link_expiry_days if row is not None else None
    if expiry_days is None:  # no policy row yet (or no such invitation): as `resolve` reads it
        expiry_days = get_policy().link_expiry_days
    if is_expired(signed_at, expiry_days * 86400 * 2):
        return Link(LinkState.EXPIRED)
    if row is None or row.sent_at is None:
        return Link(LinkState.INVALID)
    invitation = SimpleNamespace(**{name: getattr(row, name) for name in _INVITATION_FIELDS})
    invitation.customer = SimpleNamespace(locale=row.locale, timezone=row.timezone, email=row.email)
    invitation.sale = (
        SimpleNamespace(product=row.product, sold_at=row.sold_at, order_ref=row.order_ref)
        if row.sale_id is not None
        else None
    )
    invitation.response = (
        SimpleNamespace(**{c.name: getattr(row, "r_" + c.name) for c in _RESPONSES.c})
        if row.r_id is not None
        else None
    )
    return _state_of(invitation, now)


_INVITATION_FIELDS = ("id", "kind", "case_id", "customer_id", "sent_at", "expires_at", "opened_at")
_RESPONSES = SurveyResponse.__table__


@cache
def _page_query() -> sa.Select:
    """Built once per process: its construction is half its cost."""
    invitations, customers = SurveyInvitation.__table__, Customer.__table__
    sales, policies = Sale.__table__, SurveyPolicy.__table__
    return (
        sa.select(
            *(invitations.c[name] for name in _INVITATION_FIELDS),
            customers.c.locale,
            customers.c.timezone,
            customers.c.email,
            invitations.c.sale_id,
            sales.c.product,
            sales.c.sold_at,
            sales.c.order_ref,
            *(c.label("r_" + c.name) for c in _RESPONSES.c),
            policies.c.link_expiry_days,
        )
        .select_from(
            invitations.join(customers, customers.c.id == invitations.c.customer_id)
            .outerjoin(sales, sales.c.id == invitations.c.sale_id)
            .outerjoin(_RESPONSES, _RESPONSES.c.invitation_id == invitations.c.id)
            .outerjoin(policies, policies.c.id == POLICY_ID)
        )
        .where(invitations.c.id == sa.bindparam("invitation_id"))
    )


def _state_of(invitation, now: datetime) -> Link:
    response = invitation.response
    if response is not None:
        if now - response.submitted_at <= CHANGE_WINDOW:
            return Link(LinkState.EDITABLE, invitation)
        return Link(LinkState.CLOSED, invitation)
    if invitation.expires_at is not None and invitation.expires_at <= now:
        return Link(LinkState.EXPIRED, invitation)
    return Link(LinkState.OPEN, invitation)


def change_deadline(link: Link) -> datetime | None:
    response = link.response
    return response.submitted_at + CHANGE_WINDOW if response else None


@dataclass
class Answer:
    satisfaction: int
    recommend: int | None
    comment: str | None
    may_contact: bool
    resolved_concern: bool | None = None


def record_answer(link: Link, answer: Answer, now: datetime) -> tuple[int, bool]:
    """Store the answer (or the change to it). Returns (the answer's id, created).

    Two submits racing for the same invitation: the unique invitation_id lets one insert
    win; the other becomes a change of that answer, so nothing is lost and nothing doubles.
    """
    invitation = link.invitation
    comment = (answer.comment or "").strip() or None
    fields = {
        "satisfaction": answer.satisfaction,
        "recommend": answer.recommend,
        "comment": comment,
        "may_contact": answer.may_contact,
        "resolved_concern": answer.resolved_concern,
    }
    if link.state is LinkState.OPEN:
        try:
            response_id = _insert_answer(invitation, fields, now)
        except IntegrityError:
            db.session.rollback()
        else:
            return response_id, True
    response = db.session.scalar(
        sa.select(SurveyResponse).where(SurveyResponse.invitation_id == invitation.id)
    )
    for name, value in fields.items():
        setattr(response, name, value)
    response.updated_at = now
    # The words changed: they must be analysed again.
    response.analysed_at = None
    _analyse_later(response.id, invitation.kind, outbox.add)
    outbox.commit_and_enqueue()
    return response.id, False


def _insert_answer(invitation: SurveyInvitation, fields: dict, now: datetime) -> int:
    """A first answer in one transaction with its jobs and webhook deliveries, as plain
    statements (an INSERT, an UPDATE, the outbox INSERTs): the ORM's unit of work for these
    few rows was a third of the POST's CPU (bench/survey_submit.py). On PostgreSQL the three
    are one statement: one round trip instead of three."""
    connection = db.session.connection()  # the session's transaction, without its overhead
    write = write_in_one_statement if connection.dialect.name == "postgresql" else write_apart
    response_id = write(connection, invitation, fields, now)
    webhook_events.survey_answered(invitation, fields, now)
    outbox.commit_and_enqueue()
    return response_id


def write_apart(connection, invitation, fields: dict, now: datetime) -> int:
    """The answer's INSERT, the invitation's UPDATE and the outbox rows' INSERTs, one by one."""
    response_id = connection.execute(
        sa.insert(SurveyResponse.__table__)
        .values(invitation_id=invitation.id, submitted_at=now, **fields)
        .returning(SurveyResponse.__table__.c.id)
    ).scalar_one()
    connection.execute(
        sa.update(SurveyInvitation.__table__)
        .where(SurveyInvitation.__table__.c.id == invitation.id)
        .values(answered_at=now)
    )
    _analyse_later(response_id, invitation.kind, outbox.add_new)
    return response_id


def write_in_one_statement(connection, invitation, fields: dict, now: datetime) -> int:
    """The same rows as `write_apart`, in one PostgreSQL statement (`_answer_statement`)."""
    works = _analysis_works(invitation.kind)
    params = {"invitation_id": invitation.id, "now": now, **fields} | outbox.new_row_params()
    response_id = connection.execute(_answer_statement(works), params).scalar_one()
    outbox.added_new(works, response_id)
    return response_id


ANSWER_FIELDS = ("satisfaction", "recommend", "comment", "may_contact", "resolved_concern")


@cache
def _answer_statement(works: tuple[tuple[str, str], ...]) -> sa.Select:
    """WITH answer AS (INSERT the answer RETURNING id), UPDATE the invitation (answered), INSERT
    its outbox rows: SELECT the answer's id. The same rows as the statements SQLite runs.
    Built once per process and kind."""
    responses, invitations = SurveyResponse.__table__, SurveyInvitation.__table__

    def value(column: sa.Column, name: str | None = None) -> sa.BindParameter:
        return sa.bindparam(name or column.name, type_=column.type)

    given = {
        "invitation_id": value(responses.c.invitation_id),
        "submitted_at": value(responses.c.submitted_at, "now"),
        **{name: value(responses.c[name]) for name in ANSWER_FIELDS},
    }
    # A default the INSERT would have filled in (needs_review=False): inside a WITH, SQLAlchemy
    # leaves it out, so it is written here.
    for column in responses.c:
        if column.name not in given and column.default is not None:
            if not column.default.is_scalar:
                raise RuntimeError(f"survey_responses.{column.name}: a default to write here")
            given[column.name] = sa.literal(column.default.arg, column.type)
    answer = sa.insert(responses).values(**given).returning(responses.c.id).cte("answer")
    answered = (
        sa.update(invitations)
        .where(invitations.c.id == value(invitations.c.id, "invitation_id"))
        .values(answered_at=value(invitations.c.answered_at, "now"))
        .cte("answered")
    )
    jobs = outbox.new_rows_for(answer.c.id, works).cte("jobs")
    return sa.select(answer.c.id).add_cte(answered, jobs)


def _analysis_works(kind: str) -> tuple[tuple[str, str], ...]:
    """The jobs a new answer needs, as (job key, family): its analysis, and for a follow-up
    answer the reopening or closing of its case."""
    works = (("triage.analyse_response", "analysis"),)
    if kind == FOLLOWUP_KIND:
        works += ((APPLY_ANSWER_JOB, "analysis"),)
    return works


def _analyse_later(response_id: int, kind: str, add) -> None:
    """In the answer's own transaction: the analysis job exists exactly when the answer does.
    A follow-up answer also reopens or closes its case (a changed answer is applied again)."""
    for work, family in _analysis_works(kind):
        add(work, response_id, family=family)


def sounds_unhappy(response: SurveyResponse) -> bool:
    """Whether the answer, as it is now, says something went wrong: the analysis of these very
    words once it has run (negative, or mixed signals: what opens a case), until then the
    rating (1 or 2). A customer who changed 2/5 to 5/5 is not apologised to."""
    if response.analysed_at is not None:
        flags = response.sentiment_flags or []
        return response.sentiment_label == "negative" or "mixed" in flags
    return (response.satisfaction or 5) <= 2


def mark_opened(link: Link, now: datetime) -> None:
    invitation = link.invitation
    if invitation is not None and invitation.opened_at is None:
        db.session.execute(
            sa.update(SurveyInvitation)
            .where(SurveyInvitation.id == invitation.id, SurveyInvitation.opened_at.is_(None))
            .values(opened_at=now)
        )
        db.session.commit()


def invitation_for_unsubscribe(token: str) -> SurveyInvitation | None:
    try:
        invitation_id = read_token("unsubscribe", token, max_age=UNSUBSCRIBE_MAX_AGE)
    except InvalidToken:
        return None
    if not isinstance(invitation_id, int):
        return None
    return db.session.get(SurveyInvitation, invitation_id)


def unsubscribe(invitation: SurveyInvitation, now: datetime) -> None:
    """Never survey this customer again. Safe to repeat."""
    customer = db.session.get(Customer, invitation.customer_id)
    if customer.unsubscribed_at is None:
        customer.unsubscribed_at = now
    if invitation.unsubscribed_at is None:
        invitation.unsubscribed_at = now
    db.session.commit()
    current_app.logger.info("customer %s unsubscribed from surveys", customer.id)
