"""An away rep receives no work: while Rita is away (from/to), her open cases, her customers'
replies and her reopened cases go to her stand-in Anna, the case says "covering for Rita Rep",
and they come back when she returns, all on the timeline (issue 13, point 5)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, CaseEvent, Customer, User, utcnow
from portal.services.cases import cover
from portal.services.surveys.sending import dispatch

from ..conftest import PASSWORD, body_text, submit
from .test_customer_messages import reply, status_path
from .test_followup import LATER, NO_LINK, answer, followup_email, resolve

ANGRY = "Still waiting for my refund, third time I call and nobody answered. Never again."


@pytest.fixture
def anna(make_user, team, rita) -> User:
    """Anna Stand-in of team North, Rita's stand-in."""
    anna = make_user("rep", team=team, name="Anna Stand-in", email="anna@example.com")
    rita.stand_in = anna
    db.session.commit()
    return anna


@pytest.fixture
def ritas_case(rita, anna, case_from_answer):
    def make(email="carl@example.org") -> Case:
        customer = Customer(
            email=email, name="Carl Kund", last_surveyed_at=utcnow() - timedelta(days=1)
        )
        case = case_from_answer(rita, customer, comment=ANGRY)
        assert case.assigned_rep_id == rita.id
        return case

    return make


def browser(app, user):
    client = app.test_client()
    submit(client, "/login", {"email": user.email, "password": PASSWORD})
    return client


def mark_away(admin_client, user, away_from, back_on, stand_in):
    form = {
        "name": user.name,
        "role": user.role,
        "team": str(user.team_id),
        "away_from": away_from.isoformat() if away_from else "",
        "away_until": back_on.isoformat(),
        "stand_in": str(stand_in.id),
    }
    return submit(admin_client, f"/admin/users/{user.id}/edit", form, follow_redirects=True)


def timeline(case: Case) -> list[tuple[str, int | None]]:
    db.session.expire_all()
    rows = db.session.scalars(
        sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
    )
    return [(e.kind, (e.data or {}).get("rep_id")) for e in rows if e.kind.startswith("cover")]


def test_marking_a_rep_away_moves_her_open_cases_and_they_come_back(
    app, make_user, rita, anna, ritas_case, outbox, run_jobs
):
    case = ritas_case()
    admin = browser(app, make_user("admin", name="Ada Admin", email="ada@example.com"))
    today = utcnow().date()
    saved = mark_away(admin, rita, today, today + timedelta(days=7), anna)
    assert "1 case moved at once" in saved.get_data(as_text=True)

    db.session.expire_all()
    assert (case.assigned_rep_id, case.covering_for_id) == (anna.id, rita.id)
    page = browser(app, anna).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "covering for Rita Rep" in page
    assert "Covering for an away rep" in page  # on the timeline
    run_jobs()
    assert any(m["To"] == "anna@example.com" for m in outbox())
    # Rita's own queue no longer shows it; the sweep has nothing more to do.
    assert f"/cases/{case.id}" not in browser(app, rita).get("/cases/").get_data(as_text=True)
    assert cover.sweep_cover(utcnow()) == 0

    # Her absence ends: the next sweep hands the case back, once.
    rita = db.session.get(User, rita.id)
    rita.away_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert cover.sweep_cover(utcnow()) == 1
    assert cover.sweep_cover(utcnow()) == 0
    db.session.expire_all()
    assert (case.assigned_rep_id, case.covering_for_id) == (rita.id, None)
    assert timeline(case) == [("cover_started", anna.id), ("cover_ended", rita.id)]


def test_an_absence_that_starts_later_moves_nothing_until_it_starts(rita, anna, ritas_case):
    case = ritas_case()
    rita.away_from = utcnow() + timedelta(days=1)
    rita.away_until = utcnow() + timedelta(days=3)
    db.session.commit()
    assert cover.sweep_cover(utcnow()) == 0
    assert cover.sweep_cover(utcnow() + timedelta(days=2)) == 1
    db.session.expire_all()
    assert case.assigned_rep_id == anna.id


def test_a_customer_reply_to_an_away_reps_case_reaches_the_stand_in(
    client, rita, anna, ritas_case, outbox, run_jobs
):
    case = ritas_case()
    run_jobs()
    rita.away_until = utcnow() + timedelta(days=3)  # away since now; no sweep has run yet
    db.session.commit()
    assert reply(client, status_path(case), "Any news about my refund?").status_code == 303
    run_jobs()
    [told] = [m for m in outbox() if "wrote back" in m["Subject"]]
    assert told["To"] == "anna@example.com"
    assert "Any news about my refund?" in body_text(told)
    db.session.expire_all()
    assert (case.assigned_rep_id, case.covering_for_id) == (anna.id, rita.id)


def test_a_reopening_by_the_customer_while_the_rep_is_away_goes_to_the_stand_in(
    client, rita, anna, ritas_case, outbox, run_jobs
):
    case = ritas_case()
    resolve(case, rita)
    dispatch(now=LATER)
    link = NO_LINK.search(body_text(followup_email(outbox()))).group(0)
    rita = db.session.get(User, rita.id)
    rita.away_until = utcnow() + timedelta(days=3)
    db.session.commit()

    assert answer(client, link, "no", "2", comment="Still broken.").status_code == 303
    run_jobs()
    db.session.expire_all()
    assert (case.status, case.assigned_rep_id, case.covering_for_id) == (
        "reopened",
        anna.id,
        rita.id,
    )
    reopened = [m for m in outbox() if "reopened" in m["Subject"]]
    assert [m["To"] for m in reopened] == ["anna@example.com"]


def test_a_new_case_while_away_goes_to_the_stand_in_and_comes_back(
    rita, anna, ritas_case, case_from_answer
):
    rita.away_until = utcnow() + timedelta(days=3)
    db.session.commit()
    customer = Customer(email="dora@example.org", name="Dora Kund")
    case = case_from_answer(rita, customer, comment=ANGRY)
    assert (case.assigned_rep_id, case.covering_for_id) == (anna.id, rita.id)
    assert cover.sweep_cover(utcnow() + timedelta(days=4)) == 1
    db.session.expire_all()
    assert case.assigned_rep_id == rita.id


def test_two_workers_sweeping_at_once_move_each_case_once(app, rita, anna, ritas_case):
    cases = [ritas_case(email=f"carl{n}@example.org") for n in range(4)]
    rita.away_until = utcnow() + timedelta(days=3)
    db.session.commit()
    now, start, moved = utcnow(), threading.Barrier(2), []

    def worker():
        with app.app_context():  # a worker process of its own: its own session
            start.wait()
            moved.append(cover.sweep_cover(now))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(moved) == len(cases)
    for case in cases:
        assert timeline(case) == [("cover_started", anna.id)]
        assert db.session.get(Case, case.id).assigned_rep_id == anna.id
