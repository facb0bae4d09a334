"""Forms of the performance pages, and the period filter every page shares."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.metrics.definitions import GOAL_METRICS
from portal.metrics.periods import Period, period_of
from portal.models.coaching import PERIODS
from portal.services.performance.goals import MAX_NOTE_LENGTH

GOAL_UNITS = {"share": "%", "hours": "hours", "score": "out of 5", "nps": "NPS points"}


class GoalForm(FlaskForm):
    subject = SelectField("For", validators=[DataRequired("Choose a rep or a team.")])
    metric = SelectField(
        "Metric",
        choices=[
            SelectChoice(name, f"{m.label} ({'at least' if m.higher_is_better else 'at most'})")
            for name, m in GOAL_METRICS.items()
        ],
        validators=[DataRequired("Choose a metric.")],
    )
    target = DecimalField(
        "Target",
        places=None,
        validators=[InputRequired("Enter the target as a number, e.g. 90 for 90%.")],
        description="Percentages as 0-100 (90 = 90%), times in hours, satisfaction 1-5.",
    )
    period = SelectField(
        "Period",
        choices=[SelectChoice(p, p.capitalize()) for p in PERIODS],
        default="month",
        validators=[DataRequired("Choose a week, month or quarter.")],
    )
    start = DateField(
        "Starting",
        default=date.today,
        validators=[InputRequired("Enter a date in the period, e.g. 2026-12-01.")],
        description="Any day in the period: the goal is for the week, month or quarter holding it.",
    )
    span = IntegerField(
        "Periods in a row",
        default=1,
        validators=[Optional(), NumberRange(1, 12, "Between 1 and 12 periods.")],
        description="1: that period only; 3: three months (or weeks, quarters) from it.",
    )
    milestones = StringField(
        "Milestones",
        validators=[Optional(), Length(max=500)],
        description="Optional, date=target; e.g. 2026-12-15=40; 2027-01-15=70.",
    )
    submit = SubmitField("Set goal")


class NoteForm(FlaskForm):
    text = TextAreaField(
        "Coaching note",
        validators=[
            DataRequired("Write the note before saving it."),
            Length(max=MAX_NOTE_LENGTH, message=f"Keep it under {MAX_NOTE_LENGTH} characters."),
        ],
    )
    submit = SubmitField("Add note")


class PeriodError(ValueError):
    """A bad period filter; the message names the parameter to fix."""


def parse_period(args, now) -> Period:
    """?period=week|month|quarter&start=YYYY-MM-DD (any day in it); default: this month."""
    kind = args.get("period", "month")
    if kind not in PERIODS:
        raise PeriodError(f"period must be one of {', '.join(PERIODS)} (got {kind!r}).")
    raw = args.get("start")
    if not raw:
        return period_of(kind, now)
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise PeriodError(f"start must be a date like 2026-11-01 (got {raw!r}).") from None
    return period_of(kind, day)


def parse_id(args, name: str) -> int | None:
    raw = args.get(name)
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        raise PeriodError(f"{name} must be a number (got {raw!r}).")
    return int(raw)
