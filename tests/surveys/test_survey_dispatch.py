"""Survey invitations: planned from sales, sent through a real SMTP server, never twice."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Customer, SurveyInvitation
from portal.services.surveys import planning, sending
from portal.services.surveys.schedule import get_policy
from portal.services.surveys.sending import TemporaryMailFailure, dispatch

# A fixed clock: a weekday 10:00 UTC is 11:00 in Stockholm and 10:00 in London, daytime.
NOW = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
SURVEY_LINK = re.compile(r"https://portal\.example\.test/s/[\w.-]+")


@pytest.fixture
def customer(app):
    def make(email="ann@example.org", locale="en", tz="Europe/London", name="Ann Andersson"):
        c = Customer(email=email, name=name, locale=locale, timezone=tz)
        db.session.add(c)
        db.session.commit()
        return c

    return make


def _body(message, kind):
    return message.get_body(preferencelist=(kind,)).get_content()


def test_a_sale_three_days_ago_gets_one_survey_email(app, client, make_sale, customer, smtp_server):
    sale = make_sale(customer=customer(), sold_at=NOW - timedelta(days=3, hours=1))
    result = dispatch(now=NOW)
    assert (result.planned, result.sent) == (1, 1)
    [message] = smtp_server.messages
    assert message["To"] == "ann@example.org"
    assert message["Subject"] == "How was your purchase?"
    text, html = _body(message, "plain"), _body(message, "html")
    assert sale.order_ref in text and sale.order_ref in html
    link = SURVEY_LINK.search(text).group(0)
    assert link in html
    # The one-click unsubscribe headers of RFC 8058.
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe.startswith("https://portal.example.test/u/")
    # The link opens the survey.
    page = client.get(link.removeprefix("https://portal.example.test"))
    assert page.status_code == 200
    assert "How satisfied are you with your purchase?" in page.get_data(as_text=True)


def test_rating_buttons_in_the_email_open_the_survey_prefilled(
    app, client, make_sale, customer, smtp_server
):
    make_sale(customer=customer(), sold_at=NOW - timedelta(days=3))
    dispatch(now=NOW)
    text = _body(smtp_server.messages[0], "plain")
    two = re.search(r"2: (https://\S+)", text).group(1)
    assert two.endswith("score=2")
    page = client.get(two.removeprefix("https://portal.example.test")).get_data(as_text=True)
    assert re.search(r'value="2"[^>]*checked|checked[^>]*value="2"', page)


def test_a_swedish_customer_gets_a_swedish_email(app, make_sale, customer, smtp_server):
    make_sale(
        customer=customer(email="sven@example.se", locale="sv", tz="Europe/Stockholm"),
        sold_at=NOW - timedelta(days=3),
    )
    dispatch(now=NOW)
    [message] = smtp_server.messages
    assert message["Subject"] == "Hur var ditt köp?"
    assert "Avregistrera" in _body(message, "plain") or "avregistrera" in _body(message, "plain")


def test_dispatch_run_twice_sends_each_invitation_once(app, make_sale, customer, smtp_server):
    for n in range(3):
        make_sale(customer=customer(email=f"c{n}@example.org"), sold_at=NOW - timedelta(days=3))
    assert dispatch(now=NOW).sent == 3
    assert dispatch(now=NOW).sent == 0
    assert dispatch(now=NOW + timedelta(minutes=5)).sent == 0
    assert len(smtp_server.messages) == 3


def test_one_smtp_connection_per_batch(app, make_sale, customer, smtp_server):
    for n in range(5):
        make_sale(customer=customer(email=f"b{n}@example.org"), sold_at=NOW - timedelta(days=3))
    dispatch(now=NOW, batch_size=50)
    assert len(smtp_server.messages) == 5
    assert smtp_server.connections == 1


def test_a_customer_is_never_surveyed_twice_within_the_budget(
    app, make_sale, customer, smtp_server
):
    ann = customer()
    make_sale(customer=ann, sold_at=NOW - timedelta(days=3))
    make_sale(customer=ann, sold_at=NOW - timedelta(days=3, hours=2))  # same batch
    dispatch(now=NOW)
    make_sale(customer=ann, sold_at=NOW + timedelta(days=2))  # bought again, 5 days later
    dispatch(now=NOW + timedelta(days=5))  # also the day the reminder is due
    dispatch(now=NOW + timedelta(days=29))
    surveys = [m for m in smtp_server.messages if not m["Subject"].startswith("Reminder")]
    reminders = [m for m in smtp_server.messages if m["Subject"].startswith("Reminder")]
    assert len(surveys) == 1
    assert len(reminders) == 1  # the reminder is for the same survey, not a new one
    skipped = db.session.scalars(
        sa.select(SurveyInvitation.skip_reason).where(SurveyInvitation.skipped_at.is_not(None))
    ).all()
    assert sorted(skipped) == ["budget", "budget"]


def test_after_the_budget_a_new_purchase_is_surveyed_again(app, make_sale, customer, smtp_server):
    ann = customer()
    make_sale(customer=ann, sold_at=NOW - timedelta(days=3))
    dispatch(now=NOW)
    later = NOW + timedelta(days=40)
    make_sale(customer=ann, sold_at=later - timedelta(days=3))
    dispatch(now=later)
    surveys = [m for m in smtp_server.messages if not m["Subject"].startswith("Reminder")]
    assert len(surveys) == 2


def test_surveys_wait_for_the_customers_daytime(app, make_sale, customer, smtp_server):
    sven = customer(email="sven@example.se", locale="sv", tz="Europe/Stockholm")
    night = NOW.replace(hour=1)  # 02:00 in Stockholm
    make_sale(customer=sven, sold_at=night - timedelta(days=3))
    result = dispatch(now=night)
    assert result.sent == 0
    invitation = db.session.scalar(sa.select(SurveyInvitation))
    local = invitation.scheduled_for.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Stockholm"))
    assert (local.hour, local.minute) == (9, 0)
    assert dispatch(now=invitation.scheduled_for).sent == 1


def test_unanswered_survey_gets_one_reminder(app, make_sale, customer, smtp_server):
    make_sale(customer=customer(), sold_at=NOW - timedelta(days=3))
    dispatch(now=NOW)
    assert dispatch(now=NOW + timedelta(days=3)).reminded == 0
    assert dispatch(now=NOW + timedelta(days=4)).reminded == 1
    assert dispatch(now=NOW + timedelta(days=6)).reminded == 0
    assert [m["Subject"] for m in smtp_server.messages] == [
        "How was your purchase?",
        "Reminder: how was your purchase?",
    ]


def test_no_survey_to_unsubscribed_or_bounced_addresses(app, make_sale, customer, smtp_server):
    gone = customer(email="gone@example.org")
    gone.unsubscribed_at = NOW - timedelta(days=100)
    dead = customer(email="dead@example.org")
    dead.bounced_at = NOW - timedelta(days=100)
    db.session.commit()
    make_sale(customer=gone, sold_at=NOW - timedelta(days=3))
    make_sale(customer=dead, sold_at=NOW - timedelta(days=3))
    result = dispatch(now=NOW)
    assert result.sent == 0
    assert result.skipped == {"unsubscribed": 1, "bounced": 1}
    assert smtp_server.messages == []


def test_old_sales_from_an_import_are_not_surveyed(app, make_sale, customer, smtp_server):
    make_sale(customer=customer(), sold_at=NOW - timedelta(days=200))
    assert dispatch(now=NOW).planned == 0
    assert smtp_server.messages == []


def test_a_refused_address_is_marked_bounced_and_never_mailed_again(
    app, make_sale, customer, smtp_server
):
    bouncer = customer(email="bounce.me@example.org")
    make_sale(customer=bouncer, sold_at=NOW - timedelta(days=3))
    make_sale(customer=customer(email="fine@example.org"), sold_at=NOW - timedelta(days=3))
    result = dispatch(now=NOW)
    assert (result.sent, result.bounced) == (1, 1)
    assert db.session.get(Customer, bouncer.id).bounced_at is not None
    make_sale(customer=bouncer, sold_at=NOW + timedelta(days=37))
    dispatch(now=NOW + timedelta(days=40))
    assert all(r != ["bounce.me@example.org"] for r in smtp_server.recipients)


def test_smtp_down_is_recorded_retried_with_backoff_then_sent_once(
    app, make_sale, customer, smtp_server
):
    make_sale(customer=customer(), sold_at=NOW - timedelta(days=3))
    smtp_server.stop()
    with pytest.raises(TemporaryMailFailure):
        dispatch(now=NOW)
    invitation = db.session.scalar(sa.select(SurveyInvitation))
    assert invitation.sent_at is None
    assert invitation.send_attempts == 1
    assert "Connection refused" in invitation.last_error
    assert invitation.scheduled_for == NOW + sending.RETRY_BACKOFF[0]
    # The budget taken for the failed send is given back.
    assert db.session.get(Customer, invitation.customer_id).last_surveyed_at is None
    smtp_server.start()
    assert dispatch(now=NOW + timedelta(minutes=1)).sent == 0  # still backing off
    assert dispatch(now=NOW + timedelta(minutes=3)).sent == 1
    assert len(smtp_server.messages) == 1


def test_repeated_smtp_failures_end_in_a_recorded_failure(app, make_sale, customer, smtp_server):
    make_sale(customer=customer(), sold_at=NOW - timedelta(days=3))
    smtp_server.stop()
    at = NOW
    for _ in range(sending.MAX_SEND_ATTEMPTS):
        with pytest.raises(TemporaryMailFailure):
            dispatch(now=at)
        at += timedelta(days=1)
    invitation = db.session.scalar(sa.select(SurveyInvitation))
    assert invitation.failed_at is not None
    assert invitation.send_attempts == sending.MAX_SEND_ATTEMPTS
    smtp_server.start()
    assert dispatch(now=at).sent == 0  # given up: an admin decides (resend)


def test_an_interrupted_send_is_not_repeated_automatically(app, make_sale, customer, smtp_server):
    make_sale(customer=customer(), sold_at=NOW - timedelta(days=3))
    planning.plan_post_sale_invitations(NOW, get_policy())
    invitation = db.session.scalar(sa.select(SurveyInvitation))
    invitation.claimed_at = NOW - timedelta(hours=1)  # a worker claimed it, then died
    invitation.claim_token = "dead-worker"
    db.session.commit()
    result = dispatch(now=NOW)
    assert (result.sent, result.failed) == (0, 1)
    assert smtp_server.messages == []
    assert "not resent automatically" in db.session.get(SurveyInvitation, invitation.id).last_error


@pytest.mark.redis_only
def test_the_periodic_job_sends_through_a_real_worker(
    app, make_sale, customer, smtp_server, run_jobs
):
    from portal import jobs
    from portal.jobs.surveys import dispatch_surveys

    make_sale(customer=customer(), sold_at=datetime.now(UTC) - timedelta(days=4))
    get_policy().window_start_hour, get_policy().window_end_hour = 0, 24
    db.session.commit()
    jobs.enqueue(dispatch_surveys, family="dispatch")
    jobs.enqueue(dispatch_surveys, family="dispatch")  # queued twice: one job
    run_jobs()
    assert len(smtp_server.messages) == 1
