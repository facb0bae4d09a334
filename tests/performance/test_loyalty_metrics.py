"""The loyalty figures (docs/metrics.md, "Loyalty"), computed by hand on a small dataset and
compared with the rollup's: revenue per customer, check-ins, bought again after a check-in,
recovery revenue.

March 2026, rep Ann: c1 buys 1,000 and 500 SEK, c2 300 SEK, c3 200 EUR. Ann checks in with c1
(5 March; c1 buys again 10 April: within 90 days), c2 (20 March; c2 buys again 1 July: 103
days later, too late) and c4 (25 March; never buys), and with c2 in February (not March's).
Ann resolves two complaints of c5 (10 and 20 March); c5 then buys from Bo 400 SEK on 15 March,
100 EUR on 1 May and 999 SEK on 1 July (more than 90 days after both). A complaint of c6
resolved in February, followed by a purchase in March, is not March's recovery.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.metrics.periods import Period
from portal.metrics.rollup import compute_period
from portal.models import Case, Checkin, Customer
from portal.models.performance import subject_key

NOW = datetime(2026, 8, 15, 12, 0, tzinfo=UTC)
MARCH = Period("month", date(2026, 3, 1))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def ann_and_bo(make_team, make_user, make_sale):
    team = make_team("North")
    ann = make_user(team=team, name="Ann")
    bo = make_user(team=team, name="Bo")
    c = {n: Customer(email=f"c{n}@example.org", name=f"C{n}") for n in range(1, 7)}
    make_sale(ann, c[1], sold_at=at("2026-03-02 10:00"), amount=Decimal("1000"))
    make_sale(ann, c[1], sold_at=at("2026-03-03 10:00"), amount=Decimal("500"))
    make_sale(ann, c[2], sold_at=at("2026-03-04 10:00"), amount=Decimal("300"))
    make_sale(ann, c[3], sold_at=at("2026-03-05 10:00"), amount=Decimal("200"), currency="EUR")
    make_sale(ann, c[1], sold_at=at("2026-04-10 10:00"), amount=Decimal("50"))
    make_sale(ann, c[2], sold_at=at("2026-07-01 10:00"), amount=Decimal("50"))
    for customer, moment in (
        (c[1], "2026-03-05 09:00"),
        (c[2], "2026-03-20 09:00"),
        (c[4], "2026-03-25 09:00"),
        (c[2], "2026-02-20 09:00"),
    ):
        db.session.add(Checkin(customer=customer, rep_id=ann.id, channel="call", at=at(moment)))
    for customer, resolved in (
        (c[5], "2026-03-10 12:00"),
        (c[5], "2026-03-20 12:00"),
        (c[6], "2026-02-10 12:00"),
    ):
        db.session.add(
            Case(
                source="staff",
                customer=customer,
                assigned_rep=ann,
                status="closed",
                outcome="refund",
                created_at=at(resolved) - (at("2026-01-02") - at("2026-01-01")),
                resolved_at=at(resolved),
            )
        )
    make_sale(bo, c[5], sold_at=at("2026-03-15 10:00"), amount=Decimal("400"))
    make_sale(bo, c[5], sold_at=at("2026-05-01 10:00"), amount=Decimal("100"), currency="EUR")
    make_sale(bo, c[5], sold_at=at("2026-07-01 10:00"), amount=Decimal("999"))
    make_sale(bo, c[6], sold_at=at("2026-03-01 10:00"), amount=Decimal("777"))
    db.session.commit()
    return ann, bo


def test_loyalty_figures_of_a_rep_match_the_hand_count(ann_and_bo):
    ann, bo = ann_and_bo
    figures = compute_period(MARCH, NOW)
    mine = figures[subject_key("rep", ann.id)][2]
    assert mine["revenue_per_customer"] == {"EUR": 200.0, "SEK": 900.0}  # 1,800 / 2; 200 / 1
    assert mine["checkins_done"] == 3
    assert mine["repeat_after_checkin_rate"] == pytest.approx(1 / 3)
    assert mine["recovery_revenue"] == {"EUR": 100.0, "SEK": 400.0}
    bos = figures[subject_key("rep", bo.id)][2]
    assert bos["checkins_done"] == 0
    assert bos["repeat_after_checkin_rate"] is None  # nothing to count: no figure, not 0%
    assert bos["recovery_revenue"] == {}
    # The team pools its members' facts.
    team = figures[subject_key("team", ann.team_id)][2]
    assert team["revenue_per_customer"]["SEK"] == pytest.approx((1800 + 400 + 777) / 4)
    assert team["recovery_revenue"] == {"EUR": 100.0, "SEK": 400.0}
