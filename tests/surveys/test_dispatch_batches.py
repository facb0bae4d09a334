"""The survey backlog cut into batch jobs on the dispatch queue: shared by the workers, each
invitation sent exactly once, a batch out of time queuing its own continuation."""

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal import jobs
from portal.extensions import db
from portal.jobs import surveys as survey_jobs
from portal.models import Customer, SurveyInvitation
from portal.services.surveys.schedule import get_policy

from ..conftest import ROOT, TEST_REDIS_URL


@pytest.fixture
def backlog(app, make_sale):
    """`n` customers, each with a sale four days ago: n invitations due now, any hour."""

    def make(n: int) -> None:
        for i in range(n):
            customer = Customer(
                email=f"customer{i}@example.org", name=f"C {i}", locale="en", timezone="UTC"
            )
            db.session.add(customer)
            make_sale(customer=customer, sold_at=datetime.now(UTC) - timedelta(days=4))
        policy = get_policy()
        policy.window_start_hour, policy.window_end_hour = 0, 24
        db.session.commit()

    return make


def _mailed(smtp_server) -> Counter:
    return Counter(address for rcpts in smtp_server.recipients for address in rcpts)


def _unsent() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(SurveyInvitation.id)).where(SurveyInvitation.sent_at.is_(None))
    )


def test_the_periodic_dispatch_cuts_the_backlog_into_batch_jobs(
    app, backlog, smtp_server, run_jobs, monkeypatch
):
    backlog(7)
    monkeypatch.setattr(survey_jobs, "BATCH_JOB_SIZE", 3)
    summary = survey_jobs.dispatch_surveys()
    assert (summary["planned"], summary["due"], summary["batches"]) == (7, 7, 3)
    run_jobs()
    mailed = _mailed(smtp_server)
    assert len(mailed) == 7 and set(mailed.values()) == {1}
    assert _unsent() == 0


def test_a_batch_job_that_runs_out_of_time_carries_on_in_a_continuation(
    app, backlog, smtp_server, run_jobs, monkeypatch
):
    backlog(5)
    from portal.services.surveys.sending import prepare

    prepare()  # the invitations planned, no batch queued yet
    monkeypatch.setattr(survey_jobs, "CLAIM_SIZE", 2)
    monkeypatch.setattr(survey_jobs, "TIME_BUDGET", 0)  # out of time after the first claim
    first = survey_jobs.send_survey_batch(0, 0, 500)
    assert first["sent"] == 2 and first["more_waiting"] is True
    run_jobs()  # inline the continuations already ran; with Redis, a worker runs them
    mailed = _mailed(smtp_server)
    assert len(mailed) == 5 and set(mailed.values()) == {1}
    assert _unsent() == 0


def _worker_env(app) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": TEST_REDIS_URL,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "PORTAL_BASE_URL": app.config["PORTAL_BASE_URL"],
        "RQ_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
        "MAIL_DIR": str(app.config["MAIL_DIR"]),
        "SMTP_HOST": app.config["MAIL_SERVER"],
        "SMTP_PORT": str(app.config["MAIL_PORT"]),
        "SMTP_STARTTLS": "false",
    }


@pytest.mark.redis_only
def test_two_workers_share_the_batches_and_send_each_invitation_once(
    app, backlog, smtp_server, monkeypatch
):
    backlog(40)
    monkeypatch.setattr(survey_jobs, "BATCH_JOB_SIZE", 4)
    monkeypatch.setattr(survey_jobs, "CLAIM_SIZE", 2)
    assert survey_jobs.dispatch_surveys()["batches"] == 10
    assert jobs.get_queue("dispatch").count == 10
    db.session.commit()
    command = [sys.executable, str(ROOT / "worker.py"), "--burst", "--no-scheduler",
               "--queues", "dispatch"]  # fmt: skip
    workers = [
        subprocess.Popen(command, env=_worker_env(app), stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    logs = [worker.communicate(timeout=240)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], logs
    mailed = _mailed(smtp_server)
    assert len(mailed) == 40, logs
    assert set(mailed.values()) == {1}  # nobody mailed twice, whichever worker claimed them
    db.session.expire_all()
    assert _unsent() == 0
    assert jobs.get_queue("dispatch").count == 0
