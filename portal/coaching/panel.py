"""What the scorecard shows of coaching (templates/coaching/_scorecard.html): the rep's plans
with their progress, and what their complaints are about in the scorecard's period."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user

from portal.coaching.common import bp
from portal.metrics.periods import Period
from portal.metrics.themes import ThemeCount
from portal.models import User, utcnow
from portal.services.cases.themes import all_themes, recent_corrections
from portal.services.performance import plans
from portal.services.performance import themes as theme_report
from portal.services.performance.records import format_value

MAX_PLANS = 6


@dataclass
class Panel:
    plans: list[plans.PlanProgress]
    themes: list[ThemeCount]
    cases: int
    names: dict[str, str]


@bp.app_template_filter("plan_value")
def plan_value(value, unit: str) -> str:
    return format_value(value, unit)


@bp.app_template_global("theme_corrections")
def theme_corrections():
    """For the corrections page (templates/cases/_theme_corrections.html)."""
    return recent_corrections(current_user)


@bp.app_template_global("coaching_panel")
def coaching_panel(rep: User, period: Period) -> Panel:
    now = utcnow()
    shown = plans.plans_of(rep.id)[:MAX_PLANS]
    subject = theme_report.Subject(rep.name, [rep.id], rep=rep)
    row = theme_report.history(subject, period, length=1)[0]
    themes = all_themes()
    return Panel(
        plans=[plans.progress(p, now) for p in shown],
        themes=theme_report.leading_themes(row, themes, limit=3),
        cases=row.cases,
        names={t.key: t.name_en for t in themes},
    )
