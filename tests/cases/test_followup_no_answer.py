"""A resolved case whose "did this fix it?" follow-up expires unanswered is closed by the
system, with "no answer to the follow-up" on its timeline; once, whatever the sweep's runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import periodic
from portal.jobs.followup import close_unanswered_followups
from portal.jobs.registry import resolve
from portal.models import Case, CaseEvent, Customer, SurveyInvitation, utcnow
from portal.services.cases import followup as cases_followup
from portal.services.cases import work as case_work
from portal.services.surveys.sending import dispatch

# Two days on, at noon UTC: past the follow-up's delay and in a European customer's daytime.
LATER = (datetime.now(UTC) + timedelta(days=2)).replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def resolved_case(rita, case_from_answer):
    """A case opened by a survey answer rated 1, resolved by Rita; its follow-up sent LATER."""
    customer = Customer(
        email="carl@example.org",
        name="Carl Kund",
        locale="en",
        last_surveyed_at=utcnow() - timedelta(days=1),  # the survey that was just answered
    )
    case = case_from_answer(rita, customer, comment="Broken, again.")
    case_work.log_contact(case, rita, "phone", "Called Carl", case.version, utcnow())
    case_work.resolve(case, rita, "refund", "Refunded to your card.", case.version, utcnow())
    assert dispatch(now=LATER).sent == 1
    return case


def the_followup(case: Case) -> SurveyInvitation:
    return db.session.scalar(
        sa.select(SurveyInvitation).where(
            SurveyInvitation.case_id == case.id, SurveyInvitation.kind == "resolution"
        )
    )


def closed_events(case: Case) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            sa.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "closed")
        )
    )


def test_an_expired_unanswered_followup_closes_the_case_once(resolved_case):
    expires = the_followup(resolved_case).expires_at
    assert expires is not None

    assert cases_followup.close_unanswered_followups(expires - timedelta(minutes=1)) == 0
    db.session.expire_all()
    assert resolved_case.status == "resolved"  # the customer still has time to answer

    assert cases_followup.close_unanswered_followups(expires) == 1
    assert (
        cases_followup.close_unanswered_followups(expires + timedelta(hours=1)) == 0
    )  # the next sweep
    db.session.expire_all()
    assert resolved_case.status == "closed" and resolved_case.closed_at == expires
    [event] = closed_events(resolved_case)
    assert event.actor_kind == "system" and event.actor_id is None
    assert event.message == "Closed by the system: no answer to the follow-up"


def test_a_case_reopened_meanwhile_is_left_alone(resolved_case, rita):
    invitation = the_followup(resolved_case)
    expires = invitation.expires_at
    case_work.reopen(
        resolved_case, rita, "Carl phoned: still broken", utcnow(), version=resolved_case.version
    )
    assert cases_followup.close_unanswered_followups(expires + timedelta(days=1)) == 0
    db.session.expire_all()
    assert resolved_case.status == "reopened" and closed_events(resolved_case) == []


def test_the_sweep_runs_periodically(resolved_case):
    spec = periodic.PERIODIC["close-unanswered-followups"]
    assert resolve(spec.key) is close_unanswered_followups
    invitation = the_followup(resolved_case)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert close_unanswered_followups() == 1
    assert close_unanswered_followups() == 0
    db.session.expire_all()
    assert resolved_case.status == "closed" and len(closed_events(resolved_case)) == 1


def test_a_followup_and_a_post_sale_survey_in_one_batch_do_not_both_go_out(
    app, make_sale, rita, answer_survey, run_jobs, outbox
):
    """The budget is taken atomically for follow-ups too: one survey per customer per batch."""
    now = utcnow()
    long_ago = now - timedelta(days=60)
    customer = Customer(email="carl@example.org", name="Carl Kund", locale="en")
    sold_long_ago = long_ago - timedelta(days=4)
    opening = answer_survey(rita, customer, comment="Broken, again.", sold_at=sold_long_ago)
    run_jobs()
    db.session.expire_all()
    case = db.session.scalar(sa.select(Case).where(Case.customer_id == customer.id))
    # That survey went out two months ago: the customer's budget is free again.
    opening.sent_at = customer.last_surveyed_at = long_ago
    db.session.commit()
    case_work.log_contact(case, rita, "phone", "Called Carl", case.version, utcnow())
    case_work.resolve(case, rita, "refund", "Refunded to your card.", case.version, utcnow())
    # Meanwhile Carl bought again: that sale's survey is due in the same batch as the follow-up.
    new_sale = make_sale(rep=rita, customer=customer, sold_at=now - timedelta(days=4))
    db.session.add(
        SurveyInvitation(
            kind="post_sale", customer=customer, sale=new_sale, scheduled_for=now, send_attempts=0
        )
    )
    db.session.commit()

    dispatch(now=LATER)
    surveys = [
        m for m in outbox() if m["To"] == "carl@example.org" and "opened a case" not in m["Subject"]
    ]
    assert len(surveys) == 1
    skipped = db.session.scalars(
        sa.select(SurveyInvitation).where(SurveyInvitation.skip_reason == "budget")
    ).all()
    assert len(skipped) == 1
