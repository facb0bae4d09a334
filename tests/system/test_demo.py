"""`flask portal seed-demo`: the demo organisation shows something true on every page."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from markupsafe import escape

from portal.extensions import db
from portal.models import (
    Case,
    CaseEvent,
    CoachingNote,
    Complaint,
    Customer,
    Goal,
    Sale,
    SurveyInvitation,
    SurveyResponse,
    User,
)
from portal.models.case import CASE_STATUSES, OPEN_STATUSES, SEVERITIES
from portal.models.complaint import COMPLAINT_CATEGORIES
from portal.services.cases import contact
from portal.services.cases.overview import rep_overview
from portal.services.demo.content import DEMO_PASSWORD
from portal.services.demo.seeding import seed_demo
from portal.services.organisation import brand_colour_problem, organisation
from tests.conftest import _empty_tables, submit

SMALL = ["--customers", "60", "--sales", "300"]
LOGIN_LINE = re.compile(r"^\s+(admin|manager|rep)\s+(\S+@\S+)$", re.MULTILINE)


@pytest.fixture
def seeded(runner):
    """The demo at a small size, seeded through the command; returns its printed logins."""
    result = runner.invoke(args=["portal", "seed-demo", *SMALL])
    assert result.exit_code == 0, result.output
    logins = LOGIN_LINE.findall(result.output)
    assert logins, result.output
    return logins


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def all_of(model) -> list:
    return list(db.session.scalars(sa.select(model)))


def test_printed_logins_work_with_the_demo_password(app, seeded):
    roles = Counter(role for role, _email in seeded)
    assert roles["admin"] == 1
    assert roles["manager"] == 3
    assert 2 <= roles["rep"] <= 3
    for _role, email in seeded:
        client = app.test_client()
        response = submit(client, "/login", {"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        home = client.get("/home")
        assert home.status_code == 200, email
        name = db.session.scalar(sa.select(User.name).where(User.email == email))
        assert str(escape(name)) in home.get_data(as_text=True)


def test_first_listed_rep_has_a_busy_queue_with_an_overdue_case(app, seeded):
    _role, email = next(login for login in seeded if login[0] == "rep")
    rep = db.session.scalar(sa.select(User).where(User.email == email))
    now = datetime.now(UTC)
    data = rep_overview(rep, now)
    assert data.open_count >= 3
    assert data.overdue_count >= 1
    assert any(case.first_contact_at is None for case in data.open_cases)
    # One of them is a customer who did not ask to be contacted, marked so in the queue.
    assert any(case.contact_wanted is False for case in data.open_cases)

    client = app.test_client()
    submit(client, "/login", {"email": email, "password": DEMO_PASSWORD})
    page = client.get("/home").get_data(as_text=True)
    assert "Past a deadline" in page
    assert str(escape(data.open_cases[0].customer.name)) in page


def test_staff_teams_and_people_are_realistic(app, seeded):
    reps = list(db.session.scalars(sa.select(User).where(User.role == "rep")))
    assert len(reps) == 15
    assert all(user.email.endswith("@demo.aftersale.example") for user in all_of(User))
    assert sum(not rep.active for rep in reps) == 1
    away = [rep for rep in reps if rep.away_until is not None]
    assert len(away) == 1
    assert away[0].away_until > datetime.now(UTC)
    assert away[0].stand_in.team_id == away[0].team_id
    for manager in db.session.scalars(sa.select(User).where(User.role == "manager")):
        assert manager.team.lead_id == manager.id
    locales = Counter(c.locale for c in all_of(Customer))
    assert locales["sv"] and locales["en"]
    assert count(Customer) == 60
    assert count(Sale) == 300
    assert db.session.scalar(
        sa.select(sa.func.count(Customer.id)).where(Customer.bounced_at.is_not(None))
    )
    for sale in all_of(Sale):
        assert re.fullmatch(r"SO-\d{4}-\d{6}", sale.order_ref)
        assert (
            sale.currency
            == {"Nordics": "SEK", "DACH": "EUR", "UK & Ireland": "GBP"}[sale.rep.team.name]
        )
        assert sale.amount > 0 and sale.amount == sale.amount.quantize(
            sale.amount.__class__("0.01")
        )
    buyers = Counter(sale.customer_id for sale in all_of(Sale))
    assert max(buyers.values()) >= 5  # some customers buy again and again
    assert count(Goal) and count(CoachingNote)


def test_cases_in_every_status_and_severity_and_a_triage_queue(app, seeded):
    cases = all_of(Case)
    assert set(CASE_STATUSES) <= {case.status for case in cases}
    assert set(SEVERITIES) <= {case.severity for case in cases}
    assert {"survey", "complaint_form"} <= {case.source for case in cases}
    triage = [c for c in cases if c.assigned_rep_id is None and c.status in OPEN_STATUSES]
    assert triage
    assert any(c.first_contact_breached_at and c.escalated_at for c in cases)
    for case in cases:
        if case.status in ("resolved", "closed"):
            assert case.resolved_at and case.outcome and case.resolution_summary
        if case.status == "closed":
            assert case.closed_at >= case.resolved_at
        if case.status == "reopened":
            assert case.reopen_count >= 1 and case.resolved_at is None
        if case.status != "open" and case.contact_wanted:
            assert case.first_contact_at is not None
        if case.source == "complaint_form":
            assert case.subject and case.description and case.category
    assert any(case.satisfaction_after for case in cases)


def test_a_demo_customer_who_asked_for_a_call_left_a_number_that_rings_nobody(
    app, client, login, seeded
):
    wishes = {case: contact.of_case(case) for case in all_of(Case)}
    by_phone = [case for case, wish in wishes.items() if wish.channel == "phone"]
    assert by_phone and any(w.channel == "email" for w in wishes.values())
    fiction = re.compile(r"^(070-174 06 (0[5-9]|[1-9]\d)|\+44 7700 900\d{3})$")
    assert [c.id for c in by_phone if not fiction.match(wishes[c].phone or "")] == []
    # The rep who has one sees the number to call on the case page.
    case = next(c for c in by_phone if c.assigned_rep and c.assigned_rep.active)
    login(case.assigned_rep.email, DEMO_PASSWORD)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Call them" in page and str(escape(wishes[case].phone)) in page


def test_every_case_has_a_true_timeline(app, seeded):
    now = datetime.now(UTC)
    for case in all_of(Case):
        events = case.events
        assert events, case.id
        assert events[0].kind == "opened" and events[0].created_at == case.created_at
        times = [event.created_at for event in events]
        assert times == sorted(times) and times[-1] <= now
        assert case.resolve_due > case.created_at
        kinds = [event.kind for event in events]
        if not case.contact_wanted:  # "You may contact me" left unticked
            assert case.first_contact_due is None and case.first_contact_at is None
            assert "follow_up_sent" not in kinds
            assert ("followup_skipped" in kinds) == (case.status == "resolved")
            continue
        assert case.first_contact_due > case.created_at
        assert ("contacted" in kinds) == (case.first_contact_at is not None)
        assert kinds.count("reopened") == case.reopen_count
        for event in events:
            assert (event.actor_kind == "staff") == (event.actor_id is not None)
        if case.first_contact_breached_at:
            assert case.first_contact_breached_at > case.first_contact_due
            assert case.escalated_at is not None
        if case.first_contact_at and case.first_contact_at <= case.first_contact_due:
            assert case.first_contact_breached_at is None


def test_negative_answers_open_exactly_one_case(app, seeded):
    cases_by_response = Counter(
        db.session.scalars(sa.select(Case.response_id).where(Case.response_id.is_not(None)))
    )
    answers = db.session.execute(
        sa.select(SurveyResponse, SurveyInvitation.kind).join(SurveyResponse.invitation)
    ).all()
    negatives = 0
    for response, kind in answers:
        if kind == "post_sale" and response.sentiment_label == "negative":
            negatives += 1
            assert cases_by_response[response.id] == 1
            case = db.session.scalar(sa.select(Case).where(Case.response_id == response.id))
            assert case.source == "survey"
            assert case.satisfaction_before == response.satisfaction
            assert case.contact_wanted == response.may_contact
        else:
            assert cases_by_response[response.id] == 0
    assert negatives


def test_survey_invitations_and_answers_are_consistent(app, seeded):
    now = datetime.now(UTC)
    invitations = all_of(SurveyInvitation)
    for inv in invitations:
        if inv.answered_at is not None:
            assert inv.response is not None
            assert inv.sent_at < inv.answered_at <= inv.expires_at
            assert inv.response.submitted_at == inv.answered_at
        else:
            assert inv.response is None
        if inv.reminded_at is not None:
            assert inv.sent_at < inv.reminded_at <= now
        if inv.kind == "resolution":
            assert inv.case_id is not None and inv.sale_id is None
        else:
            assert inv.sale_id is not None and inv.scheduled_for > inv.sale.sold_at
    assert count(SurveyResponse) == sum(inv.answered_at is not None for inv in invitations)
    states = {
        "answered": [i for i in invitations if i.answered_at],
        "waiting": [
            i for i in invitations if i.sent_at and not i.answered_at and i.expires_at > now
        ],
        "expired": [
            i for i in invitations if i.sent_at and not i.answered_at and i.expires_at < now
        ],
        "reminded": [i for i in invitations if i.reminded_at],
        "bounced": [i for i in invitations if i.bounced_at],
        "skipped": [i for i in invitations if i.skipped_at],
        "not yet sent": [i for i in invitations if i.sent_at is None and i.scheduled_for > now],
        "follow-up fixed": [i for i in invitations if i.response and i.response.resolved_concern],
    }
    assert all(states.values()), {name: len(found) for name, found in states.items()}
    responses = all_of(SurveyResponse)
    assert any(r.analysed_at is None for r in responses)  # still queued for analysis
    for response in responses:
        if response.analysed_at is not None:
            assert response.sentiment_label in ("negative", "neutral", "positive")
            expected = {1: "negative", 2: "negative", 3: "neutral"}.get(response.satisfaction)
            assert response.sentiment_label == (expected or "positive")


def test_comments_in_both_languages(app, seeded):
    answered = db.session.execute(
        sa.select(Customer.locale, SurveyResponse.comment)
        .join(SurveyInvitation, SurveyInvitation.customer_id == Customer.id)
        .join(SurveyResponse, SurveyResponse.invitation_id == SurveyInvitation.id)
        .where(SurveyResponse.comment.is_not(None))
    ).all()
    assert {locale for locale, _comment in answered} == {"en", "sv"}
    assert len({comment for _locale, comment in answered}) >= 10


def test_last_surveyed_matches_the_invitations_sent(app, seeded):
    last = dict(
        db.session.execute(
            sa.select(SurveyInvitation.customer_id, sa.func.max(SurveyInvitation.sent_at)).group_by(
                SurveyInvitation.customer_id
            )
        ).all()
    )
    for customer in all_of(Customer):
        assert customer.last_surveyed_at == last.get(customer.id)


def test_seeding_twice_is_refused_and_changes_nothing(app, runner, seeded):
    before = {model.__name__: count(model) for model in (User, Customer, Sale, Case, CaseEvent)}
    again = runner.invoke(args=["portal", "seed-demo", *SMALL, "--seed", "8"])
    assert again.exit_code != 0
    assert "already" in again.output
    db.session.rollback()
    after = {model.__name__: count(model) for model in (User, Customer, Sale, Case, CaseEvent)}
    assert after == before
    skipped = runner.invoke(args=["portal", "seed-demo", *SMALL, "--if-empty"])
    assert skipped.exit_code == 0 and "not added" in skipped.output


def fingerprint() -> list[str]:
    """Everything a person could see, by natural keys (ids and password salts aside)."""

    def row(obj, *names) -> tuple:
        return tuple(getattr(obj, name) for name in names)

    rows = [row(u, "email", "name", "role", "active", "away_until") for u in all_of(User)]
    rows += [
        row(c, "email", "locale", "timezone", "unsubscribed_at", "bounced_at", "last_surveyed_at")
        for c in all_of(Customer)
    ]
    rows += [
        (s.customer.email, s.rep.email, *row(s, "order_ref", "amount", "product", "sold_at"))
        for s in all_of(Sale)
    ]
    for inv in all_of(SurveyInvitation):
        answer = inv.response and row(
            inv.response,
            "satisfaction",
            "recommend",
            "comment",
            "sentiment_polarity",
            "analysed_at",
        )
        rows.append(
            (
                inv.customer.email,
                inv.sale and inv.sale.order_ref,
                answer,
                *row(inv, "kind", "scheduled_for", "sent_at", "reminded_at", "skip_reason"),
            )
        )
    for case in all_of(Case):
        events = [row(event, "created_at", "kind", "message") for event in case.events]
        rows.append(
            (
                case.customer.email,
                case.assigned_rep and case.assigned_rep.email,
                events,
                *row(case, "status", "severity", "created_at", "resolved_at", "outcome"),
            )
        )
    rows += [row(g, "metric", "target", "period", "period_start") for g in all_of(Goal)]
    return sorted(map(repr, rows))


def test_same_seed_gives_the_same_organisation(app):
    now = datetime(2026, 3, 16, 10, 30, tzinfo=UTC)
    seed_demo(customers=40, sales=120, seed=3, now=now)
    first = fingerprint()
    db.session.remove()
    _empty_tables()
    seed_demo(customers=40, sales=120, seed=3, now=now)
    assert fingerprint() == first
    db.session.remove()
    _empty_tables()
    seed_demo(customers=40, sales=120, seed=4, now=now)
    assert fingerprint() != first


def test_the_demo_company_heads_the_customer_pages_with_its_logo(app, client, seeded):
    org = organisation()
    assert org.name == "Nordhem Möbler AB" and org.reply_to and org.support_phone
    assert brand_colour_problem(org.brand_colour) is None  # white text on it passes WCAG AA
    logo = client.get(f"/organisation/logo?v={org.logo_version}")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
    page = client.get("/complaint").get_data(as_text=True)
    assert '<span class="public-brand">Nordhem Möbler AB</span>' in page


def test_every_timeline_entry_is_named_in_words(app, seeded):
    """Staff read each timeline entry's name ("Deadline missed"), never the stored kind
    written out ("Sla breached", "Followup skipped"): every kind the demo's cases hold, which
    are the kinds the portal's own code writes, has a label."""
    kinds = set(db.session.scalars(sa.select(CaseEvent.kind).distinct()))
    assert {"opened", "breach", "followup_answered"} <= kinds
    labels = app.jinja_env.get_template("cases/_labels.html").module.EVENT_LABELS
    assert sorted(kinds - labels.keys()) == []


