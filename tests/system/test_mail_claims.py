"""Every mail job claims its work before it sends: two copies running at the same moment send
one email (issue 18, point 2). Each job is run twice at once, in two threads (SQLite and
PostgreSQL) and, for the rep's "new case" email, in two real worker processes (PostgreSQL +
Redis); the messages are counted at a real SMTP server on loopback that takes its time to
accept each one, so both copies are inside the window where a check-then-send would let both
through."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from rq.registry import StartedJobRegistry

from portal import jobs
from portal.extensions import db
from portal.jobs import claims
from portal.jobs import outbox as work_outbox
from portal.jobs.complaints import send_complaint_confirmation, send_complaint_received
from portal.jobs.customer_mail import (
    notify_rep_of_customer_message,
    notify_rep_of_followup,
    send_case_opened_to_customer,
    send_message_to_customer,
)
from portal.jobs.escalation import notify_manager_of_breach
from portal.jobs.performance import send_weekly_digest
from portal.jobs.staff_mail import send_set_password_email
from portal.jobs.surveys import dispatch_surveys
from portal.jobs.triage import notify_case_assigned
from portal.models import Case, CaseEvent, Complaint, Customer, OutboxJob, utcnow
from portal.services.cases.messages import FROM_CUSTOMER, TO_CUSTOMER
from portal.services.surveys.schedule import get_policy

from ..cases.case_helpers import make_case
from ..conftest import ROOT, TEST_REDIS_URL

SMTP_DELAY = 0.5  # seconds the server takes to accept a message


@pytest.fixture
def slow_smtp(smtp_server):
    handle = smtp_server.handle_DATA

    async def slowly(server, session, envelope):
        await asyncio.sleep(SMTP_DELAY)
        return await handle(server, session, envelope)

    smtp_server.handle_DATA = slowly
    return smtp_server


@pytest.fixture
def world(app, make_team, make_user):
    lead = make_user("manager", name="Maja Manager", email="maja@example.com")
    team = make_team("North", lead=lead)
    rep = make_user("rep", team=team, name="Rita Rep", email="rita@example.com")
    return {"lead": lead, "team": team, "rep": rep}


def _event(case, kind, **fields):
    event = CaseEvent(case_id=case.id, actor_kind="system", kind=kind, **fields)
    db.session.add(event)
    db.session.commit()
    return event.id


def _complaint(confirmed: bool) -> int:
    complaint = Complaint(
        email="carl@example.org",
        name="Carl Kund",
        locale="en",
        category="delivery",
        description="The parcel never came and nobody answers.",
        confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(complaint)
    db.session.commit()
    return complaint.id


def _case(world):
    case = make_case(world["rep"], customer_name="Ann Andersson")
    return case


# Each: (job, how to build its arguments from the world).
MAIL_JOBS = {
    "send_complaint_confirmation": (
        send_complaint_confirmation,
        lambda w: (_complaint(confirmed=False),),
    ),
    "send_complaint_received": (send_complaint_received, lambda w: (_complaint(confirmed=True),)),
    "send_case_opened_to_customer": (send_case_opened_to_customer, lambda w: (_case(w).id,)),
    "send_message_to_customer": (
        send_message_to_customer,
        lambda w: (_event(_case(w), TO_CUSTOMER, message="We will send a new chair."),),
    ),
    "notify_rep_of_customer_message": (
        notify_rep_of_customer_message,
        lambda w: (_event(_case(w), FROM_CUSTOMER, message="Any news?"),),
    ),
    "notify_rep_of_followup": (
        notify_rep_of_followup,
        lambda w: (_event(_case(w), "followup_answered", data={"resolved": False}),),
    ),
    "notify_case_assigned": (
        notify_case_assigned,
        lambda w: (_case(w).id,),
    ),
    "notify_manager_of_breach": (
        notify_manager_of_breach,
        lambda w: (_case(w).id, "first_contact"),
    ),
    "send_weekly_digest": (
        send_weekly_digest,
        lambda w: (w["lead"].id, "2026-11-23"),
    ),
    "send_set_password_email": (
        send_set_password_email,
        lambda w: (w["rep"].id, "reset", int(utcnow().timestamp())),
    ),
}


def _run_twice_at_once(app, func, args) -> list:
    """Run two copies of the job at the same moment, each in its own thread and session."""
    start = threading.Barrier(2)
    results, errors = [], []

    def copy():
        with app.app_context():
            start.wait()
            try:
                results.append(func(*args))
            except Exception as exc:  # reported below, with the other copy's result
                errors.append(exc)

    threads = [threading.Thread(target=copy) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


@pytest.mark.parametrize("name", list(MAIL_JOBS))
def test_two_copies_of_a_mail_job_at_once_send_one_email(app, world, slow_smtp, name):
    func, make_args = MAIL_JOBS[name]
    args = make_args(world)
    # As the work is queued: its outbox row is written with it (for the digest and the
    # set-password email, which are enqueued directly, the claim writes it).
    work_outbox.add(func, *args, family="mail")
    db.session.commit()
    db.session.close()
    results = _run_twice_at_once(app, func, args)
    assert len(slow_smtp.messages) == 1, [m["Subject"] for m in slow_smtp.messages]
    assert sorted(map(bool, results)) == [False, True]  # one sent, the other found it claimed
    # Done, and a third run (a late retry) sends nothing either.
    assert not func(*args)
    assert len(slow_smtp.messages) == 1
    done = db.session.scalar(
        sa.select(OutboxJob.done_at).where(OutboxJob.job_id == jobs.job_id_for(func, args))
    )
    assert done is not None


def test_two_survey_dispatches_at_once_send_one_survey(app, make_sale, slow_smtp, run_jobs):
    customer = Customer(email="ann@example.org", name="Ann", locale="en", timezone="UTC")
    db.session.add(customer)
    make_sale(customer=customer, sold_at=datetime.now(UTC) - timedelta(days=4))
    policy = get_policy()
    policy.window_start_hour, policy.window_end_hour = 0, 24
    db.session.commit()
    db.session.close()
    _run_twice_at_once(app, dispatch_surveys, ())
    run_jobs()  # the batch jobs they queued (inline, already run)
    assert [m["To"] for m in slow_smtp.messages] == ["ann@example.org"]


def test_a_run_that_fails_after_claiming_gives_the_claim_back_and_the_retry_sends(
    app, world, smtp_server
):
    case = _case(world)
    func = notify_case_assigned
    smtp_server.stop()  # the SMTP server is down: the job fails after its claim
    app.config["MAIL_TIMEOUT"] = 2
    with pytest.raises(OSError):
        func(case.id)
    row = db.session.scalar(sa.select(OutboxJob))
    assert (row.claimed_at, row.done_at) == (None, None)  # released, not done
    smtp_server.start()
    assert func(case.id) is True  # RQ's retry
    assert len(smtp_server.messages) == 1


def test_a_claim_left_by_a_killed_worker_expires_and_the_message_goes_out_once(
    app, world, smtp_server
):
    """Killed between the claim and the send: nothing is sent until the claim's lease is
    over (a copy may still be sending), then the outbox sweep's retry sends it once."""
    case = _case(world)
    func = notify_case_assigned
    job_id = jobs.job_id_for(func, (case.id,))
    db.session.add(OutboxJob(job_id=job_id, func="x:y", args=[case.id], family="mail"))
    db.session.commit()
    db.session.execute(
        sa.update(OutboxJob).values(claimed_at=utcnow() - timedelta(seconds=30))
    )  # the dead worker's claim
    db.session.commit()
    assert func(case.id) is False
    assert smtp_server.messages == []
    db.session.execute(sa.update(OutboxJob).values(claimed_at=utcnow() - claims.LEASE))
    db.session.commit()
    assert func(case.id) is True
    assert len(smtp_server.messages) == 1


