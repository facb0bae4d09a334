"""From a negative answer to a case in the right queue, with deadlines and the rep told."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import jobs
from portal.extensions import db
from portal.jobs import outbox as work_outbox
from portal.jobs.escalation import sweep_breaches
from portal.jobs.triage import analyse_response
from portal.models import (
    Case,
    CaseEvent,
    Customer,
    OutboxJob,
    SurveyResponse,
    utcnow,
)
from portal.services.cases.escalation import mark_breaches
from portal.services.surveys import answers as survey_answers
from portal.tokens import make_token

ANGRY = "Still waiting for my refund, third time I call and nobody answered. Never again."
HAPPY = "Lovely chair, fast delivery, thank you!"


@pytest.fixture
def answered(make_user, team, answer_survey):
    """A customer's answer on the survey page, about a sale by a new "Rita Rep" of North."""

    def submit_answer(satisfaction="1", comment=ANGRY, rep=None):
        rep = rep or make_user("rep", team=team, name="Rita Rep")
        customer = Customer(email=f"c{rep.id}@example.org", name="Carl Kund")
        return answer_survey(rep, customer, satisfaction, comment)

    return submit_answer


def cases():
    return db.session.scalars(sa.select(Case).order_by(Case.id)).all()


def test_a_negative_answer_opens_one_case_for_the_rep_who_sold(app, answered, run_jobs, outbox):
    invitation = answered()
    run_jobs()
    [case] = cases()
    assert case.assigned_rep.name == "Rita Rep"
    assert case.source == "survey" and case.status == "open"
    assert case.response_id == invitation.response.id
    assert case.description == ANGRY
    assert case.created_at < case.first_contact_due < case.resolve_due
    kinds = [e.kind for e in case.events]
    assert kinds[:2] == ["opened", "assigned"]
    assert "refund" in case.events[0].message or "waiting" in case.events[0].message
    [mail] = [m for m in outbox() if m["To"] == case.assigned_rep.email]
    assert f"/cases/{case.id}" in mail.get_body(("plain",)).get_content()
    assert db.session.get(SurveyResponse, case.response_id).sentiment_label == "negative"


def test_a_happy_answer_opens_no_case(app, answered, run_jobs):
    invitation = answered(satisfaction="5", comment=HAPPY)
    run_jobs()
    assert cases() == []
    response = db.session.get(SurveyResponse, invitation.response.id)
    assert response.sentiment_label == "positive"
    assert response.analysed_at is not None


def test_the_analysis_job_run_twice_opens_one_case_and_sends_one_email(
    app, answered, run_jobs, outbox
):
    invitation = answered()
    run_jobs()
    response_id = invitation.response.id
    jobs.enqueue(analyse_response, response_id, family="analysis")
    run_jobs()
    work_outbox.add(analyse_response, response_id, family="analysis")
    db.session.commit()
    work_outbox.flush()
    run_jobs()
    assert len(cases()) == 1
    assert len([m for m in outbox() if m["Subject"].startswith("New ")]) == 1


def test_an_away_rep_s_case_goes_to_the_stand_in(app, answered, run_jobs, make_user, team):
    stand_in = make_user("rep", team=team, name="Sam Stand-in")
    rep = make_user("rep", team=team, name="Away Rep", stand_in=stand_in)
    rep.away_until = utcnow() + timedelta(days=5)
    db.session.commit()
    answered(rep=rep)
    run_jobs()
    [case] = cases()
    assert case.assigned_rep_id == stand_in.id
    assert "stand-in for Away Rep (away)" in case.events[1].message


def test_with_no_stand_in_the_team_lead_takes_it(app, answered, run_jobs, make_user, team):
    rep = make_user("rep", team=team, name="Gone Rep", active=False)
    answered(rep=rep)
    run_jobs()
    [case] = cases()
    assert case.assigned_rep.name == "Maja Manager"


def test_an_unknown_sale_rep_goes_to_triage(app, answered, run_jobs, make_user):
    loner = make_user("rep", name="Lone Rep", active=False)  # no team, no stand-in
    answered(rep=loner)
    run_jobs()
    [case] = cases()
    assert case.assigned_rep_id is None
    assert "triage" in case.events[1].message


def test_a_low_rating_is_negative_whatever_the_words(app, answered, run_jobs):
    answered(satisfaction="2", comment="Thanks, all good.")
    run_jobs()
    assert len(cases()) == 1


def test_a_breach_is_escalated_once_and_the_manager_told_once(app, answered, run_jobs, outbox):
    answered()
    run_jobs()
    [case] = cases()
    later = case.first_contact_due + timedelta(minutes=1)
    assert mark_breaches(later) == [(case.id, "first_contact")]
    assert mark_breaches(later) == []  # a second sweep, or one racing it, finds nothing
    work_outbox.flush()
    run_jobs()
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.first_contact_breached_at is not None and case.escalated_at is not None
    breaches = [e for e in case.events if e.kind == "breach"]
    assert len(breaches) == 1
    to_manager = [m for m in outbox() if m["Subject"].startswith("Deadline missed")]
    assert [m["To"] for m in to_manager] == ["maja@example.com"]
    sweep_breaches()
    run_jobs()
    assert len([m for m in outbox() if m["Subject"].startswith("Deadline missed")]) == 1


