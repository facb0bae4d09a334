"""Redis down while customers write and staff log in (issue 18, point 1).

The web app is built exactly as production builds it (ProductionConfig from the environment)
with REDIS_URL pointing where nothing listens, so the rate limiter's storage defaults to that
dead Redis too. The test configuration's usual limiter storage is not used here: it hid this.
Every customer's words are stored and every staff login works; when Redis is back the outbox
sweep and a real worker process do the work once.
"""

from __future__ import annotations

import collections
import logging
import re
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import create_app
from portal.config import load_config
from portal.extensions import db
from portal.jobs import outbox as work_outbox
from portal.models import (
    Case,
    CaseEvent,
    Complaint,
    Customer,
    SurveyResponse,
    utcnow,
)
from portal.services import status_links as case_links
from portal.services.setup import ensure_sla_policies
from portal.tokens import make_token

from ..cases.case_helpers import make_case
from ..conftest import PASSWORD, csrf_from, sent_invitation

pytestmark = pytest.mark.redis_only

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
ANGRY = "Broken on arrival and nobody called me back. I want a refund now."
FALLBACK_WARNING = "rate limits are counted in this process's memory"


@pytest.fixture
def dead_redis_web(app, monkeypatch):
    """The web process as production starts it, with Redis unreachable."""
    monkeypatch.setenv("REDIS_URL", DEAD_REDIS)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("SECRET_KEY", app.config["SECRET_KEY"])
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("PORTAL_BASE_URL", "http://localhost")
    monkeypatch.setenv("RQ_QUEUE_PREFIX", app.config["RQ_QUEUE_PREFIX"])
    monkeypatch.setenv("MAIL_DIR", str(app.config["MAIL_DIR"]))
    settings = load_config("production")
    assert settings.RATELIMIT_STORAGE_URI == DEAD_REDIS  # the production default
    web = create_app(config=settings)
    yield web
    with web.app_context():
        db.session.remove()
        db.engine.dispose()


def _post_form(client, path: str, data: dict) -> int:
    page = client.get(path)
    assert page.status_code == 200, f"{path} answered {page.status_code}"
    token = csrf_from(page.get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data}).status_code


