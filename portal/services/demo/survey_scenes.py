"""Surveys in the demo: who was asked, who answered what, and the "did this fix it?" follow-up."""

from __future__ import annotations

from datetime import timedelta

from portal.models import (
    SurveyInvitation,
    SurveyResponse,
)
from portal.services.demo.content import (
    ANSWER_RATE,
    FOLLOW_UP,
    FOLLOW_UP_DELAY,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    RECOMMEND,
    SATISFACTION_WEIGHTS,
    SECOND,
    SWEEP,
    UNANALYSED,
)
from portal.services.demo.fit import fitting
from portal.services.demo.plans import AnswerPlan, BuyerPlan
from portal.services.surveys.doubt import review_doubt
from portal.services.surveys.schedule import first_send_time, in_daytime, zone


class SurveyScenes:
    """The post-sale surveys and their answers, and the follow-up after a resolution (part of
    the demo builder: `self` is the builder, builder.py)."""

    def _deliver(self, inv: SurveyInvitation, buyer: BuyerPlan, answer_after: timedelta | None,
                 post_sale: bool) -> str:  # fmt: skip
        """Play the survey dispatcher on one invitation, and the customer after it.

        Mirrors portal/services/survey_dispatch.py: skipped when unsubscribed, bounced or
        within the survey budget; a refused address is a hard bounce; reminders and the
        answer come in the customer's daytime. `answer_after` (from sending): when the
        customer would answer, None if never. Returns "waiting" (not sent yet), "skipped",
        "bounced", "failed", "sent" or "answered"."""
        rng, now, policy, customer = self.rng, self.now, self.survey_policy, buyer.customer
        at = inv.scheduled_for + timedelta(seconds=rng.randint(5, 60))  # the next tick
        if at > now:
            return "waiting"
        cutoff = at - timedelta(days=policy.budget_days)
        reason = (
            "unsubscribed" if customer.unsubscribed_at and customer.unsubscribed_at <= at
            else "bounced" if customer.bounced_at and customer.bounced_at <= at
            else "budget" if post_sale and buyer.last_surveyed and buyer.last_surveyed > cutoff
            else None
        )  # fmt: skip
        if reason:
            inv.skipped_at, inv.skip_reason = at, reason
            return "skipped"
        if buyer.fate == "bounce":
            inv.bounced_at = inv.skipped_at = customer.bounced_at = at
            inv.skip_reason, inv.last_error = "bounced", "address refused (550); marked bounced"
            return "bounced"
        if post_sale and rng.random() < 0.004 and at + timedelta(hours=3) <= now:
            inv.send_attempts, inv.failed_at = 5, at + timedelta(minutes=162)  # the backoffs
            inv.last_error = "SMTPServerDisconnected: Connection unexpectedly closed"
            return "failed"
        inv.sent_at, inv.send_attempts = at, 1
        inv.expires_at = at + timedelta(days=policy.link_expiry_days)
        buyer.last_surveyed = at
        tz = zone(customer.timezone, customer.locale)
        answered = None
        if answer_after is not None:
            answered = self.moment(
                at + answer_after, at + answer_after + timedelta(hours=3), (7, 23)
            )
            # Not yet (or never: the link expired first); a second's margin keeps the
            # follow-up's own events in the past.
            answered = answered if answered < min(now - SECOND, inv.expires_at) else None
        if policy.reminder_after_days:
            due = at + timedelta(days=policy.reminder_after_days, seconds=rng.randint(5, 60))
            reminded = in_daytime(due, tz, policy)
            if reminded <= now and (answered is None or answered > reminded):
                inv.reminded_at = reminded
        if answered is None:
            if rng.random() < 0.3:
                inv.opened_at = self.moment(at, min(now, inv.expires_at))
            return "sent"
        inv.answered_at, inv.opened_at = answered, answered - timedelta(minutes=rng.randint(1, 8))
        return "answered"

    def _post_sale_surveys(self) -> list[AnswerPlan]:
        rng, now, policy = self.rng, self.now, self.survey_policy
        answers = []
        for row in self.sale_rows:  # oldest first: the budget and unsubscribes work forwards
            buyer, sale = row.buyer, row.sale
            tz = zone(buyer.customer.timezone, buyer.locale)
            inv = SurveyInvitation(kind="post_sale", customer=buyer.customer, sale=sale,
                                   scheduled_for=first_send_time(sale.sold_at, tz, policy),
                                   created_at=sale.created_at)  # fmt: skip
            self.invitations.append(inv)
            answer_after = None
            if rng.random() < ANSWER_RATE:
                soon = rng.random() < 0.65  # else only after the reminder
                days = 0 if soon else policy.reminder_after_days or 4
                answer_after = timedelta(days=days, minutes=rng.randint(10, 48 * 60))
            state = self._deliver(inv, buyer, answer_after, post_sale=True)
            if state == "answered":
                answers.append(AnswerPlan(inv, row))
            elif state == "sent" and buyer.fate == "unsubscribe" and rng.random() < 0.5:
                left = (inv.opened_at or inv.sent_at) + timedelta(minutes=rng.randint(1, 30))
                if left <= now and buyer.customer.unsubscribed_at is None:
                    inv.unsubscribed_at = buyer.customer.unsubscribed_at = left
        # The newest answers came in minutes ago: the analysis job has not run on them yet.
        answers.sort(key=lambda a: a.invitation.answered_at)
        fresh = [
            a
            for a in answers
            if a.invitation.sent_at < now - timedelta(hours=2) and a.invitation.expires_at > now
        ]
        for k, answer in enumerate(reversed(fresh[-UNANALYSED:])):
            inv, answer.analysed = answer.invitation, False
            inv.answered_at = now - timedelta(minutes=3 + 11 * k)
            inv.opened_at = inv.answered_at - timedelta(minutes=2)
            if inv.reminded_at and inv.reminded_at > inv.answered_at:
                inv.reminded_at = None
        answers.sort(key=lambda a: a.invitation.answered_at)
        for answer in answers:
            self._answer(answer)
        return answers

    def _answer(self, answer: AnswerPlan) -> None:
        rng, inv, skill = self.rng, answer.invitation, answer.row.rep.skill
        w = SATISFACTION_WEIGHTS
        weights = (
            w[0] * (1 - 0.7 * skill),
            w[1] * (1 - 0.6 * skill),
            w[2] * (1 - 0.3 * skill),
            w[3],
            w[4] * (1 + 0.5 * skill),
        )
        satisfaction = rng.choices(range(1, 6), weights=weights)[0]
        label = "negative" if satisfaction <= 2 else "neutral" if satisfaction == 3 else "positive"
        pool, chance = {
            "negative": (NEGATIVE, 0.85),
            "neutral": (NEUTRAL, 0.55),
            "positive": (POSITIVE, 0.4),
        }[label]
        fit = fitting(pool[answer.row.buyer.locale], answer.row.sale.product)
        entry = rng.choice(fit) if rng.random() < chance else None
        inv.response = SurveyResponse(
            satisfaction=satisfaction,
            recommend=rng.choices(*RECOMMEND[satisfaction])[0],
            comment=entry[0] if entry else None,
            submitted_at=inv.answered_at,
            may_contact=rng.random() < (0.7 if label == "negative" else 0.3),
        )
        if entry and len(entry) > 2:
            answer.severity, answer.topic = entry[2], entry[3]
        if answer.analysed:
            self._analyse(inv.response, label, entry[1] if entry else [])

    def _analyse(self, response: SurveyResponse, label: str, reasons: list[str]) -> None:
        low, high = {"negative": (-0.95, -0.3), "neutral": (-0.1, 0.2), "positive": (0.35, 0.95)}[
            label
        ]
        response.sentiment_label = label
        response.sentiment_polarity = round(self.rng.uniform(low, high), 2)
        response.sentiment_reasons = [
            f"rating {response.satisfaction}/5",  # worded as the analysis words them
            f"recommend {response.recommend}/10",
            *reasons,
        ]
        response.analysed_at = response.submitted_at + timedelta(seconds=self.rng.randint(2, 40))
        response.review_doubt = review_doubt(response)

    def play_follow_up(self, case, buyer, resolved_at, answer, script, log):
        """The "did this fix it?" survey after a resolution; `answer` is "yes", "no" or
        "silent". Returns (closed_at, reopened_at); both None while it waits."""
        rng, now, policy = self.rng, self.now, self.survey_policy
        tz = zone(buyer.customer.timezone, buyer.locale)
        inv = SurveyInvitation(kind="resolution", customer_id=buyer.customer.id,
                               scheduled_for=in_daytime(resolved_at + FOLLOW_UP_DELAY, tz, policy),
                               created_at=resolved_at)  # fmt: skip
        self.invitations.append(inv)
        self.follow_ups.append((inv, case))
        drawn = timedelta(minutes=rng.randint(30, 60 * 60))
        answer_after = None if answer == "silent" else script.get("answer", drawn)
        state = self._deliver(inv, buyer, answer_after, post_sale=False)
        if state == "waiting":
            return None, None
        if state in ("skipped", "bounced"):
            closed = inv.skipped_at + SWEEP
            why = "has unsubscribed" if inv.skip_reason == "unsubscribed" else "cannot be emailed"
            log(closed, "system", "closed", f"Closed automatically: the customer {why}.")
            return closed, None
        log(inv.sent_at, "system", "follow_up_sent", 'Sent the "did this fix it?" survey.')
        if state == "sent":
            closed = inv.expires_at + SWEEP
            if closed > now:
                return None, None
            days = policy.link_expiry_days
            log(closed, "system", "closed", f"Closed automatically: no answer in {days} days.")
            return closed, None
        answered, fixed = inv.answered_at, answer == "yes"
        satisfaction = rng.choice((4, 5, 5)) if fixed else rng.choice((1, 2, 2))
        inv.response = SurveyResponse(
            satisfaction=satisfaction, recommend=rng.randint(7, 10) if fixed else rng.randint(0, 5),
            comment=rng.choice(FOLLOW_UP[(fixed, buyer.locale)]), may_contact=not fixed,
            resolved_concern=fixed, submitted_at=answered,
        )  # fmt: skip
        self._analyse(inv.response, "positive" if fixed else "negative", [])
        case.satisfaction_after = satisfaction
        verdict = "fixed" if fixed else "NOT fixed"
        message = f"Follow-up answered: {verdict}, satisfaction {satisfaction}/5."
        log(answered, "customer", "followup_answered", message, resolved_concern=fixed)
        if not fixed:
            return None, answered + SECOND
        closed = answered + SECOND
        log(closed, "system", "closed", "Closed: the customer confirmed the fix.")
        return closed, None
