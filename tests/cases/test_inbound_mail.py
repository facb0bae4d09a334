"""Mail that comes back, end to end over SMTP on loopback: the portal's emails go out through a
real SMTP server (recording the envelope), the customer's reply and the mail servers' delivery
reports come in through the real receiver (`flask portal inbound-smtp`'s aiosmtpd server,
started here on an ephemeral port), sent with smtplib as a mail server would."""

from __future__ import annotations

import email.policy
import os
import signal
import smtplib
import subprocess
import sys
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import mail_addresses
from portal.extensions import db
from portal.inbound.receiver import REFUSED, controller, free_port
from portal.jobs import outbox as work_outbox
from portal.jobs.customer_mail import send_case_opened_to_customer
from portal.models import Case, CaseEvent, Customer, InboundMessage, MailBounce, OutboxJob, utcnow
from portal.services.cases import work as case_work
from portal.services.inbound import processing
from portal.services.inbound.bounces import soft_bounce_count
from portal.services.inbound.recipients import revoke

from ..conftest import PASSWORD, ROOT, TEST_REDIS_URL, SmtpServer, body_text, csrf_from, submit

REPLY_DOMAIN = "reply.portal.example.test"
BOUNCES = "bounces@reply.portal.example.test"
ANGRY = "Still waiting for my refund, third time I call and nobody answered. Never again."


class EnvelopeSmtpServer(SmtpServer):
    """The test SMTP server, also recording each message's envelope sender (MAIL FROM)."""

    def __init__(self):
        super().__init__()
        self.senders: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.senders.append(envelope.mail_from)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def outgoing(app):
    server = EnvelopeSmtpServer()
    server.start()
    app.config.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False, MAIL_USERNAME=None
    )
    yield server
    server.stop()


@pytest.fixture
def receiver(app, monkeypatch):
    """The inbound receiver on 127.0.0.1, the portal configured to point replies and bounces
    at it (also in the worker processes of the Redis run, which read the environment)."""
    settings = {
        "INBOUND_REPLY_DOMAIN": REPLY_DOMAIN,
        "BOUNCE_ADDRESS": BOUNCES,
        "INBOUND_MAX_ATTACHMENTS": 2,
        "INBOUND_MAX_ATTACHMENT_BYTES": 50_000,
    }
    app.config.update(settings)
    for name, value in settings.items():
        monkeypatch.setenv(name, str(value))
    port = free_port()
    server = controller(app, "127.0.0.1", port)
    server.start()
    yield port
    server.stop()


def deliver(port: int, message: EmailMessage | bytes, mail_from: str, to: str) -> None:
    """What the last mail server on the way does: hand the message to the receiver."""
    raw = message if isinstance(message, bytes) else message.as_bytes(policy=email.policy.SMTP)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail(mail_from, [to], raw)
    db.session.expire_all()  # the test's session sees what the receiver committed


@pytest.fixture
def open_case(rita, case_from_answer):
    def make(email="carl@example.org") -> Case:
        customer = Customer(email=email, name="Carl Kund", locale="en")
        case = case_from_answer(rita, customer, comment=ANGRY)
        assert case is not None and case.assigned_rep_id == rita.id
        return case

    return make


def email_from_rep(case, rita, outgoing, run_jobs, body="Hi Carl, the refund is on its way."):
    """The rep writes from the case; returns the email the customer got and its envelope
    sender."""
    case_work.email_customer(case, rita, body, case.version, utcnow())
    run_jobs()
    index = max(
        i
        for i, m in enumerate(outgoing.messages)
        if m["To"] == case.customer.email and "A message about your case" in m["Subject"]
    )
    return outgoing.messages[index], outgoing.senders[index]


def customer_messages(case) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            sa.select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "customer_message")
            .order_by(CaseEvent.id)
        )
    )


def to_rep(outgoing) -> list[EmailMessage]:
    return [
        m
        for m in outgoing.messages
        if m["To"] == "rita@example.com" and "wrote back" in m["Subject"]
    ]


def reply_to(original: EmailMessage, text: str | None = None, html: str | None = None):
    reply = EmailMessage()
    reply["From"] = "Carl Kund <carl@example.org>"
    reply["To"] = original["Reply-To"]
    reply["Subject"] = "Re: " + original["Subject"]
    reply["In-Reply-To"] = original["Message-ID"]
    if text is not None:
        reply.set_content(text)
    if html is not None:
        if text is None:
            reply.set_content(html, subtype="html")
        else:
            reply.add_alternative(html, subtype="html")
    return reply


