"""Which customers are due a personal check-in (services/checkins/due.py), rule by rule, and
what settles one. Default rules: a sale of 10,000 or more 14 days on; 30 days after a
resolved complaint; 2 days after a detractor's answer (0-6) that opened no case; a customer
who bought 20,000 or more in all, silent for 90 days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import Case, Checkin, Customer, SurveyInvitation, SurveyResponse
from portal.services.checkins.due import due_checkins, due_for_reps, overdue_count
from portal.services.checkins.rules import RuleChange, ensure_rules, update_rules
from portal.services.rules import RuleError

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


@pytest.fixture
def north(make_team, make_user):
    mgr = make_user("manager", name="Maja")
    team = make_team("North", lead=mgr)
    rita = make_user(team=team, name="Rita")
    other = make_user(team=make_team("South"), name="Sven")
    return {"mgr": mgr, "rita": rita, "other": other}


def kinds(items) -> dict[str, list[str]]:
    return {i.customer.name: [r.kind for r in i.reasons] for i in items}


def answer(sale, recommend, submitted_at):
    inv = SurveyInvitation(
        kind="post_sale", customer=sale.customer, sale=sale, scheduled_for=submitted_at
    )
    inv.sent_at = inv.answered_at = submitted_at
    response = SurveyResponse(invitation=inv, recommend=recommend, submitted_at=submitted_at)
    db.session.add_all([inv, response])
    db.session.commit()
    return response


def test_a_large_sale_is_due_after_the_days_and_a_small_one_never(north, make_sale):
    rita = north["rita"]
    make_sale(
        rita, Customer(email="big@x.org", name="Big"), amount=Decimal("10000"), sold_at=days_ago(15)
    )
    make_sale(
        rita,
        Customer(email="fresh@x.org", name="Fresh"),
        amount=Decimal("50000"),
        sold_at=days_ago(13),
    )
    make_sale(
        rita,
        Customer(email="small@x.org", name="Small"),
        amount=Decimal("9999.99"),
        sold_at=days_ago(20),
    )
    assert kinds(due_checkins(rita, NOW)) == {"Big": ["large_sale"]}


def test_a_check_in_after_the_moment_settles_it_one_before_does_not(north, make_sale):
    rita = north["rita"]
    big = Customer(email="big@x.org", name="Big")
    make_sale(rita, big, amount=Decimal("12000"), sold_at=days_ago(20))
    db.session.add(Checkin(customer=big, rep_id=rita.id, channel="call", at=days_ago(21)))
    db.session.commit()
    assert kinds(due_checkins(rita, NOW)) == {"Big": ["large_sale"]}
    db.session.add(Checkin(customer=big, rep_id=rita.id, channel="email", at=days_ago(5)))
    db.session.commit()
    assert due_checkins(rita, NOW) == []


def test_resolved_complaint_due_30_days_after_not_a_complaint_never(north, make_sale):
    rita = north["rita"]
    for name, resolved, outcome in (
        ("Fixed", 31, "refund"),
        ("Recent", 29, "refund"),
        ("Relabelled", 40, "not_a_complaint"),
    ):
        sale = make_sale(rita, Customer(email=f"{name}@x.org", name=name), sold_at=days_ago(90))
        db.session.add(
            Case(
                source="staff",
                customer=sale.customer,
                sale=sale,
                assigned_rep=rita,
                status="closed",
                resolved_at=days_ago(resolved),
                outcome=outcome,
            )
        )
    db.session.commit()
    assert kinds(due_checkins(rita, NOW)) == {"Fixed": ["after_resolution"]}


def test_detractor_without_a_case_is_due_one_with_a_case_or_a_passive_is_not(north, make_sale):
    rita = north["rita"]
    s1 = make_sale(rita, Customer(email="d@x.org", name="Detractor"), sold_at=days_ago(10))
    answer(s1, 6, days_ago(3))
    s2 = make_sale(rita, Customer(email="c@x.org", name="HasCase"), sold_at=days_ago(10))
    response = answer(s2, 2, days_ago(3))
    db.session.add(
        Case(
            source="survey",
            customer=s2.customer,
            sale=s2,
            response_id=response.id,
            assigned_rep=rita,
        )
    )
    s3 = make_sale(rita, Customer(email="p@x.org", name="Passive"), sold_at=days_ago(10))
    answer(s3, 7, days_ago(3))
    db.session.commit()
    assert kinds(due_checkins(rita, NOW)) == {"Detractor": ["detractor"]}


def test_key_customer_silent_for_a_quarter_until_checked_in(north, make_sale):
    rita = north["rita"]
    key = Customer(email="key@x.org", name="Key")
    make_sale(rita, key, amount=Decimal("15000"), sold_at=days_ago(300))
    make_sale(rita, key, amount=Decimal("6000"), sold_at=days_ago(120))
    lively = Customer(email="lively@x.org", name="Lively")
    make_sale(rita, lively, amount=Decimal("25000"), sold_at=days_ago(300))
    make_sale(rita, lively, amount=Decimal("10"), sold_at=days_ago(30))
    small = Customer(email="small@x.org", name="Small")
    make_sale(rita, small, amount=Decimal("5000"), sold_at=days_ago(200))
    assert kinds(due_checkins(rita, NOW)) == {"Key": ["silent_key_customer"]}
    db.session.add(Checkin(customer=key, rep_id=rita.id, channel="meeting", at=days_ago(10)))
    db.session.commit()
    assert due_checkins(rita, NOW) == []  # due again 90 days after the check-in
    later = kinds(due_checkins(rita, NOW + timedelta(days=81)))
    assert later == {"Key": ["silent_key_customer"], "Lively": ["silent_key_customer"]}


def test_reps_see_their_own_managers_their_team_and_overdue_counts(north, make_sale):
    rita, other, mgr = north["rita"], north["other"], north["mgr"]
    make_sale(
        rita,
        Customer(email="r@x.org", name="Ritas"),
        amount=Decimal("20000"),
        sold_at=days_ago(14 + 8),
    )  # due 8 days ago: overdue
    make_sale(
        other,
        Customer(email="o@x.org", name="Svens"),
        amount=Decimal("20000"),
        sold_at=days_ago(15),
    )
    assert list(kinds(due_checkins(rita, NOW))) == ["Ritas"]
    assert list(kinds(due_checkins(mgr, NOW))) == ["Ritas"]
    assert sorted(kinds(due_for_reps(None, NOW))) == ["Ritas", "Svens"]
    assert overdue_count({rita.id}, NOW) == 1
    assert overdue_count({other.id}, NOW) == 0  # due one day ago: not overdue yet


def test_a_rule_switched_off_or_changed_changes_the_list(north, make_sale):
    rita = north["rita"]
    make_sale(
        rita, Customer(email="big@x.org", name="Big"), amount=Decimal("10000"), sold_at=days_ago(15)
    )
    ensure_rules()
    change = RuleChange("large_sale", active=True, days="14", min_amount="10 001")
    update_rules(north["mgr"], [change], NOW)
    assert due_checkins(rita, NOW) == []
    update_rules(north["mgr"], [RuleChange("large_sale", False, "7", "100")], NOW)
    assert due_checkins(rita, NOW) == []
    update_rules(north["mgr"], [RuleChange("large_sale", True, "7", "100")], NOW)
    assert kinds(due_checkins(rita, NOW)) == {"Big": ["large_sale"]}


@pytest.mark.parametrize(
    "change, message",
    [
        (RuleChange("large_sale", True, "two weeks", "100"), "whole number from 0 to 730"),
        (RuleChange("large_sale", True, "800", "100"), "out of range"),
        (RuleChange("large_sale", True, "14", "lots"), "as a number"),
        (RuleChange("large_sale", True, "14", "-5"), "from 0 to"),
        (RuleChange("large_sale", True, "14", "10.005"), "two decimals"),
    ],
)
def test_bad_rule_values_are_refused_and_nothing_is_saved(north, change, message):
    ensure_rules()
    db.session.commit()
    good = RuleChange("detractor", True, "5")
    with pytest.raises(RuleError, match=message):
        update_rules(north["mgr"], [good, change], NOW)
    db.session.rollback()
    assert {r.kind: r.days for r in ensure_rules()}["detractor"] == 2


def test_an_away_reps_check_ins_pass_along_stand_ins_who_are_away_too(north, make_sale):
    rita, sven, mgr = north["rita"], north["other"], north["mgr"]
    make_sale(
        rita, Customer(email="big@x.org", name="Big"), amount=Decimal("12000"), sold_at=days_ago(20)
    )
    rita.away_until, rita.stand_in = NOW + timedelta(days=3), sven
    sven.away_until, sven.stand_in = NOW + timedelta(days=1), mgr
    db.session.commit()
    assert due_checkins(sven, NOW) == []  # away himself: passed on to his own stand-in
    [item] = due_checkins(mgr, NOW)
    assert (item.rep, item.covered_by) == (rita, mgr)
    sven.away_until = NOW - timedelta(hours=1)  # Sven is back, Rita still away
    db.session.commit()
    assert [i.covered_by for i in due_checkins(sven, NOW)] == [sven]
    assert due_checkins(rita, NOW + timedelta(days=4))[0].covered_by is None


def test_each_currency_has_its_own_amount_and_the_rest_use_the_default(north, make_sale):
    """The rule never converts: 10,000 SEK is a large sale, 10,000 EUR would be ten times one.
    An admin gives EUR its own amount; GBP, with none, keeps the default."""
    rita = north["rita"]
    for name, amount, currency in [
        ("Kronor", "12000", "SEK"),
        ("Euro big", "1500", "EUR"),
        ("Euro small", "900", "EUR"),
        ("Pound", "12000", "GBP"),
    ]:
        customer = Customer(email=f"{name.replace(' ', '')}@x.org", name=name)
        make_sale(rita, customer, amount=Decimal(amount), currency=currency, sold_at=days_ago(15))
    # Before: one amount for all, so a 1,500 EUR sale (about 17,000 SEK) is missed.
    assert set(kinds(due_checkins(rita, NOW))) == {"Kronor", "Pound"}
    changes = [
        RuleChange(
            r.kind,
            r.active,
            str(r.days),
            str(r.min_amount or ""),
            {"EUR": "1 000,00", "GBP": ""} if r.kind == "large_sale" else {},
        )
        for r in ensure_rules()
    ]
    update_rules(north["mgr"], changes, NOW)
    [large] = [r for r in ensure_rules() if r.kind == "large_sale"]
    assert large.min_amounts == {"EUR": "1000.00"}
    assert set(kinds(due_checkins(rita, NOW))) == {"Kronor", "Euro big", "Pound"}


def test_a_bad_amount_for_one_currency_names_it_and_saves_nothing(north):
    changes = [
        RuleChange(r.kind, r.active, str(r.days), str(r.min_amount or ""),
                   {"EUR": "lots"} if r.kind == "large_sale" else {})
        for r in ensure_rules()
    ]  # fmt: skip
    with pytest.raises(RuleError, match="After a large sale, EUR: enter the amount as a number"):
        update_rules(north["mgr"], changes, NOW)
    assert all(not r.min_amounts for r in ensure_rules())
