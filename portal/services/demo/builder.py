"""The demo builder: staff, customers and a year of sales, then the surveys, cases, goals and
notes that follow from them (survey_scenes.py, case_scenes.py, bookkeeping.py)."""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Case,
    Complaint,
    Customer,
    Sale,
    SlaPolicy,
    SurveyInvitation,
    Team,
    User,
)
from portal.services.demo.bookkeeping import Bookkeeping
from portal.services.demo.case_scenes import CaseScenes
from portal.services.demo.checkins import add_demo_checkins
from portal.services.demo.coaching import CoachingScenes
from portal.services.demo.content import (
    ADMIN_NAME,
    AWAY_REP,
    CATALOGUE,
    DEMO_PASSWORD,
    DOMAINS,
    INACTIVE_REP,
    LOGIN_REPS,
    NAMES,
    STAFF_DOMAIN,
    STAND_IN,
    TEAM_ZONES,
    TEAMS,
    ZONES_DACH,
    ZONES_NORDIC,
)
from portal.services.demo.joined_scene import add_wrote_again
from portal.services.demo.plans import BuyerPlan, DemoSummary, RepPlan, SaleRow, TeamPlan, slug
from portal.services.demo.survey_scenes import SurveyScenes
from portal.services.demo.waiting_scene import put_waiting
from portal.services.surveys.schedule import get_policy


