"""Closing the loop: when a case is resolved the customer is asked "Did this resolve your
concern?" (within the survey rules); a "no" or a low rating reopens the case and tells the rep,
a "yes" closes it; satisfaction before and after is kept on the case."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs.customer_mail import notify_rep_of_followup
from portal.jobs.followup import apply_followup_answer
from portal.models import Case, CaseEvent, Customer, SurveyInvitation, utcnow
from portal.services.cases import work as case_work
from portal.services.surveys import followup as followup_survey
from portal.services.surveys.sending import dispatch

from ..conftest import body_text, csrf_from

BASE = "https://portal.example.test"
ANGRY = "Still waiting for my refund, third time I call and nobody answered. Never again."
# Two days on, at noon UTC: past the follow-up's delay and in a European customer's daytime.
LATER = (datetime.now(UTC) + timedelta(days=2)).replace(hour=12, minute=0, second=0, microsecond=0)
YES_LINK = re.compile(r"https://portal\.example\.test/s/[\w.-]+\?resolved=yes")
NO_LINK = re.compile(r"https://portal\.example\.test/s/[\w.-]+\?resolved=no")


@pytest.fixture
def open_case(rita, case_from_answer):
    """A case opened from a survey answer rated 1, submitted through the survey page."""

    def make(locale="en", email="carl@example.org") -> Case:
        customer = Customer(
            email=email,
            name="Carl Kund",
            locale=locale,
            last_surveyed_at=utcnow() - timedelta(days=1),  # the survey that was just answered
        )
        return case_from_answer(rita, customer, comment=ANGRY)

    return make


def resolve(case: Case, rep, summary="Refunded 1 250 SEK to your card.") -> None:
    """What the rep does on the case page: a contact, then the resolution."""
    if case.status in ("open", "reopened"):
        case_work.log_contact(case, rep, "phone", "Called Carl", case.version, utcnow())
    case_work.resolve(case, rep, "refund", summary, case.version, utcnow())


def followups(case: Case) -> list[SurveyInvitation]:
    return list(
        db.session.scalars(
            sa.select(SurveyInvitation)
            .where(SurveyInvitation.case_id == case.id, SurveyInvitation.kind == "resolution")
            .order_by(SurveyInvitation.id)
        )
    )


def events(case: Case, kind: str) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            sa.select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
            .order_by(CaseEvent.id)
        )
    )


def _to_carl(message) -> bool:
    """A survey email to the customer (not the "we have opened a case" email that came first)."""
    opened = ("We have opened a case", "Vi har öppnat ett ärende")
    return message["To"] == "carl@example.org" and not message["Subject"].startswith(opened)


def followup_email(smtp_or_outbox) -> object:
    [message] = [m for m in smtp_or_outbox if _to_carl(m)]
    return message


def answer(client, link: str, resolved: str | None, satisfaction: str | None, comment=""):
    """Open the follow-up from its email link and send the answer."""
    path = link.removeprefix(BASE)
    page = client.get(path).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "comment": comment}
    if resolved is not None:
        data["resolved_concern"] = resolved
    if satisfaction is not None:
        data["satisfaction"] = satisfaction
    return client.post(path.split("?")[0], data=data)


def reopened_mails(messages) -> list:
    return [m for m in messages if m["To"] == "rita@example.com" and "reopened" in m["Subject"]]


# --- scheduling -------------------------------------------------------------------------------


def test_resolving_schedules_one_followup_which_is_emailed_with_the_case_link(
    client, open_case, rita, smtp_server
):
    case = open_case()
    resolve(case, rita)

    [invitation] = followups(case)
    assert invitation.customer_id == case.customer_id and invitation.sent_at is None
    assert invitation.scheduled_for > utcnow()  # not before the fix had time to arrive
    [scheduled] = events(case, "followup_scheduled")
    assert "Follow-up survey scheduled" in scheduled.message
    # Resolving does not plan a second one in the same round.
    followup_survey.on_resolved(case, utcnow())
    db.session.commit()
    assert len(followups(case)) == 1

    assert dispatch(now=LATER).sent == 1
    assert dispatch(now=LATER + timedelta(minutes=1)).sent == 0  # sent once
    message = followup_email(smtp_server.messages)
    assert message["Subject"] == "Did this resolve your concern?"
    text = body_text(message)
    assert "Refunded 1 250 SEK to your card." in text
    assert YES_LINK.search(text) and NO_LINK.search(text)
    assert message["List-Unsubscribe"].strip().strip("<>").startswith(f"{BASE}/u/")
    status_link = re.search(rf"{re.escape(BASE)}/status/[\w.-]+", text).group(0)
    assert "Resolved" in client.get(status_link.removeprefix(BASE)).get_data(as_text=True)
    # The "no" button opens the follow-up with "no" chosen.
    page = client.get(NO_LINK.search(text).group(0).removeprefix(BASE)).get_data(as_text=True)
    assert "Did this resolve your concern?" in page
    assert re.search(r'<input[^>]*checked[^>]*value="no"|value="no"[^>]*checked', page)


@pytest.mark.parametrize("reason", ["unsubscribed", "bounced"])
def test_no_followup_for_an_unsubscribed_or_bounced_customer_and_the_case_says_why(
    open_case, rita, outbox, reason
):
    case = open_case()
    setattr(case.customer, f"{reason}_at", utcnow())
    db.session.commit()
    resolve(case, rita)
    assert followups(case) == []
    [skipped] = events(case, "followup_skipped")
    assert skipped.data["reason"] == reason
    assert {"unsubscribed": "unsubscribed", "bounced": "bounces"}[reason] in skipped.message
    dispatch(now=LATER)
    assert [m for m in outbox() if _to_carl(m)] == []


def test_no_followup_when_the_customer_had_another_survey_within_the_budget(
    open_case, rita, make_sale
):
    case = open_case()
    # Another purchase, surveyed five days ago: not part of this case's conversation.
    other = make_sale(rep=rita, customer=case.customer, sold_at=utcnow() - timedelta(days=9))
    db.session.add(
        SurveyInvitation(
            kind="post_sale",
            customer_id=case.customer_id,
            sale_id=other.id,
            scheduled_for=utcnow() - timedelta(days=5),
            sent_at=utcnow() - timedelta(days=5),
            expires_at=utcnow() + timedelta(days=23),
        )
    )
    db.session.commit()
    resolve(case, rita)
    assert followups(case) == []
    [skipped] = events(case, "followup_skipped")
    assert skipped.data["reason"] == "budget" and "within the last 30 days" in skipped.message


def test_a_customer_who_unsubscribes_before_it_is_sent_gets_none(open_case, rita, outbox):
    case = open_case()
    resolve(case, rita)
    case.customer.unsubscribed_at = utcnow()
    db.session.commit()
    dispatch(now=LATER)
    [invitation] = followups(case)
    assert (invitation.sent_at, invitation.skip_reason) == (None, "unsubscribed")
    assert events(case, "followup_skipped")[0].data["reason"] == "unsubscribed"
    assert [m for m in outbox() if _to_carl(m)] == []


def test_an_address_the_mail_server_refuses_is_marked_bounced_on_the_case(
    open_case, rita, smtp_server
):
    case = open_case(email="bounce-carl@example.org")
    resolve(case, rita)
    result = dispatch(now=LATER)
    assert (result.sent, result.bounced) == (0, 1)
    [invitation] = followups(case)
    assert invitation.skip_reason == "bounced" and case.customer.bounced_at is not None
    [skipped] = events(case, "followup_skipped")
    assert skipped.data["reason"] == "bounced" and "bounces" in skipped.message


# --- the answer -------------------------------------------------------------------------------


def test_a_no_reopens_the_case_and_tells_the_rep_once(client, open_case, rita, outbox, run_jobs):
    case = open_case()
    resolve(case, rita)
    dispatch(now=LATER)
    link = NO_LINK.search(body_text(followup_email(outbox()))).group(0)

    response = answer(client, link, "no", "4", comment="The refund never showed up.")
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We have reopened your case" in thanks
    run_jobs()
    db.session.expire_all()

    assert (case.status, case.reopen_count) == ("reopened", 1)
    assert (case.satisfaction_before, case.satisfaction_after) == (1, 4)
    assert case.resolved_at is None and case.resolve_due > utcnow()
    [answered] = events(case, "followup_answered")
    assert answered.actor_kind == "customer" and "The refund never showed up." in answered.message
    assert events(case, "reopened")[0].data["by_customer"] is True

    [mail] = reopened_mails(outbox())
    assert mail["Subject"] == f"Case #{case.id} reopened: Carl Kund says it is not resolved"
    assert "The refund never showed up." in body_text(mail)
    assert f"{BASE}/cases/{case.id}" in body_text(mail)
    # Each job run again (a retry, a second worker) changes and sends nothing more.
    assert apply_followup_answer(answered.data["response_id"]) == "done already"
    assert notify_rep_of_followup(answered.id) is False
    db.session.expire_all()
    assert case.reopen_count == 1 and len(reopened_mails(outbox())) == 1


def test_a_low_rating_reopens_even_with_a_yes(client, open_case, rita, outbox, run_jobs):
    case = open_case()
    resolve(case, rita)
    dispatch(now=LATER)
    link = YES_LINK.search(body_text(followup_email(outbox()))).group(0)
    assert answer(client, link, "yes", "2").status_code == 303
    run_jobs()
    db.session.expire_all()
    assert (case.status, case.satisfaction_after) == ("reopened", 2)
    assert len(reopened_mails(outbox())) == 1


def test_a_yes_with_a_good_rating_closes_the_case(client, open_case, rita, outbox, run_jobs):
    case = open_case()
    resolve(case, rita)
    dispatch(now=LATER)
    link = YES_LINK.search(body_text(followup_email(outbox()))).group(0)
    response = answer(client, link, "yes", "5")
    assert "We are glad it is resolved" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    run_jobs()
    db.session.expire_all()
    assert case.status == "closed" and case.closed_at is not None
    assert (case.satisfaction_before, case.satisfaction_after) == (1, 5)
    assert case.reopen_count == 0
    assert events(case, "closed")[0].data["by_customer"] is True
    assert reopened_mails(outbox()) == []


def test_a_reopened_and_resolved_again_case_gets_a_new_followup(
    client, open_case, rita, outbox, run_jobs
):
    case = open_case()
    resolve(case, rita)
    dispatch(now=LATER)
    first_link = NO_LINK.search(body_text(followup_email(outbox()))).group(0)
    answer(client, first_link, "no", "1")
    run_jobs()
    db.session.expire_all()
    assert case.status == "reopened"

    resolve(case, rita, summary="Sent the refund again, by bank transfer this time.")
    _first, second = followups(case)
    assert second.sent_at is None and second.scheduled_for > utcnow()
    assert [e.data["round"] for e in events(case, "followup_scheduled")] == [0, 1]
    # The second round's follow-up goes out although the first went to the same customer
    # days ago: both are about this case.
    assert dispatch(now=LATER + timedelta(days=2)).sent == 1
    db.session.expire_all()
    assert second.sent_at is not None


def test_an_unanswered_followup_stops_working_when_a_new_round_begins(
    client, open_case, rita, outbox
):
    case = open_case()
    resolve(case, rita)
    dispatch(now=LATER)
    old_link = YES_LINK.search(body_text(followup_email(outbox()))).group(0)
    # The customer phoned instead of answering; the rep reopens and resolves again.
    case_work.reopen(case, rita, "Carl phoned: still no refund", utcnow(), version=case.version)
    resolve(case, rita, summary="Refund sent again.")
    assert len(followups(case)) == 2
    response = client.get(old_link.removeprefix(BASE))
    assert response.status_code == 410
    assert "This survey has closed" in response.get_data(as_text=True)


def test_no_reminder_about_a_followup_once_the_case_is_reopened(open_case, rita, outbox):
    case = open_case()
    resolve(case, rita)
    assert dispatch(now=LATER).sent == 1
    case_work.reopen(case, rita, "Carl phoned: still no refund", utcnow(), version=case.version)
    # Reminders are due four days after sending; this one is about a case in work again.
    assert dispatch(now=LATER + timedelta(days=5)).reminded == 0
    assert len([m for m in outbox() if _to_carl(m)]) == 1


def test_the_followup_page_is_in_swedish_and_says_what_is_missing(client, open_case, rita, outbox):
    case = open_case(locale="sv")
    resolve(case, rita)
    dispatch(now=LATER)
    message = followup_email(outbox())
    assert message["Subject"] == "Löste detta ditt problem?"
    link = YES_LINK.search(body_text(message)).group(0)
    response = answer(client, link.split("?")[0], None, None)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Välj ja eller nej." in html and "Välj ett betyg från 1 till 5." in html
    db.session.expire_all()
    assert case.status == "resolved" and case.satisfaction_after is None
