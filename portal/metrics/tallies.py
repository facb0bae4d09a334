"""The sales and survey figures from counts: what `definitions.compute` counts from one
subject's rows, and the rollup's rebuild counts for every subject and period at once in SQL
(metrics/bulk_counts.py). One formula per figure, so both give the same number."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from portal.metrics.stats import RETURN_WINDOW, share

CSAT_SATISFIED = (4, 5)
PROMOTER_MIN, DETRACTOR_MAX = 9, 6


@dataclass
class SalesTally:
    """One subject's sales of one period, counted."""

    count: int = 0
    cents: dict[str, int] = field(default_factory=dict)  # revenue per currency
    customers: int = 0  # distinct customers who bought
    returning: int = 0  # of them, who bought again within 90 days of such a sale
    customers_by_currency: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, sales: list) -> SalesTally:
        """Counted from SaleFacts (definitions.SaleFact)."""
        cents: dict[str, int] = defaultdict(int)
        by_currency: dict[str, set[int]] = defaultdict(set)
        again: dict[int, bool] = {}
        for sale in sales:
            cents[sale.currency] += sale.amount_cents
            by_currency[sale.currency].add(sale.customer_id)
            bought = sale.next_purchase_at is not None and (
                sale.next_purchase_at <= sale.sold_at + RETURN_WINDOW
            )
            again[sale.customer_id] = again.get(sale.customer_id, False) or bought
        return cls(
            len(sales),
            dict(cents),
            len(again),
            sum(again.values()),
            {currency: len(ids) for currency, ids in by_currency.items()},
        )

    def figures(self) -> dict:
        cents, buyers = self.cents, self.customers_by_currency
        return {
            "sales_count": self.count,
            "revenue": {currency: cents[currency] / 100 for currency in sorted(cents)},
            "repeat_customers": self.customers,
            # Customers who bought in the period and bought again within 90 days of such a sale.
            "repeat_purchase_rate": share(self.returning, self.customers),
            # Per currency: the revenue / the customers who bought in that currency.
            "revenue_per_customer": {
                c: round(cents[c] / buyers[c] / 100, 2) for c in sorted(cents)
            },
        }


@dataclass
class SurveyTally:
    """One subject's post-sale surveys of one period, counted: sent (by sent time) and the
    answers (by answer time)."""

    sent: int = 0
    answered: int = 0  # of those sent in the period, answered (at any time)
    answers: int = 0
    ratings: int = 0  # answers with a satisfaction score
    rating_sum: int = 0
    satisfied: int = 0  # scores in CSAT_SATISFIED
    recommends: int = 0  # answers with a recommend score
    promoters: int = 0
    detractors: int = 0

    @classmethod
    def of(cls, sent: list, answers: list) -> SurveyTally:
        ratings = [r.satisfaction for r in answers if r.satisfaction is not None]
        recommends = [r.recommend for r in answers if r.recommend is not None]
        return cls(
            len(sent),
            sum(i.answered for i in sent),
            len(answers),
            len(ratings),
            sum(ratings),
            sum(r in CSAT_SATISFIED for r in ratings),
            len(recommends),
            sum(r >= PROMOTER_MIN for r in recommends),
            sum(r <= DETRACTOR_MAX for r in recommends),
        )

    def figures(self) -> dict:
        return {
            "surveys_sent": self.sent,
            "surveys_answered": self.answered,
            "response_rate": share(self.answered, self.sent),
            "answers": self.answers,
            "csat_n": self.ratings,
            "nps_n": self.recommends,
            "satisfaction_avg": self.rating_sum / self.ratings if self.ratings else None,
            "csat": share(self.satisfied, self.ratings),
            "nps": (
                100 * (self.promoters - self.detractors) / self.recommends
                if self.recommends
                else None
            ),
        }
