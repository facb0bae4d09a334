"""Deadlines as an administrator manages them: the SLA policy of each severity, the holidays
(typed in, or taken from the `holidays` package), and what a policy means for a case opened now.

No Flask request state here. A change that breaks a rule raises `RuleError`, naming the form
field it concerns (and, for a policy, its severity) so the page can show the message next to it.

A change applies to cases opened from then on: a case gets its deadlines when it opens
(services.triage.open_case) and keeps them, so existing cases are never recomputed here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, time, timedelta

import holidays as holiday_rules
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Holiday, SlaPolicy, Team
from portal.models.case import SEVERITIES
from portal.models.sla import SLA_UNITS
from portal.services import audit
from portal.services.rules import RuleError
from portal.services.setup import ensure_sla_policies
from portal.services.sla import countries
from portal.services.sla.calendar import Calendar, calendar_for_team, works_round_the_clock
from portal.services.sla.deadlines import deadlines_for

# The allowed range of an SLA amount (hours or days), inclusive.
AMOUNT_LIMITS = (1, 1000)
# "Resolved within 1 business day" against "first contact within 10 business hours" needs a day
# length, and each team's differs: this check alone counts a business day as a standard
# 9-hour working day (08:00-17:00). Real deadlines use the team's own day.
STANDARD_DAY_HOURS = 9
# The years the holiday buttons accept.
YEAR_LIMITS = (2000, 2100)
EXAMPLE_WEEKDAY, EXAMPLE_TIME = 5, time(16)  # "a case opened on a Friday at 16:00"
NIGHT_WEEKDAY, NIGHT_TIME = 7, time(1, 41)  # "a case opened on a Sunday at 01:41"


# --- SLA policies ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicySettings:
    """What an administrator sets for one severity."""

    first_contact_amount: int
    first_contact_unit: str
    resolve_amount: int
    resolve_unit: str
    business_hours: bool

    @classmethod
    def of(cls, policy: SlaPolicy) -> PolicySettings:
        return cls(**{f.name: getattr(policy, f.name) for f in fields(cls)})

    def as_policy(self, severity: str = "normal") -> SlaPolicy:
        """An unsaved policy with these settings, for computing example deadlines."""
        return SlaPolicy(severity=severity, **{f.name: getattr(self, f.name) for f in fields(self)})

    def describe(self, which: str) -> str:
        return self.as_policy().describe(which)


def policies() -> list[SlaPolicy]:
    """The policy of every severity, most urgent first (created with the defaults if missing)."""
    found = {p.severity: p for p in db.session.scalars(sa.select(SlaPolicy))}
    if len(found) < len(SEVERITIES):
        ensure_sla_policies()
        found = {p.severity: p for p in db.session.scalars(sa.select(SlaPolicy))}
    return [found[severity] for severity in SEVERITIES]


def check_policy(settings: PolicySettings, severity: str | None = None) -> None:
    """Amounts from 1 to 1000 in hours or days; resolution not due before first contact."""
    low, high = AMOUNT_LIMITS
    for which in ("first_contact", "resolve"):
        amount = getattr(settings, f"{which}_amount")
        if not isinstance(amount, int) or not low <= amount <= high:
            raise RuleError(
                f"Enter a whole number from {low} to {high}.", f"{which}_amount", severity
            )
        if getattr(settings, f"{which}_unit") not in SLA_UNITS:
            raise RuleError("Choose hours or days.", f"{which}_unit", severity)
    check_resolution_after_first_contact(settings, severity)


def check_resolution_after_first_contact(
    settings: PolicySettings, severity: str | None = None
) -> None:
    first = _in_hours(settings.first_contact_amount, settings.first_contact_unit, settings)
    resolve = _in_hours(settings.resolve_amount, settings.resolve_unit, settings)
    if resolve >= first:
        return
    if settings.business_hours:
        how = (
            f"For this check a business day counts as {STANDARD_DAY_HOURS} working hours "
            "(a standard working day from 08:00 to 17:00)."
        )
    else:
        how = "A day is 24 hours here."
    raise RuleError(
        "Resolution cannot be due sooner than first contact "
        f"({settings.describe('first_contact')}). {how}",
        "resolve_amount",
        severity,
    )


def _in_hours(amount: int, unit: str, settings: PolicySettings) -> int:
    if unit == "hours":
        return amount
    return amount * (STANDARD_DAY_HOURS if settings.business_hours else 24)


def update_policies(settings: dict[str, PolicySettings]) -> list[str]:
    """Save the policies of the severities given, all or none. Returns the severities that
    changed. Cases already open keep their deadlines; new cases get the new ones."""
    for severity, row in settings.items():
        if severity not in SEVERITIES:
            raise RuleError(f"Unknown severity {severity!r}.")
        check_policy(row, severity)
    changed = []
    for policy in policies():
        row = settings.get(policy.severity)
        if row is None or row == PolicySettings.of(policy):
            continue
        before = asdict(PolicySettings.of(policy))
        for f in fields(row):
            setattr(policy, f.name, getattr(row, f.name))
        changed.append(policy.severity)
        audit.record_changes(
            "sla.policy_updated", policy, before, asdict(row), label=policy.severity
        )
    db.session.commit()
    return changed


# --- examples ----------------------------------------------------------------------------------


def example_calendar() -> Calendar:
    """The calendar of the examples: the default one (Stockholm, Monday to Friday 08:00-17:00)
    with the holidays for every team and those of the teams in its time zone (a Swedish team's
    Christmas: no example is due on 25 December)."""
    base = calendar_for_team(None)
    same_zone = sa.select(Team.id).where(Team.timezone == base.zone.key)
    days = db.session.scalars(sa.select(Holiday.day).where(Holiday.team_id.in_(same_zone)))
    return replace(base, holidays=base.holidays | frozenset(days))


def next_friday_afternoon(now: datetime, calendar: Calendar) -> datetime:
    """The next Friday 16:00 in the calendar's zone (today, if it is Friday before 16:00):
    a case opened just before the weekend shows best how business hours are counted."""
    return _next(EXAMPLE_WEEKDAY, EXAMPLE_TIME, now, calendar)


def preview_lines(settings: PolicySettings, now: datetime, calendar: Calendar) -> list[str]:
    """In words: when a case opened now, and one opened on Friday at 16:00, would be due."""
    friday = next_friday_afternoon(now, calendar)
    return [
        _example(settings, opened, label, calendar, now)
        for opened, label in ((now, "Opened now, {}"), (friday, "Opened {}, just before a weekend"))
    ]


@dataclass(frozen=True)
class SlaPreview:
    lines: list[str]
    warnings: list[str]  # what the admin must know before saving


def preview(settings: PolicySettings, now: datetime) -> SlaPreview:
    """The examples of a policy as it is being edited. A wall-clock policy runs day and night
    only in teams that work round the clock (services/sla/deadlines.py); every other team
    counts business hours under it, and the preview says which before anything is saved."""
    calendar = example_calendar()
    if settings.business_hours:
        return SlaPreview(preview_lines(settings, now, calendar), [])
    night = _next(NIGHT_WEEKDAY, NIGHT_TIME, now, calendar)
    teams = list(db.session.scalars(sa.select(Team).order_by(Team.name)))
    covered = [t.name for t in teams if works_round_the_clock(t)]
    uncovered = [t.name for t in teams if not works_round_the_clock(t)]
    lines, warnings = [], []
    if covered:
        clock = replace(calendar, round_the_clock=True)
        lines.append(f"On call round the clock ({', '.join(covered)}): the clock never stops.")
        lines += preview_lines(settings, now, clock)
        lines.append(_example(settings, night, "Opened {}, at night", clock, now))
    if uncovered or not teams:
        whom = ", ".join(uncovered) if uncovered else "No team"
        warnings.append(
            f"{whom} {'does' if len(uncovered) == 1 else 'do'} not work round the clock: "
            "their cases count business hours under this policy, so no customer is promised "
            'a time when nobody works. Tick "On call round the clock" on a team\'s page '
            "for the clock to run at night there."
        )
        lines.append(f"Without an on-call rota ({whom}), in business hours:")
        lines += preview_lines(settings, now, calendar)
        lines.append(_example(settings, night, "Opened {}, at night", calendar, now))
    return SlaPreview(lines, warnings)


def _next(weekday: int, at: time, now: datetime, calendar: Calendar) -> datetime:
    """The next `weekday` (ISO) at `at` in the calendar's zone, after `now`."""
    local = now.astimezone(calendar.zone)
    day = local.date() + timedelta(days=(weekday - local.isoweekday()) % 7)
    moment = datetime.combine(day, at, calendar.zone)
    if moment <= local:
        moment = datetime.combine(day + timedelta(days=7), at, calendar.zone)
    return moment


