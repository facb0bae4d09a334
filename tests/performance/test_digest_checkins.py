"""The weekly digest names the check-ins overdue in the manager's teams, with the list's link."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from portal.jobs.performance import queue_weekly_digests
from portal.models import Customer, utcnow

from ..conftest import body_text


def test_the_digest_counts_the_teams_overdue_check_ins(
    make_team, make_user, make_sale, run_jobs, outbox
):
    manager = make_user("manager", name="Maja", email="maja@example.com")
    rep = make_user(team=make_team("North", lead=manager), name="Ann")
    other = make_user(team=make_team("South"), name="Sven")
    now = utcnow()
    # Due 14 days after the sale: 16 days ago (overdue), and 1 day ago (due, not overdue).
    make_sale(
        rep,
        Customer(email="a@x.org", name="A"),
        amount=Decimal("50000"),
        sold_at=now - timedelta(days=30),
    )
    make_sale(
        rep,
        Customer(email="b@x.org", name="B"),
        amount=Decimal("50000"),
        sold_at=now - timedelta(days=15),
    )
    # Another team's overdue customer is not Maja's.
    make_sale(
        other,
        Customer(email="c@x.org", name="C"),
        amount=Decimal("50000"),
        sold_at=now - timedelta(days=30),
    )
    assert queue_weekly_digests() == 1
    run_jobs()
    [message] = [m for m in outbox() if m["To"] == "maja@example.com"]
    text = body_text(message)
    assert "Check-ins overdue (due more than 7 days ago): 1" in text
    assert "Keep in touch: https://portal.example.test/checkins" in text
