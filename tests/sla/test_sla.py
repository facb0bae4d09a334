"""Deadlines from the SLA policy, counted in the team's working hours when the policy says so."""

from dataclasses import replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from portal.extensions import db
from portal.models import Holiday, SlaPolicy
from portal.services.sla.calendar import Calendar, add_working_minutes, calendar_for_team
from portal.services.sla.deadlines import deadlines_for

UTC_WEEK = Calendar(ZoneInfo("UTC"), frozenset(range(1, 6)), time(8), time(18))
STOCKHOLM = Calendar(ZoneInfo("Europe/Stockholm"), frozenset(range(1, 6)), time(8), time(17))


def at(text: str, zone: str = "UTC") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def policy(first=(4, "hours"), resolve=(2, "days"), business=True) -> SlaPolicy:
    return SlaPolicy(
        severity="high",
        first_contact_amount=first[0],
        first_contact_unit=first[1],
        resolve_amount=resolve[0],
        resolve_unit=resolve[1],
        business_hours=business,
    )


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        ("2026-11-27 16:00", 240, "2026-11-30 10:00"),  # Friday 16:00 + 4 h = Monday 10:00
        ("2026-11-25 09:00", 60, "2026-11-25 10:00"),  # inside the day
        ("2026-11-25 06:30", 60, "2026-11-25 09:00"),  # before opening: counts from 08:00
        ("2026-11-25 20:00", 60, "2026-11-26 09:00"),  # after closing: next morning
        ("2026-11-28 12:00", 30, "2026-11-30 08:30"),  # Saturday: Monday morning
        ("2026-11-27 17:59", 2, "2026-11-30 08:01"),  # the last minute of the week
        ("2026-11-25 08:00", 3 * 600, "2026-11-27 18:00"),  # three full days end Friday 18:00
    ],
)
def test_working_minutes_skip_nights_and_weekends(start, minutes, due):
    assert add_working_minutes(at(start), minutes, UTC_WEEK) == at(due)


def test_holidays_are_not_working_days():
    calendar = Calendar(
        UTC_WEEK.zone,
        UTC_WEEK.workdays,
        UTC_WEEK.start,
        UTC_WEEK.end,
        holidays=frozenset({date(2026, 12, 24), date(2026, 12, 25)}),
    )
    # Wednesday 23 December 17:00 + 2 h: 1 h that day, then Thursday and Friday are holidays.
    assert add_working_minutes(at("2026-12-23 17:00"), 120, calendar) == at("2026-12-28 09:00")


def test_the_teams_time_zone_decides_the_working_day():
    # 07:30 UTC on a Monday in winter is 08:30 in Stockholm: already working time there.
    due = add_working_minutes(at("2026-11-30 07:30"), 60, STOCKHOLM)
    assert due == at("2026-11-30 09:30", "Europe/Stockholm")


def test_business_days_are_working_days_at_the_same_time_of_day():
    opened = at("2026-11-27 10:00")  # a Friday
    deadlines = deadlines_for(policy(resolve=(2, "days")), opened, UTC_WEEK)
    assert deadlines.first_contact_due == at("2026-11-27 14:00")
    assert deadlines.resolve_due == at("2026-12-01 10:00")  # Tuesday


def test_wall_clock_policies_ignore_the_calendar_of_a_team_on_call_round_the_clock():
    opened = at("2026-11-27 16:00")
    wall_clock = policy((2, "hours"), (1, "days"), business=False)
    deadlines = deadlines_for(wall_clock, opened, replace(UTC_WEEK, round_the_clock=True))
    assert deadlines.first_contact_due == at("2026-11-27 18:00")
    assert deadlines.resolve_due == at("2026-11-28 16:00")
    # Without the rota nobody is there on Saturday: business hours (Monday 16:00).
    assert deadlines_for(wall_clock, opened, UTC_WEEK).resolve_due == at("2026-11-30 16:00")


def test_a_calendar_without_working_time_is_refused():
    empty = Calendar(ZoneInfo("UTC"), frozenset(), time(8), time(17))
    with pytest.raises(ValueError, match="no working time"):
        add_working_minutes(at("2026-11-27 10:00"), 60, empty)


def test_a_teams_calendar_includes_its_own_and_everyones_holidays(app, make_team):
    north, south = make_team("North"), make_team("South")
    north.timezone, north.workdays = "Europe/London", "1,2,3,4"
    db.session.add_all(
        [
            Holiday(team_id=None, day=date(2026, 12, 25), name="Christmas Day"),
            Holiday(team_id=north.id, day=date(2026, 12, 28), name="Team day"),
            Holiday(team_id=south.id, day=date(2026, 12, 29), name="Not ours"),
        ]
    )
    db.session.commit()
    calendar = calendar_for_team(north)
    assert calendar.zone == ZoneInfo("Europe/London")
    assert calendar.workdays == frozenset({1, 2, 3, 4})
    assert calendar.holidays == {date(2026, 12, 25), date(2026, 12, 28)}