def _example(
    settings: PolicySettings, opened: datetime, label: str, calendar: Calendar, now: datetime
) -> str:
    due = deadlines_for(settings.as_policy(), opened, calendar)
    return (
        f"{label.format(_when(opened, calendar, now))}: "
        f"first contact by {_when(due.first_contact_due, calendar, now)}, "
        f"resolved by {_when(due.resolve_due, calendar, now)}."
    )


def _when(moment: datetime, calendar: Calendar, now: datetime) -> str:
    local = moment.astimezone(calendar.zone)
    text = f"{local:%a} {local.day} {local:%b}"
    if local.year != now.astimezone(calendar.zone).year:
        text += f" {local.year}"
    return f"{text} {local:%H:%M}"


# --- holidays ----------------------------------------------------------------------------------


def holidays_query(today: date) -> sa.Select:
    """Every holiday: the upcoming ones first (soonest first), then the past (latest first)."""
    past = sa.case((Holiday.day < today, 1), else_=0)
    upcoming_day = sa.case((Holiday.day >= today, Holiday.day))
    return sa.select(Holiday).order_by(
        past, upcoming_day.asc(), Holiday.day.desc(), Holiday.team_id, Holiday.id
    )


def team_names() -> dict[int, str]:
    return {row.id: row.name for row in db.session.execute(sa.select(Team.id, Team.name))}


