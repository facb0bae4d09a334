"""Staff corrections close the loop, in a real browser: a rep relabels a case and closes it as
not a complaint in one step; the manager finds a missed complaint on the review list, opens
its case with one click, and sees triage precision and recall on the dashboard. Screenshots
in test-artifacts/<test name>/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Customer, SentimentCorrection, utcnow
from portal.services.setup import ensure_sla_policies
from portal.tokens import make_token

from ..conftest import csrf_from, sent_invitation
from .test_journeys import log_in, stat

pytestmark = pytest.mark.browser

ANGRY = "The chair broke after two days and nobody answers the phone. I want my money back!"
QUIET = "The chair arrived on Tuesday."


@pytest.fixture
def team_with_answers(app, client, make_team, make_user, make_sale):
    """Maja's team, rep Rita, and two answers posted on the survey page (jobs run inline):
    one angry (a case), one quiet and rated 3 of 5 (no case, but worth a look)."""
    ensure_sla_policies()
    manager = make_user("manager", name="Maja Lind", email="maja@example.com")
    team = make_team("Nordics", lead=manager)
    manager.team = team
    rep = make_user("rep", team=team, name="Rita Rep", email="rita@example.com")
    now = utcnow()

    def answer(email, satisfaction, comment):
        customer = Customer(email=email, name=email.split("@")[0].title())
        sale = make_sale(rep=rep, customer=customer, sold_at=now - timedelta(days=4))
        invitation = sent_invitation(sale)
        db.session.add(invitation)
        db.session.commit()
        path = f"/s/{make_token('survey', invitation.id)}"
        page = client.get(path).get_data(as_text=True)
        sent = client.post(
            path,
            data={"csrf_token": csrf_from(page), "satisfaction": satisfaction, "comment": comment},
        )
        assert sent.status_code == 303
        return invitation.id

    answer("ann@example.org", "1", ANGRY)
    quiet = answer("bo@example.org", "3", QUIET)
    db.session.expire_all()
    [case] = db.session.scalars(sa.select(Case)).all()
    return {"manager": manager, "rep": rep, "case": case, "quiet_invitation": quiet}


def test_relabel_closes_a_case_and_a_missed_complaint_is_opened_from_review(
    team_with_answers, journey
):
    case = team_with_answers["case"]
    rep = journey.person("rep")
    log_in(rep, team_with_answers["rep"].email)
    rep.goto(f"/cases/{case.id}")
    form = rep.locator("#label-form")
    form.get_by_label("Right label").select_option("neutral")
    form.get_by_label("Note").fill("They were joking with us: a regular customer.")
    form.get_by_label("Close the case as not a complaint").check()
    journey.step(rep, "relabels neutral and ticks close as not a complaint")
    form.get_by_role("button", name="Save correction").click()
    rep.get_by_text("the case is closed as not a complaint").wait_for()
    main = rep.locator("main").inner_text()
    assert "Not a complaint" in main and "Closed as not a complaint by Rita Rep" in main
    # no deadline runs on it any more: no time left, nothing overdue
    assert not re.search(r"\bin \d+ (min|h|d)\b|overdue \d+ (min|h|d)", main)
    journey.step(rep, "sees the case closed as not a complaint")

    manager = journey.person("manager")
    log_in(manager, team_with_answers["manager"].email)
    manager.goto("/cases/review")
    manager.get_by_role("heading", name="Answers that opened no case").wait_for()
    row = manager.locator(".review-item", has_text=QUIET)
    assert manager.locator(".review-item").count() == 1
    journey.step(manager, "sees the quiet answer on the review list")
    journey.accessible(manager, "review list")
    row.get_by_role("button", name="Mark negative and open a case").click()
    manager.wait_for_url(re.compile(r"/cases/\d+"))
    manager.get_by_text("Marked negative: case #").wait_for()
    assert "Rita Rep" in manager.locator("main").inner_text()
    journey.step(manager, "lands on the new case, routed to Rita")

    db.session.expire_all()
    opened = db.session.scalars(sa.select(Case).where(Case.id != case.id)).all()
    assert len(opened) == 1 and opened[0].assigned_rep_id == team_with_answers["rep"].id
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(SentimentCorrection.from_review.is_(True))
        )
        == 1
    )

    manager.goto("/cases/review")
    assert "0 answers worth a look" in manager.locator("main").inner_text()
    manager.goto("/performance/")
    assert stat(manager, "Open cases") == "1"  # the relabelled case left the figures
    assert stat(manager, "Triage precision") == "0%"  # 0 of 1 reviewed routed case
    assert stat(manager, "Triage recall") == "0%"  # 0 of 1 known complaint (found on review)
    journey.step(manager, "sees triage precision and recall with their samples")


def test_a_manager_dismisses_an_answer_that_is_no_complaint(team_with_answers, journey):
    """The review list's other click: the quiet answer leaves the list, no case opens, and the
    correction (not negative) is listed for whoever tunes the analysis. Desktop and phone."""
    phone = journey.person("manager-phone", phone=True)
    log_in(phone, team_with_answers["manager"].email)
    phone.goto("/cases/review")
    phone.locator(".review-item", has_text=QUIET).wait_for()
    journey.step(phone, "sees both buttons on a phone")

    manager = journey.person("manager")
    log_in(manager, team_with_answers["manager"].email)
    manager.goto("/cases/review")
    row = manager.locator(".review-item", has_text=QUIET)
    journey.step(manager, "sees the quiet answer with mark and dismiss")
    journey.accessible(manager, "review list with dismiss")
    row.get_by_role("button", name="Dismiss: not a complaint").click()
    manager.get_by_text("Dismissed as not a complaint").wait_for()
    main = manager.locator("main").inner_text()
    assert "0 answers worth a look" in main and QUIET not in main
    journey.step(manager, "the answer has left the list")

    db.session.expire_all()
    assert len(db.session.scalars(sa.select(Case)).all()) == 1  # only the angry answer's case
    [dismissal] = db.session.scalars(sa.select(SentimentCorrection)).all()
    assert dismissal.case_id is None and dismissal.corrected_label != "negative"
    manager.goto("/cases/corrections")
    row = manager.locator("table tbody tr", has_text=QUIET)
    assert "None (dismissed)" in row.inner_text()
    journey.step(manager, "finds the dismissal among the corrections")