QUOTED_TEXT = """The chair still wobbles, and the refund has not arrived.
Could you call me after 3 pm?

Carl

On Mon, 7 Dec 2026 at 09:12, Aftersale <no-reply@aftersale.invalid> wrote:
> Hi Carl, the refund is on its way.
> Rita
"""


# --- the customer answers the rep's email ----------------------------------------------------


def test_a_customers_emailed_reply_is_threaded_on_the_case_and_the_rep_told_once(
    client, login, open_case, rita, outgoing, receiver, run_jobs
):
    case = open_case()
    original, envelope_sender = email_from_rep(case, rita, outgoing, run_jobs)
    reply_address = original["Reply-To"]
    assert reply_address.startswith("case+") and reply_address.endswith("@" + REPLY_DOMAIN)
    # The envelope sender is the bounce address with the recipient signed into it (VERP).
    assert envelope_sender.startswith("bounces+") and envelope_sender.endswith(
        "=example.org@" + REPLY_DOMAIN
    )

    reply = reply_to(original, QUOTED_TEXT)
    deliver(receiver, reply, "carl@example.org", reply_address)
    # A server that lost our "250" and delivers again: still one message, one email.
    deliver(receiver, reply, "carl@example.org", reply_address)
    run_jobs()

    [event] = customer_messages(case)
    assert event.message == (
        "The chair still wobbles, and the refund has not arrived.\n"
        "Could you call me after 3 pm?\n\nCarl"
    )
    assert event.actor_kind == "customer" and event.data["via"] == "email"
    [told] = to_rep(outgoing)
    assert "The chair still wobbles" in body_text(told)
    assert "> Hi Carl" not in body_text(told)
    # The customer sees it on their status page, as if they had written it there.
    status = client.get(original_status_path(original)).get_data(as_text=True)
    assert "The chair still wobbles" in status
    # The rep sees it on the case's timeline, marked as an email.
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "The chair still wobbles" in page and "By email" in page
    stored = db.session.scalars(sa.select(InboundMessage).order_by(InboundMessage.id)).all()
    assert [m.kind for m in stored] == ["customer_reply", "customer_reply"]
    assert b"> Hi Carl, the refund is on its way." in stored[0].raw  # kept as it came


def original_status_path(message: EmailMessage) -> str:
    text = body_text(message)
    start = text.index("https://portal.example.test/status/")
    return text[start:].split()[0].removeprefix("https://portal.example.test")


def test_an_html_only_reply_is_text_and_its_attachments_are_kept_within_the_limits(
    client, login, make_user, team, open_case, rita, outgoing, receiver, run_jobs
):
    case = open_case()
    original, _ = email_from_rep(case, rita, outgoing, run_jobs)
    reply = reply_to(
        original,
        html=(
            "<html><head><style>p {color: red}</style></head><body>"
            "<div>Here is a <b>photo</b> of the broken leg &amp; the receipt.</div>"
            '<div class="gmail_quote"><div class="gmail_attr">On Mon, Rita wrote:</div>'
            "<blockquote>Hi Carl, the refund is on its way.</blockquote></div></body></html>"
        ),
    )
    photo = b"\x89PNG\r\n\x1a\n" + b"leg" * 1000
    reply.add_attachment(photo, maintype="image", subtype="png", filename="broken-leg.png")
    reply.add_attachment(
        b"%PDF-1.4 " + b"x" * 60_000,
        maintype="application",
        subtype="pdf",
        filename="../../video-of-it.pdf",
    )  # over the 50 kB limit
    reply.add_attachment(b"receipt", maintype="text", subtype="plain", filename="receipt.txt")
    deliver(receiver, reply, "carl@example.org", original["Reply-To"])
    run_jobs()

    [event] = customer_messages(case)
    assert event.message == "Here is a photo of the broken leg & the receipt."
    assert [a["filename"] for a in event.data["attachments"]] == ["broken-leg.png", "receipt.txt"]
    [told] = to_rep(outgoing)
    assert "(2 attached files, on the case page.)" in body_text(told)
    [refused] = event.data["attachments_refused"]
    assert refused["filename"] == "video-of-it.pdf" and "over the limit" in refused["reason"]

    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "broken-leg.png" in page and "Not kept: video-of-it.pdf" in page
    photo_id = event.data["attachments"][0]["id"]
    download = client.get(f"/cases/{case.id}/attachments/{photo_id}")
    assert download.status_code == 200 and download.data == photo
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Type"] == "application/octet-stream"
    # Another rep: the case, and so its files, do not exist for them.
    other = make_user("rep", name="Otto Other")
    theirs = client.application.test_client()
    submit(theirs, "/login", {"email": other.email, "password": PASSWORD})
    assert theirs.get(f"/cases/{case.id}/attachments/{photo_id}").status_code == 404


