"""Performance pages: the manager's dashboard, rep scorecards, goals, coaching notes, the
cases behind each figure, and CSV exports. Figures come from the performance records."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import SelectChoice

from portal import timefmt
from portal.auth.access import ANY_STAFF, roles_required
from portal.csv_export import csv_response
from portal.dashboard import attention, board, exports, scorecard
from portal.dashboard.forms import GoalForm, NoteForm, PeriodError, parse_id, parse_period
from portal.extensions import db
from portal.metrics.definitions import METRICS, SMALL_SAMPLE, is_small_sample, sample_size
from portal.metrics.triage_quality import load_triage_quality
from portal.models import utcnow
from portal.services.organisation import organisation
from portal.services.performance import goal_progress, goals
from portal.services.performance.records import computed_at, format_metric, format_value
from portal.services.rules import RuleError
from portal.services.staff import solo

bp = Blueprint("dashboard", __name__, url_prefix="/performance")
MANAGERS = ("manager", "admin")
CASES_PER_PAGE = 50


@bp.app_template_filter("metric")
def metric_filter(metrics, name):
    return format_metric(name, metrics)


@bp.app_template_global("metric_value")
def metric_value(value, name):
    return format_value(value, METRICS[name].unit)


@bp.app_template_global("period_bounds")
def period_bounds(period) -> str:
    """Where a period begins and ends for the company: the records count whole UTC days
    (portal/metrics/periods.py, and the bulk rebuild in SQL), so a month in Stockholm runs
    from 01:00 (02:00 in summer) on its first day; said in the company's zone."""
    zone = ZoneInfo(organisation().zone_name)
    if timefmt.zone_city(zone) == "UTC":
        return "UTC days"

    def moment(at) -> str:
        local = at.astimezone(zone)
        day = timefmt.WEEKDAYS_EN[local.weekday()]
        return f"{day} {local.day} {timefmt.MONTHS_EN[local.month - 1]} {local:%H:%M}"

    return (
        f"counted in UTC days: {moment(period.starts_at)} to {moment(period.ends_at)} "
        f"{timefmt.staff_zone_words(zone)}"
    )


@bp.app_template_global("metric_label")
def metric_label(name):
    return METRICS[name].label


@bp.app_template_global("sample_size")
def sample_size_global(name, metrics):
    return sample_size(name, metrics or {})


@bp.app_template_global("is_small_sample")
def is_small_sample_global(name, metrics):
    return is_small_sample(name, metrics or {})


@bp.errorhandler(PeriodError)
def bad_filter(exc):
    text = f"{exc} Fix the address, or start again from the dashboard."
    return render_template("errors/error.html", code=400, title="Bad filter", text=text), 400


def _team_filter():
    team_id = parse_id(request.args, "team")
    allowed = {t.id for t in goals.teams_in_scope(current_user)}
    if team_id is not None and not current_user.is_admin and team_id not in allowed:
        abort(404)
    return team_id


@bp.get("/")
@roles_required(*MANAGERS)
def index():
    if solo.is_solo_install():  # a seller on their own has no team to compare: their figures
        return redirect(
            url_for("dashboard.rep_scorecard", rep_id=current_user.id, **request.args.to_dict())
        )
    now = utcnow()
    period, team_id = parse_period(request.args, now), _team_filter()
    teams = goals.teams_in_scope(current_user)
    if team_id is None and not current_user.is_admin and teams:
        team_id = teams[0].id
    reps = [r for r in goals.reps_in_scope(current_user) if team_id is None or r.team_id == team_id]
    history = board.response_trend(board.team_subject(current_user, team_id), now)
    reps_url = url_for(".rep_scorecard", rep_id=0)[:-1]
    rows = board.comparison(reps, period, url_for(".cases"), reps_url)
    sort, descending = _sort_args()
    return render_template(
        "dashboard/index.html",
        now=now,
        period=period,
        team_id=team_id,
        teams=teams,
        damage=board.damage_control(current_user, now, team_id),
        triage=load_triage_quality(
            now, None if current_user.is_admin and team_id is None else [r.id for r in reps]
        ),
        rows=board.sort_rows(rows, sort, descending),
        sort=sort,
        descending=descending,
        first_direction=board.FIRST_DIRECTION,
        callouts=attention.callouts(rows, current_user, now),
        small_sample=SMALL_SAMPLE,
        trend=history,
        trend_charts=board.trend_charts(history),
        drill_figures=board.DRILL,
        computed_at=computed_at(period),
        columns=board.COMPARISON,
        reps_url=reps_url,
        trend_metrics=board.TREND_METRICS,
        age_buckets=board.AGE_BUCKETS,
    )


def _sort_args() -> tuple[str, bool]:
    """The reps table's order from ?sort=<column>&dir=asc|desc (links in its headers)."""
    sort = request.args.get("sort", "name")
    if sort not in board.SORT_KEYS:
        raise PeriodError(f"sort must be one of {', '.join(board.SORT_KEYS)} (got {sort!r}).")
    direction = request.args.get("dir", "asc")
    if direction not in ("asc", "desc"):
        raise PeriodError(f"dir must be asc or desc (got {direction!r}).")
    return sort, direction == "desc"


