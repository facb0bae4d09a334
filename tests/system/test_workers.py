"""worker.py as operators run it: queues in lanes, jobs in the worker process or forked."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from portal import jobs
from portal.extensions import db
from portal.jobs.periodic import PERIODIC
from portal.jobs.surveys import dispatch_surveys
from portal.models import Customer
from portal.services.staff import accounts
from portal.services.surveys.schedule import get_policy

from ..conftest import ROOT


def test_survey_dispatch_has_a_queue_of_its_own_served_last():
    """A dispatch backlog can take a minute per run: on its own queue, a worker kept for the
    fast queues never waits behind it, and a worker on every queue serves it last."""
    assert PERIODIC["dispatch-surveys"].family == "dispatch"
    assert jobs.FAMILIES["dispatch"].queue == "dispatch"
    assert jobs.QUEUE_NAMES[:2] == ("mail", "analysis")
    assert jobs.QUEUE_NAMES[-1] == "dispatch"


def test_the_worker_refuses_an_unknown_queue_and_names_the_right_ones():
    done = subprocess.run(
        [sys.executable, str(ROOT / "worker.py"), "--queues", "analysis", "emails"],
        env={**os.environ, "REDIS_URL": "redis://127.0.0.1:1/0"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "unknown queue(s) ['emails']" in done.stderr
    assert "'mail', 'analysis', 'maintenance', 'dispatch'" in done.stderr


@pytest.mark.redis_only
def test_a_fast_lane_worker_sends_staff_mail_while_a_survey_backlog_waits_for_its_own(
    app, make_sale, smtp_server, run_jobs
):
    customer = Customer(email="ann@example.org", name="Ann", locale="en", timezone="UTC")
    db.session.add(customer)
    make_sale(customer=customer, sold_at=datetime.now(UTC) - timedelta(days=4))
    get_policy().window_start_hour, get_policy().window_end_hour = 0, 24
    db.session.commit()
    jobs.enqueue(dispatch_surveys, family="dispatch")
    accounts.create_user("new.rep@example.com", "New Rep", "rep")

    # The fast lane: jobs in the worker process itself (the default).
    run_jobs(worker_args=("--queues", "mail", "analysis"))
    assert [m["To"] for m in smtp_server.messages] == ["new.rep@example.com"]
    assert jobs.get_queue("dispatch").count == 1  # untouched, still waiting

    # The slow lane: each job in a forked work horse.
    run_jobs(worker_args=("--queues", "dispatch", "--fork"))
    assert [m["To"] for m in smtp_server.messages] == ["new.rep@example.com", "ann@example.org"]
    assert smtp_server.messages[1]["Subject"] == "How was your purchase?"
    assert jobs.get_queue("dispatch").count == 0