def test_forged_unknown_and_revoked_addresses_get_one_and_the_same_refusal(
    open_case, receiver, app
):
    case = open_case()
    genuine_missing = mail_addresses.reply_address(case.id + 1000)  # well signed, no such case
    forged = f"case+{case.id}-aaaaaaaaaaaaaaaa@{REPLY_DOMAIN}"
    elsewhere = "ceo@example.com"  # no relaying
    answers = []
    revoke(db.session.get(Case, case.id), utcnow())
    revoked = mail_addresses.reply_address(case.id)
    for address in (genuine_missing, forged, elsewhere, revoked):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "x@example.org", address, "Hi"
        message.set_content("Is there a case?")
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            deliver(receiver, message, "x@example.org", address)
        answers.append(refused.value.recipients[address])
    assert len(set(answers)) == 1
    assert answers[0] == (550, REFUSED.removeprefix("550 ").encode())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(InboundMessage)) == 0


def test_an_auto_reply_is_kept_but_is_not_the_customers_message(
    open_case, rita, outgoing, receiver, run_jobs
):
    case = open_case()
    original, _ = email_from_rep(case, rita, outgoing, run_jobs)
    away = reply_to(original, "I am out of the office until Monday.")
    away.replace_header("Subject", "Automatic reply: " + original["Subject"])
    away["Auto-Submitted"] = "auto-replied"
    deliver(receiver, away, "carl@example.org", original["Reply-To"])
    run_jobs()

    assert customer_messages(case) == []
    assert to_rep(outgoing) == []
    [stored] = db.session.scalars(sa.select(InboundMessage)).all()
    assert stored.kind == "auto_reply" and stored.case_id == case.id
    assert b"out of the office" in stored.raw


def test_a_reply_with_raw_latin1_headers_and_a_nul_byte_is_still_threaded(
    open_case, rita, outgoing, receiver, run_jobs
):
    """What old mail programs send: 8-bit Latin-1 in a header, a NUL in the text. PostgreSQL
    refuses both in text columns; the reply still lands, readable."""
    case = open_case()
    original, _ = email_from_rep(case, rita, outgoing, run_jobs)
    raw = (
        b"From: Carl Kund <carl@example.org>\r\n"
        b"To: " + original["Reply-To"].encode() + b"\r\n"
        b"Subject: Re: St\xe5r still\r\n"
        b"Content-Type: text/plain; charset=x-unknown\r\n"
        b"\r\n"
        b"Hej, stolen \xe4r fortfarande trasig.\x00\r\n"
    )
    deliver(receiver, raw, "carl@example.org", original["Reply-To"])
    run_jobs()
    [event] = customer_messages(case)
    assert event.message == "Hej, stolen \ufffdr fortfarande trasig."
    assert "\x00" not in event.message and event.data["subject"].startswith("Re: St")


# --- delivery reports (RFC 3464) -------------------------------------------------------------


def dsn(
    verp: str, recipient: str, action: str, status: str, diagnostic: str, more_blocks: str = ""
) -> bytes:
    """A delivery status notification as Postfix writes it (`more_blocks`: other recipients'
    blocks, each ending with an empty line)."""
    return f"""Return-Path: <>
From: MAILER-DAEMON@mx.example.org (Mail Delivery System)
To: {verp}
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="B0UNDARY"
Message-Id: <20261207091500.ABC123@mx.example.org>

This is a MIME-encapsulated message.

--B0UNDARY
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--B0UNDARY
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
X-Postfix-Queue-ID: ABC123
Arrival-Date: Mon,  7 Dec 2026 09:12:00 +0100 (CET)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mail.example.org
Diagnostic-Code: smtp; {diagnostic}

{more_blocks}--B0UNDARY
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: Aftersale <no-reply@aftersale.invalid>
To: {recipient}
Subject: A message about your case

--B0UNDARY--
""".replace("\n", "\r\n").encode()


