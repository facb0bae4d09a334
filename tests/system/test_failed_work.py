"""Work that failed for good is visible to admins, with its error and a Retry button, and
admins are told once a day while there is some (issue 18, point 3)."""

from datetime import timedelta

import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from portal import jobs
from portal.extensions import db
from portal.jobs import outbox as work_outbox
from portal.jobs.failed_work import alert_admins_of_failed_work
from portal.jobs.periodic import PERIODIC
from portal.jobs.triage import notify_case_assigned
from portal.models import OutboxJob, SurveyInvitation, utcnow

from ..cases.case_helpers import make_case
from ..conftest import csrf_from, submit

PAGE = "/admin/failed-work"


@pytest.fixture
def rep(make_user):
    return make_user("rep", name="Rita Rep", email="rita@example.com")


@pytest.fixture
def admin(make_user):
    return make_user("admin", name="Ada Admin", email="ada@example.com")


def _given_up_outbox_row(case) -> OutboxJob:
    """The rep's email, queued MAX_ENQUEUES times and never done."""
    row = work_outbox.add(notify_case_assigned, case.id, family="mail")
    row.enqueued_at = utcnow() - timedelta(hours=2)
    row.enqueue_attempts = work_outbox.MAX_ENQUEUES
    db.session.commit()
    return row


def _retry(client, kind, ident):
    page = client.get(PAGE).get_data(as_text=True)
    return client.post(
        f"{PAGE}/retry", data={"csrf_token": csrf_from(page), "kind": kind, "ident": ident}
    )


def test_only_admins_see_failed_work_or_retry_it(client, login, make_user, rep):
    row = _given_up_outbox_row(make_case(rep))
    login(make_user("manager"))
    assert client.get(PAGE).status_code == 403
    data = {"kind": "outbox", "ident": row.job_id}
    assert submit(client, f"{PAGE}/retry", data, page="/home").status_code == 403
    assert client.get(f"{PAGE}/retry").status_code == 405  # a retry is a POST, never a GET
    db.session.expire_all()
    assert db.session.get(OutboxJob, row.id).enqueue_attempts == work_outbox.MAX_ENQUEUES


def test_retry_without_a_csrf_token_is_refused(client, login, admin, rep):
    row = _given_up_outbox_row(make_case(rep))
    login(admin)
    response = client.post(f"{PAGE}/retry", data={"kind": "outbox", "ident": row.job_id})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(OutboxJob, row.id).enqueue_attempts == work_outbox.MAX_ENQUEUES


def test_given_up_work_is_listed_and_retry_sends_it_once(
    client, login, admin, rep, smtp_server, run_jobs
):
    case = make_case(rep)
    row = _given_up_outbox_row(case)
    login(admin)
    page = client.get(PAGE).get_data(as_text=True)
    assert f"notify_case_assigned({case.id})" in page
    assert f"queued {work_outbox.MAX_ENQUEUES} times and never done" in page
    response = _retry(client, "outbox", row.job_id)
    assert response.status_code == 302
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == ["rita@example.com"]
    assert "Nothing failed" in client.get(PAGE).get_data(as_text=True)
    # A second click (a stale page) sends nothing more.
    _retry(client, "outbox", row.job_id)
    run_jobs()
    assert len(smtp_server.messages) == 1


def test_a_failed_survey_invitation_is_listed_and_resent(client, login, admin, make_sale):
    sale = make_sale()
    inv = SurveyInvitation(
        kind="post_sale",
        customer=sale.customer,
        sale=sale,
        scheduled_for=utcnow() - timedelta(days=1),
        failed_at=utcnow() - timedelta(hours=1),
        send_attempts=5,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    db.session.add(inv)
    db.session.commit()
    login(admin)
    page = client.get(PAGE).get_data(as_text=True)
    assert f"survey invitation #{inv.id}" in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page
    _retry(client, "invitation", str(inv.id))
    db.session.expire_all()
    inv = db.session.get(SurveyInvitation, inv.id)
    assert (inv.failed_at, inv.send_attempts) == (None, 0)


@pytest.mark.redis_only
def test_a_job_that_failed_for_good_in_the_worker_shows_its_error_and_retry_sends_it(
    app, client, login, admin, rep, smtp_server, run_jobs
):
    """Through a real worker: the SMTP server is down on the job's last attempt, the job lands
    in RQ's failed registry, the admin sees why, fixes it, retries: one email."""
    case = make_case(rep)
    work_outbox.add(notify_case_assigned, case.id, family="mail")
    db.session.commit()
    work_outbox.flush()
    job_id = jobs.job_id_for(notify_case_assigned, (case.id,))
    job = Job.fetch(job_id, connection=jobs.connection(), serializer=JSONSerializer)
    job.retries_left = 0  # its last attempt
    job.save()
    app.config["MAIL_PORT"] = 1  # nothing listens there
    run_jobs()
    failed = FailedJobRegistry(queue=jobs.get_queue("mail"))
    assert failed.get_job_ids() == [job_id]

    login(admin)
    page = client.get(PAGE).get_data(as_text=True)
    assert f"notify_case_assigned({case.id})" in page
    assert "ConnectionRefusedError" in page
    assert smtp_server.messages == []

    app.config["MAIL_PORT"] = smtp_server.port  # fixed
    assert _retry(client, "job", job_id).status_code == 302
    run_jobs()
    assert [m["To"] for m in smtp_server.messages] == ["rita@example.com"]
    assert failed.get_job_ids() == []
    assert "Nothing failed" in client.get(PAGE).get_data(as_text=True)


def test_the_daily_alert_goes_to_each_admin_once_a_day_while_work_has_failed(
    app, admin, make_user, rep, smtp_server, run_jobs
):
    assert PERIODIC["failed-work-alert"].interval == 86400
    second = make_user("admin", email="bo@example.com")
    make_user("admin", email="gone@example.com", active=False)
    jobs.enqueue(alert_admins_of_failed_work, family="maintenance")
    run_jobs()
    assert smtp_server.messages == []  # nothing failed: no alert

    case = make_case(rep)
    _given_up_outbox_row(case)
    for _ in range(2):  # the day's slot, and a second worker or tick the same day
        jobs.enqueue(alert_admins_of_failed_work, family="maintenance")
        run_jobs()
    assert sorted(m["To"] for m in smtp_server.messages) == [admin.email, second.email]
    message = smtp_server.messages[0]
    assert message["Subject"] == "Aftersale: 1 failed item waits for you"
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert f"notify_case_assigned({case.id})" in text
    assert "https://portal.example.test/admin/failed-work" in text

    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    assert alert_admins_of_failed_work(tomorrow) == 2  # still failing the next day: again
    assert len(smtp_server.messages) == 4
