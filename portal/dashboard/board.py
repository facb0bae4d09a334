"""The manager's dashboard: damage control now (live, open cases only), trends and the
per-rep comparison (from the performance records), and the cases behind every figure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from markupsafe import Markup, escape

from portal.extensions import db
from portal.metrics import definitions as d
from portal.metrics.definitions import METRICS
from portal.metrics.facts import Calendars, load_facts
from portal.metrics.periods import Period, recent
from portal.models import Case, Team, User
from portal.models.case import OPEN_STATUSES
from portal.models.performance import subject_key
from portal.services.performance.records import (
    TOO_EARLY,
    chart_number,
    format_metric,
    metrics_for,
    trend,
)
from portal.services.scope import visible_cases_query, visible_reps_query

AGE_BUCKETS = (  # (figure, label, min days, max days)
    ("age_0_1", "Under 1 day", 0, 1),
    ("age_1_3", "1 to 3 days", 1, 3),
    ("age_3_7", "3 to 7 days", 3, 7),
    ("age_7", "Over 7 days", 7, None),
)
COMPARISON = (
    "sales_count",
    "csat",
    "nps",
    "complaints_per_100_sales",
    "first_contact_median_hours",
    "first_contact_within_sla",
    "resolution_median_hours",
    "resolution_within_sla",
    "recovery_rate",
)
TREND_METRICS = (
    "first_contact_median_hours",
    "first_contact_p90_hours",
    "resolution_median_hours",
    "resolution_p90_hours",
)


def _open_cases(user: User, team_id: int | None) -> sa.Select:
    query = visible_cases_query(user).where(Case.status.in_(OPEN_STATUSES))
    if team_id is not None:
        members = sa.select(User.id).where(User.team_id == team_id)
        query = query.where(Case.assigned_rep_id.in_(members))
    return query


def live_filter(figure: str, now: datetime):
    """The condition of a "damage control now" figure on open cases (None: unknown)."""
    for name, _, low, high in AGE_BUCKETS:
        if figure == name:
            cond = Case.created_at <= now - timedelta(days=low)
            if high is not None:
                cond = sa.and_(cond, Case.created_at > now - timedelta(days=high))
            return cond
    return {
        "open": sa.true(),
        # Not a case whose customer did not ask to be contacted: nobody is to contact them.
        "uncontacted": sa.and_(Case.first_contact_at.is_(None), Case.contact_wanted.is_(True)),
        "first_contact_overdue": sa.and_(
            Case.first_contact_at.is_(None), Case.first_contact_due < now
        ),
        # A case waiting for the customer has its clock paused (services/cases/waiting.py).
        "resolution_overdue": sa.and_(Case.status != "waiting", Case.resolve_due < now),
        "overdue": sa.or_(
            sa.and_(Case.first_contact_at.is_(None), Case.first_contact_due < now),
            sa.and_(Case.status != "waiting", Case.resolve_due < now),
        ),
    }.get(figure)


@dataclass
class DamageControl:
    counts: dict[str, int]
    oldest_uncontacted: Case | None
    oldest_open: Case | None


def damage_control(user: User, now: datetime, team_id: int | None = None) -> DamageControl:
    figures = [b[0] for b in AGE_BUCKETS] + [
        "open",
        "uncontacted",
        "first_contact_overdue",
        "resolution_overdue",
    ]
    columns = [
        sa.func.count(sa.case((live_filter(figure, now), 1))).label(figure) for figure in figures
    ]
    row = db.session.execute(_open_cases(user, team_id).with_only_columns(*columns)).one()
    counts = dict(zip(figures, row, strict=True))
    # The id first (a narrow top-1 over the open cases), then the case with its people.
    ids = _open_cases(user, team_id).with_only_columns(Case.id).order_by(Case.created_at).limit(1)
    oldest_open = db.session.scalar(ids)
    oldest_uncontacted = db.session.scalar(ids.where(live_filter("uncontacted", now)))
    return DamageControl(counts, _with_people(oldest_uncontacted), _with_people(oldest_open))


def _with_people(case_id: int | None) -> Case | None:
    if case_id is None:
        return None
    return db.session.get(
        Case,
        case_id,
        options=[sa.orm.joinedload(Case.customer), sa.orm.joinedload(Case.assigned_rep)],
    )


@dataclass
class Cell:
    text: str  # the figure as people read it
    link: str | None  # the cases behind it
    n: int | None  # what it was computed from (None: a count, not a rate)
    small: bool  # from fewer than d.SMALL_SAMPLE: shown marked


@dataclass
class RepRow:
    rep: User
    metrics: dict = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)  # one per COMPARISON column
    html: Markup = field(default_factory=Markup)  # the row's cells, as the table shows them


def comparison(reps: list[User], period: Period, cases_url: str, reps_url: str) -> list[RepRow]:
    """Each rep's figures for the comparison table, with their sample sizes and drill-down
    links, and the row's HTML (built here with plain string joins: for 300 reps x 9 figures,
    url_for and a template expression per value took most of the page)."""

    records = metrics_for([subject_key("rep", r.id) for r in reps], period)
    when = f"period={period.kind}&start={period.start.isoformat()}"  # nothing to quote
    rows = []
    for rep in reps:
        metrics = records.get(subject_key("rep", rep.id)) or {}
        cells = []
        for name in COMPARISON:
            link = None
            known = metrics.get(name) is not None
            if known and name in DRILL:
                link = f"{cases_url}?figure={DRILL[name]}&{when}&rep={rep.id}"
            n = d.sample_size(name, metrics) if known else None
            small = known and d.is_small_sample(name, metrics)
            cells.append(Cell(format_metric(name, metrics), link, n, small))
        name_link = _escape(f"{reps_url}{rep.id}?{when}")
        html = f'<td class="cell-title"><a href="{name_link}">{_escape(rep.name)}</a></td>'
        html += "".join(
            _cell_html(name, cell) for name, cell in zip(COMPARISON, cells, strict=True)
        )
        rows.append(RepRow(rep, metrics, cells, Markup(html)))  # noqa: S704  (escaped above)
    return rows


def _escape(text: str) -> str:
    """Escaped, as a plain string: a Markup in a string join would escape the rest again."""
    return str(escape(text))


# Per process: each column's opening tag, with its label for the phone layout (a card of
# "label: value" lines), escaped once.
_OPEN = {
    (name, small): f'<td class="num{" is-small-sample" if small else ""}" '
    f'data-label="{_escape(METRICS[name].label)}">'
    for name in COMPARISON
    for small in (False, True)
}
_SMALL_MARK = (
    f'<span class="small-mark" title="Fewer than {d.SMALL_SAMPLE}: too few to judge by">*</span>'
    '<span class="visually-hidden"> (small sample)</span>'
)


_TOO_EARLY = (
    '<span class="small text-muted" title="Their complaints were resolved less than 90 days '
    'ago and they have not bought again yet: not known whether they come back">'
    f"{TOO_EARLY}</span>"
)


def _cell_html(name: str, cell: Cell) -> str:
    text = _TOO_EARLY if cell.text == TOO_EARLY else _escape(cell.text)
    html = _OPEN[(name, cell.small)]
    html += f'<a href="{_escape(cell.link)}">{text}</a>' if cell.link else text
    if cell.small:
        html += _SMALL_MARK
    if cell.n is not None:
        html += f'<span class="sample-n">n={cell.n}</span>'
    return html + "</td>"


SORT_KEYS = ("name", *COMPARISON)
# A heading's first click puts the worst first (the slowest, the lowest rate); names A to Z.
FIRST_DIRECTION = {
    "name": "asc",
    **{n: "asc" if METRICS[n].higher_is_better is True else "desc" for n in COMPARISON},
}


def sort_rows(rows: list[RepRow], key: str, descending: bool) -> list[RepRow]:
    """The table sorted by a column; reps with no figure come last either way."""
    if key not in COMPARISON:
        return sorted(rows, key=lambda r: r.rep.name.casefold(), reverse=descending)
    known = [r for r in rows if r.metrics.get(key) is not None]
    unknown = [r for r in rows if r.metrics.get(key) is None]
    known.sort(key=lambda r: (r.metrics[key], r.rep.name.casefold()), reverse=descending)
    return known + sorted(unknown, key=lambda r: r.rep.name.casefold())


def response_trend(subject: str, now: datetime, weeks: int = 12):
    return trend(subject, recent("week", now, weeks))


def trend_charts(history) -> list[dict]:
    """Chart data (hours per week) for the response-time trend, in two panels with their own
    scales: first contact (hours) would lie flat at zero under resolution's p90 (days) on one
    axis. A week with no figure is a gap (null), never 0. The page's table has the same."""

    def panel(title: str, names: tuple[str, ...]) -> dict:
        return {
            "title": title,
            "unit": "hours",
            "labels": [p.label for p, _ in history],
            "series": [
                {
                    "label": METRICS[name].label,
                    "data": [chart_number(m.get(name), "hours") for _, m in history],
                }
                for name in names
            ],
        }

    return [
        panel("First contact (hours)", TREND_METRICS[:2]),
        panel("Resolution (hours)", TREND_METRICS[2:]),
    ]