def test_a_hard_bounce_that_arrives_later_suppresses_the_address(
    client, login, open_case, rita, outgoing, receiver, run_jobs
):
    case = open_case()
    _, envelope_sender = email_from_rep(case, rita, outgoing, run_jobs)
    report = dsn(
        envelope_sender,
        "carl@example.org",
        "failed",
        "5.1.1",
        "550 5.1.1 <carl@example.org>: Recipient address rejected: User unknown",
    )
    deliver(receiver, report, "", envelope_sender)
    run_jobs()

    customer = db.session.scalar(sa.select(Customer).where(Customer.email == "carl@example.org"))
    assert customer.bounced_at is not None
    [bounce] = db.session.scalars(sa.select(MailBounce)).all()
    assert (bounce.address, bounce.kind, bounce.status) == ("carl@example.org", "hard", "5.1.1")
    # The rep sees it on the case: time to phone.
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Email to carl@example.org bounced (5.1.1)" in page
    # And the address gets no more "case opened" mail (the existing suppression).
    sent = len(outgoing.messages)
    send_case_opened_to_customer(case.id)
    assert len(outgoing.messages) == sent


def test_a_soft_bounce_is_counted_and_suppresses_nothing(
    client, login, make_user, open_case, rita, outgoing, receiver, run_jobs
):
    case = open_case()
    _, envelope_sender = email_from_rep(case, rita, outgoing, run_jobs)
    for status, action in (("4.2.2", "delayed"), ("4.4.7", "failed")):
        report = dsn(envelope_sender, "carl@example.org", action, status, "452 4.2.2 Mailbox full")
        deliver(receiver, report, "", envelope_sender)
    run_jobs()

    assert db.session.get(Customer, case.customer_id).bounced_at is None
    assert soft_bounce_count("carl@example.org") == 2
    # The admin's status page counts them.
    login(make_user("admin", name="Ada Admin"))
    status = client.get("/admin/status").get_data(as_text=True)
    assert "0 hard bounces (addresses suppressed" in " ".join(status.split())
    assert "2 soft bounces (counted)" in " ".join(status.split())


def test_a_hard_bounce_not_sent_to_the_recipients_own_verp_address_suppresses_nothing(
    open_case, rita, outgoing, receiver, run_jobs
):
    """Anyone can mail the plain bounce address a report saying a customer's address is dead:
    it is recorded, but stops no mail. Nor does one to Carl's VERP address naming Anna."""
    case = open_case()
    _, envelope_sender = email_from_rep(case, rita, outgoing, run_jobs)
    anna = Customer(email="anna@example.org", name="Anna")
    db.session.add(anna)
    db.session.commit()
    gone = "550 5.1.1 User unknown"
    deliver(receiver, dsn(BOUNCES, "carl@example.org", "failed", "5.1.1", gone), "", BOUNCES)
    carl_delayed = "Final-Recipient: rfc822; carl@example.org\nAction: delayed\nStatus: 4.2.2\n\n"
    two = dsn(envelope_sender, "anna@example.org", "failed", "5.1.1", gone, carl_delayed)
    deliver(receiver, two, "", envelope_sender)
    run_jobs()

    assert db.session.get(Customer, case.customer_id).bounced_at is None
    assert db.session.get(Customer, anna.id).bounced_at is None
    outcomes = " ".join(db.session.scalars(sa.select(InboundMessage.outcome)).all())
    assert outcomes.count("not suppressed") == 2


def test_a_bounce_to_a_forged_verp_address_is_refused(open_case, receiver):
    open_case()
    forged = "bounces+aaaaaaaaaaaaaaaa.carl=example.org@" + REPLY_DOMAIN
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        deliver(receiver, dsn(forged, "carl@example.org", "failed", "5.1.1", "gone"), "", forged)
    assert db.session.get(Customer, 1) is None or db.session.get(Customer, 1).bounced_at is None


# --- without the settings: as before ---------------------------------------------------------


def test_without_inbound_settings_case_mail_has_no_reply_to_and_the_usual_sender(
    open_case, rita, outgoing, run_jobs
):
    case = open_case()
    original, envelope_sender = email_from_rep(case, rita, outgoing, run_jobs)
    assert original["Reply-To"] is None
    assert envelope_sender == "no-reply@aftersale.invalid"


# --- a message that cannot be processed ------------------------------------------------------


