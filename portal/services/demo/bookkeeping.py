"""Goals, coaching notes and the summary of the demo organisation."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from portal.models import (
    CoachingNote,
    Goal,
)
from portal.models.case import OPEN_STATUSES
from portal.services.cases.overview import is_overdue
from portal.services.demo.content import COACHING, LOGIN_REPS
from portal.services.demo.plans import AnswerPlan, DemoSummary, TeamPlan


class Bookkeeping:
    """Goals, coaching notes, and the summary of what was built (part of the demo builder:
    `self` is the builder, builder.py)."""

    # -- goals, coaching, bookkeeping -------------------------------------------------------------
    def _goals(self) -> list[Goal]:
        today = self.now.date()
        month = today.replace(day=1)
        quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)

        def set_on(start: date) -> datetime:
            at = datetime(start.year, start.month, start.day, 8, 30, tzinfo=UTC) + timedelta(days=1)
            return min(at, self.now - timedelta(hours=1))

        sara, olivia = LOGIN_REPS[:2]
        wanted = [  # (team or rep, metric, target, period)
            *((info, metric, target, period) for info in self.teams for metric, target, period in (
                ("csat", 0.85, "month"), ("first_contact_within_sla", 0.9, "month"),
                ("recovery_rate", 0.5, "quarter"))),
            (self.reps[sara], "first_contact_within_sla", 0.95, "month"),
            (self.reps[sara], "csat", 0.8, "month"),
            (self.reps[olivia], "csat", 0.9, "month"),
            (self.reps["Liam Murphy"], "recovery_rate", 0.6, "quarter"),
        ]  # fmt: skip
        goals = []
        for owner, metric, target, period in wanted:
            start = month if period == "month" else quarter
            team = owner if isinstance(owner, TeamPlan) else owner.team
            whose = {"team_id": owner.team.id} if owner is team else {"rep_id": owner.user.id}
            goals.append(Goal(**whose, metric=metric, target=target, period=period,
                              period_start=start, created_by_id=team.manager.id,
                              created_at=set_on(start)))  # fmt: skip
        return goals

    def _coaching_notes(self) -> list[CoachingNote]:
        return [
            CoachingNote(
                manager_id=self.reps[name].team.manager.id,
                rep_id=self.reps[name].user.id,
                text=text,
                created_at=self.moment(
                    self.now - timedelta(days=days, hours=8), self.now - timedelta(days=days)
                ),
            )
            for name, days, text in COACHING
        ]

    def _last_surveyed(self) -> None:
        last: dict[int, datetime] = {}
        for inv in self.invitations:  # flushed or built with customer_id: the id is set
            if inv.sent_at is not None and (
                inv.customer_id not in last or inv.sent_at > last[inv.customer_id]
            ):
                last[inv.customer_id] = inv.sent_at
        for buyer in self.buyers:
            buyer.customer.last_surveyed_at = last.get(buyer.customer.id)

    def _summary(self, seed: int, answers: list[AnswerPlan], goals: int, notes: int) -> DemoSummary:
        customers = [b.customer for b in self.buyers]
        post_sale = [inv for inv in self.invitations if inv.kind == "post_sale"]
        follow_ups = [inv for inv, _case in self.follow_ups]
        scores = [a.invitation.response.recommend for a in answers]
        nps = round(100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores))
        open_cases = [c for c in self.cases if c.status in OPEN_STATUSES]
        counts = {
            "seed": seed,
            "teams": len(self.teams),
            "managers": len(self.teams),
            "reps": len(self.reps),
            "customers": len(customers),
            "swedish": sum(c.locale == "sv" for c in customers),
            "unsubscribed": sum(c.unsubscribed_at is not None for c in customers),
            "bounced": sum(c.bounced_at is not None for c in customers),
            "sales": len(self.sale_rows),
            "invitations": len(post_sale),
            "answers": len(answers),
            "nps": nps,
            "follow_ups": len(follow_ups),
            "follow_up_answers": sum(inv.answered_at is not None for inv in follow_ups),
            "cases": len(self.cases),
            "triage": sum(c.assigned_rep_id is None for c in open_cases),
            "overdue": sum(is_overdue(c, self.now) for c in open_cases),
            "goals": goals,
            "notes": notes,
        }
        logins = [("admin", self.admin.email)]
        logins += [("manager", info.manager.email) for info in self.teams]
        logins += [("rep", self.reps[name].user.email) for name in LOGIN_REPS]
        return DemoSummary(counts, dict(Counter(c.status for c in self.cases)), logins)
