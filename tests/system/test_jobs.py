"""Queue plumbing: commit before enqueue, one job per piece of work, jobs idempotent."""

import json
import zlib

import pytest
from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.serializers import JSONSerializer

from portal import jobs
from portal.extensions import db
from portal.jobs.staff_mail import send_set_password_email
from portal.models import Team, User, utcnow
from portal.services.staff import accounts

from ..conftest import TEST_REDIS_URL


def test_enqueue_before_commit_is_refused(app):
    db.session.add(Team(name="Uncommitted"))
    with pytest.raises(jobs.UncommittedWorkError):
        jobs.enqueue(send_set_password_email, 1, "welcome", 0, family="mail")
    db.session.flush()  # flushed but not committed is still not visible to a worker
    with pytest.raises(jobs.UncommittedWorkError):
        jobs.enqueue(send_set_password_email, 1, "welcome", 0, family="mail")
    db.session.commit()
    jobs.enqueue(send_set_password_email, 1, "welcome", 0, family="mail")


def test_job_ids_are_deterministic_and_safe_for_rq():
    first = jobs.job_id_for(send_set_password_email, (7, "welcome", 1700000000))
    again = jobs.job_id_for(send_set_password_email, (7, "welcome", 1700000000))
    assert first == again == "staff_mail-send_set_password_email-7-welcome-1700000000"
    assert jobs.job_id_for(send_set_password_email, ("a:b/c",)).endswith("-a_b_c")


def test_new_user_without_password_gets_one_welcome_email(app, outbox, run_jobs):
    accounts.create_user("new.rep@example.com", "New Rep", "rep")
    run_jobs()
    messages = outbox()
    assert [m["To"] for m in messages] == ["new.rep@example.com"]
    assert messages[0]["Subject"] == "Your Aftersale account is ready"


def test_the_mail_job_run_twice_sends_one_email(app, outbox, run_jobs):
    user = User(email="twice@example.com", name="Twice", role="rep")
    db.session.add(user)
    db.session.commit()
    requested = int(utcnow().timestamp())
    jobs.enqueue(send_set_password_email, user.id, "welcome", requested, family="mail")
    run_jobs()
    jobs.enqueue(send_set_password_email, user.id, "welcome", requested, family="mail")
    run_jobs()
    assert len(outbox()) == 1


@pytest.mark.redis_only
def test_the_same_work_is_queued_once(app):
    user = User(email="once@example.com", name="Once", role="rep")
    db.session.add(user)
    db.session.commit()
    first = jobs.enqueue(send_set_password_email, user.id, "welcome", 1, family="mail")
    second = jobs.enqueue(send_set_password_email, user.id, "welcome", 1, family="mail")
    assert first.id == second.id
    assert jobs.get_queue("mail").count == 1


@pytest.mark.redis_only
def test_jobs_go_through_real_redis_as_json_with_a_timeout(app):
    user = User(email="json@example.com", name="Json", role="rep")
    db.session.add(user)
    db.session.commit()
    job = jobs.enqueue(send_set_password_email, user.id, "welcome", 5, family="mail")
    raw = zlib.decompress(jobs.connection().hget(f"rq:job:{job.id}", "data"))
    assert json.loads(raw)[2] == [user.id, "welcome", 5]  # JSON: ids and plain values only
    assert job.timeout == jobs.FAMILIES["mail"].timeout
    assert job.retries_left == len(jobs.FAMILIES["mail"].retry_intervals)


@pytest.mark.redis_only
def test_a_failing_job_is_scheduled_for_retry_with_backoff(app, run_jobs):
    app.config["MAIL_SERVER"] = "127.0.0.1"
    app.config["MAIL_PORT"] = 9  # nothing listens there: the send fails
    app.config["MAIL_USE_TLS"] = False
    user = User(email="retry@example.com", name="Retry", role="rep")
    db.session.add(user)
    db.session.commit()
    job = jobs.enqueue(send_set_password_email, user.id, "welcome", 9, family="mail")
    run_jobs()
    queue = Queue(jobs.queue_name("mail"), connection=jobs.connection(), serializer=JSONSerializer)
    assert job.id in ScheduledJobRegistry(queue=queue).get_job_ids()
    job.refresh()
    assert job.retries_left == len(jobs.FAMILIES["mail"].retry_intervals) - 1
    assert db.session.get(User, user.id).password_link_sent_at is None


def test_inline_mode_needs_no_redis(app):
    if TEST_REDIS_URL:
        pytest.skip("this run uses real Redis")
    assert app.extensions["portal_jobs"]["is_async"] is False
