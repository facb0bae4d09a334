"""Small statistics the figures share (portal/metrics/definitions.py, loyalty.py)."""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import datetime, timedelta

RETURN_WINDOW = timedelta(days=90)  # "bought again" means within 90 days


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default): p=0.5 is the median."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def bought_within(purchases: tuple[datetime, ...] | list[datetime], after: datetime) -> bool:
    """A purchase in (after, after + 90 days]. `purchases` is sorted."""
    i = bisect_right(purchases, after)
    return i < len(purchases) and purchases[i] <= after + RETURN_WINDOW
