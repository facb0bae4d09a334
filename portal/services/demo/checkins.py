"""The demo's check-ins: most customers that the rules made due were checked in with, in time
or a little late, by the rep whose customer they are; the newest ones are still on the lists,
and a few were forgotten (overdue). Some check-ins were made unprompted."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Checkin, Sale, SurveyInvitation, SurveyResponse
from portal.models.case import NOT_A_COMPLAINT
from portal.models.checkin import RULES_WITH_AMOUNT
from portal.services.cases import joining
from portal.services.checkins.rules import ensure_rules
from portal.services.demo.content import TEAMS

NOTES = {
    "large_sale": (
        "Called to check the delivery arrived complete. All good; asked about spare parts.",
        "Installed and running. Offered a walkthrough of the settings next week.",
        "Happy with it so far, wants a quote for two more units in spring.",
        None,
    ),
    "after_resolution": (
        "Replacement works fine. Thanked us for sorting it quickly.",
        "Checked the refund came through. It did; still a customer.",
        "Still a bit annoyed about the wait, but the product works now.",
        None,
    ),
    "detractor": (
        "Delivery was slow; explained the new courier. Accepted a discount code.",
        "Expected a different colour than on the website. Exchanged it.",
        "Price was the issue. Told them about the volume discount.",
        None,
    ),
    "silent_key_customer": (
        "Moved to a new office, will order again after the move.",
        "Budget frozen until next quarter. Follow up in March.",
        "Sent the new catalogue; they asked for a meeting.",
    ),
}
CHANNEL_WEIGHTS = {"call": 5, "email": 3, "meeting": 1, "note": 1}
DONE_SHARE = {"large_sale": 0.75, "after_resolution": 0.6, "detractor": 0.55}


def add_demo_checkins(rng: random.Random, now: datetime) -> int:
    """Check-ins for the demo's past, after its sales, cases and answers exist (flushed)."""
    rules = {r.kind: r for r in ensure_rules()}
    # The default amounts are SEK's; the other teams' currencies get theirs, the same in SEK.
    for kind in RULES_WITH_AMOUNT:
        rule = rules[kind]
        rule.min_amounts = {
            currency: f"{rule.min_amount / Decimal(str(rate)):.0f}.00"
            for _, currency, rate, *_ in TEAMS
            if currency != "SEK"
        }
    db.session.flush()
    moments = []  # (customer id, rep id, due at, kind)
    large = rules["large_sale"]
    for customer_id, rep_id, sold_at in db.session.execute(
        sa.select(Sale.customer_id, Sale.rep_id, Sale.sold_at).where(
            large.amount_at_least(Sale.amount, Sale.currency)
        )
    ):
        moments.append((customer_id, rep_id, sold_at + timedelta(days=large.days), "large_sale"))
    after = rules["after_resolution"]
    for customer_id, rep_id, resolved_at in db.session.execute(
        sa.select(Case.customer_id, Case.assigned_rep_id, Case.resolved_at).where(
            Case.status.in_(("resolved", "closed")),
            Case.resolved_at.is_not(None),
            sa.or_(Case.outcome.is_(None), Case.outcome != NOT_A_COMPLAINT),
        )
    ):
        moments.append(
            (customer_id, rep_id, resolved_at + timedelta(days=after.days), "after_resolution")
        )
    detractor = rules["detractor"]
    has_case = joining.response_in_a_case()
    for customer_id, rep_id, submitted_at in db.session.execute(
        sa.select(Sale.customer_id, Sale.rep_id, SurveyResponse.submitted_at)
        .join(SurveyInvitation, SurveyResponse.invitation_id == SurveyInvitation.id)
        .join(Sale, SurveyInvitation.sale_id == Sale.id)
        .where(SurveyResponse.recommend <= 6, ~has_case)
    ):
        moments.append(
            (customer_id, rep_id, submitted_at + timedelta(days=detractor.days), "detractor")
        )
    checkins = []
    for customer_id, rep_id, due_at, kind in sorted(moments, key=lambda m: m[2]):
        # Due in the last ten days: still on the lists. Older: mostly done.
        # Lately reps have kept up better: only a few are overdue.
        share = DONE_SHARE[kind] if due_at < now - timedelta(days=70) else 0.88
        if due_at > now - timedelta(days=10) or rng.random() > share:
            continue
        at = due_at + timedelta(days=rng.choice((-1, 0, 0, 1, 2, 3, 6, 9)), hours=rng.randint(0, 6))
        at = min(at.replace(hour=rng.randint(8, 16), minute=rng.randint(0, 59)), now)
        checkins.append(_checkin(rng, customer_id, rep_id, kind, at))
    # Key customers gone quiet: a few were called about it a while ago.
    silent = rules["silent_key_customer"]
    quiet = db.session.execute(
        sa.select(Sale.customer_id, Sale.rep_id, sa.func.max(Sale.sold_at))
        .group_by(Sale.customer_id, Sale.rep_id)
        .having(sa.func.max(Sale.sold_at) < now - timedelta(days=silent.days + 20))
    ).all()
    for customer_id, rep_id, last in quiet:
        # Called when they showed up on the list (most of the time), and again a quarter later.
        at = last + timedelta(days=silent.days + rng.randint(0, 8), hours=rng.randint(8, 15))
        while at < now and rng.random() < 0.85:
            checkins.append(_checkin(rng, customer_id, rep_id, "silent_key_customer", at))
            at += timedelta(days=silent.days + rng.randint(0, 8))
    db.session.add_all(checkins)
    db.session.flush()
    return len(checkins)


def _checkin(rng, customer_id, rep_id, kind, at) -> Checkin:
    channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
    note = rng.choice(NOTES[kind])
    if channel == "note" and not note:
        note = "Spoke at the trade fair; all fine."
    return Checkin(
        customer_id=customer_id,
        rep_id=rep_id,
        reason=kind,
        channel=channel,
        note=note,
        at=at,
        created_at=at,
    )
