"""Cases in the demo: opened from negative answers and from the complaint form, plus the
scripted scenes every demo must show; each lived through by case_story.py."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.models import Case, Complaint
from portal.services.cases.opening import case_subject
from portal.services.demo.case_story import CaseStory
from portal.services.demo.content import (
    AWAY_REP,
    COMPLAINTS,
    INACTIVE_REP,
    LOGIN_REPS,
    NEVER,
    SECOND,
    SEVERITY_BY_SATISFACTION,
    STAFF_NOTES,
    STAND_IN,
    TOPIC_OF_CATEGORY,
)
from portal.services.demo.fit import fits, fitting
from portal.services.demo.plans import AnswerPlan, BuyerPlan, RepPlan, SaleRow


class CaseScenes:
    """The cases of the demo (part of the demo builder: `self` is the builder, builder.py)."""

    def _survey_cases(self, answers: list[AnswerPlan]) -> None:
        quiet = self._quiet_answer(answers)
        negative = [a for a in answers if a.invitation.response.sentiment_label == "negative"]
        for answer in negative:
            response, row = answer.invitation.response, answer.row
            script = {"resolve": NEVER} if answer is quiet else None
            case = Case(
                source="survey",
                customer_id=row.buyer.customer.id,
                sale_id=row.sale.id,
                response_id=response.id,
                # "You may contact me" left unticked: reviewed and resolved without contact.
                contact_wanted=bool(response.may_contact),
                satisfaction_before=response.satisfaction,
                severity=answer.severity or SEVERITY_BY_SATISFACTION[response.satisfaction],
                # as triage opens it: the customer's words are the case's (jobs/triage.py)
                subject=case_subject(response.comment),
                description=response.comment,
            )
            why = "; ".join(response.sentiment_reasons or [])
            said = f"Opened from survey ({case.severity}): {why}."
            topic = answer.topic or self.rng.choice(list(STAFF_NOTES))  # a rating, no words
            opened = response.analysed_at + SECOND
            first_event = ("system", "opened", said)
            product = row.sale.product
            self._play(case, row.buyer, row.rep, opened, first_event, topic, script, product)

    def _quiet_answer(self, answers: list[AnswerPlan]) -> AnswerPlan | None:
        """A scene every demo shows: the newest unhappy answer about a sale of the first login
        rep left "You may contact me" unticked, and waits in her queue to be reviewed. A small
        demo where she has none makes her newest analysed answer a bare 1 of 5."""
        hers = [a for a in answers if a.row.rep is self.reps[LOGIN_REPS[0]] and a.analysed]
        quiet = next(
            (a for a in reversed(hers) if a.invitation.response.sentiment_label == "negative"),
            hers[-1] if hers else None,
        )
        if quiet is None:
            return None
        response = quiet.invitation.response
        if response.sentiment_label != "negative":
            response.satisfaction, response.recommend, response.comment = 1, 2, None
            self._analyse(response, "negative", [])
        response.may_contact = False
        return quiet

    def _form_cases(self, n: int, within: timedelta) -> None:
        """Complaints sent through the public form, within the last `within`."""
        rng, now = self.rng, self.now
        rows = [r for r in self.sale_rows if r.sale.sold_at >= now - within - timedelta(days=60)]
        for row in rng.sample(rows, min(n, len(rows))):
            lo = max(row.sale.sold_at + timedelta(days=2), now - within)
            if lo < now - timedelta(hours=2):
                opened = self.moment(lo, min(now - timedelta(hours=1), lo + timedelta(days=60)))
                self._form_case(row.buyer, row if rng.random() < 0.75 else None, opened)

    def _form_case(
        self,
        buyer: BuyerPlan,
        row: SaleRow | None,
        opened: datetime,
        severity: str | None = None,
        script: dict | None = None,
    ) -> None:
        product = row.sale.product if row else None
        # What the customer writes fits the product; of the severity asked for when some does.
        texts = fitting(COMPLAINTS[buyer.locale], product, text_of=complaint_text)
        choices = [c for c in texts if severity in (None, c[3])] or texts
        category, subject, description, drawn = self.rng.choice(choices)
        severity = severity or drawn
        case = Case(
            source="complaint_form",
            customer_id=buyer.customer.id,
            severity=severity,
            sale_id=row.sale.id if row else None,
            category=category,
            subject=subject,
            description=description,
            contact_preference=self.rng.choice(("email", "email", "phone")),
        )
        self.form_complaints.append((case, self._complaint_of(case, buyer, row, opened)))
        first_event = ("customer", "opened", f"Complaint form: {subject}")
        seller = row.rep if row else None
        topic = TOPIC_OF_CATEGORY[category]
        self._play(case, buyer, seller, opened, first_event, topic, script, product=product)

    def _complaint_of(
        self, case: Case, buyer: BuyerPlan, row: SaleRow | None, opened: datetime
    ) -> Complaint:
        """What the customer sent on the form, as the form keeps it: who wants a call leaves a
        number to call (the case page, the rep's email and the queue's search show it)."""
        customer, phone = buyer.customer, None
        if case.contact_preference == "phone":
            phone = demo_phone(buyer.locale, len(self.form_complaints))
        complaint = Complaint(
            email=customer.email,
            name=customer.name,
            locale=buyer.locale,
            order_ref_given=row.sale.order_ref if row else None,
            customer_id=customer.id,
            sale_id=row.sale.id if row else None,
            category=case.category,
            description=case.description,
            contact_preference=case.contact_preference,
            phone=phone,
            created_at=opened - SECOND,
            confirmed_at=opened - SECOND,
        )
        # Analysed as it opened the case: the backfill sweep must not analyse it again.
        complaint.sentiment_label, complaint.analysed_at = "negative", opened
        return complaint

    def _scripted_cases(self) -> None:
        """Scenes every demo must have, whatever the seed and size: a busy queue for the
        first rep (overdue, fresh, reopened), the triage queue, a stand-in, every status."""
        first_contact = {
            s: longest_wall_time(p.first_contact_amount, p.first_contact_unit, p.business_hours)
            for s, p in self.policies.items()
        }
        resolve = {
            s: longest_wall_time(p.resolve_amount, p.resolve_unit, p.business_hours)
            for s, p in self.policies.items()
        }
        hours, days = timedelta(hours=1), timedelta(days=1)
        sara, olivia, lukas = (self.reps[name] for name in (*LOGIN_REPS[:2], "Lukas Müller"))
        away, leaver = self.reps[AWAY_REP], self.reps[INACTIVE_REP]
        fc, rs = first_contact, resolve
        # fmt: off
        scenes = (  # who made the sale (None: no order given), severity, opened ago, script
            (sara, "high", fc["high"] * 1.5, {"contact": NEVER}),  # overdue, escalated
            (sara, "normal", fc["normal"] * 0.25, {"contact": NEVER}),  # new, due later
            (sara, "critical", fc["critical"] * 2.5, {"contact": fc["critical"] * 0.4,
                                                      "resolve": NEVER}),
            (sara, "low", rs["low"] * 1.3, {"contact": fc["low"] * 0.5, "resolve": NEVER}),  # late
            (sara, "normal", 5.5 * days, {"contact": 2 * hours, "resolve": 30 * hours,
                                          "follow_up1": "no", "answer": 20 * hours,
                                          "recontact": 3 * hours, "reresolve": NEVER}),
            (olivia, "normal", 0.7 * hours, {"contact": NEVER}),
            (olivia, "normal", 6 * days, {"contact": 3 * hours, "resolve": days,
                                          "follow_up1": "silent"}),
            (olivia, "high", 25 * days, {"contact": hours, "resolve": 10 * hours,
                                         "follow_up1": "yes", "answer": days}),
            (lukas, "critical", 40 * days, {"contact": fc["critical"] * 1.5, "resolve": 20 * hours,
                                            "follow_up1": "silent"}),
            (away, "normal", days, {"contact": 3 * hours, "resolve": NEVER}),  # the stand-in's
            (leaver, "normal", 3 * hours, {"pickup": NEVER}),  # triage: the seller has left
            (None, "high", 0.8 * hours, {"pickup": NEVER}),  # triage: no order given
        )
        # fmt: on
        used = set()
        for seller, severity, ago, script in scenes:
            opened = self.now - ago
            rows = [r for r in self.sale_rows if r.rep is seller and r.buyer.fate is None
                    and r.sale.sold_at < opened - 3 * days and id(r.buyer) not in used]  # fmt: skip
            # A sale whose product some complaint of this severity can be about.
            rows = [r for r in rows if _complaint_fits(r, severity)] or rows
            if rows:
                used.add(id(rows[-1].buyer))
                self._form_case(rows[-1].buyer, rows[-1], opened, severity, script)
            else:
                team = seller.team if seller else self.teams[0]
                buyers = [b for b in self.buyers if b.team is team and b.fate is None]
                self._form_case(self.rng.choice(buyers), None, opened, severity, script)

    def route(self, seller: RepPlan | None, at: datetime) -> tuple[RepPlan | None, str]:
        """Who gets a new case, and what the timeline says about it."""
        if seller is None:
            return None, "Placed in the triage queue: no order was given."
        name = seller.user.name
        if seller.left_at is not None and at >= seller.left_at:
            return None, f"Placed in the triage queue: {name}, who made the sale, has left."
        if not seller.working(at):
            stand_in, until = self.reps[STAND_IN], seller.user.away_until
            return stand_in, (
                f"Assigned to {stand_in.user.name}, standing in for {name} "
                f"(away until {until.day} {until:%b})."
            )
        return seller, f"Assigned to {name}, who made the sale."

    def _play(
        self,
        case: Case,
        buyer: BuyerPlan,
        seller: RepPlan | None,
        opened: datetime,
        first_event: tuple[str, str, str],
        topic: str,
        script: dict | None = None,
        product: str | None = None,
    ) -> None:
        """Live through the case from `opened` until now, writing down what happened
        (case_story.py). `topic` (a key of STAFF_NOTES) is what the complaint is about."""
        story = CaseStory(self, case, buyer, opened, topic, script, product)
        rep, start = story.open(seller, first_event)
        for round_ in (1, 2):  # contact, resolve, ask; after a "not fixed", once more
            start = story.play_round(rep, round_, start)
            if start is None:
                break
        self.cases.append(story.finish())


def complaint_text(complaint: tuple) -> str:
    """The words of a COMPLAINTS entry: its subject and description."""
    return f"{complaint[1]} {complaint[2]}"


def _complaint_fits(row: SaleRow, severity: str) -> bool:
    return any(
        c[3] == severity and fits(complaint_text(c), row.sale.product)
        for c in COMPLAINTS[row.buyer.locale]
    )


def longest_wall_time(amount: int, unit: str, business: bool) -> timedelta:
    """The most wall-clock time an SLA can take (nights, a weekend): a scene opened 1.5x this
    long ago is overdue whatever the day and hour the demo is seeded."""
    if not business:
        return timedelta(days=amount) if unit == "days" else timedelta(hours=amount)
    if unit == "hours":
        return timedelta(days=3, hours=amount * 24 / 9)
    return timedelta(days=amount * 7 / 5 + 3)


def demo_phone(locale: str, n: int) -> str:
    """A phone number that rings nobody: the ranges set aside for fiction, in Sweden
    070-174 06 05 to 070-174 06 99 (PTS), in the UK 07700 900000 to 900999 (Ofcom)."""
    if locale == "sv":
        return f"070-174 06 {5 + n % 95:02d}"
    return f"+44 7700 900{n % 1000:03d}"
