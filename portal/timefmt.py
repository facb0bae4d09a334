"""Times as people read them: staff in their own zone, customers in theirs, each zone named in
words ("Stockholm time", "tid i Stockholm"), never "UTC" or "Europe/London". Times are UTC in
the database; this is the only place that turns them into text for a reader."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache

from babel.dates import format_datetime, get_timezone_location
from flask_babel import get_locale, gettext

from portal.models import utcnow

UTC_KEYS = {"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "GMT", "Etc/GMT"}


def _key(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or str(tz)


# English names as CLDR gives them for "en" (Babel's "EEE" and "MMM"): staff_time writes them
# itself, a tenth of Babel's time, as a queue page writes a hundred times.
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def zone_city(tz: tzinfo, locale: str = "en") -> str:
    """The zone's city, in `locale`: "Stockholm", "Köpenhamn" (CLDR, through Babel)."""
    if _key(tz) in UTC_KEYS:
        return "UTC"
    return _city(tz, locale)


@lru_cache(maxsize=512)
def _city(tz: tzinfo, locale: str) -> str:
    """Looked up once per zone and language (Babel reads its locale data on every call)."""
    return get_timezone_location(tz, locale=locale, return_city=True)


def staff_zone_words(tz: tzinfo) -> str:
    """ "Stockholm time" (staff pages and emails are in English)."""
    city = zone_city(tz, "en")
    return city if city == "UTC" else f"{city} time"


def customer_zone_words(tz: tzinfo) -> str:
    """The zone in the reader's language: "Stockholm time", "tid i Stockholm"."""
    city = zone_city(tz, str(get_locale() or "en"))
    return city if city == "UTC" else gettext("%(city)s time", city=city)


def staff_time(value: datetime | None, tz: tzinfo, now: datetime | None = None) -> str:
    """ "Mon 7 Dec 12:00 Stockholm time"; the year only when it is not this year."""
    if value is None:
        return "—"
    local = value.astimezone(tz)
    this_year = (now or utcnow()).astimezone(tz).year == local.year
    year = "" if this_year else f" {local.year}"
    day = f"{WEEKDAYS_EN[local.weekday()]} {local.day} {MONTHS_EN[local.month - 1]}{year}"
    return f"{day} {local:%H:%M} {staff_zone_words(tz)}"


def staff_date(value: datetime | None, tz: tzinfo, fmt: str) -> str:
    """A date (or any strftime pattern) in the reader's zone, without naming the zone."""
    return "—" if value is None else value.astimezone(tz).strftime(fmt)


def customer_time(value: datetime | None, tz: tzinfo, named: bool = False) -> str:
    """ "måndag 7 december 2026 kl. 12:00" in the customer's zone and language; with
    `named`, followed by the zone in words: "(tid i Stockholm)"."""
    if value is None:
        return ""
    locale = get_locale()
    sv = locale is not None and locale.language == "sv"
    pattern = "EEEE d MMMM y 'kl.' HH:mm" if sv else "EEEE d MMMM y 'at' HH:mm"
    text = format_datetime(value.astimezone(UTC), pattern, tzinfo=tz, locale=locale or "en")
    return f"{text} ({customer_zone_words(tz)})" if named else text


def _span(seconds: float) -> str:
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


def time_left(target: datetime | None, now: datetime | None = None) -> str:
    """ "in 3 h", "overdue 4 d": time left to a deadline, readable at a glance."""
    if target is None:
        return "no deadline"
    seconds = (target - (now or utcnow())).total_seconds()
    return f"overdue {_span(-seconds)}" if seconds < 0 else f"in {_span(seconds)}"


def age(since: datetime | None, now: datetime | None = None) -> str:
    """ "45 min", "5 h", "3 d": how long something has been waiting (or is late)."""
    if since is None:
        return "—"
    return _span(max(0.0, ((now or utcnow()) - since).total_seconds()))