@pytest.mark.skipif(bool(TEST_REDIS_URL), reason="the failure is planted in this process")
def test_a_message_whose_processing_fails_is_kept_listed_as_failed_work_and_retried(
    client, login, make_user, open_case, rita, outgoing, receiver, run_jobs, monkeypatch
):
    case = open_case()
    original, _ = email_from_rep(case, rita, outgoing, run_jobs)

    def broken(message):
        raise ValueError("cannot read this message")

    monkeypatch.setattr(processing, "reply_text", broken)  # a bug in reading replies
    reply = reply_to(original, "Please call me.")
    deliver(receiver, reply, "carl@example.org", original["Reply-To"])  # taken: 250
    [stored] = db.session.scalars(sa.select(InboundMessage)).all()
    assert stored.processed_at is None and b"Please call me." in stored.raw  # kept
    assert customer_messages(case) == []
    # The outbox sweep tries it again every few minutes until it gives up (jobs inline).
    job_id = f"inbound-process_message-{stored.id}"
    row = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.job_id == job_id))
    while row.enqueue_attempts < work_outbox.MAX_ENQUEUES:
        row.enqueued_at = utcnow() - 2 * work_outbox.STALLED_AFTER
        db.session.commit()
        work_outbox.requeue_stalled()
        work_outbox.flush()
        db.session.expire_all()
    assert db.session.get(InboundMessage, stored.id).processed_at is None

    login(make_user("admin", name="Ada Admin"))
    page = client.get("/admin/failed-work").get_data(as_text=True)
    assert f"process_message({stored.id})" in page

    monkeypatch.undo()  # the bug is fixed; the admin retries
    retried = client.post(
        "/admin/failed-work/retry",
        data={"csrf_token": csrf_from(page), "kind": "outbox", "ident": job_id},
    )
    assert retried.status_code == 302
    [event] = customer_messages(case)
    assert event.message == "Please call me."
    assert len(to_rep(outgoing)) == 1


# --- the receiver as its own process ---------------------------------------------------------


def test_flask_portal_inbound_smtp_runs_as_its_own_process(
    app, open_case, rita, run_jobs, monkeypatch
):
    """What a deployment runs: the command, configured from the environment; a reply sent to it
    lands on the case; SIGTERM stops it."""
    case = open_case()
    settings = {"INBOUND_REPLY_DOMAIN": REPLY_DOMAIN, "BOUNCE_ADDRESS": BOUNCES}
    app.config.update(settings)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)  # also for the worker processes of the Redis run
    address = mail_addresses.reply_address(case.id)
    port = free_port()
    env = {
        **os.environ,
        "FLASK_APP": "wsgi.py",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": app.config["SECRET_KEY"],
        "REDIS_URL": TEST_REDIS_URL or "",
        "RQ_QUEUE_PREFIX": app.config["RQ_QUEUE_PREFIX"],
        "MAIL_DIR": str(app.config["MAIL_DIR"]),
        "INBOUND_SMTP_PORT": str(port),
    }
    flask = str(Path(sys.executable).with_name("flask"))
    with subprocess.Popen(
        [flask, "portal", "inbound-smtp"], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    ) as process:
        try:
            assert "listening on 127.0.0.1:" in process.stdout.readline()
            message = EmailMessage()
            message["From"], message["To"] = "carl@example.org", address
            message["Subject"] = f"Re: A message about your case #{case.id}"
            message.set_content("Sent to the receiver process.")
            deliver(port, message, "carl@example.org", address)
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
    run_jobs()
    [event] = customer_messages(case)
    assert event.message == "Sent to the receiver process."


def test_deliveries_that_fail_on_three_days_suppress_the_address(
    client, login, open_case, rita, outgoing, receiver, run_jobs
):
    """A mailbox full for weeks is abandoned: failed (not delayed) deliveries on three
    different days within 30 days stop mail to it, as a hard bounce does."""
    case = open_case()
    _, envelope_sender = email_from_rep(case, rita, outgoing, run_jobs)

    def report_full_mailbox(days_ago: int):
        report = dsn(envelope_sender, "carl@example.org", "failed", "4.2.2", "452 Mailbox full")
        report = report.replace(b"ABC123@", f"ABC{days_ago}x{utcnow():%f}@".encode())
        deliver(receiver, report, "", envelope_sender)
        run_jobs()
        db.session.execute(
            sa.update(MailBounce)
            .where(MailBounce.id == db.session.scalar(sa.select(sa.func.max(MailBounce.id))))
            .values(created_at=utcnow() - timedelta(days=days_ago))
        )
        db.session.commit()

    report_full_mailbox(40)  # outside the 30 days: not counted
    report_full_mailbox(9)
    report_full_mailbox(9)  # the same day again: still one day
    assert db.session.get(Customer, case.customer_id).bounced_at is None
    report_full_mailbox(3)
    assert db.session.get(Customer, case.customer_id).bounced_at is None  # two days so far
    report_full_mailbox(0)
    assert db.session.get(Customer, case.customer_id).bounced_at is not None
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Email to carl@example.org bounced (4.2.2)" in page
