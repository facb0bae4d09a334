"""The "keep in touch" list, one-click check-ins, the customer's timeline and the rules page,
as a person uses them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Checkin, CheckinRule, Customer, utcnow

from ..conftest import csrf_from


@pytest.fixture
def world(make_team, make_user, make_sale):
    mgr = make_user("manager", name="Maja")
    team = make_team("North", lead=mgr)
    rita = make_user(team=team, name="Rita")
    sven = make_user(team=make_team("South"), name="Sven")
    admin = make_user("admin", name="Ada")
    big = Customer(email="big@example.org", name="Berit Big")
    make_sale(
        rita,
        big,
        amount=Decimal("25000"),
        sold_at=utcnow() - timedelta(days=20),
        product="Espresso machine",
    )
    return {"rita": rita, "sven": sven, "mgr": mgr, "admin": admin, "big": big}


def test_rep_checks_in_with_one_click_and_the_customer_leaves_the_list(client, login, world):
    login(world["rita"])
    page = client.get("/checkins").get_data(as_text=True)
    assert "Berit Big" in page and "After a large sale" in page
    response = client.post(
        f"/customers/{world['big'].id}/checkins",
        data={
            "csrf_token": csrf_from(page),
            "channel": "call",
            "note": "All fine, wants a grinder",
            "reason": "large_sale",
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Checked in with Berit Big (Call)" in html
    assert "Nobody is due a check-in" in html
    timeline = client.get(f"/customers/{world['big'].id}").get_data(as_text=True)
    assert "All fine, wants a grinder" in timeline and "Espresso machine" in timeline
    done = db.session.scalars(sa.select(Checkin)).one()
    assert (done.rep_id, done.channel, done.reason) == (world["rita"].id, "call", "large_sale")


def test_a_note_without_text_is_refused_and_nothing_is_stored(client, login, world):
    login(world["rita"])
    csrf = csrf_from(client.get("/checkins").get_data(as_text=True))
    response = client.post(
        f"/customers/{world['big'].id}/checkins",
        data={"csrf_token": csrf, "channel": "note", "note": "  "},
        follow_redirects=True,
    )
    assert "A note needs some text" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Checkin.id))) == 0


def test_another_teams_rep_and_manager_see_neither_the_customer_nor_the_list_entry(
    client, login, world
):
    login(world["sven"])
    assert "Berit Big" not in client.get("/checkins").get_data(as_text=True)
    assert client.get(f"/customers/{world['big'].id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/checkins").text)})
    login(world["mgr"])
    assert "Berit Big" in client.get("/checkins").get_data(as_text=True)
    assert client.get(f"/customers/{world['big'].id}").status_code == 200


def test_admin_edits_the_rules_and_a_bad_value_says_what_to_fix(client, login, world):
    login(world["admin"])
    page = client.get("/admin/checkin-rules").get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "large_sale-active": "y",
        "large_sale-days": "14",
        "large_sale-min_amount": "30000",
        "after_resolution-active": "y",
        "after_resolution-days": "soon",
        "detractor-active": "y",
        "detractor-days": "2",
        "silent_key_customer-days": "90",
        "silent_key_customer-min_amount": "20000",
    }
    response = client.post("/admin/checkin-rules", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "enter the days as a whole number" in html and 'value="soon"' in html
    amounts = {r.kind: r.min_amount for r in db.session.scalars(sa.select(CheckinRule))}
    assert amounts.get("large_sale") != Decimal("30000")  # nothing saved
    form["after_resolution-days"] = "30"
    assert client.post("/admin/checkin-rules", data=form).status_code == 302
    rules = {r.kind: r for r in db.session.scalars(sa.select(CheckinRule))}
    assert rules["large_sale"].min_amount == Decimal("30000")
    assert rules["silent_key_customer"].active is False
    # Berit bought 25,000: under the new threshold, so no longer due.
    assert "Berit Big" not in client.get("/checkins").get_data(as_text=True)
    # Each currency sales are in gets a field of its own; a bad one is named.
    page = client.get("/admin/checkin-rules").get_data(as_text=True)
    assert 'name="large_sale-min_amount-SEK"' in page
    form["large_sale-min_amount-SEK"] = "-5"
    response = client.post("/admin/checkin-rules", data=form)
    assert response.status_code == 422
    assert "After a large sale, SEK: the amount must be from 0" in response.get_data(as_text=True)
    form["large_sale-min_amount-SEK"] = "20000"
    assert client.post("/admin/checkin-rules", data=form).status_code == 302
    db.session.expire_all()
    rules = {r.kind: r for r in db.session.scalars(sa.select(CheckinRule))}
    assert rules["large_sale"].min_amounts == {"SEK": "20000.00"}
    assert "Berit Big" in client.get("/checkins").get_data(as_text=True)  # 25,000 SEK: due


def test_an_away_reps_check_ins_go_to_the_stand_in_and_come_back_on_return(
    client, login, world, make_sale
):
    rita, sven = world["rita"], world["sven"]
    other = Customer(email="other@example.org", name="Olle Other")
    make_sale(rita, other, amount=Decimal("15000"), sold_at=utcnow() - timedelta(days=16))
    rita.away_until, rita.stand_in = utcnow() + timedelta(days=5), sven
    db.session.commit()

    login(sven)
    page = client.get("/checkins").get_data(as_text=True)
    assert "Berit Big" in page and "Olle Other" in page
    assert "covering for Rita" in page
    response = client.post(
        f"/customers/{world['big'].id}/checkins",
        data={"csrf_token": csrf_from(page), "channel": "call", "reason": "large_sale"},
        follow_redirects=True,
    )
    assert "Checked in with Berit Big (Call)" in response.get_data(as_text=True)
    done = db.session.scalars(sa.select(Checkin)).one()
    assert (done.rep_id, done.covering_for_id) == (sven.id, rita.id)
    timeline = client.get(f"/customers/{world['big'].id}").get_data(as_text=True)
    assert "by Sven, covering for Rita" in timeline

    rita.away_until = utcnow() - timedelta(minutes=1)  # back
    db.session.commit()
    page = client.get("/checkins").get_data(as_text=True)
    assert "Olle Other" not in page and "Berit Big" not in page
    assert client.get(f"/customers/{other.id}").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    login(rita)
    page = client.get("/checkins").get_data(as_text=True)
    assert "Olle Other" in page and "Berit Big" not in page  # Sven's call settled Berit's
    assert "covering for" not in page


def test_the_manager_sees_who_covers_an_away_reps_check_ins(client, login, world):
    world["rita"].away_until = utcnow() + timedelta(days=5)
    world["rita"].stand_in = world["sven"]
    db.session.commit()
    login(world["mgr"])
    page = client.get("/checkins").get_data(as_text=True)
    assert "Berit Big" in page and "away: Sven covers" in page


def test_money_reads_the_same_on_the_list_and_the_customer_page_in_the_viewers_language(
    client, login, world
):
    """One formatter for money: the list's reason and the customer's page agree, and a
    viewer whose browser asks for Swedish reads Swedish amounts on both."""
    login(world["rita"])
    for page in ("/checkins", f"/customers/{world['big'].id}"):
        english = client.get(page).get_data(as_text=True)
        assert "SEK\u00a025,000.00" in english and "25,000.00 SEK" not in english
        swedish = client.get(page, headers={"Accept-Language": "sv"}).get_data(as_text=True)
        assert "25\u00a0000,00\u00a0kr" in swedish
