"""The dashboard's reps table as a manager reads it: sample sizes beside every rate, small
samples marked, sortable by any column, who needs attention called out above it; the 12-week
chart in two panels with gaps for empty weeks."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.definitions import SMALL_SAMPLE
from portal.metrics.rollup import rebuild
from portal.models import Case, Customer, utcnow

from . import test_dashboard as base
from .test_dashboard import MARCH, march_case, open_case

org = base.org  # the fixture: a manager of North (Ann, Ben), South (Sol), an admin


def cell(page: str, rep_name: str, label: str) -> str:
    """The text of one cell of the reps table (its row by the rep's name)."""
    row = re.search(
        rf"<tr>\s*<td class=\"cell-title\"><a [^>]*>{rep_name}</a></td>(.*?)</tr>", page, re.S
    )
    assert row, f"no row for {rep_name}"
    found = re.search(rf'data-label="{label}">(.*?)</td>', row.group(1), re.S)
    assert found, f"no {label} cell for {rep_name}"
    return re.sub(r"<[^>]+>", " ", found.group(1))


def row_order(page: str) -> list[str]:
    return re.findall(r'<td class="cell-title"><a [^>]*>([^<]+)</a></td>', page)


def contacted_cases(rep, count: int, hours: float) -> None:
    for day in range(2, 2 + count):
        march_case(rep, day, hours)


def test_each_rate_shows_its_sample_and_a_small_one_is_marked(client, login, org):
    contacted_cases(org["ann"], SMALL_SAMPLE, 1)  # enough to judge by
    contacted_cases(org["ben"], 2, 3)  # two cases: marked
    rebuild(utcnow())
    login(org["manager"])
    page = client.get(f"/performance/?{MARCH}").get_data(as_text=True)
    ann = cell(page, "Ann North", "First contact, median")
    ben = cell(page, "Ben North", "First contact, median")
    assert "1.0 h" in ann and f"n={SMALL_SAMPLE}" in ann and "small sample" not in ann
    assert "3.0 h" in ben and "n=2" in ben and "small sample" in ben
    # Every cell is a cell, with or without a figure (no markup shown as text).
    assert "&lt;" not in page and cell(page, "Ben North", "CSAT").strip() == "\u2013"
    # No verdict on Ben from two cases, and the callout says why.
    assert f"No rep has {SMALL_SAMPLE} or more customers with a case resolved" in page
    # The legend says what n and the mark mean, with the threshold.
    assert f"fewer than {SMALL_SAMPLE}, too few to judge a rep by" in page


def test_the_table_sorts_by_a_column_from_its_heading(client, login, org, make_user):
    cid = make_user(team=org["north"], name="Cid North")
    contacted_cases(org["ann"], 3, 1)
    contacted_cases(org["ben"], 3, 8)
    contacted_cases(cid, 3, 4)
    rebuild(utcnow())
    login(org["manager"])
    page = client.get(f"/performance/?{MARCH}").get_data(as_text=True)
    assert row_order(page) == ["Ann North", "Ben North", "Cid North"]
    # The heading's link puts the slowest first (a plain link: no script needed).
    heading = re.search(r'href="([^"]*sort=first_contact_median_hours[^"]*)"', page).group(1)
    assert "dir=desc" in heading
    slowest_first = client.get(heading.replace("&amp;", "&")).get_data(as_text=True)
    assert row_order(slowest_first) == ["Ben North", "Cid North", "Ann North"]
    assert re.search(r'aria-sort="descending">\s*<a[^>]*>First contact, median', slowest_first)
    fastest = client.get(f"/performance/?{MARCH}&sort=first_contact_median_hours&dir=asc")
    assert row_order(fastest.get_data(as_text=True)) == ["Ann North", "Cid North", "Ben North"]
    bad = client.get(f"/performance/?{MARCH}&sort=shoe_size")
    assert bad.status_code == 400 and "sort must be one of" in bad.get_data(as_text=True)


def test_the_reps_who_need_attention_are_named_above_the_table(client, login, org):
    contacted_cases(org["ann"], SMALL_SAMPLE, 1)
    contacted_cases(org["ben"], SMALL_SAMPLE, 6)
    # Those March cases are closed: only the cases below are overdue now.
    db.session.execute(sa.update(Case).values(status="closed", resolved_at=Case.first_contact_at))
    db.session.commit()
    rebuild(utcnow())
    open_case(org["ann"], age_hours=30, due_in_hours=4)  # first contact overdue now
    open_case(org["ann"], age_hours=24 * 9, contacted=True)  # resolution overdue now
    open_case(org["ben"], age_hours=30, due_in_hours=4)
    login(org["manager"])
    page = client.get(f"/performance/?{MARCH}").get_data(as_text=True)
    attention = page[
        page.index('id="attention"') : page.index("<table", page.index('id="attention"'))
    ]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", attention))
    assert "Slowest first contact Ben North 6.0 h median" in text
    assert "Most overdue now Ann North 2 open" in text
    assert "Worst recovery Ann North 0% bought again , 10 customers" in text
    # The overdue figure opens exactly those cases.
    link = re.search(r'href="([^"]*figure=overdue[^"]*)"', attention).group(1).replace("&amp;", "&")
    assert len(re.findall(r'href="/cases/\d+"', client.get(link).get_data(as_text=True))) == 2


def test_the_trend_has_a_panel_per_stage_with_gaps_for_empty_weeks(client, login, org):
    now = utcnow()
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0)
    three_weeks_ago = datetime.combine(
        (monday - timedelta(weeks=3)).date(), datetime.min.time(), UTC
    )
    march_case_at = three_weeks_ago + timedelta(hours=10)
    org["north"].round_the_clock = True  # the critical policy counts clock hours (100 h)
    db.session.add(
        Case(
            source="survey",
            customer=Customer(email="trend@example.org", name="Trend"),
            assigned_rep_id=org["ann"].id,
            severity="critical",
            status="resolved",
            created_at=march_case_at,
            first_contact_due=march_case_at + timedelta(hours=2),
            first_contact_at=march_case_at + timedelta(hours=1),
            resolve_due=march_case_at + timedelta(days=10),
            resolved_at=march_case_at + timedelta(hours=100),
        )
    )
    db.session.commit()
    rebuild(now)
    login(org["manager"])
    page = client.get("/performance/").get_data(as_text=True)
    charts = re.findall(r"data-chart='([^']*)'", page)
    assert len(charts) == 2  # first contact and resolution, each on its own scale
    first, resolution = (json.loads(html.unescape(c)) for c in charts)
    median = first["series"][0]["data"]
    assert len(median) == 12 and median.count(None) == 11  # empty weeks are gaps, not 0
    assert 1.0 in median
    assert 100.0 in resolution["series"][0]["data"]


def test_recovery_of_a_case_resolved_minutes_ago_is_too_early_to_tell_not_zero(client, login, org):
    """A customer whose complaint was resolved minutes ago has had no time to buy again: the
    reps table says so instead of "0%"; once the 90 days are over without a purchase, 0%."""
    now = utcnow()
    resolved = open_case(org["ben"], age_hours=3, contacted=True)
    resolved.status, resolved.resolved_at = "closed", now - timedelta(minutes=5)
    db.session.commit()
    rebuild(now)
    login(org["manager"])
    month = f"period=month&start={resolved.resolved_at:%Y-%m-01}"
    page = client.get(f"/performance/?{month}").get_data(as_text=True)
    recovery = cell(page, "Ben North", "Recovery rate")
    assert "too early to tell" in recovery and "0%" not in recovery
    rebuild(now + timedelta(days=91))  # the window is over, and no purchase came
    page = client.get(f"/performance/?{month}").get_data(as_text=True)
    assert "0%" in cell(page, "Ben North", "Recovery rate")
