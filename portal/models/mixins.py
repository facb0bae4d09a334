"""Columns that several tables share, defined once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import UTCDateTime


class AnalysedText:
    """What the sentiment analysis made of a customer's words, stored on the row that holds
    them (a survey answer, a complaint). Empty until the analysis job has run."""

    sentiment_polarity: Mapped[float | None] = mapped_column(sa.Float)
    sentiment_label: Mapped[str | None] = mapped_column(sa.String(16))
    sentiment_reasons: Mapped[list | None] = mapped_column(sa.JSON)
    sentiment_flags: Mapped[list | None] = mapped_column(sa.JSON)
    needs_review: Mapped[bool] = mapped_column(default=False)
    analysed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def store_analysis(self, result, now: datetime) -> None:
        """Keep an analysis result (portal.sentiment's): label, polarity, why, and whether a
        person should look at it."""
        self.sentiment_label = result.label
        self.sentiment_polarity = result.polarity
        self.sentiment_reasons = list(result.reasons)
        self.sentiment_flags = list(result.flags)
        self.needs_review = result.needs_review
        self.analysed_at = now
