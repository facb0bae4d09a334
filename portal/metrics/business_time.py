"""Working time between two moments: the inverse of `add_working_minutes`
(services/sla/calendar.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.services.sla.calendar import MAX_DAYS_AHEAD, Calendar


def working_minutes_between(start: datetime, end: datetime, calendar: Calendar) -> float:
    """Minutes of the calendar's working time in [start, end] (0 when end <= start).

    For any start and m, working_minutes_between(start, add_working_minutes(start, m)) == m.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("pass timezone-aware (UTC) datetimes")
    if end <= start:
        return 0.0
    zone = calendar.zone
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    day, last = local_start.date(), local_end.date()
    if (last - day).days > MAX_DAYS_AHEAD:
        raise ValueError("more than ten years apart")
    total = timedelta(0)
    while day <= last:
        if calendar.is_working_day(day):
            begin = max(local_start, datetime.combine(day, calendar.start, zone))
            finish = min(local_end, datetime.combine(day, calendar.end, zone))
            if finish > begin:
                total += finish - begin
        day += timedelta(days=1)
    return total.total_seconds() / 60
