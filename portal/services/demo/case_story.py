"""One demo case lived through from its opening until now: routed, contacted, resolved, asked
"did this fix it?", perhaps reopened, with a deadline breach wherever staff were late. Every
step is written to the case's timeline in the order it happened."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.models import Case, CaseEvent
from portal.services.demo.content import (
    NEVER_AT,
    NO_CONTACT_RESOLUTIONS,
    OUTCOME_WEIGHTS,
    STAFF_NOTES,
    SWEEP,
)
from portal.services.demo.fit import fitting
from portal.services.demo.plans import BuyerPlan, RepPlan
from portal.services.sla.deadlines import as_wanted, deadlines_for
from portal.services.surveys.followup import SKIP_MESSAGES


class CaseStory:
    """`script` pins the delays instead of drawing them (each counted from the step before;
    NEVER: not yet) and the follow-up answers ("yes", "no", "silent"), so that the scenes the
    demo needs exist at any size. `demo` is the builder (builder.py): its random generator,
    "now", and the follow-up survey it plays out."""

    def __init__(
        self,
        demo,
        case: Case,
        buyer: BuyerPlan,
        opened: datetime,
        topic: str,
        script: dict | None = None,
        product: str | None = None,
    ) -> None:
        self.demo, self.case, self.buyer = demo, case, buyer
        self.rng, self.now, self.script = demo.rng, demo.now, script or {}
        self.policy, self.team = demo.policies[case.severity], buyer.team
        contact_notes, internal_notes, resolutions = STAFF_NOTES[topic]
        # What staff write fits the product sold (no gas lifts on a desk).
        self.contact_notes = contact_notes
        self.internal_notes = fitting(internal_notes, product, text_of=str)
        if case.contact_wanted is False:  # nothing that says we spoke to them
            resolutions = NO_CONTACT_RESOLUTIONS[topic]
        self.resolutions = {
            outcome: fitting(texts, product, text_of=str) for outcome, texts in resolutions.items()
        }
        self.events: list[tuple] = []
        self.status = "open"
        case.created_at, case.reopen_count = opened, 0
        case.first_contact_due, case.resolve_due = as_wanted(
            case, deadlines_for(self.policy, opened)
        )

    # -- the timeline -----------------------------------------------------------------------
    def log(self, at: datetime, actor, kind: str, message: str, **data) -> None:
        actor_kind, actor_id = (actor, None) if isinstance(actor, str) else ("staff", actor.id)
        entry = (at, len(self.events), actor_kind, actor_id, kind, message, data or None)
        self.events.append(entry)

    def after(self, start: datetime, key: str, drawn: datetime) -> datetime:
        return start + self.script[key] if key in self.script else drawn

    def breach(self, deadline: str, due: datetime) -> None:
        case, noticed = self.case, due + SWEEP  # noticed by the periodic sweep
        if noticed + timedelta(seconds=1) > self.now:
            return
        setattr(case, f"{deadline}_breached_at", noticed)
        what = "first contact" if deadline == "first_contact" else "resolution"
        self.log(noticed, "system", "breach", f"The {what} deadline passed.", deadline=deadline)
        if case.escalated_at is None:
            case.escalated_at = noticed + timedelta(seconds=1)
            manager = self.team.manager.name
            self.log(case.escalated_at, "system", "escalated", f"Escalated to {manager}.")

    # -- the steps --------------------------------------------------------------------------
    def open(
        self, seller: RepPlan | None, first_event: tuple[str, str, str]
    ) -> tuple[RepPlan | None, datetime]:
        """Open and route the case (a manager picks it from triage, in time or not yet).
        Returns the rep who works it (None: still in triage) and when their work starts."""
        opened = self.case.created_at
        self.log(opened, *first_event)
        rep, routing = self.demo.route(seller, opened)
        start = opened + timedelta(seconds=2)
        self.log(start, "system", "assigned" if rep else "triaged", routing)
        if rep is None:
            picked = self.after(
                opened, "pickup", self.demo.moment(start, start + timedelta(hours=8))
            )
            if picked <= self.now:
                rep = self.rng.choice([r for r in self.team.reps if r.working(picked)])
                message = f"Assigned to {rep.user.name} from triage."
                self.log(picked, self.team.manager, "assigned", message)
                start = picked
        self.case.assigned_rep_id = rep.user.id if rep else None
        return rep, start

    def play_round(self, rep: RepPlan | None, round_: int, start: datetime) -> datetime | None:
        """Contact, resolve, ask. Returns when the case reopened (the next round starts), or
        None when the story stops here (not yet contacted or resolved, or settled)."""
        if self.case.contact_wanted is False:
            return self._review_and_resolve(rep, start)
        contact_at = self._contact_time(rep, round_, start)
        if round_ == 1 and contact_at > self.case.first_contact_due:
            self.breach("first_contact", self.case.first_contact_due)
        if contact_at > self.now:
            return None
        resolve_at = self._contact(rep, round_, contact_at)
        if resolve_at > self.case.resolve_due and self.case.resolve_breached_at is None:
            self.breach("resolve", self.case.resolve_due)
        if resolve_at > self.now:
            return None
        return self._resolve(rep, round_, resolve_at)

    def _contact_time(self, rep: RepPlan | None, round_: int, start: datetime) -> datetime:
        if rep is None:
            return NEVER_AT
        if round_ == 1:
            due = self.case.first_contact_due
            return self.after(start, "contact", self.demo.staff_time(start, due))
        soon = self.demo.staff_time(start, start + timedelta(hours=6))
        return self.after(start, "recontact", soon)

    def _contact(self, rep: RepPlan, round_: int, contact_at: datetime) -> datetime:
        """Log the contact (and perhaps an internal note); returns when it gets resolved."""
        rng, case = self.rng, self.case
        if round_ == 1:
            case.first_contact_at, self.status = contact_at, "contacted"
        first = self.buyer.customer.name.split()[0]
        note = rng.choice(self.contact_notes).format(first=first)
        channel = case.contact_preference or "email"
        self.log(contact_at, rep.user, "contacted", note, channel=channel)
        key = "resolve" if round_ == 1 else "reresolve"
        drawn = self.demo.staff_time(contact_at, case.resolve_due)
        resolve_at = self.after(contact_at, key, drawn)
        if rng.random() < 0.5:
            noted = self.demo.moment(contact_at + timedelta(minutes=10), min(resolve_at, self.now))
            if noted < min(resolve_at, self.now):
                writer = rep.user if rng.random() < 0.8 else self.team.manager
                self.log(noted, writer, "note", rng.choice(self.internal_notes), internal=True)
        return resolve_at

    def _review_and_resolve(self, rep: RepPlan | None, start: datetime) -> None:
        """A customer who did not ask to be contacted: the rep reviews the case, notes what
        was done and resolves it, with no contact and no "did this fix it?" survey."""
        if rep is None:
            return None
        case = self.case
        drawn = self.demo.staff_time(start, case.resolve_due)
        resolve_at = self.after(start, "resolve", drawn)
        if resolve_at > case.resolve_due:
            self.breach("resolve", case.resolve_due)
        if resolve_at > self.now:
            return None
        noted = self.demo.moment(start + timedelta(minutes=5), resolve_at)
        self.log(noted, rep.user, "note", self.rng.choice(self.internal_notes), internal=True)
        self._resolved(rep, resolve_at)
        self.log(
            resolve_at + timedelta(seconds=1),
            "system",
            "followup_skipped",
            SKIP_MESSAGES["no_contact_wanted"],
            reason="no_contact_wanted",
            round=0,
        )
        return None

    def _resolved(self, rep: RepPlan, resolve_at: datetime) -> None:
        rng, case, resolutions = self.rng, self.case, self.resolutions
        outcome = self.demo.weighted_choice({name: OUTCOME_WEIGHTS[name] for name in resolutions})
        case.outcome, case.resolved_at, self.status = outcome, resolve_at, "resolved"
        case.resolution_summary = rng.choice(resolutions[outcome])
        self.log(resolve_at, rep.user, "resolved", case.resolution_summary, outcome=outcome)

    def _resolve(self, rep: RepPlan, round_: int, resolve_at: datetime) -> datetime | None:
        """Resolve, then play out the follow-up: closed, waiting, or reopened (returned)."""
        case = self.case
        self._resolved(rep, resolve_at)
        drawn = self.demo.weighted_choice({"yes": 40, "no": 8 if round_ == 1 else 0, "silent": 52})
        answer = self.script.get(f"follow_up{round_}", drawn)
        closed_at, reopened_at = self.demo.play_follow_up(
            case, self.buyer, resolve_at, answer, self.script, self.log
        )
        if closed_at is not None:
            case.closed_at, self.status = closed_at, "closed"
        if reopened_at is None:
            return None
        case.reopen_count += 1
        case.resolved_at = case.outcome = case.resolution_summary = None
        case.resolve_due = deadlines_for(self.policy, reopened_at).resolve_due
        self.status = "reopened"
        self.log(
            reopened_at,
            "system",
            "reopened",
            "Reopened: the customer says it is not fixed.",
            resolve_due=case.resolve_due.isoformat(),
        )
        return reopened_at

    def finish(self) -> Case:
        """The case as it stands now, with its timeline in order."""
        case = self.case
        case.status = self.status
        case.updated_at = max(self.events)[0]
        case.events = [
            CaseEvent(
                created_at=at,
                actor_kind=actor_kind,
                actor_id=actor_id,
                kind=kind,
                message=message,
                data=data,
            )
            for at, _n, actor_kind, actor_id, kind, message, data in sorted(self.events)
        ]
        return case
