"""When a survey may go out: the policy, the customer's daytime and the survey budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models.survey_policy import SurveyPolicy

POLICY_ID = 1  # the one row of survey_policies
DEFAULT_TIMEZONES = {"sv": "Europe/Stockholm", "en": "Europe/London"}
# A sale older than this (beyond the policy's delay) is never surveyed: after a historic
# import, nobody wants to be asked about a purchase from last spring.
LATEST_SURVEY_DAYS_AFTER_DUE = 14


def get_policy() -> SurveyPolicy:
    """The survey policy, created with its defaults on first use (`flask portal init` creates
    it up front), in the caller's transaction.

    Two requests may be first at once: the insert skips a row that another transaction
    created meanwhile (ON CONFLICT DO NOTHING waits for that transaction instead of failing on
    the duplicate key, which answered 500 under load)."""
    policy = db.session.get(SurveyPolicy, POLICY_ID)
    if policy is None:
        dialect = db.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        db.session.execute(insert(SurveyPolicy).values(id=POLICY_ID).on_conflict_do_nothing())
        policy = db.session.get(SurveyPolicy, POLICY_ID)
    return policy


def zone(name: str | None, locale: str = "en") -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONES.get(locale, "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONES.get(locale, "UTC"))


def in_daytime(at: datetime, tz: ZoneInfo, policy: SurveyPolicy) -> datetime:
    """The first moment at or after `at` inside the customer's daytime window."""
    local = at.astimezone(tz)
    start = local.replace(hour=policy.window_start_hour, minute=0, second=0, microsecond=0)
    if local.hour < policy.window_start_hour:
        return start.astimezone(UTC)
    if policy.window_end_hour >= 24 or local.hour < policy.window_end_hour:
        return at
    # Wall-clock arithmetic in the customer's zone: 09:00 stays 09:00 across DST changes.
    tomorrow = (start + timedelta(days=1)).replace(tzinfo=None).replace(tzinfo=tz)
    return tomorrow.astimezone(UTC)


def first_send_time(sold_at: datetime, tz: ZoneInfo, policy: SurveyPolicy) -> datetime:
    return in_daytime(sold_at + timedelta(days=policy.send_after_days), tz, policy)


def budget_cutoff(now: datetime, policy: SurveyPolicy) -> datetime:
    """A customer last surveyed after this moment may not be surveyed again yet."""
    return now - timedelta(days=policy.budget_days)