class Demo(SurveyScenes, CaseScenes, Bookkeeping, CoachingScenes):
    """Builds the whole demo organisation from one random generator, relative to `now`."""

    def __init__(self, rng: random.Random, now: datetime):
        self.rng = rng
        self.now = now
        self.policies = {p.severity: p for p in db.session.scalars(sa.select(SlaPolicy))}
        self.survey_policy = get_policy()
        self.admin: User | None = None
        self.teams: list[TeamPlan] = []
        self.reps: dict[str, RepPlan] = {}
        self.buyers: list[BuyerPlan] = []
        self.sale_rows: list[SaleRow] = []
        self.invitations: list[SurveyInvitation] = []
        self.follow_ups: list[tuple[SurveyInvitation, Case]] = []
        self.cases: list[Case] = []
        self.form_complaints: list[tuple[Case, Complaint]] = []  # case_scenes.py

    # -- helpers ----------------------------------------------------------------------------------
    def moment(self, lo: datetime, hi: datetime, hours: tuple[int, int] = (7, 20)) -> datetime:
        """A moment in [lo, hi], at a waking hour when there is one: people sleep at night."""
        if hi <= lo:
            return lo
        span = (hi - lo).total_seconds()
        for _ in range(12):
            at = lo + timedelta(seconds=int(self.rng.random() * span))
            if hours[0] <= at.hour < hours[1]:
                break
        return at

    def staff_time(self, start: datetime, due: datetime) -> datetime:
        """When staff act on something due at `due`: mostly in time, sometimes late."""
        if due > start + timedelta(minutes=15) and self.rng.random() < 0.85:
            return self.moment(start + timedelta(minutes=5), due - timedelta(minutes=5))
        late = max(due, start) + timedelta(minutes=10)
        return self.moment(late, late + max(due - start, timedelta(hours=2)) * 1.5)

    def weighted_choice(self, weights: dict):
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    # -- the whole organisation -------------------------------------------------------------------
    def build(self, n_customers: int, n_sales: int, seed: int) -> DemoSummary:
        self._staff()
        self._customers(n_customers)
        self._sales(n_sales)
        answers = self._post_sale_surveys()
        db.session.add_all([b.customer for b in self.buyers])
        db.session.add_all([row.sale for row in self.sale_rows])
        db.session.add_all(self.invitations)  # their answers come along
        db.session.flush()
        self._survey_cases(answers)
        self._form_cases(max(3, n_sales // 60), within=timedelta(days=365))
        # Busier lately: enough open work on every rep's and manager's page.
        self._form_cases(max(4, n_sales // 150), within=timedelta(days=14))
        self._scripted_cases()
        db.session.add_all(self.cases)  # their events come along
        db.session.add_all([complaint for _case, complaint in self.form_complaints])
        db.session.flush()
        for case, complaint in self.form_complaints:
            case.complaint_id = complaint.id
        put_waiting(self.cases, self.now)
        add_wrote_again(self.cases, self.now)  # one case the customer wrote again about
        for invitation, case in self.follow_ups:
            invitation.case_id = case.id
        db.session.add_all([inv for inv, _case in self.follow_ups])
        goals, notes = self._goals(), self._coaching_notes()
        db.session.add_all(goals + notes)
        self._coaching_scenes()  # themes, coaching plans, a paced goal (demo/coaching.py)
        self._last_surveyed()
        db.session.flush()
        add_demo_checkins(self.rng, self.now)
        return self._summary(seed, answers, len(goals), len(notes))

    def _staff(self) -> None:
        rng, now = self.rng, self.now
        staff = []
        # One scrypt hash serves every demo account: they share the one demo password.
        hashed = User()
        hashed.set_password(DEMO_PASSWORD)

        def person(name: str, role: str, **fields) -> User:
            first, last = name.split(" ", 1)
            user = User(
                email=f"{slug(first)}.{slug(last)}@{STAFF_DOMAIN}",
                name=name,
                role=role,
                created_at=now - timedelta(days=rng.randint(400, 900)),
                **fields,
            )
            user.password_hash = hashed.password_hash
            staff.append(user)
            return user

        self.admin = person(ADMIN_NAME, "admin")
        for name, currency, rate, manager_name, rep_names in TEAMS:
            team = Team(
                name=name,
                created_at=now - timedelta(days=950),
                timezone=TEAM_ZONES[currency],
            )
            info = TeamPlan(team, person(manager_name, "manager", team=team), currency, rate)
            for rep_name in rep_names:
                rep = RepPlan(person(rep_name, "rep", team=team), info, rng.uniform(-0.4, 0.6))
                info.reps.append(rep)
                self.reps[rep_name] = rep
            self.teams.append(info)
        self.reps[LOGIN_REPS[0]].skill = -0.3  # the busy queue belongs to a rep still learning
        away = self.reps[AWAY_REP]
        away.user.away_until = (now + timedelta(days=9)).replace(hour=6, minute=0, second=0)
        away.away_from = now - timedelta(days=5)
        away.user.stand_in = self.reps[STAND_IN].user
        leaver = self.reps[INACTIVE_REP]
        leaver.left_at = now - timedelta(days=95)
        leaver.user.active = False
        db.session.add_all(staff)
        db.session.flush()
        for info in self.teams:
            info.team.lead_id = info.manager.id

    def _customers(self, n: int) -> None:
        rng, used = self.rng, set()
        nordics, dach, uk = self.teams
        for _ in range(n):
            if rng.random() < 0.3:
                locale, names, team = "sv", "sv", nordics
            else:
                locale, team = "en", self.weighted_choice({nordics: 10, dach: 45, uk: 45})
                german = rng.random() < 0.7
                names = "nordic" if team is nordics else "de" if team is dach and german else "en"
            first, last = (rng.choice(part.split()) for part in NAMES[names])
            private, company = (d.split() for d in DOMAINS[names])
            domain = rng.choice(private if rng.random() < 0.65 else company)
            local, k = f"{slug(first)}.{slug(last)}", 1
            while f"{local}@{domain}" in used:
                local, k = f"{slug(first)}.{slug(last)}{k + 1}", k + 1
            used.add(f"{local}@{domain}")
            customer = Customer(email=f"{local}@{domain}", name=f"{first} {last}", locale=locale)
            # NULL: the usual zone of the locale (Stockholm, London), as most customers have.
            zones = {dach: ZONES_DACH, nordics: ZONES_NORDIC if locale == "en" else (None,)}
            customer.timezone = rng.choice(zones.get(team, (None,)))
            owners = (
                [r for r in team.reps if r.left_at is None] if rng.random() < 0.8 else team.reps
            )
            self.buyers.append(BuyerPlan(customer, locale, team, rng.choice(owners)))
        for fate, share in (("unsubscribe", 0.02), ("bounce", 0.015)):
            for buyer in rng.sample(self.buyers, max(2, round(n * share))):
                buyer.fate = buyer.fate or fate

    def _sold_at(self) -> datetime:
        rng = self.rng
        days_ago = int(365 * rng.random() ** 1.15)  # the business grows: more recent sales
        day = (self.now - timedelta(days=days_ago)).replace(hour=0, minute=0, second=0)
        if day.weekday() >= 5 and rng.random() < 0.8:
            day -= timedelta(days=day.weekday() - 4)  # most weekend orders are Friday's
        at = day + timedelta(minutes=rng.randint(7 * 60, 17 * 60))
        return at if at < self.now - timedelta(minutes=30) else at - timedelta(days=1)

    def _sales(self, n: int) -> None:
        rng = self.rng
        weights = [rng.paretovariate(1.6) for _ in self.buyers]  # a few buy again and again
        who = list(self.buyers) + rng.choices(self.buyers, weights=weights, k=n - len(self.buyers))
        rng.shuffle(who)
        per_year = Counter()
        # The newest few are from the last two days: their surveys are not due yet.
        newest = [self.moment(self.now - timedelta(hours=46), self.now - timedelta(hours=1))
                  for _ in range(3)]  # fmt: skip
        times = sorted([self._sold_at() for _ in range(n - 3)] + newest)
        for buyer, sold_at in zip(who, times, strict=True):
            rep = buyer.owner if rng.random() < 0.8 else rng.choice(buyer.team.reps)
            if not rep.working(sold_at):
                rep = rng.choice([r for r in buyer.team.reps if r.working(sold_at)])
            name, sek = rng.choice(CATALOGUE)
            qty = (
                1
                if rng.random() < 0.55
                else max(1, min(rng.choice((2, 4, 6, 8, 12, 20)), 60_000 // sek))
            )
            unit = Decimal(round(sek / buyer.team.sek_rate))
            discount = rng.choice((0, 5, 10, 15)) if qty >= 6 else 0
            per_year[sold_at.year] += 1
            sale = Sale(
                order_ref=f"SO-{sold_at.year}-{per_year[sold_at.year] + 100:06d}",
                customer=buyer.customer,
                rep=rep.user,
                currency=buyer.team.currency,
                amount=(unit * qty * (100 - discount) / 100).quantize(Decimal("0.01")),
                product=name if qty == 1 else f"{name} ({qty} pcs)",
                sold_at=sold_at,
                created_at=sold_at + timedelta(minutes=rng.randint(20, 90)),
            )
            row = SaleRow(sale, buyer, rep)
            buyer.sales.append(row)
            self.sale_rows.append(row)
        for buyer in self.buyers:
            buyer.customer.created_at = buyer.sales[0].sale.created_at
