"""The demo's coaching (issue 16): every case's complaint themes (assigned from its words as
the analysis does, a few corrected by a manager), coaching plans with training items and
check-in notes, and a team goal over three months with a milestone.

Part of the demo builder (`self` is the builder, builder.py); runs after the cases are
flushed, since plan baselines are computed from them."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics import coaching as plan_figures
from portal.models import (
    CaseEvent,
    CaseTheme,
    CoachingNote,
    CoachingPlan,
    Goal,
    PlanItem,
    SurveyResponse,
    Theme,
)
from portal.services.cases.themes import assign_auto, ensure_themes

CALL_SCRIPT = b"""First call after a complaint: a script

1. Say who you are and that you have read what they wrote. Quote one sentence back.
2. Say what you will do, and by when. Never promise what you cannot check.
3. Ask what would make it right for them. Write it down in the case.
4. Say when you will call again, and put it in the calendar now.
"""

# (rep, title, focus, target as shown, started days ago, due in days, items, check-in note)
PLANS = (
    ("Sara Nilsson", "Call customers back the same morning", "metric:first_contact_median_hours",
     None, 24, 36,
     (("Read the first-call checklist", "https://intranet.example.com/coaching/first-call",
       None, "Printed it; it is next to the phone now."),
      ("Role-play the angry customer with Johan", None, ("first-call-script.txt", CALL_SCRIPT),
       None),
      ("Shadow Erik on two complaint calls", None, None, None)),
     "Good start: the morning block works. Look at #{case} again: the customer waited two "
     "days for the first call."),
    ("Olivia Hughes", "Keep customers in the loop", "theme:rep_conduct", 20, 10, 50,
     (("Course: writing to an upset customer", "https://learn.example.com/courses/upset-customer",
       None, None),
      ("Send a status email every second day on open cases", None, None, None)),
     None),
    ("Lukas Müller", "Resolve within two working days", "metric:resolution_within_sla", 85, 110,
     -20,
     (("Review the SLA policy with Katrin", None, None, "Done, clearer now."),),
     None),
)  # fmt: skip
# Cases a manager re-themed: (theme the analysis missed), the first few "other" cases.
CORRECTED = ("product_quality", "delivery", "pricing_billing")


class CoachingScenes:
    def _coaching_scenes(self) -> int:
        ensure_themes()
        # A survey case's words are its answer's comment (kept as its description too).
        comments = dict(
            db.session.execute(
                sa.select(SurveyResponse.id, SurveyResponse.comment).where(
                    SurveyResponse.id.in_([c.response_id for c in self.cases if c.response_id])
                )
            ).all()
        )
        for case in self.cases:
            text = case.description or comments.get(case.response_id)
            assign_auto(case, text, case.category, case.created_at)
        db.session.flush()
        self._theme_corrections()
        plans = [self._plan(*spec) for spec in PLANS]
        db.session.add(self._paced_goal())
        db.session.flush()
        return len(plans)

    def _theme_corrections(self) -> None:
        themes = {t.key: t for t in db.session.scalars(sa.select(Theme))}
        other = [
            ct
            for ct in db.session.scalars(
                sa.select(CaseTheme).where(CaseTheme.theme_id == themes["other"].id)
            )
        ]
        by_id = {c.id: c for c in self.cases}
        for ct, key in zip(other, CORRECTED, strict=False):
            case = by_id.get(ct.case_id)
            if case is None or case.assigned_rep is None or case.assigned_rep.team is None:
                continue
            manager = case.assigned_rep.team.lead
            at = max(case.created_at + timedelta(hours=6), case.created_at)
            ct.theme_id, ct.source, ct.created_by_id, ct.reasons = (
                themes[key].id,
                "staff",
                (manager.id if manager else None),
                [],
            )
            db.session.add(
                CaseEvent(
                    case_id=case.id,
                    actor_kind="staff",
                    actor_id=manager.id if manager else None,
                    kind="themes_corrected",
                    message=f"Themes set to {themes[key].name_en} by "
                    f"{manager.name if manager else 'a manager'}.",
                    data={"from": ["other"], "to": [key]},
                    created_at=at,
                )
            )

    def _plan(self, rep_name, title, focus, target, started_ago, due_in, items, note):
        rep = self.reps[rep_name]
        manager = rep.team.manager
        today = self.now.date()
        started = today - timedelta(days=started_ago)
        due = today + timedelta(days=due_in)
        kind, _, name = focus.partition(":")
        metric = name if kind == "metric" else None
        theme = None
        if kind == "theme":
            theme = db.session.scalar(sa.select(Theme).where(Theme.key == name))
        window = plan_figures.baseline_window(started)
        baseline = plan_figures.figure(metric, name if theme else None, [rep.user.id], window,
                                       self.now)  # fmt: skip
        if target is None:  # hours: 40% faster than before, at least 2 h
            target = max(2.0, round((baseline or 10) * 0.6))
        stored = target / 100 if kind == "theme" or metric.endswith("_sla") else target
        plan = CoachingPlan(
            rep_id=rep.user.id,
            manager_id=manager.id,
            title=title,
            focus=kind,
            metric=metric,
            theme_id=theme.id if theme else None,
            baseline=baseline,
            baseline_from=window.start,
            target=stored,
            started_on=started,
            due_on=due,
            check_ins=[
                (started + timedelta(days=d)).isoformat()
                for d in (14, 28, 42)
                if started + timedelta(days=d) <= due
            ],
            created_at=self.moment(
                self.now - timedelta(days=started_ago, hours=6),
                self.now - timedelta(days=started_ago - 1),
            ),
        )
        db.session.add(plan)
        db.session.flush()
        for n, (item_title, link, upload, rep_note) in enumerate(items):
            db.session.add(
                PlanItem(
                    plan_id=plan.id,
                    title=item_title,
                    link=link,
                    file_name=upload[0] if upload else None,
                    file_type="text/plain" if upload else None,
                    file_data=upload[1] if upload else None,
                    rep_note=rep_note,
                    done_at=plan.created_at + timedelta(days=3 + n) if rep_note else None,
                    created_at=plan.created_at,
                )
            )
        if due < today:  # ended: met or not met with the figure over its time
            window = plan_figures.progress_window(started, due, self.now)
            plan.final_value = plan_figures.figure(metric, None, [rep.user.id], window, self.now)
            met = plan_figures.reached(
                plan.final_value, stored, plan_figures.higher_is_better(metric)
            )
            plan.status = "met" if met else "not_met"
            plan.ended_at = plan_figures.Window(due, due).starts_at + timedelta(hours=9)
        if note:
            own = [c for c in self.cases if c.assigned_rep_id == rep.user.id]
            case = max(own, key=lambda c: c.created_at) if own else None
            db.session.add(
                CoachingNote(
                    manager_id=manager.id,
                    rep_id=rep.user.id,
                    plan_id=plan.id,
                    text=note.format(case=case.id if case else "?"),
                    created_at=self.now - timedelta(days=max(started_ago - 14, 1), hours=3),
                )
            )
        return plan

    def _paced_goal(self) -> Goal:
        """Nordics: CSAT at least 85% over three months, 80% by the middle of the second."""
        team = self.teams[0]
        this_month = self.now.date().replace(day=1)
        start = (this_month - timedelta(days=1)).replace(day=1)
        milestone = date(this_month.year, this_month.month, 15)
        return Goal(
            team_id=team.team.id,
            metric="csat",
            target=0.85,
            period="month",
            period_start=start,
            span=3,
            milestones=[{"on": milestone.isoformat(), "target": 0.8}],
            created_by_id=team.manager.id,
            created_at=self.now - timedelta(days=40),
        )