@bp.get("/reps/<int:rep_id>")
@roles_required(*ANY_STAFF)
def rep_scorecard(rep_id: int):
    rep = goals.visible_rep(current_user, rep_id)
    if rep is None and rep_id == current_user.id and solo.is_solo_install():
        rep = current_user  # a seller on their own: their own figures
    if rep is None:
        abort(404)
    now = utcnow()
    period, rank_by = parse_period(request.args, now), request.args.get("rank", "csat")
    card = scorecard.build(rep, period, now, current_user, rank_by)
    return render_template(
        "dashboard/scorecard.html",
        card=card,
        now=now,
        form=NoteForm(),
        tiles=scorecard.TILES,
        trend_metrics=scorecard.TREND,
        rankable=scorecard.RANKABLE,
        drill_figures=board.DRILL,
    )


@bp.post("/reps/<int:rep_id>/notes")
@roles_required(*MANAGERS)
def add_note(rep_id: int):
    if goals.visible_rep(current_user, rep_id) is None:
        abort(404)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            goals.add_note(current_user, rep_id, form.text.data)
        except RuleError as exc:
            flash(str(exc), "danger")
        else:
            flash("Coaching note added.", "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
    return redirect(url_for(".rep_scorecard", rep_id=rep_id, _anchor="notes"))


@bp.route("/goals", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def goals_page():
    form = GoalForm()
    form.subject.choices = [
        SelectChoice("", "Choose a rep or a team"),
        *(
            SelectChoice(f"team:{t.id}", f"Team {t.name}")
            for t in goals.teams_in_scope(current_user)
        ),
        *(SelectChoice(f"rep:{r.id}", r.name) for r in goals.reps_in_scope(current_user)),
    ]
    if form.validate_on_submit():
        try:
            goals.set_goal(
                current_user,
                subject=form.subject.data,
                metric=form.metric.data,
                target=float(form.target.data),
                period=form.period.data,
                start=form.start.data,
                span=form.span.data or 1,
                milestones=form.milestones.data,
            )
        except RuleError as exc:
            form.target.errors = [*form.target.errors, str(exc)]
        else:
            flash("Goal set.", "success")
            return redirect(url_for(".goals_page"))
    listed = goal_progress.progress_of(goals.list_goals(current_user), history=True)
    status = 400 if form.errors else 200
    return render_template("dashboard/goals.html", form=form, goals=listed), status


@bp.post("/goals/<int:goal_id>/delete")
@roles_required(*MANAGERS)
def delete_goal(goal_id: int):
    if not goals.delete_goal(current_user, goal_id):
        abort(404)
    flash("Goal removed.", "success")
    return redirect(url_for(".goals_page"))


@bp.get("/cases")
@roles_required(*ANY_STAFF)
def cases():
    now = utcnow()
    figure = request.args.get("figure", "")
    if figure not in board.PERIOD_FIGURES and figure not in board.LIVE_FIGURES:
        known = ", ".join(sorted(board.LIVE_FIGURES) + sorted(board.PERIOD_FIGURES))
        raise PeriodError(f"figure must be one of {known} (got {figure!r}).")
    period = parse_period(request.args, now)
    rep_id, team_id = parse_id(request.args, "rep"), parse_id(request.args, "team")
    if current_user.is_rep:
        rep_id, team_id = current_user.id, None
    query = board.drill_down(current_user, figure, now, period, rep_id, team_id)
    pagination = db.paginate(
        query, page=request.args.get("page", 1, type=int), per_page=CASES_PER_PAGE, error_out=False
    )
    label = board.LIVE_FIGURES.get(figure) or board.PERIOD_FIGURES[figure][0]
    return render_template(
        "dashboard/cases.html",
        pagination=pagination,
        page_args={k: v for k, v in request.args.items() if k != "page"},
        label=label,
        live=figure in board.LIVE_FIGURES,
        period=period,
        now=now,
        rep=goals.visible_rep(current_user, rep_id) if rep_id else None,
        team=board.team_name(team_id),
    )


@bp.get("/export/cases.csv")
@roles_required(*MANAGERS)
def export_cases():
    now = utcnow()
    period, team_id = parse_period(request.args, now), _team_filter()
    return csv_response(
        f"cases-{period.label}.csv",
        exports.CASE_COLUMNS,
        exports.case_rows,
        current_user,
        period,
        now,
        team_id,
    )


@bp.get("/export/reps.csv")
@roles_required(*MANAGERS)
def export_reps():
    period, team_id = parse_period(request.args, utcnow()), _team_filter()
    return csv_response(
        f"reps-by-{period.kind}.csv",
        exports.REP_COLUMNS,
        exports.rep_rows,
        current_user,
        period.kind,
        team_id,
    )