HOLIDAY_FIELDS = ("day", "name", "team_id")


def add_holiday(day: date, name: str, team_id: int | None) -> Holiday:
    """A day off for one team, or for every team (team_id None). A day is one holiday per
    team: a second one on the same day (or a team's on a day off for everyone) is refused."""
    name = " ".join(name.split())
    if not name:
        raise RuleError("Enter a name, like Midsummer Eve.", "name")
    _check_team(team_id)
    _check_day_free(day, team_id)
    holiday = Holiday(day=day, name=name[:120], team_id=team_id)
    db.session.add(holiday)
    try:
        # (flushes the new row for its id: a clash shows here or at the commit)
        audit.record("holiday.added", holiday, after=audit.snapshot(holiday, HOLIDAY_FIELDS))
        db.session.commit()
    except IntegrityError:
        # Another admin added the same day a moment ago.
        db.session.rollback()
        _check_day_free(day, team_id)
        raise
    return holiday


def delete_holiday(holiday: Holiday) -> None:
    """The day becomes a working day again for deadlines of cases opened from now on."""
    audit.record("holiday.deleted", holiday, before=audit.snapshot(holiday, HOLIDAY_FIELDS))
    db.session.delete(holiday)
    db.session.commit()


def _check_team(team_id: int | None) -> None:
    if team_id is not None and db.session.get(Team, team_id) is None:
        raise RuleError("That team no longer exists. Choose another.", "team")


def _check_day_free(day: date, team_id: int | None) -> None:
    """Holiday.team_id NULL means every team, and NULLs never clash in a unique constraint:
    the database does not refuse a second day off for everyone, so this check does."""
    same_team = Holiday.team_id.is_(None) if team_id is None else Holiday.team_id == team_id
    taken = db.session.scalar(sa.select(Holiday).where(Holiday.day == day, same_team))
    if taken is not None:
        whom = "every team" if team_id is None else db.session.get(Team, team_id).name
        raise RuleError(f"{day.isoformat()} is already a holiday for {whom}: {taken.name}.", "day")
    if team_id is not None:
        shared = db.session.scalar(
            sa.select(Holiday).where(Holiday.day == day, Holiday.team_id.is_(None))
        )
        if shared is not None:
            raise RuleError(
                f"{day.isoformat()} is already a holiday for every team: {shared.name}.", "day"
            )


@dataclass(frozen=True)
class HolidaySource:
    """A country's days off, as the `holidays` package knows them."""

    label: str  # "Swedish public holidays"
    country: str
    subdiv: str | None = None
    categories: tuple[str, ...] = ("public",)
    language: str | None = None