def test_demo_complaints_name_a_category_the_form_offers(app, client, seeded):
    """The customer's status page says what the complaint is about in words ("The product is
    faulty or poor quality"), so every demo complaint carries one of the form's categories."""
    complaints = all_of(Complaint)
    assert complaints
    assert {c.category for c in complaints} <= set(COMPLAINT_CATEGORIES)
    assert "product_quality" in {c.category for c in complaints}


# What a text mentions, and the words the product sold must then have (English and Swedish).
ABOUT = (
    (re.compile(r"chair|backrest|gas lift|\bstol|ryggstöd", re.I), ("chair",)),
    (re.compile(r"\bdesks?\b|skrivbord|tabletop|cable tray", re.I), ("desk",)),
    (re.compile(r"standing desk|höj- och sänk", re.I), ("Height-adjustable desk",)),
    (re.compile(r"shelves|hyllor", re.I), ("Bookcase",)),
)


def test_what_customers_and_staff_write_fits_the_product_sold(app, seeded):
    """A broken backrest is about a chair, a desk motor about a height-adjustable desk: the
    answer, the complaint and the staff notes of a case fit the order it is about."""
    checked = 0
    for case in all_of(Case):
        if case.sale is None:
            continue
        texts = [case.subject, case.description, case.resolution_summary]
        if case.response_id:
            texts.append(db.session.get(SurveyResponse, case.response_id).comment)
        texts += [e.message for e in case.events if e.kind in ("note", "resolved")]
        product = case.sale.product
        for text in filter(None, texts):
            for cue, needs in ABOUT:
                if cue.search(text):
                    assert any(n.lower() in product.lower() for n in needs), (text, product)
                    checked += 1
    assert checked >= 3  # the demo does write about its products


def test_a_survey_case_shows_what_the_customer_wrote(app, client, login, seeded):
    """Staff read the answer's words on the case page, as on a case triage opened: a demo case
    used to say "No comment: opened from the rating alone." beside the comment's reasons."""
    admin = db.session.scalar(sa.select(User).where(User.role == "admin"))
    rows = db.session.execute(
        sa.select(Case.id, SurveyResponse.comment).join(
            SurveyResponse, SurveyResponse.id == Case.response_id
        )
    ).all()
    with_words = [(case_id, comment) for case_id, comment in rows if comment]
    assert with_words and len(with_words) < len(rows)  # some answers gave a rating alone
    login(admin.email, DEMO_PASSWORD)
    for case_id, comment in (with_words[0], with_words[-1]):
        page = client.get(f"/cases/{case_id}").get_data(as_text=True)
        assert str(escape(comment)) in page
        assert "opened from the rating alone" not in page
    case_id = next(case_id for case_id, comment in rows if not comment)
    assert "opened from the rating alone" in client.get(f"/cases/{case_id}").get_data(as_text=True)