# Which cases a comparison figure opens.
DRILL = {
    "complaints_per_100_sales": "opened",
    "first_contact_median_hours": "contacted",
    "first_contact_within_sla": "first_contact_missed",
    "resolution_median_hours": "resolved",
    "resolution_within_sla": "resolution_missed",
    "recovery_rate": "recovered",
}


def team_subject(user: User, team_id: int | None) -> str:
    if team_id is not None:
        return subject_key("team", team_id)
    return "all" if user.is_admin else ""


# --- drill-down: the cases behind a period figure ----------------------------------------
PERIOD_FIGURES = {
    "opened": ("Cases opened", lambda c, p, now: d.opened_in(c, p)),
    "contacted": ("First contacted", lambda c, p, now: d.contacted_in(c, p)),
    "first_contact_met": (
        "First contact on time",
        lambda c, p, now: d.decided_in(dc := d.first_contact_deadline(c, now), p) and dc[1],
    ),
    "first_contact_missed": (
        "First contact late or missing",
        lambda c, p, now: d.decided_in(dc := d.first_contact_deadline(c, now), p) and not dc[1],
    ),
    "resolved": ("Resolved", lambda c, p, now: d.resolved_in(c, p)),
    "resolution_met": (
        "Resolved on time",
        lambda c, p, now: d.decided_in(dc := d.resolution_deadline(c, now), p) and dc[1],
    ),
    "resolution_missed": (
        "Resolution late or missing",
        lambda c, p, now: d.decided_in(dc := d.resolution_deadline(c, now), p) and not dc[1],
    ),
    "recovered": (
        "Customer bought again",
        lambda c, p, now: d.resolved_for_seller_in(c, p) and d.recovered(c),
    ),
    "not_recovered": (
        "Customer has not bought again",
        lambda c, p, now: d.resolved_for_seller_in(c, p) and not d.recovered(c),
    ),
}
LIVE_FIGURES = {
    **{name: f"Open, {label.lower()} old" for name, label, _, _ in AGE_BUCKETS},
    "open": "Open cases",
    "uncontacted": "Not yet contacted",
    "first_contact_overdue": "First contact overdue",
    "resolution_overdue": "Resolution overdue",
    "overdue": "Overdue (first contact or resolution)",
}


