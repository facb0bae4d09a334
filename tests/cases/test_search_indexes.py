"""The case search through the trigram indexes: the same cases as the plain search it
replaced, on SQLite and PostgreSQL; the indexes there on PostgreSQL, and only there."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Complaint, Customer, Sale, utcnow
from portal.models.search_indexes import TRIGRAM_INDEXES
from portal.services.cases.queue import CASE_NUMBER, QueueFilters, queue_query
from portal.services.scope import visible_cases_query

from .case_helpers import make_case


def _reference_search(user, text: str) -> list[int]:
    """The search as it was before the indexes (an OR over the joined tables): the oracle."""
    number = CASE_NUMBER.match(text)
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    matches = [
        column.ilike(pattern, escape="\\")
        for column in (Customer.name, Customer.email, Sale.order_ref, Case.subject)
    ]
    if number:
        matches.append(Case.id == int(number.group(1)))
    query = (
        visible_cases_query(user)
        .join(Customer, Case.customer_id == Customer.id)
        .outerjoin(Sale, Case.sale_id == Sale.id)
        .where(sa.or_(*matches))
    )
    return sorted(db.session.scalars(query.with_only_columns(Case.id)))


@pytest.fixture
def cases(rita, make_user):
    now = utcnow()
    made = [
        make_case(rita, customer_name="Greta Garbo", subject="Wobbly table"),
        make_case(
            rita,
            customer_name="Åsa Öberg",
            subject="Trasig stol",
            status="resolved",
            resolved_at=now,
        ),
        make_case(rita, customer_name="Percy 100% Cent", subject="Under_score\\slash"),
        make_case(rita, customer_name="Tom Table", subject=None, status="closed", closed_at=now),
        make_case(None, customer_name="Nobody Yet", subject="Late delivery"),
    ]
    no_sale = made[3]
    no_sale.sale_id = None  # a case with no sale is still found by its customer
    db.session.commit()
    return made


QUERIES = [
    "greta", "GARBO", "table", "ord-", "ORD-0", "example.org", "åsa", "ÖBERG", "stol",
    "100%", "%", "_", "r_s", "\\", "score\\slash", "late deliv", "#{first}", "{first}", "zzz",
    "a", "e",
]  # fmt: skip


@pytest.mark.parametrize("who", ["manager", "rep"])
def test_the_indexed_search_finds_the_same_cases_as_the_plain_one(
    app, cases, rita, make_user, team, who
):
    user = rita if who == "rep" else make_user("manager", team=team)
    if who == "manager":
        team.lead = user
        db.session.commit()
    found_any = 0
    for raw in QUERIES:
        text = raw.format(first=cases[0].id)
        query = queue_query(user, QueueFilters(status="all", q=text), utcnow())
        got = sorted(db.session.scalars(query.with_only_columns(Case.id)))
        assert got == _reference_search(user, text), text
        found_any += bool(got)
    assert found_any >= 15  # the queries do find cases: the comparison is not of empty lists


def test_the_trigram_indexes_exist_on_postgresql_only(app):
    names = {
        index["name"]
        for table in ("customers", "sales", "cases")
        for index in sa.inspect(db.engine).get_indexes(table)
    }
    if db.engine.dialect.name == "postgresql":
        assert set(TRIGRAM_INDEXES) <= names
        definitions = db.session.scalars(
            sa.text("SELECT indexdef FROM pg_indexes WHERE indexname LIKE 'ix_%_trgm'")
        ).all()
        assert len(definitions) == 4
        assert all("gin" in d and "gin_trgm_ops" in d for d in definitions)
    else:
        assert not set(TRIGRAM_INDEXES) & names


def test_postgresql_can_answer_the_search_from_the_indexes(app, cases, rita):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    query = queue_query(rita, QueueFilters(status="all", q="garbo"), utcnow())
    compiled = query.with_only_columns(Case.id).compile(
        db.engine, compile_kwargs={"literal_binds": True}
    )
    # A handful of rows would be read without an index: forbid that, to see what it can use.
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.scalars(sa.text(f"EXPLAIN {compiled}")))
    db.session.rollback()
    for name in TRIGRAM_INDEXES:
        assert name in plan, plan


def _page_ids(client, text: str) -> tuple[set[int], int]:
    """The cases the queue page lists for a search over all statuses, and the count it
    says ("3 cases")."""
    html = client.get("/cases/", query_string={"q": text, "status": "all"}).get_data(as_text=True)
    said = re.search(r"(\d+) cases?</h2>", html)
    return {int(n) for n in re.findall(r'href="/cases/(\d+)"', html)}, int(said.group(1))


def test_the_queue_page_finds_a_case_by_each_thing_a_rep_searches_for(
    app, client, login, cases, rita, team
):
    """Name, email, order number, subject and the digits of the phone number the customer
    gave, each finds its case on the page (and only the cases it should), with the count
    the page says; a search that finds nothing says 0 cases."""
    called = make_case(rita, customer_name="Carl Kund", subject="Broken leg")
    complaint = Complaint(
        email="carl@example.org",
        name="Carl Kund",
        category="delivery",
        description="Call me.",
        contact_preference="phone",
        phone="+46 70-123 45 67",
        confirmed_at=utcnow(),
    )
    db.session.add(complaint)
    db.session.flush()
    called.complaint_id = complaint.id
    db.session.commit()
    greta = cases[0]
    login(team.lead)
    searches = {
        "garbo": {greta.id},  # the customer's name
        greta.customer.email.upper(): {greta.id},  # their email, whatever the case
        greta.sale.order_ref.lower(): {greta.id},  # the order number
        "WOBBLY": {greta.id},  # the subject
        "070-123 45": {called.id},  # the phone, typed as a Swede does
        "46701234567": {called.id},  # and without separators
        "123 45 67": {called.id},
        "98765": set(),
        "no such thing": set(),
    }
    for text, expected in searches.items():
        listed, said = _page_ids(client, text)
        assert listed == expected, text
        assert said == len(expected), text
        if text not in ("070-123 45", "46701234567", "123 45 67"):
            assert listed == set(_reference_search(team.lead, text)), text
