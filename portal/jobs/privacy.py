"""The retention rule's daily run (services/customer_data/retention.py): customers' words older
than CUSTOMER_WORDS_RETENTION_MONTHS months are replaced by a marker. Off when it is 0."""

from __future__ import annotations

from flask import current_app

from portal.jobs.registry import job
from portal.models import utcnow
from portal.services.customer_data.retention import anonymise_old_words


@job("privacy.apply_retention")
def apply_retention() -> dict | None:
    """Periodic (daily); idempotent: a second run finds nothing left to replace."""
    months = current_app.config["CUSTOMER_WORDS_RETENTION_MONTHS"]
    if not months:
        return None
    return anonymise_old_words(months, utcnow())