def rep_ids_of(user: User, rep_id: int | None, team_id: int | None) -> list[int] | None:
    """The reps a drill-down covers, within `user`'s scope (None: everyone, admins only)."""

    query = visible_reps_query(user).with_only_columns(User.id)
    if rep_id is not None:
        query = query.where(User.id == rep_id)
    elif team_id is not None:
        query = query.where(User.team_id == team_id)
    elif user.is_admin:
        return None
    return list(db.session.scalars(query))


def drill_down(
    user: User,
    figure: str,
    now: datetime,
    period: Period | None,
    rep_id: int | None = None,
    team_id: int | None = None,
) -> sa.Select:
    """The cases behind `figure`, as the metric definitions count them, in `user`'s scope
    (a query, oldest first, for the page to paginate)."""
    reps = rep_ids_of(user, rep_id, team_id)
    if figure in LIVE_FIGURES:
        query = _open_cases(user, None).where(live_filter(figure, now))
        if reps is not None:
            query = query.where(Case.assigned_rep_id.in_(reps))
        query = query.order_by(Case.created_at)
    else:
        rule = PERIOD_FIGURES[figure][1]
        facts = load_facts(period, now, reps, Calendars())
        ids = [c.id for c in facts.cases if rule(c, period, now)]
        query = visible_cases_query(user).where(Case.id.in_(ids)).order_by(Case.created_at)
    return query.options(sa.orm.joinedload(Case.customer), sa.orm.joinedload(Case.assigned_rep))


def team_name(team_id: int | None) -> str | None:
    team = db.session.get(Team, team_id) if team_id else None
    return team.name if team else None
