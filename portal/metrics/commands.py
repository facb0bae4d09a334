"""`flask portal rebuild-performance`: recompute every performance record from the facts."""

from __future__ import annotations

import time

import click

from portal.metrics.rollup import all_periods, rebuild
from portal.models import utcnow


@click.command("rebuild-performance")
def rebuild_performance_command():
    """Recompute the performance records of every period from sales, surveys and cases.

    Safe at any time: each period's rows are replaced in one transaction, and the figures are
    the same as the periodic rollup's (complaints and satisfaction for the seller, times split
    among the holders: docs/metrics.md "Whose figure"). Run it after an upgrade that changes
    how a figure is counted.
    """

    now = utcnow()
    periods = all_periods(now)
    if not periods:
        click.echo("No sales, surveys or cases yet: nothing to compute.")
        return
    click.echo(f"Computing {len(periods)} periods...", err=True)
    began = time.perf_counter()
    written = rebuild(now)
    click.echo(
        f"{written} performance records for {len(periods)} periods in "
        f"{time.perf_counter() - began:.1f} s (complaints and satisfaction for the seller, "
        "times for whoever held each case)."
    )