def _setup(make_team, make_user, make_sale, answers: int):
    ensure_sla_policies()
    lead = make_user("manager", name="Lena Lead", email="lena@example.com")
    team = make_team("Outage team", lead=lead)
    rep = make_user("rep", team=team, name="Rita Rep", email="rita@example.com")
    admin = make_user("admin", name="Ada Admin", email="ada@example.com")
    now = utcnow()
    invitations = []
    for n in range(answers):
        customer = Customer(email=f"outage{n}@example.org", name=f"Customer {n}")
        sale = make_sale(rep=rep, customer=customer, sold_at=now - timedelta(days=4))
        invitations.append(sent_invitation(sale))
    db.session.add_all(invitations)
    complainer = Customer(email="carl@example.org", name="Carl Kund")
    make_sale(rep=rep, customer=complainer, order_ref="ORD-OUTAGE")
    case = make_case(rep, customer_name="Vera Waiting")
    db.session.commit()
    return rep, admin, invitations, case


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_redis_down_customers_words_are_stored_staff_log_in_and_the_work_is_done_once_after(
    app, dead_redis_web, make_team, make_user, make_sale, run_jobs, outbox, caplog
):
    from portal.jobs.maintenance import sweep_outbox

    answers = 3
    rep, admin, invitations, case = _setup(make_team, make_user, make_sale, answers)
    customer = dead_redis_web.test_client()
    caplog.set_level(logging.WARNING)

    for invitation in invitations:  # negative answers through the survey page
        path = f"/s/{make_token('survey', invitation.id)}"
        assert _post_form(customer, path, {"satisfaction": "1", "comment": ANGRY}) == 303
    complaint_form = {
        "order_ref": "ORD-OUTAGE",
        "email": "carl@example.org",
        "name": "Carl Kund",
        "category": "product_quality",
        "description": "The chair arrived with a broken leg.",
        "contact_preference": "email",
        "phone": "",
        "website": "",
    }
    assert _post_form(customer, "/complaint", complaint_form) == 303
    [complaint] = db.session.scalars(sa.select(Complaint)).all()
    confirm = f"/complaint/confirm/{make_token('complaint-confirm', complaint.id)}"
    assert _post_form(customer, confirm, {}) == 303
    reply = f"/status/{case_links.status_token(case)}"
    assert _post_form(customer, reply, {"body": "Any news? I am still waiting."}) == 303

    staff = dead_redis_web.test_client()
    login = _post_form(staff, "/login", {"email": rep.email, "password": PASSWORD})
    assert login == 302 and staff.get("/home").status_code == 200
    # Someone who forgot their password asks for a link: the request is kept, mailed later.
    forgot = _post_form(dead_redis_web.test_client(), "/password/forgot", {"email": rep.email})
    assert forgot == 302
    # The limits still hold, counted in memory: a guesser is stopped.
    guesser = dead_redis_web.test_client()
    wrong = {"email": "lena@example.com", "password": "wrong password!"}
    codes = [_post_form(guesser, "/login", wrong) for _ in range(6)]
    assert codes == [401] * 5 + [429]

    # Said once in the log, and on the admin's status page.
    warnings = [r for r in caplog.records if FALLBACK_WARNING in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    boss = dead_redis_web.test_client()
    assert _post_form(boss, "/login", {"email": admin.email, "password": PASSWORD}) == 302
    status = boss.get("/admin/status").get_data(as_text=True)
    assert "Redis: unreachable" in status
    assert "counted in this process's memory" in status
    waiting = work_outbox.pending_count()
    assert f"{waiting} jobs waiting in the database" in status

    # Everything the customers wrote is stored; nothing was processed yet.
    ids = [i.id for i in invitations]
    stored = db.session.scalars(
        sa.select(SurveyResponse).where(SurveyResponse.invitation_id.in_(ids))
    ).all()
    assert sorted(r.comment for r in stored) == [ANGRY] * answers
    db.session.refresh(complaint)
    assert complaint.confirmed_at is not None
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == "customer_message")
        )
        == 1
    )
    assert _count(Case) == 1  # only the case made for the reply
    assert waiting >= answers + 2

    # Redis is back: the sweep queues the waiting work, a real worker does it. Twice over, to
    # show nothing is done twice.
    back_at = time.monotonic()
    sweep_outbox()
    run_jobs()
    done_in = time.monotonic() - back_at
    sweep_outbox()  # once more: nothing is done twice
    run_jobs()
    assert work_outbox.pending_count() == 0
    cases = db.session.scalars(sa.select(Case).where(Case.id != case.id)).all()
    from_answers = [c for c in cases if c.response_id is not None]
    assert len(from_answers) == answers  # one case per negative answer
    assert len({c.response_id for c in from_answers}) == answers
    to_rep = [m for m in outbox() if m["To"] == rep.email]
    new_cases = collections.Counter(
        int(re.search(r"case #(\d+)", m["Subject"]).group(1))
        for m in to_rep
        if m["Subject"].startswith("New ")
    )
    assert new_cases == {c.id: 1 for c in cases}  # one rep email per case, none twice
    wrote_back = [m for m in to_rep if "wrote back" in m["Subject"]]
    assert len(wrote_back) == 1
    assert [m["Subject"] for m in to_rep].count("Reset your Aftersale password") == 1
    to_carl = [m["Subject"] for m in outbox() if m["To"] == "carl@example.org"]
    assert collections.Counter(to_carl)["We have received your complaint"] == 1
    print(
        f"\n[fault figures] Redis down: {answers} answers, 1 complaint + confirmation, 1 reply, "
        f"1 login, 1 password reset: all answered and stored; outbox rows waiting={waiting}; "
        f"Redis back: cases={len(cases)}, rep emails={len(to_rep)}, done in {done_in:.1f} s"
    )
