"""What the demo builder plans before it writes rows: teams, reps, buyers, their sales and
answers (each wraps the model row it becomes), and what seeding reports back."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from portal.models import Customer, Sale, SurveyInvitation, Team, User


class DemoSeedError(Exception):
    """The demo cannot be seeded here (the CLI prints the message and exits 1)."""


@dataclass
class DemoSummary:
    counts: dict[str, int]
    case_statuses: dict[str, int]
    logins: list[tuple[str, str]]

    def describe(self) -> str:
        c, s = self.counts, self.case_statuses
        statuses = ", ".join(
            f"{s.get(name, 0)} {name}"
            for name in ("open", "contacted", "waiting", "resolved", "closed", "reopened")
        )
        return "\n".join((
            f"Demo organisation created (seed {c['seed']}):",
            f"  staff: 1 admin, {c['managers']} managers, {c['reps']} reps "
            f"in {c['teams']} teams",
            f"  customers: {c['customers']} ({c['swedish']} Swedish-speaking, "
            f"{c['unsubscribed']} unsubscribed, {c['bounced']} bounced)",
            f"  sales: {c['sales']} over the last 12 months",
            f"  surveys: {c['invitations']} post-sale invitations, {c['answers']} answered "
            f"(NPS {c['nps']:+d}); {c['follow_ups']} follow-ups, "
            f"{c['follow_up_answers']} answered",
            f"  cases: {c['cases']} ({statuses}); {c['triage']} in triage, "
            f"{c['overdue']} overdue",
            f"  goals: {c['goals']}, coaching notes: {c['notes']}",
        ))  # fmt: skip


@dataclass(eq=False)
class TeamPlan:
    team: Team
    manager: User
    currency: str
    sek_rate: float
    reps: list[RepPlan] = field(default_factory=list)


@dataclass(eq=False)
class RepPlan:
    user: User
    team: TeamPlan
    skill: float  # -0.4 .. 0.6: shifts how satisfied their customers are
    left_at: datetime | None = None
    away_from: datetime | None = None

    def working(self, at: datetime) -> bool:
        if self.left_at is not None and at >= self.left_at:
            return False
        return not (self.away_from is not None and self.away_from <= at < self.user.away_until)


@dataclass(eq=False)
class BuyerPlan:
    customer: Customer
    locale: str
    team: TeamPlan
    owner: RepPlan
    fate: str | None = None  # "unsubscribe" or "bounce", at one of their surveys
    last_surveyed: datetime | None = None
    sales: list[SaleRow] = field(default_factory=list)


@dataclass(eq=False)
class SaleRow:
    sale: Sale
    buyer: BuyerPlan
    rep: RepPlan


@dataclass(eq=False)
class AnswerPlan:
    invitation: SurveyInvitation
    row: SaleRow
    severity: str | None = None  # what the comment says about urgency,
    topic: str | None = None  # and what it is about
    analysed: bool = True


def slug(text: str) -> str:
    text = text.lower().replace("ü", "ue").replace("ß", "ss").replace("ø", "o").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text if ch.isalnum() or ch == "-")