HOLIDAY_SOURCES = {
    # Sweden: the public holidays, and the days that the Annual Leave Act treats as Sundays
    # (Midsummer Eve, Christmas Eve, New Year's Eve: the package's "de facto" category).
    # Names in English, like the rest of the staff pages.
    "se": HolidaySource(
        "Swedish public holidays", "SE", categories=("public", "de_facto"), language="en_US"
    ),
    # England's bank holidays, with the substitute days when one falls on a weekend.
    "gb-eng": HolidaySource("UK (England) bank holidays", "GB", subdiv="ENG"),
}


COUNTRY_SOURCE = "country:"  # "country:DE": any country the `holidays` package knows


def holiday_source(source: str) -> HolidaySource | None:
    """A HOLIDAY_SOURCES key, or "country:<ISO code>" of a supported country (None: neither)."""
    if source in HOLIDAY_SOURCES:
        return HOLIDAY_SOURCES[source]
    code = source.removeprefix(COUNTRY_SOURCE) if source.startswith(COUNTRY_SOURCE) else None
    name = countries.supported_countries().get(code or "")
    if name is None:
        return None
    return HolidaySource(f"public holidays ({name})", code, language=countries.language_for(code))


def source_for_country(code: str) -> str:
    """The source to import a country's holidays from: Sweden's and England's own rules, else
    the country's nationwide public holidays."""
    return {"SE": "se", "GB": "gb-eng"}.get(code, COUNTRY_SOURCE + code)


def team_holidays(team: Team, years: list[int]) -> list[Holiday]:
    """Unsaved holidays of the team's country (from its calendar's zone) in these years, for
    that team; none when the zone names no country."""
    code = countries.country_of_zone(team.timezone)
    if code is None:
        return []
    source = source_for_country(code)
    return [
        Holiday(day=day, name=name, team_id=team.id)
        for year in years
        for day, name in public_holidays(source, year).items()
    ]


def public_holidays(source: str, year: int) -> dict[date, str]:
    """The days off of `source` (see holiday_source) in `year`, from the `holidays`
    package: no rule is written here."""
    spec = holiday_source(source)
    found = holiday_rules.country_holidays(
        spec.country,
        subdiv=spec.subdiv,
        years=year,
        categories=spec.categories,
        language=spec.language,
    )
    return {day: name[:120] for day, name in sorted(found.items())}


@dataclass(frozen=True)
class HolidayImport:
    label: str
    year: int
    added: list[Holiday]
    already: int  # days that were holidays for them already


def add_public_holidays(source: str, year: int, team_id: int | None) -> HolidayImport:
    """Add the country's holidays of `year` that are missing, for every team or for one
    (a team's own holidays and every team's count as there). Running it twice adds nothing."""
    spec = holiday_source(source)
    if spec is None and source.startswith(COUNTRY_SOURCE):
        raise RuleError("Choose a country from the list.", "country")
    if spec is None:
        raise RuleError("Choose Swedish or UK (England) holidays, or a country from the list.")
    low, high = YEAR_LIMITS
    if not low <= year <= high:
        raise RuleError(f"Enter a year from {low} to {high}.", "year")
    _check_team(team_id)
    days = public_holidays(source, year)
    scope = Holiday.team_id.is_(None)
    if team_id is not None:
        scope = sa.or_(scope, Holiday.team_id == team_id)
    taken = set(
        db.session.scalars(
            sa.select(Holiday.day).where(
                scope, Holiday.day.between(date(year, 1, 1), date(year, 12, 31))
            )
        )
    )
    added = [
        Holiday(day=day, name=name, team_id=team_id)
        for day, name in days.items()
        if day not in taken
    ]
    db.session.add_all(added)
    if added:
        audit.record(
            "holiday.imported",
            target_type="holiday",
            label=f"{spec.label} {year}",
            after={
                "source": source,
                "year": year,
                "team_id": team_id,
                "days": [day.isoformat() for day in sorted(h.day for h in added)],
            },
        )
    try:
        db.session.commit()
    except IntegrityError:
        # Another admin added some of the same days a moment ago.
        db.session.rollback()
        raise RuleError(
            "Someone added holidays at the same moment. Press the button again: "
            "the days already there are skipped."
        ) from None
    return HolidayImport(spec.label, year, added, len(days) - len(added))
