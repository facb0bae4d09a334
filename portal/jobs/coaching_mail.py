"""Jobs that tell a rep about their coaching: a new plan, a manager's note (issue 14: notes
used to go unnoticed), a plan that ended on its due date (to the manager too); and the hourly
job that ends plans past their due date. Each email job is claimed before it sends
(jobs/claims.py), so it sends once."""

from __future__ import annotations

from portal import jobs, mail
from portal.extensions import db
from portal.jobs import claims, outbox
from portal.jobs.registry import job
from portal.models import CoachingNote, CoachingPlan, utcnow
from portal.services.performance import plans
from portal.urls import external_url

NOTIFY_PLAN = "coaching_mail.notify_rep_of_plan"
NOTIFY_NOTE = "coaching_mail.notify_rep_of_note"
NOTIFY_ENDED = plans.NOTIFY_ENDED
REMIND_CHECK_IN = "coaching_mail.remind_check_in"


@job(NOTIFY_PLAN)
def notify_rep_of_plan(plan_id: int) -> bool:
    if not claims.claim(notify_rep_of_plan, plan_id):
        return False
    plan = db.session.get(CoachingPlan, plan_id)
    if plan is not None and plan.rep.active:
        message = mail.build_message(
            plan.rep.email,
            f"A coaching plan for you: {plan.title}",
            "coaching_plan",
            plan=plan,
            link=external_url("coaching.plan", plan_id=plan.id),
        )
        mail.send(message)
    outbox.mark_done(NOTIFY_PLAN, plan_id)
    db.session.commit()
    return plan is not None


@job(NOTIFY_NOTE)
def notify_rep_of_note(note_id: int) -> bool:
    if not claims.claim(notify_rep_of_note, note_id):
        return False
    note = db.session.get(CoachingNote, note_id)
    if note is not None and note.rep.active:
        if note.plan_id is not None:
            link = external_url("coaching.plan", plan_id=note.plan_id) + "#notes"
        else:
            link = external_url("dashboard.rep_scorecard", rep_id=note.rep_id) + "#notes"
        author = note.manager.name if note.manager else "Your manager"
        message = mail.build_message(
            note.rep.email,
            f"{author} wrote you a coaching note",
            "coaching_note",
            note=note,
            author=author,
            link=link,
        )
        mail.send(message)
    outbox.mark_done(NOTIFY_NOTE, note_id)
    db.session.commit()
    return note is not None


@job("coaching_mail.end_due_plans")
def end_due_plans() -> int:
    """Hourly: end the plans whose due date has passed (services/performance/plans.py) and
    queue today's check-in reminders (each sent once: the reminder claims plan and day)."""
    now = utcnow()
    for plan_id in plans.check_ins_on(now.date()):
        jobs.enqueue(REMIND_CHECK_IN, plan_id, now.date().isoformat(), family="mail")
    return plans.end_due_plans(now)


@job(REMIND_CHECK_IN)
def remind_check_in(plan_id: int, day: str) -> bool:
    """Email the rep and the manager that today is a check-in of the plan. False when this
    reminder was sent already or the plan is no longer active."""
    if not claims.claim(remind_check_in, plan_id, day):
        return False
    plan = db.session.get(CoachingPlan, plan_id)
    if plan is None or plan.status != "active":
        outbox.mark_done(remind_check_in, plan_id, day)
        db.session.commit()
        return False
    _email_rep_and_manager(plan, f"Coaching check-in today: {plan.title}", "coaching_check_in")
    outbox.mark_done(remind_check_in, plan_id, day)
    db.session.commit()
    return True


@job(NOTIFY_ENDED)
def notify_plan_ended(plan_id: int) -> bool:
    if not claims.claim(notify_plan_ended, plan_id):
        return False
    plan = db.session.get(CoachingPlan, plan_id)
    if plan is not None:
        verdict = "met" if plan.status == "met" else "not met"
        subject = f"Coaching plan ended, {verdict}: {plan.title}"
        _email_rep_and_manager(plan, subject, "coaching_plan_ended", verdict=verdict)
    outbox.mark_done(NOTIFY_ENDED, plan_id)
    db.session.commit()
    return plan is not None


def _email_rep_and_manager(plan: CoachingPlan, subject: str, template: str, **context) -> None:
    """One email each to the plan's rep and manager (if active), with the figure so far."""
    result = plans.progress(plan, utcnow())
    link = external_url("coaching.plan", plan_id=plan.id)
    for person in {plan.rep, plan.manager} - {None}:
        if person.active:
            message = mail.build_message(
                person.email, subject, template,
                plan=plan, result=result, person=person, link=link, **context,
            )  # fmt: skip
            mail.send(message)
