"""Webhooks out: an admin registers an endpoint (its secret shown once); case and survey events
reach a real receiver on loopback, signed (checked with the README's verification code); a
failing receiver is logged and retried with backoff, redirects are not followed, repeated
failures turn the endpoint off, and "Send test" shows the answer in the delivery log."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from rq.job import Job
from rq.serializers import JSONSerializer

from portal import jobs
from portal.extensions import db
from portal.jobs.escalation import sweep_breaches
from portal.models import Customer, WebhookDelivery, WebhookEndpoint, utcnow
from portal.services.cases import work as case_work
from portal.services.webhooks import delivery as webhook_delivery
from portal.services.webhooks import endpoints as webhook_endpoints
from portal.services.webhooks import events as webhook_events

from ..conftest import csrf_from
from .case_helpers import make_case, reload
from .webhook_receiver import Receiver, verify


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def admin(make_user):
    return make_user("admin", name="Ada Admin", email="ada@example.com")


def endpoint_for(receiver, *events):
    return webhook_endpoints.create_endpoint("CRM", receiver.url, list(events), None)


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def add_endpoint_on_the_page(client, data: dict):
    page = client.get("/admin/webhooks/new").text
    return client.post("/admin/webhooks/new", data={"csrf_token": csrf_from(page), **data})


# --- registering --------------------------------------------------------------------------------


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(client, login, admin, receiver):
    login(admin)
    response = add_endpoint_on_the_page(
        client,
        {"name": "CRM", "url": receiver.url, "events": ["case.resolved", "survey.answered"]},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Copy the secret now: it will not be shown again." in response.text
    [secret] = {part.split('"')[0] for part in response.text.split('value="whsec_')[1:]}
    secret = "whsec_" + secret
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert endpoint.events == ["case.resolved", "survey.answered"]
    assert secret not in endpoint.secret_encrypted  # encrypted at rest
    assert webhook_endpoints.secret_of(endpoint) == secret
    listing = client.get("/admin/webhooks").text
    assert "CRM" in listing and secret not in listing
    assert secret not in client.get(f"/admin/webhooks/{endpoint.id}").text


@pytest.mark.parametrize(
    ("url", "events", "message"),
    [
        ("http://crm.example.com/hook", ["case.opened"], "Use an https:// address"),
        ("ftp://crm.example.com/hook", ["case.opened"], "Use an https:// address"),
        ("https://user:pw@crm.example.com/", ["case.opened"], "Leave the user name and password"),
        ("https://crm.example.com/hook", [], "Tick at least one event to send."),
        ("https://crm.example.com/hook", ["case.deleted"], "Tick at least one event to send."),
        ("https://[::1/hook", ["case.opened"], "This is not a web address"),
    ],
)
def test_a_bad_endpoint_is_refused_with_what_to_fix(client, login, admin, url, events, message):
    login(admin)
    response = add_endpoint_on_the_page(client, {"name": "CRM", "url": url, "events": events})
    assert message in response.text
    assert "whsec_" not in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_plain_http_to_loopback_needs_the_development_flag(app, receiver):
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = False  # as in production
    with pytest.raises(Exception, match="Use an https:// address"):
        endpoint_for(receiver, "case.opened")
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = True
    assert endpoint_for(receiver, "case.opened")[0].url == receiver.url


@pytest.mark.parametrize(
    ("url", "private_allowed", "message"),
    [
        ("https://10.1.2.3/hook", False, "10.1.2.3 is on a private network"),
        ("https://[::ffff:192.168.0.10]/hook", False, "is on a private network"),
        ("https://127.0.0.1:8443/hook", False, "127.0.0.1 is this machine (loopback)"),
        ("https://169.254.169.254/latest/meta-data", False, "is a link-local"),
        # A receiver inside the company's network is allowed by the setting; a cloud metadata
        # service never is.
        ("https://169.254.169.254/latest/meta-data", True, "is a link-local"),
    ],
)
def test_a_non_public_address_is_refused_with_what_to_do(
    app, client, login, admin, url, private_allowed, message
):
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = False  # as in production
    app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = private_allowed
    login(admin)
    response = add_endpoint_on_the_page(
        client, {"name": "CRM", "url": url, "events": ["case.opened"]}
    )
    assert message in response.text
    assert "WEBHOOKS_ALLOW_PRIVATE_NETWORKS" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_a_private_network_receiver_is_allowed_by_the_setting(app, client, login, admin):
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = False
    app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = True
    login(admin)
    add_endpoint_on_the_page(
        client, {"name": "CRM", "url": "https://10.1.2.3/hook", "events": ["case.opened"]}
    )
    assert db.session.scalar(sa.select(WebhookEndpoint.url)) == "https://10.1.2.3/hook"


def test_a_host_name_is_checked_when_the_delivery_connects(app, receiver):
    # Registered while allowed; then the policy no longer allows where the name resolves (as
    # when a name's DNS answer changes after registration): nothing reaches the receiver.
    url = receiver.url.replace("127.0.0.1", "localhost")
    endpoint = webhook_endpoints.create_endpoint("CRM", url, ["case.opened"], None)[0]
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = False
    delivery = webhook_events.send_test(endpoint, utcnow())
    assert webhook_delivery.attempt(delivery.id) == "retry"
    [delivery] = deliveries()
    assert delivery.error.startswith("Not sent: localhost resolves to ")
    assert "which is this machine (loopback)" in delivery.error
    assert receiver.requests == []

    app.config["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = True  # a receiver on the company's network
    webhook_delivery.attempt(delivery.id, utcnow() + timedelta(hours=1))
    assert [(d.state, d.response_status) for d in deliveries()] == [("delivered", 200)]
    assert len(receiver.requests) == 1


# --- events reach the receiver ------------------------------------------------------------------


def test_a_worked_case_reaches_the_receiver_signed(app, rita, receiver, run_jobs):
    endpoint, secret = endpoint_for(receiver, "case.first_contact", "case.resolved")
    case = make_case(rita, customer_name="Carl Kund")
    case_work.log_contact(case, rita, "phone", "Called", case.version, utcnow())
    case = reload(case)
    case_work.resolve(case, rita, "refund", "Refunded", case.version, utcnow())
    run_jobs()

    assert [r.json["type"] for r in receiver.requests] == ["case.first_contact", "case.resolved"]
    for request in receiver.requests:
        assert verify(secret, request.body, request.headers["Aftersale-Signature"])
        assert not verify("whsec_wrong", request.body, request.headers["Aftersale-Signature"])
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["Aftersale-Delivery"] == request.json["id"]
    resolved = receiver.requests[1].json["data"]["case"]
    assert resolved["id"] == case.id and resolved["status"] == "resolved"
    assert resolved["outcome"] == "refund" and resolved["order_ref"] == case.sale.order_ref
    assert [(d.state, d.response_status, d.response_body) for d in deliveries()] == [
        ("delivered", 200, "ok"),
        ("delivered", 200, "ok"),
    ]
    assert endpoint.id == deliveries()[0].endpoint_id


def test_a_negative_answer_sends_survey_answered_and_case_opened(
    app, rita, receiver, case_from_answer
):
    endpoint_for(receiver, "survey.answered", "case.opened")
    case = case_from_answer(rita, Customer(email="carl@example.org", name="Carl Kund"))
    assert case is not None
    kinds = {r.json["type"]: r.json["data"] for r in receiver.requests}
    assert kinds["survey.answered"]["answer"]["satisfaction"] == 1
    assert kinds["case.opened"]["case"]["id"] == case.id
    assert "comment" not in kinds["survey.answered"]["answer"]  # no free text leaves


def test_a_breach_is_sent_once(app, rita, receiver, run_jobs):
    endpoint_for(receiver, "case.breached")
    case = make_case(rita, first_contact_due=utcnow() - timedelta(minutes=5))
    sweep_breaches()  # the periodic job
    sweep_breaches()
    run_jobs()
    [request] = [r for r in receiver.requests if r.json["type"] == "case.breached"]
    assert request.json["data"]["deadline"] == "first_contact"
    assert request.json["data"]["case"]["id"] == case.id


# --- failures -------------------------------------------------------------------------------


def test_a_failing_receiver_is_logged_and_retried_with_backoff(app, receiver, run_jobs):
    receiver.answer((500, "database down", {}), (200, "ok", {}))
    endpoint, _ = endpoint_for(receiver, "case.opened")
    webhook_events.send_test(endpoint, utcnow())
    run_jobs()

    [delivery] = deliveries()
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert (delivery.response_status, delivery.response_body) == (500, "database down")
    assert delivery.error == "The endpoint answered 500."
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert wait == timedelta(seconds=webhook_delivery.backoff()[0]) == timedelta(seconds=30)
    if not jobs.is_inline():  # the worker: RQ's Retry holds the job for its next attempt
        job = Job.fetch(
            f"webhooks-deliver-{delivery.id}",
            connection=jobs.connection(),
            serializer=JSONSerializer,
        )
        assert job.get_status() == "scheduled"
        assert job.retries_left == 4 and job.retry_intervals == [30, 120, 600, 1800, 7200]
        return
    # Inline (no RQ retries): the periodic sweep sends it once it is due, not before.
    assert webhook_delivery.retry_due(delivery.next_attempt_at - timedelta(seconds=1)) == 0
    assert webhook_delivery.retry_due(delivery.next_attempt_at) == 1
    [delivery] = deliveries()
    assert (delivery.state, delivery.attempts, delivery.response_status) == ("delivered", 2, 200)
    assert len(receiver.requests) == 2
    assert receiver.requests[0].json["id"] == receiver.requests[1].json["id"]  # same event


def test_a_redirect_is_not_followed(app, receiver, run_jobs):
    receiver.answer((302, "", {"Location": "{url}/elsewhere"}))
    endpoint, _ = endpoint_for(receiver, "case.opened")
    webhook_events.send_test(endpoint, utcnow())
    run_jobs()
    [delivery] = deliveries()
    assert delivery.response_status == 302 and delivery.state == "pending"
    assert delivery.error == "Redirects are not followed: give the final address."
    assert [r.path for r in receiver.requests] == ["/hooks/aftersale"]


def test_an_endpoint_that_keeps_failing_is_turned_off(
    client, login, admin, rita, receiver, run_jobs
):
    receiver.answer((503, "maintenance", {}))
    endpoint, _ = endpoint_for(receiver, "case.opened")
    for _ in range(webhook_delivery.DISABLE_AFTER):
        webhook_events.send_test(endpoint, utcnow())
    run_jobs()
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert not endpoint.is_active
    assert endpoint.disabled_reason.startswith("10 failed attempts in a row")
    sent = len(receiver.requests)
    assert webhook_events.case_event("opened", make_case(rita), utcnow()) == 0  # nothing queued

    login(admin)
    page = client.get(f"/admin/webhooks/{endpoint.id}").text
    assert "Off" in page and "10 failed attempts in a row" in page and "maintenance" in page
    client.post(f"/admin/webhooks/{endpoint.id}/enable", data={"csrf_token": csrf_from(page)})
    endpoint = reload_endpoint(endpoint)
    assert endpoint.is_active and endpoint.consecutive_failures == 0
    assert len(receiver.requests) == sent


def reload_endpoint(endpoint):
    db.session.expire_all()
    return db.session.get(WebhookEndpoint, endpoint.id)


def test_send_test_shows_the_answer_in_the_delivery_log(client, login, admin, receiver, run_jobs):
    receiver.answer((204, "", {}))
    endpoint, secret = endpoint_for(receiver, "case.opened")
    login(admin)
    page = client.get(f"/admin/webhooks/{endpoint.id}").text
    assert "Nothing sent yet" in page
    response = client.post(
        f"/admin/webhooks/{endpoint.id}/test", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    run_jobs()
    page = client.get(response.headers["Location"]).text
    assert "Delivered" in page and "204" in page
    [request] = receiver.requests
    assert request.json["type"] == "webhook.test"
    assert verify(secret, request.body, request.headers["Aftersale-Signature"])