def test_answers_are_stored_before_any_job_exists(app, answered, run_jobs):
    invitation = answered()
    row = db.session.scalar(sa.select(OutboxJob))
    assert row.job_id == f"triage-analyse_response-{invitation.response.id}"
    run_jobs()
    db.session.expire_all()
    assert db.session.scalar(sa.select(OutboxJob.done_at).where(OutboxJob.id == row.id))


@pytest.mark.redis_only
def test_redis_down_the_customer_is_thanked_and_the_work_waits(app, answered, run_jobs):
    from redis import Redis

    state = app.extensions["portal_jobs"]
    real = state["connection"]
    state["connection"] = Redis(host="127.0.0.1", port=1)  # nothing listens: Redis is down
    try:
        answered()  # asserts the thank-you redirect
    finally:
        state["connection"] = real
    assert work_outbox.pending_count() == 1
    assert cases() == []
    from portal.jobs.maintenance import sweep_outbox

    sweep_outbox()  # Redis is back: the periodic sweep (or a worker start) queues it
    run_jobs()
    assert len(cases()) == 1
    assert work_outbox.pending_count() == 0


def test_survey_answer_change_is_analysed_again_without_a_second_case(app, answered, run_jobs):
    invitation = answered()
    run_jobs()
    link = survey_answers.resolve(make_token("survey", invitation.id), utcnow())
    survey_answers.record_answer(
        link, survey_answers.Answer(1, 0, ANGRY + " Still nothing.", False), utcnow()
    )
    run_jobs()
    assert len(cases()) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseEvent)) >= 2


@pytest.mark.redis_only
def test_a_worker_killed_mid_job_leaves_no_half_state_and_the_work_is_done_once(
    app, answered, run_jobs
):
    """The analysis job is stopped inside its transaction (a row lock makes it wait there),
    the worker is SIGKILLed, and the sweep gets the work done once."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from rq.registry import StartedJobRegistry

    from portal.jobs.maintenance import sweep_outbox

    from ..conftest import ROOT, TEST_REDIS_URL

    if db.engine.dialect.name != "postgresql":
        pytest.skip("holds a row lock, which needs PostgreSQL")
    invitation = answered()
    response_id = invitation.response.id
    locker = db.engine.connect()
    tx = locker.begin()
    locker.execute(
        sa.text("SELECT id FROM survey_responses WHERE id = :id FOR UPDATE"), {"id": response_id}
    )
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": TEST_REDIS_URL,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "RQ_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
        "MAIL_DIR": str(app.config["MAIL_DIR"]),
    }
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "worker.py"), "--no-scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        registry = StartedJobRegistry(queue=jobs.get_queue("analysis"))
        for _ in range(100):  # the job starts, then waits on the lock mid-transaction
            if registry.get_job_ids():
                break
            time.sleep(0.1)
        assert registry.get_job_ids(), "the job never started"
        time.sleep(0.5)
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its work horse die at once
        worker.wait()
        tx.rollback()
        locker.close()
    db.session.expire_all()
    assert cases() == []  # nothing half-written
    assert db.session.get(SurveyResponse, response_id).analysed_at is None
    # Minutes later: RQ's registry sees the job abandoned and schedules its retry (10 s);
    # the sweep finds nothing else to re-queue; a worker with its scheduler runs the retry.
    registry.cleanup(timestamp=time.time() + 3600)
    later = utcnow() + work_outbox.STALLED_AFTER + timedelta(minutes=1)
    work_outbox.requeue_stalled(later)
    sweep_outbox()
    time.sleep(jobs.FAMILIES["analysis"].retry_intervals[0] + 1)
    run_jobs(scheduler=True)
    run_jobs()
    assert len(cases()) == 1
    assert work_outbox.pending_count() == 0


@pytest.mark.parametrize(
    ("comment", "opens"),
    [
        ("The colour is dull in real life.", True),  # a negative word, p = 0.48 (issue 11)
        ("Kudden var platt redan efter några veckors användning.", True),  # Swedish, 40+
        ("No comment.", False),
        ("Inget att tillägga.", False),
    ],
)
def test_a_lukewarm_answer_opens_a_case_when_its_words_complain(
    app, answered, run_jobs, comment, opens
):
    invitation = answered(satisfaction="3", comment=comment)
    run_jobs()
    response = db.session.get(SurveyResponse, invitation.response.id)
    assert (response.sentiment_label == "negative") is opens
    assert len(cases()) == int(opens)
    if opens:
        assert "learned scorer: p" in " ".join(response.sentiment_reasons)
