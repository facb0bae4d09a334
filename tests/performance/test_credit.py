"""Whose figure is it: a complaint and the customer's satisfaction belong to the rep who made
the sale; response and resolution times to whoever held the case then, split by holding period
when it moved (issue 13, point 6; docs/metrics.md "Whose figure").

Felix sells five chairs in March 2026, Anna five. Felix is away at the start of the month:
- K1, about Felix's sale, opens Tue 3 March 09:00 and goes to his stand-in Anna, who contacts
  the customer at 11:00 (on time) and resolves it at 15:00 (on time); satisfaction 2 -> 5.
- K2, about Felix's sale, opens Tue 10 March 10:00 with Anna; Felix is back at 14:00 and takes
  it; he contacts at 15:00 (due 12:00: missed, while Anna held it) and resolves on the 11th at
  10:00 (on time); satisfaction 1 -> 4.
Team North is on call round the clock, so the critical cases count clock hours.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from portal.extensions import db
from portal.metrics.definitions import compute
from portal.metrics.facts import load_facts
from portal.metrics.periods import Period
from portal.metrics.rollup import compute_period
from portal.models import Case, CaseEvent, Customer

from ..conftest import PASSWORD, submit


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def march(make_team, make_user, make_sale):
    lead = make_user("manager", name="Maja Manager", email="maja@example.com")
    north = make_team("North", lead=lead)
    north.round_the_clock = True
    lead.team = north
    felix = make_user(team=north, name="Felix Seller", email="felix@example.com")
    anna = make_user(team=north, name="Anna Stand-in", email="anna@example.com")
    sales = [make_sale(felix, sold_at=at(f"2026-03-0{d} 12:00")) for d in range(1, 6)]
    for d in range(1, 6):
        make_sale(anna, sold_at=at(f"2026-03-0{d} 13:00"))

    def case(sale, opened, first_contact, fc_due, resolved, rs_due, before, after, holders):
        kase = Case(
            source="survey",
            customer=sale.customer,
            sale=sale,
            assigned_rep_id=holders[-1][1].id,
            severity="critical",
            status="closed",
            created_at=at(opened),
            first_contact_at=at(first_contact),
            first_contact_due=at(fc_due),
            resolved_at=at(resolved),
            resolve_due=at(rs_due),
            satisfaction_before=before,
            satisfaction_after=after,
        )
        db.session.add(kase)
        db.session.flush()
        for (kind, rep), moment in zip(holders, (opened, "2026-03-10 14:00"), strict=False):
            db.session.add(
                CaseEvent(
                    case_id=kase.id, kind=kind, data={"rep_id": rep.id}, created_at=at(moment)
                )
            )

    # fmt: off
    case(sales[0], "2026-03-03 09:00", "2026-03-03 11:00", "2026-03-03 11:00",
         "2026-03-03 15:00", "2026-03-04 09:00", 2, 5, [("assigned", anna)])
    case(sales[1], "2026-03-10 10:00", "2026-03-10 15:00", "2026-03-10 12:00",
         "2026-03-11 10:00", "2026-03-11 10:00", 1, 4,
         [("assigned", anna), ("cover_ended", felix)])
    # fmt: on
    db.session.add(Customer(email="nobody@example.org", name="Nobody"))
    db.session.commit()
    return {"lead": lead, "felix": felix, "anna": anna}


def march_rows(app, runner, lead) -> dict[str, dict]:
    """The reps' March figures, as the rebuild command stores them and the export shows them."""
    result = runner.invoke(args=["portal", "rebuild-performance"])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    submit(client, "/login", {"email": lead.email, "password": PASSWORD})
    text = client.get("/performance/export/reps.csv?period=month").get_data(as_text=True)
    rows = csv.DictReader(io.StringIO(text))
    return {r["rep"]: r for r in rows if r["period_start"].startswith("2026-03-01")}


def figure(row: dict, name: str) -> float | None:
    return None if row[name] == "" else float(row[name])


def test_complaints_and_satisfaction_go_to_the_seller_times_to_the_holders(app, runner, march):
    rows = march_rows(app, runner, march["lead"])
    felix, anna = rows["Felix Seller"], rows["Anna Stand-in"]

    # The complaints are about Felix's sales: his, not Anna's (she only handled them).
    assert figure(felix, "cases_opened") == 2
    assert figure(felix, "complaints_per_100_sales") == pytest.approx(40.0)
    assert figure(anna, "cases_opened") == 0
    assert figure(anna, "complaints_per_100_sales") == 0
    # ... and so is what the customers thought after.
    assert figure(felix, "resolution_satisfaction") == pytest.approx(4.5)
    assert figure(felix, "satisfaction_change") == pytest.approx(3.0)
    assert figure(anna, "resolution_satisfaction") is None

    # First contact: K1 2 h with Anna; K2 4 h with Anna, then 1 h with Felix.
    assert figure(anna, "first_contact_median_hours") == pytest.approx(3.0)  # 2 and 4
    assert figure(felix, "first_contact_median_hours") == pytest.approx(1.0)
    # Resolution: K1 6 h with Anna; K2 4 h with Anna, then 20 h with Felix.
    assert figure(anna, "resolution_median_hours") == pytest.approx(5.0)  # 6 and 4
    assert figure(felix, "resolution_median_hours") == pytest.approx(20.0)
    # Deadlines: to whoever held the case when each was met or missed.
    assert figure(anna, "first_contact_within_sla") == pytest.approx(0.5)  # K1 met, K2 missed
    assert figure(felix, "first_contact_within_sla") is None
    assert figure(anna, "resolution_within_sla") == 1  # K1
    assert figure(felix, "resolution_within_sla") == 1  # K2
    assert figure(anna, "cases_resolved") == 1 and figure(felix, "cases_resolved") == 1


def test_the_team_and_everyone_count_each_case_once_with_its_whole_time(march):
    period = Period("month", datetime(2026, 3, 1).date())
    now = at("2026-06-15 12:00")
    results = compute_period(period, now)
    team = results[f"team:{march['felix'].team_id}"][2]
    everyone = results["all"][2]
    for figures in (team, everyone):
        assert figures["cases_opened"] == 2
        assert figures["complaints_per_100_sales"] == pytest.approx(20.0)
        assert figures["first_contact_median_hours"] == pytest.approx(3.5)  # 2 and 4 + 1
        assert figures["resolution_median_hours"] == pytest.approx(15.0)  # 6 and 4 + 20
        assert figures["cases_resolved"] == 2
    # The drill-down's facts for one rep are that rep's share too.
    anna = compute(load_facts(period, now, [march["anna"].id]))
    assert anna["cases_opened"] == 0 and anna["first_contact_median_hours"] == pytest.approx(3.0)
