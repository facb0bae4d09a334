"""From complaints to coaching, in a real browser (issue 16): a rep corrects a case's themes;
the manager sees the team's themes, makes a coaching plan from the rep's scorecard and adds a
training item; the rep, on a phone, ticks it off with a note. Every page is checked with
axe-core and never scrolls sideways. Screenshots in test-artifacts/<test name>/."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import CaseTheme, CoachingPlan, PlanItem, utcnow

from . import test_corrections_journey
from .test_journeys import log_in

pytestmark = pytest.mark.browser
# Maja's team, rep Rita, an angry answer (a case) and a quiet one, posted on the survey page.
team_with_answers = test_corrections_journey.team_with_answers


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways ({width} px)"


def test_themes_and_a_coaching_plan(team_with_answers, journey):
    case, rep_user = team_with_answers["case"], team_with_answers["rep"]
    rep = journey.person("rep")
    log_in(rep, rep_user.email)
    rep.goto(f"/cases/{case.id}")
    themes = rep.locator("#themes")
    assert "Product quality" in themes.inner_text()  # "broke" in the customer's words
    rep.locator("#themes-form").get_by_label("Rep conduct and communication").check()
    journey.step(rep, "adds the rep conduct theme")
    rep.get_by_role("button", name="Save themes").click()
    expect(rep.locator("body")).to_contain_text("Themes saved")
    journey.accessible(rep, "case page with themes")
    assert db.session.scalar(sa.select(sa.func.count(CaseTheme.id))) >= 2

    manager = journey.person("manager")
    log_in(manager, team_with_answers["manager"].email)
    manager.goto("/coaching/themes")
    expect(manager.locator("body")).to_contain_text("Complaint themes: Team Nordics")
    journey.step(manager, "the team's complaint themes")
    journey.accessible(manager, "themes page")
    no_sideways_scroll(manager)
    manager.goto(f"/performance/reps/{rep_user.id}")
    manager.get_by_role("link", name="New coaching plan").click()
    manager.get_by_label("Title").fill("Keep customers in the loop")
    manager.get_by_label("Addresses").select_option("theme:rep_conduct")
    manager.get_by_label("Target").fill("20")
    manager.get_by_label("Due").fill((utcnow().date() + timedelta(days=45)).isoformat())
    journey.step(manager, "fills in the plan")
    journey.accessible(manager, "new plan form")
    manager.get_by_role("button", name="Create plan").click()
    expect(manager.locator("body")).to_contain_text("Plan made")
    manager.get_by_label("Training item", exact=True).fill("Course: writing to an upset customer")
    manager.get_by_label("Link").fill("https://learn.example.com/upset")
    manager.get_by_role("button", name="Add item").click()
    expect(manager.locator("body")).to_contain_text("Training item added.")
    journey.step(manager, "the plan with a training item")
    journey.accessible(manager, "plan page (manager)")
    plan = db.session.scalar(sa.select(CoachingPlan))
    # Nothing before today to count: no baseline; since today, the one complaint is (now)
    # about rep conduct.
    assert plan.baseline is None
    assert "100% (" in manager.locator("section[aria-labelledby=figure-title]").inner_text()

    phone = journey.person("rep on a phone", phone=True)
    log_in(phone, rep_user.email)
    phone.goto(f"/coaching/plans/{plan.id}")
    item = db.session.scalar(sa.select(PlanItem))
    phone.locator(f"#item-{item.id}").get_by_label("Done").check()
    phone.locator(f"#item-{item.id}").get_by_label("My note").fill("Took it on the train.")
    phone.locator(f"#item-{item.id}").get_by_role("button", name="Save").click()
    expect(phone.locator("body")).to_contain_text("1 of 1 done")
    journey.step(phone, "ticked off the training item")
    journey.accessible(phone, "plan page (rep, phone)")
    no_sideways_scroll(phone)
    phone.goto(f"/performance/reps/{rep_user.id}")
    expect(phone.locator("body")).to_contain_text("Keep customers in the loop")
    journey.step(phone, "the plan on the scorecard")
    no_sideways_scroll(phone)
