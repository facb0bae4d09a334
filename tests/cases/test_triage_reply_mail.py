"""A customer writes back on a case nobody is assigned to (the triage queue): the managers who
can assign it are emailed, not nobody. The customer writes on their real status page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Customer, utcnow
from portal.services import status_links as case_links
from portal.services.cases.opening import open_case
from portal.services.setup import ensure_sla_policies

from ..conftest import body_text, csrf_from

WORDS = "Is anyone reading this? I still have no working chair."


@pytest.fixture
def staff(app, make_team, make_user):
    ensure_sla_policies()
    maja = make_user("manager", name="Maja Manager", email="maja@example.com")
    north = make_team("North", lead=maja)
    maja.team = north
    olle = make_user("manager", name="Olle Other", email="olle@example.com")
    south = make_team("South", lead=olle)
    olle.team = south
    db.session.commit()
    return {
        "maja": maja,
        "olle": olle,
        "away": make_user("manager", name="Away Manager", away_until=utcnow() + timedelta(days=3)),
        "admin": make_user("admin", name="Ada Admin", email="ada@example.com"),
        "rita": make_user("rep", team=north, name="Rita Rep", email="rita@example.com"),
    }


def a_case(make_sale, rep) -> Case:
    now = utcnow()
    customer = Customer(email="carl@example.org", name="Carl Kund", locale="en")
    sale = make_sale(rep=rep, customer=customer, sold_at=now - timedelta(days=3))
    case = open_case(
        source="survey",
        customer=customer,
        sale=sale,
        now=now,
        polarity=-0.8,
        satisfaction=1,
        reasons=["low rating"],
        needs_review=False,
        description="Broken chair",
    )
    db.session.commit()
    return case


def write_back(client, case: Case, body: str) -> None:
    path = f"/status/{case_links.status_token(case)}"
    page = client.get(path).get_data(as_text=True)
    response = client.post(path, data={"csrf_token": csrf_from(page), "body": body})
    assert response.status_code in (302, 303)


def wrote_back(messages) -> list:
    return [m for m in messages if "wrote back" in m["Subject"]]


def test_a_reply_on_a_case_without_a_sale_rep_reaches_every_available_manager(
    client, staff, make_sale, outbox, run_jobs
):
    case = a_case(make_sale, rep=None)
    assert case.assigned_rep_id is None
    write_back(client, case, WORDS)
    run_jobs()

    mails = wrote_back(outbox())
    assert sorted(m["To"] for m in mails) == ["maja@example.com", "olle@example.com"]
    text = body_text(mails[0])
    assert WORDS in text
    assert "Nobody is assigned to this case yet" in text
    assert f"/cases/{case.id}" in text
    assert mails[0]["Subject"] == f"Case #{case.id}: Carl Kund wrote back (no rep assigned)"


def test_the_lead_of_the_sales_team_is_told_when_the_case_went_back_to_triage(
    client, staff, make_sale, outbox, run_jobs
):
    case = a_case(make_sale, rep=staff["rita"])
    case.assigned_rep_id = None  # a manager sent it back to the triage queue
    db.session.commit()
    write_back(client, case, WORDS)
    run_jobs()

    assert [m["To"] for m in wrote_back(outbox())] == ["maja@example.com"]


def test_an_assigned_case_still_tells_only_its_rep(client, staff, make_sale, outbox, run_jobs):
    case = a_case(make_sale, rep=staff["rita"])
    write_back(client, case, WORDS)
    run_jobs()

    [mail] = wrote_back(outbox())
    assert mail["To"] == "rita@example.com"
    assert "Nobody is assigned" not in body_text(mail)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 1