@pytest.mark.redis_only
def test_two_worker_processes_running_the_rep_email_at_once_send_one(app, world, slow_smtp):
    """The probe's case: two copies of the rep's "new case" job, queued under two ids, taken
    by two worker processes at the same moment."""
    case = _case(world)
    db.session.commit()
    for copy in ("a", "b"):
        jobs.enqueue(notify_case_assigned, case.id, family="mail", job_id=f"copy-{copy}-{case.id}")
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": TEST_REDIS_URL,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "PORTAL_BASE_URL": app.config["PORTAL_BASE_URL"],
        "RQ_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(slow_smtp.port),
        "SMTP_STARTTLS": "false",
    }
    command = [sys.executable, str(ROOT / "worker.py"), "--burst", "--no-scheduler"]
    workers = [subprocess.Popen(command, env=env, stderr=subprocess.PIPE) for _ in range(2)]
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr[-3000:]
    assert [m["To"] for m in slow_smtp.messages] == ["rita@example.com"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).rep_notified_at is not None


@pytest.mark.redis_only
def test_a_worker_killed_after_claiming_and_before_sending_sends_it_once_later(
    app, world, smtp_server, run_jobs
):
    """A real worker claims the rep's email and is SIGKILLed while the SMTP server has not yet
    greeted it. Nothing is sent, and nothing is sent twice: a run while the claim is live does
    nothing; once the claim's lease is over, the outbox sweep queues it again and it goes out
    once."""
    import signal
    import socket
    import time

    case = _case(world)
    work_outbox.add(notify_case_assigned, case.id, family="mail")
    db.session.commit()
    work_outbox.flush()
    # A port that accepts the connection and never greets: the worker waits there, after
    # its claim and before sending, when it is killed.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": TEST_REDIS_URL,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "PORTAL_BASE_URL": app.config["PORTAL_BASE_URL"],
        "RQ_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(silent.getsockname()[1]),
        "SMTP_STARTTLS": "false",
    }
    worker = subprocess.Popen(
        [sys.executable, str(ROOT / "worker.py"), "--no-scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(300):  # until the claim is committed
            db.session.expire_all()
            if db.session.scalar(sa.select(OutboxJob.claimed_at)) is not None:
                break
            time.sleep(0.1)
        else:
            pytest.fail("the worker never claimed the job")
        db.session.rollback()
        time.sleep(1)  # the worker is now waiting for a greeting that never comes
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        silent.close()
    assert smtp_server.messages == []

    # Straight away (RQ's retry, or a second copy): the claim is live, nothing is sent.
    assert notify_case_assigned(case.id) is False
    # Minutes later: RQ sees the job abandoned and schedules its retry, and the claim's lease
    # is over (both moved forward here instead of waited for).
    StartedJobRegistry(queue=jobs.get_queue("mail")).cleanup(timestamp=time.time() + 3600)
    db.session.execute(sa.update(OutboxJob).values(claimed_at=utcnow() - claims.LEASE))
    db.session.commit()
    time.sleep(jobs.FAMILIES["mail"].retry_intervals[0] + 1)
    run_jobs(scheduler=True)
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == ["rita@example.com"]
    db.session.expire_all()
    assert db.session.get(Case, case.id).rep_notified_at is not None
