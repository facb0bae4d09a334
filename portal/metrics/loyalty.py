"""Loyalty figures of one subject and period: check-ins and the purchases after them, recovery
revenue (docs/metrics.md "Loyalty"; revenue per customer is counted with the sales,
tallies.SalesTally). Called by definitions.figures with the resolved CaseFacts of cases the
subject sold, and their CheckinFacts."""

from __future__ import annotations

from collections import defaultdict

from portal.metrics.stats import RETURN_WINDOW, bought_within, share


def loyalty(resolved: list, checkins: list) -> dict:
    """Check-ins and the purchases after them, recovery revenue (all for one subject's facts
    of one period; docs/metrics.md). Revenue per customer is counted with the sales
    (tallies.SalesTally)."""
    return {
        "checkins_done": len(checkins),
        "repeat_after_checkin_rate": _repeat_after_checkin_rate(checkins),
        "recovery_revenue": _recovery_revenue(resolved),
    }


def _repeat_after_checkin_rate(checkins: list) -> float | None:
    """Customers checked in with in the period who bought within 90 days after one of those
    check-ins, over all those customers (a customer counts once)."""
    by_customer: dict[int, bool] = {}
    for c in checkins:
        again = bought_within(c.purchases_after, c.at)
        by_customer[c.customer_id] = by_customer.get(c.customer_id, False) or again
    return share(sum(by_customer.values()), len(by_customer))


def _recovery_revenue(resolved: list) -> dict[str, float]:
    """Per currency: what customers with a complaint resolved in the period bought within 90
    days after its resolution. A customer with several resolutions counts from the first, and
    each sale counts once."""
    first: dict = {}  # customer id -> their first resolved case
    for case in sorted(resolved, key=lambda c: c.resolved_at):
        first.setdefault(case.customer_id, case)
    cents: dict[str, int] = defaultdict(int)
    for case in first.values():
        for sold_at, currency, amount in case.sales_after:
            if case.resolved_at < sold_at <= case.resolved_at + RETURN_WINDOW:
                cents[currency] += amount
    return {currency: cents[currency] / 100 for currency in sorted(cents)}
