"""The review list: survey answers with a comment that opened no case, for managers to read,
and the one click that marks one negative. That click is a staff correction (so the training
command learns the miss, `from_review`) and opens the answer's case through the normal
routing (opening.py), exactly once however often it is clicked. The other click dismisses an
answer (not a complaint): it leaves the list, and the correction (its label kept, or neutral;
`response_id` set, no case) teaches the training command that such words are no complaint.

What is listed: by default the answers worth a look (their doubt, services/surveys/doubt.py,
is "lukewarm" or more); on request every one, the confidently positive too. Order: the least
certain first (the doubt), then the newest; the index ix_survey_responses_review serves both.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.jobs import outbox
from portal.models import (
    Case,
    CaseEvent,
    Sale,
    SentimentCorrection,
    SurveyInvitation,
    SurveyResponse,
    User,
)
from portal.services.cases import joining
from portal.services.cases.opening import case_subject, open_case
from portal.services.cases.severity import is_key_customer, severity_for
from portal.services.rules import RuleError
from portal.services.scope import visible_reps_query
from portal.services.surveys.doubt import CONFIDENT, WORTH_A_LOOK

# A marked answer opens its case at least at this polarity (a person said it is a complaint).
MARKED_POLARITY = -0.2
COUNT_CAP = 1000  # answers counted at most per view; a page goes no further than this
MAX_BULK = 100  # answers one "dismiss the confidently positive" click may take (a page: 50)


def _unrouted(user: User) -> sa.Select:
    routed = joining.response_in_a_case()
    query = (
        sa.select(SurveyResponse)
        .join(SurveyInvitation, SurveyResponse.invitation_id == SurveyInvitation.id)
        .join(Sale, SurveyInvitation.sale_id == Sale.id)
        .where(
            SurveyInvitation.kind == "post_sale",
            SurveyResponse.analysed_at.is_not(None),
            SurveyResponse.comment.is_not(None),
            sa.func.trim(SurveyResponse.comment) != "",
            ~routed,
            ~_dismissed(),
        )
    )
    if not user.is_admin:
        reps = visible_reps_query(user).with_only_columns(User.id).order_by(None)
        query = query.where(Sale.rep_id.in_(reps))
    return query


def _dismissed() -> sa.Exists:
    return (
        sa.select(SentimentCorrection.id)
        .where(SentimentCorrection.response_id == SurveyResponse.id)
        .exists()
    )


class ReviewCounts(NamedTuple):
    """How many answers each view lists, counted up to COUNT_CAP + 1 (more: "1,000+")."""

    worth_a_look: int
    everything: int  # every unrouted answer with a comment, the confidently positive too

    @property
    def confident(self) -> int | None:
        """The confidently positive ones left out of the default view (None: past the cap)."""
        return None if self.everything > COUNT_CAP else self.everything - self.worth_a_look


def review_query(user: User, *, everything: bool = False) -> sa.Select:
    """Answers with a comment that opened no case, whose sale `user` may see (a manager:
    their teams' reps; an admin: all): those worth a look, or `everything`; the least
    certain first, then the newest."""
    floor = CONFIDENT if everything else WORTH_A_LOOK
    return (
        _unrouted(user)
        .where(SurveyResponse.review_doubt >= floor)
        .options(
            joinedload(SurveyResponse.invitation)
            .joinedload(SurveyInvitation.sale)
            .joinedload(Sale.rep),
            joinedload(SurveyResponse.invitation).joinedload(SurveyInvitation.customer),
        )
        .order_by(
            SurveyResponse.review_doubt.desc(),
            SurveyResponse.submitted_at.desc(),
            SurveyResponse.id.desc(),
        )
    )


def review_counts(user: User) -> ReviewCounts:
    """Both counts, each stopping at COUNT_CAP + 1: an exact count of a million answers
    reads them all (seconds on PostgreSQL), a capped one walks the index as far as needed."""

    def capped(floor: int) -> int:
        ids = _unrouted(user).where(SurveyResponse.review_doubt >= floor)
        ids = ids.with_only_columns(SurveyResponse.id).limit(COUNT_CAP + 1).subquery()
        return db.session.scalar(sa.select(sa.func.count()).select_from(ids)) or 0

    return ReviewCounts(capped(WORTH_A_LOOK), capped(CONFIDENT))


def reviewable_answer(user: User, response_id: int) -> SurveyResponse | None:
    """The answer if `user` may see it on the review list, routed or not (None: not theirs,
    or no such answer: the route answers 404)."""
    query = _unrouted(user).where(SurveyResponse.id == response_id)
    unrouted = db.session.scalar(query)
    if unrouted is not None:
        return unrouted
    # Already routed (clicked twice, or the job got there): still theirs if the sale is.
    query = sa.select(SurveyResponse).join(SurveyInvitation).join(Sale)
    query = query.where(SurveyResponse.id == response_id, SurveyInvitation.kind == "post_sale")
    if not user.is_admin:
        reps = visible_reps_query(user).with_only_columns(User.id).order_by(None)
        query = query.where(Sale.rep_id.in_(reps))
    return db.session.scalar(query)


def undecided_answer(user: User, response_id: int) -> SurveyResponse | None:
    """The answer if it is on `user`'s review list now: no case, not dismissed."""
    return db.session.scalar(_unrouted(user).where(SurveyResponse.id == response_id))


def dismiss(response: SurveyResponse, actor: User, now: datetime) -> SentimentCorrection:
    """Take the answer off the review list as no complaint, recorded as a correction the
    training command learns from (the label the analysis gave, or neutral if it said
    negative). Committed. The caller checks that the answer is still undecided."""
    correction = _dismissal(response, actor, now)
    db.session.commit()
    return correction


def dismiss_confident(user: User, response_ids: list[int], now: datetime) -> int:
    """Dismiss, of the answers `response_ids` (those a page showed), the ones still on
    `user`'s list and confidently positive: one correction each, in one transaction. An
    answer that got its case, was dismissed, or is in doubt meanwhile is left alone. How many
    were dismissed."""
    ids = sorted(set(response_ids))[:MAX_BULK]
    query = _unrouted(user).where(
        SurveyResponse.id.in_(ids), SurveyResponse.review_doubt == CONFIDENT
    )
    answers = db.session.scalars(query).all()
    for response in answers:
        _dismissal(response, user, now)
    db.session.commit()
    return len(answers)


def _dismissal(response: SurveyResponse, actor: User, now: datetime) -> SentimentCorrection:
    original = response.sentiment_label
    kept = original if original in ("neutral", "positive") else "neutral"
    correction = SentimentCorrection(
        response_id=response.id,
        text=response.comment,
        original_label=original,
        original_reasons=list(response.sentiment_reasons or []),
        corrected_label=kept,
        note="Dismissed on the review list: not a complaint.",
        corrected_by_id=actor.id,
        created_at=now,
        from_review=True,
    )
    response.needs_review = False
    db.session.add(correction)
    return correction


def case_of(response: SurveyResponse) -> Case | None:
    return joining.case_of_response(response)


def mark_negative(response: SurveyResponse, actor: User, now: datetime) -> tuple[Case, bool]:
    """Record the correction to negative and open the answer's case through the normal
    routing, in one transaction; (case, True). If the answer has a case already (a second
    click, two managers at once, or the analysis job), nothing more is written: (case, False).
    Committed; the rep's and the customer's emails go through the outbox."""
    existing = case_of(response)
    if existing is not None:
        return existing, False
    if response.analysed_at is None:
        raise RuleError("This answer has not been analysed yet: try again in a minute.")
    try:
        case = _open_marked(response, actor, now)
        if case is None:  # routed meanwhile (seen once the order was locked): that case stands
            db.session.rollback()
            return case_of(response), False
        db.session.commit()
    except IntegrityError:  # another click or the job opened it first: that case stands
        db.session.rollback()
        return case_of(response), False
    outbox.flush()
    return case, True


def _open_marked(response: SurveyResponse, actor: User, now: datetime) -> Case | None:
    """The case (opened, or the open case of the order it joins), the correction and the
    timeline entry (flushed). None when the answer was routed meanwhile, seen once the order
    is locked (PostgreSQL); on SQLite the unique answer of a case raises IntegrityError if
    another run opened it first."""
    invitation = response.invitation
    original = response.sentiment_label
    reasons = list(response.sentiment_reasons or [])
    polarity = min(response.sentiment_polarity or 0.0, MARKED_POLARITY)
    joining.lock_order(invitation.sale_id)
    db.session.refresh(response)
    if joining.case_of_response(response) is not None:
        return None
    case = joining.open_case_of_order(invitation.customer_id, invitation.sale_id)
    if case is not None:  # the order's case is open: the answer goes into it
        severity = severity_for(polarity, response.satisfaction, is_key_customer(case.customer_id))
        joining.add_response(case, response, severity, now)
    else:
        case = _open_from(response, actor, polarity, reasons, now)
    response.sentiment_label = "negative"
    response.needs_review = False
    message = f"Label corrected from {original or 'none'} to negative by {actor.name}"
    db.session.add_all(
        [
            SentimentCorrection(
                case_id=case.id,
                text=response.comment,
                original_label=original,
                original_reasons=reasons,
                corrected_label="negative",
                note="Marked negative on the review list of answers that opened no case.",
                corrected_by_id=actor.id,
                created_at=now,
                from_review=True,
            ),
            CaseEvent(
                case_id=case.id,
                actor_kind="staff",
                actor_id=actor.id,
                kind="label_corrected",
                message=f"{message} on the review list.",
                data={"from": original, "to": "negative", "review": True},
                created_at=now,
            ),
        ]
    )
    if response.added_to_case_id is not None:
        outbox.add("customer_mail.send_added_to_case_to_customer", response.id, family="mail")
    else:
        outbox.add("customer_mail.send_case_opened_to_customer", case.id, family="mail")
    return case


def _open_from(
    response: SurveyResponse, actor: User, polarity: float, reasons: list, now: datetime
) -> Case:
    invitation = response.invitation
    return open_case(
        source="survey",
        customer=invitation.customer,
        sale=invitation.sale,
        now=now,
        polarity=polarity,
        satisfaction=response.satisfaction,
        reasons=[f"marked negative on the review list by {actor.name}", *reasons],
        needs_review=False,
        response=response,
        subject=case_subject(response.comment),
        description=response.comment,
    )
