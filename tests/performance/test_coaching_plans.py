"""Coaching plans tied to figures (issue 16.2, and issue 14's unnoticed notes and "#178"):
a manager makes a plan for a rep about one figure; its baseline is taken from the 90 days
before, its progress is the same figure since the start; it ends met or not met with the
figure; the rep is emailed about a new plan and every note; training items with a link or a
file are ticked off by the rep; "#<case>" in a note links to the case for those who may see it.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal import jobs
from portal.extensions import db
from portal.jobs.performance import queue_weekly_digests
from portal.metrics.coaching import progress_share, reached
from portal.models import Case, CaseTheme, CoachingPlan, Customer, PlanItem, Theme, utcnow
from portal.services.cases.themes import ensure_themes
from portal.services.performance import plans
from portal.services.setup import ensure_sla_policies

from ..conftest import csrf_from, submit
from . import test_dashboard, test_performance_jobs
from .test_dashboard import log_out
from .test_performance_jobs import body_text

# The fixtures of the neighbouring tests: a team North (Maja, Ann, Ben), a team South (Otto,
# Sol) and an admin; last week's figures of North.
org = test_dashboard.org
last_week_org = test_performance_jobs.last_week_org

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)  # the day the plans in these tests start
_n = iter(range(1, 100_000))


def contacted_case(rep, opened: datetime, hours: float, theme: str | None = None) -> Case:
    """A critical case first contacted `hours` after it was opened (clock hours: the rep's team
    is on call round the clock, so the critical policy counts every hour)."""
    rep.team.round_the_clock = True
    case = Case(
        source="survey",
        customer=Customer(email=f"p{next(_n)}@example.org", name="Cust"),
        assigned_rep_id=rep.id,
        severity="critical",
        status="contacted",
        created_at=opened,
        first_contact_due=opened + timedelta(hours=2),
        first_contact_at=opened + timedelta(hours=hours),
        resolve_due=opened + timedelta(days=1),
    )
    db.session.add(case)
    db.session.flush()
    if theme:
        ensure_themes()
        theme_id = db.session.scalar(sa.select(Theme.id).where(Theme.key == theme))
        db.session.add(CaseTheme(case_id=case.id, theme_id=theme_id, source="auto"))
    db.session.commit()
    return case


def test_progress_is_the_share_of_the_way_from_baseline_to_target():
    # Hours: lower is better. 10 h before, target 4 h.
    assert progress_share(10, 7, 4, False) == 50
    assert progress_share(10, 4, 4, False) == 100
    assert progress_share(10, 12, 4, False) == 0  # worse than before
    assert progress_share(None, 7, 4, False) == 0  # no baseline: only "reached" counts
    assert progress_share(10, None, 4, False) is None  # nothing to count yet
    # A share: higher is better. 60% before, target 90%.
    assert progress_share(0.6, 0.75, 0.9, True) == 50
    assert reached(0.9, 0.9, True) is True and reached(5, 4, False) is False


def test_a_plan_takes_its_baseline_from_the_90_days_before_and_measures_since(app, org):
    ensure_sla_policies()
    ann = org["ann"]
    contacted_case(ann, T0 - timedelta(days=100), 1)  # before the baseline window: left out
    contacted_case(ann, T0 - timedelta(days=30), 8)
    contacted_case(ann, T0 - timedelta(days=20), 12)
    plan = plans.create_plan(
        org["manager"],
        ann.id,
        title="Call back the same morning",
        focus="metric:first_contact_median_hours",
        target=4,
        due_on=date(2026, 10, 31),
        check_ins="2026-09-15, 2026-10-01",
        now=T0,
    )
    assert plan.baseline == pytest.approx(10.0)  # the median of 8 and 12
    assert plan.baseline_from == date(2026, 6, 3)
    assert plan.check_ins == ["2026-09-15", "2026-10-01"]
    contacted_case(ann, T0 + timedelta(days=3), 6)
    contacted_case(ann, T0 + timedelta(days=5), 4)
    result = plans.progress(plan, T0 + timedelta(days=10))
    assert result.current == pytest.approx(5.0)
    assert result.share == 83  # (10 - 5) / (10 - 4)
    assert result.on_target is False
    contacted_case(ann, T0 + timedelta(days=12), 2)
    ended = plans.end_plan(org["manager"], plan, T0 + timedelta(days=14))
    assert (ended.status, ended.final_value) == ("met", pytest.approx(4.0))


def test_a_plan_about_a_theme_measures_its_share_of_the_complaints(app, org):
    ensure_sla_policies()
    ann = org["ann"]
    for n, theme in enumerate(["rep_conduct", "rep_conduct", "rep_conduct", "delivery"]):
        contacted_case(ann, T0 - timedelta(days=10 + n), 1, theme)
    plan = plans.create_plan(
        org["manager"],
        ann.id,
        title="Keep customers in the loop",
        focus="theme:rep_conduct",
        target=30,
        due_on=date(2026, 11, 30),
        check_ins="",
        now=T0,
    )
    assert plan.baseline == pytest.approx(0.75)
    assert plan.target == pytest.approx(0.30)
    contacted_case(ann, T0 + timedelta(days=2), 1, "delivery")
    contacted_case(ann, T0 + timedelta(days=3), 1, "rep_conduct")
    result = plans.progress(plan, T0 + timedelta(days=5))
    assert result.current == pytest.approx(0.5)
    ended = plans.end_plan(org["manager"], plan, T0 + timedelta(days=6))
    assert (ended.status, ended.final_value) == ("not_met", pytest.approx(0.5))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("focus", "metric:revenue", "Choose what the plan addresses"),
        ("target", "150", "between 0 and 100"),
        ("due_on", "2020-01-01", "must be after today"),
        ("check_ins", "2099-01-01", "is not between today and the due date"),
        ("check_ins", "soon", "Write check-in dates like"),
    ],
)
def test_a_bad_plan_is_refused_with_what_to_fix(client, login, org, field, value, message):
    login(org["manager"])
    url = f"/coaching/reps/{org['ann'].id}/plans/new"
    data = {
        "title": "Faster first contact",
        "focus": "metric:first_contact_within_sla",
        "target": "90",
        "due_on": (utcnow().date() + timedelta(days=30)).isoformat(),
        "check_ins": "",
    }
    response = submit(client, url, {**data, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(CoachingPlan.id))) == 0


def test_the_rep_is_emailed_about_a_new_plan_and_sees_it_on_their_scorecard(
    client, login, org, outbox, run_jobs
):
    login(org["manager"])
    due = (utcnow().date() + timedelta(days=30)).isoformat()
    response = submit(
        client,
        f"/coaching/reps/{org['ann'].id}/plans/new",
        {
            "title": "Faster first contact",
            "focus": "metric:first_contact_within_sla",
            "target": "90",
            "due_on": due,
        },
    )
    assert response.status_code == 302
    run_jobs()
    mail = [m for m in outbox() if m["To"] == org["ann"].email]
    assert len(mail) == 1 and "Faster first contact" in mail[0]["Subject"]
    plan_id = db.session.scalar(sa.select(CoachingPlan.id))
    assert f"/coaching/plans/{plan_id}" in mail[0].get_body(("plain",)).get_content()
    log_out(client)
    login(org["ann"])
    card = client.get(f"/performance/reps/{org['ann'].id}").get_data(as_text=True)
    assert "Faster first contact" in card and f"Due {due}" in card
    assert client.get(f"/coaching/plans/{plan_id}").status_code == 200
    log_out(client)
    login(org["ben"])  # a teammate
    assert client.get(f"/coaching/plans/{plan_id}").status_code == 404
    log_out(client)
    login(org["other_manager"])
    assert client.get(f"/coaching/plans/{plan_id}").status_code == 404


def test_a_coaching_note_emails_the_rep_and_links_the_cases_they_may_see(
    client, login, org, outbox, run_jobs
):
    own = contacted_case(org["ann"], utcnow() - timedelta(days=2), 1)
    other = contacted_case(org["sol"], utcnow() - timedelta(days=2), 1)
    login(org["manager"])
    note = f"Look at #{own.id} again; compare #{other.id}. <b>not bold</b>"
    url = f"/performance/reps/{org['ann'].id}/notes"
    assert submit(client, url, {"text": note}, page=url.rsplit("/", 1)[0]).status_code == 302
    run_jobs()
    mail = [m for m in outbox() if m["To"] == org["ann"].email]
    assert len(mail) == 1 and "coaching note" in mail[0]["Subject"]
    assert f"#{own.id}" in mail[0].get_body(("plain",)).get_content()
    log_out(client)
    login(org["ann"])
    card = client.get(f"/performance/reps/{org['ann'].id}").get_data(as_text=True)
    assert f'<a href="/cases/{own.id}">#{own.id}</a>' in card
    assert f'href="/cases/{other.id}"' not in card and f"#{other.id}" in card
    assert "&lt;b&gt;not bold&lt;/b&gt;" in card


def _plan(org, **kw) -> CoachingPlan:
    return plans.create_plan(
        org["manager"],
        org["ann"].id,
        title=kw.get("title", "Listen first"),
        focus="metric:csat",
        target=90,
        due_on=utcnow().date() + timedelta(days=30),
        check_ins="",
        now=utcnow(),
    )


def test_training_items_with_a_link_or_a_file_are_ticked_off_by_the_rep(client, login, org):
    plan = _plan(org)
    login(org["manager"])
    page = f"/coaching/plans/{plan.id}"
    url = f"/coaching/plans/{plan.id}/items"
    bad = submit(client, url, {"title": "Video", "link": "javascript:alert(1)"}, page=page)
    assert bad.status_code == 422 and "full address" in bad.get_data(as_text=True)
    ok = submit(client, url, {"title": "Video", "link": "https://learn.example.com/v"}, page=page)
    assert ok.status_code == 302
    csrf = csrf_from(client.get(page).get_data(as_text=True))
    exe = client.post(
        url, data={"csrf_token": csrf, "title": "Tool", "upload": (io.BytesIO(b"MZ"), "x.exe")}
    )
    assert exe.status_code == 422 and "Upload a file of one of these types" in exe.text
    pdf = client.post(
        url,
        data={"csrf_token": csrf, "title": "Script", "upload": (io.BytesIO(b"%PDF-1"), "c.pdf")},
    )
    assert pdf.status_code == 302
    video, script = db.session.scalars(sa.select(PlanItem).order_by(PlanItem.id)).all()
    # Only the rep marks items done.
    progress = f"/coaching/items/{video.id}"
    response = submit(client, progress, {f"i{video.id}-done": "y"}, page=page)
    assert response.status_code == 403
    log_out(client)
    login(org["ann"])
    assert client.get(f"/coaching/items/{script.id}/file").data == b"%PDF-1"
    response = submit(
        client, progress, {f"i{video.id}-done": "y", f"i{video.id}-rep_note": "Useful"}, page=page
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PlanItem, video.id).done and video.rep_note == "Useful"
    assert "1 of 2 done" in client.get(page).get_data(as_text=True)
    log_out(client)
    login(org["sol"])
    assert client.get(f"/coaching/items/{script.id}/file").status_code == 404
    assert submit(client, progress, {}, page="/home").status_code == 404


def test_a_check_in_note_on_the_plan_and_ending_it(client, login, org, outbox, run_jobs):
    plan = _plan(org)
    login(org["manager"])
    page = f"/coaching/plans/{plan.id}"
    response = submit(client, f"{page}/notes", {"text": "Good week."}, page=page)
    assert response.status_code == 302
    run_jobs()
    assert sum(m["To"] == org["ann"].email for m in outbox()) == 2  # the plan, the note
    assert submit(client, f"{page}/end", {}, page=page).status_code == 302
    html = client.get(page).get_data(as_text=True)
    assert "Not met" in html and "Good week." in html  # no answers since the start: not met
    assert re.search(r"Ended on</dt>\s*<dd><strong>\u2013</strong>", html)


def test_the_weekly_digest_names_the_plans_due(last_week_org, run_jobs, outbox):
    rep, manager = last_week_org["rep"], last_week_org["manager"]
    today = utcnow().date()
    for title, due in [("Soon", today + timedelta(days=5)), ("Later", today + timedelta(days=60))]:
        db.session.add(
            CoachingPlan(
                rep=rep, manager=manager, title=title, focus="metric", metric="csat",
                baseline_from=today, target=0.9, started_on=today - timedelta(days=20),
                due_on=due, check_ins=[],
            )
        )  # fmt: skip
    db.session.commit()
    assert queue_weekly_digests() == 1
    run_jobs()
    text = body_text(next(m for m in outbox() if m["To"] == manager.email))
    assert f"- {rep.name}: Soon, due {(today + timedelta(days=5)).isoformat()}" in text
    assert "Later" not in text


def test_a_plan_ends_by_itself_after_its_due_date_and_both_are_told(app, org, outbox, run_jobs):
    ensure_sla_policies()
    ann, manager = org["ann"], org["manager"]
    contacted_case(ann, T0 - timedelta(days=30), 10)
    made = {
        title: plans.create_plan(
            manager, ann.id, title=title, focus="metric:first_contact_median_hours",
            target=4, due_on=due, check_ins="", now=T0,
        )
        for title, due in [("Same morning", date(2026, 9, 20)), ("Still going", date(2026, 9, 30))]
    }  # fmt: skip
    contacted_case(ann, T0 + timedelta(days=3), 3)  # within the first plan: met
    contacted_case(ann, T0 + timedelta(days=25), 9)  # after its due date: not counted
    run_jobs()
    before = len(outbox())

    # The day after the first plan's due date (UTC), the hourly job ends it, not the other.
    now = datetime(2026, 9, 21, 0, 30, tzinfo=UTC)
    assert plans.end_due_plans(now) == 1
    assert plans.end_due_plans(now + timedelta(hours=1)) == 0  # ended once
    db.session.expire_all()
    first, second = (db.session.get(CoachingPlan, made[t].id) for t in made)
    assert (first.status, first.final_value, first.ended_at) == ("met", 3.0, now)
    assert second.status == "active"

    run_jobs()
    sent = outbox()[before:]
    assert sorted(m["To"] for m in sent) == sorted([ann.email, manager.email])
    for message in sent:
        assert message["Subject"] == "Coaching plan ended, met: Same morning"
        text = body_text(message)
        assert "ended on its due date, 2026-09-20: met." in text
        assert f"/coaching/plans/{first.id}" in text
    to_manager = body_text(next(m for m in sent if m["To"] == manager.email))
    assert f'"Same morning" for {ann.name} ended' in to_manager


def test_a_plan_with_nothing_to_count_ends_not_met_and_says_why(app, org, outbox, run_jobs):
    plan = _plan(org)
    plan.due_on = utcnow().date() - timedelta(days=1)
    db.session.commit()
    assert plans.end_due_plans(utcnow()) == 1
    run_jobs()
    text = body_text(next(m for m in outbox() if "Coaching plan ended" in m["Subject"]))
    assert ": not met." in text and "nothing to count in that time" in text


def test_on_a_check_in_date_the_rep_and_the_manager_are_reminded_once(app, org, outbox, run_jobs):
    ann, manager = org["ann"], org["manager"]
    today = utcnow().date()
    plan = plans.create_plan(
        manager, ann.id, title="Listen first", focus="metric:csat", target=90,
        due_on=today + timedelta(days=30), check_ins=today.isoformat(), now=utcnow(),
    )  # fmt: skip
    later = plans.create_plan(
        manager, ann.id, title="Not today", focus="metric:csat", target=90,
        due_on=today + timedelta(days=30),
        check_ins=(today + timedelta(days=7)).isoformat(), now=utcnow(),
    )  # fmt: skip
    assert plans.check_ins_on(today) == [plan.id]
    assert later.id in plans.check_ins_on(today + timedelta(days=7))
    run_jobs()
    before = len(outbox())
    for _ in range(2):  # the hourly job runs again the same day: one reminder each
        jobs.enqueue("coaching_mail.end_due_plans", family="maintenance")
        run_jobs()
    sent = outbox()[before:]
    assert sorted(m["To"] for m in sent) == sorted([ann.email, manager.email])
    assert {m["Subject"] for m in sent} == {"Coaching check-in today: Listen first"}
    to_manager = body_text(next(m for m in sent if m["To"] == manager.email))
    assert f'"Listen first" with {ann.name}' in to_manager and "check-in note" in to_manager
    assert f"/coaching/plans/{plan.id}" in to_manager
