"""Loyalty figures of one subject and period: revenue per customer, check-ins and the purchases
after them, recovery revenue (docs/metrics.md "Loyalty"). Called by definitions.compute with the
subject's SaleFacts, the resolved CaseFacts of cases they sold, and their CheckinFacts."""

from __future__ import annotations

from collections import defaultdict

from portal.metrics.stats import RETURN_WINDOW, bought_within, share


def loyalty(sales: list, resolved: list, checkins: list) -> dict:
    """Revenue per customer, check-ins and the purchases after them, recovery revenue (all
    for one subject's facts of one period; docs/metrics.md)."""
    return {
        "revenue_per_customer": _revenue_per_customer(sales),
        "checkins_done": len(checkins),
        "repeat_after_checkin_rate": _repeat_after_checkin_rate(checkins),
        "recovery_revenue": _recovery_revenue(resolved),
    }


def _revenue_per_customer(sales: list) -> dict[str, float]:
    """Per currency: the revenue / the customers who bought in that currency in the period."""
    cents: dict[str, int] = defaultdict(int)
    customers: dict[str, set[int]] = defaultdict(set)
    for sale in sales:
        cents[sale.currency] += sale.amount_cents
        customers[sale.currency].add(sale.customer_id)
    return {c: round(cents[c] / len(customers[c]) / 100, 2) for c in sorted(cents)}


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
