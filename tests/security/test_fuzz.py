"""Every public form and the sales API fed random and hostile input (Hypothesis): never a 500,
and never a half-written row. A refused answer leaves every table as it was; an accepted one
leaves a complete row.

Examples are few on purpose (the database is real and the suite runs in CI); each run draws
new ones, so the search goes on run after run. A failure prints the example and the blob to
reproduce it (@reproduce_failure).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db, limiter
from portal.models import Complaint, Customer, Sale, SurveyInvitation, SurveyResponse, utcnow
from portal.services.staff import api_keys
from portal.services.surveys.schedule import get_policy
from portal.tokens import make_token

from ..conftest import csrf_from
from .test_access_table import _world

FUZZ = settings(
    max_examples=20,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE = [
    "",
    " ",
    "\x00",
    "nul\x00inside",
    "' OR '1'='1",
    "1; DROP TABLE complaints; --",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "%00",
    "%s%s%s%n",
    "\u202e\u200b\ufeff",
    "😀" * 50,
    "ÅÄÖ åäö",
    "-1",
    "0",
    "6",
    "1e309",
    "NaN",
    "99999999999999999999999999",
    "true",
    "null",
    "[]",
    "\r\nBcc: victim@example.org",
    "a@b",
    "ann@example.org",
]

VALUE = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(max_size=400),
    st.builds(
        lambda piece, n: piece * n,
        st.sampled_from(["x", "é", "😀", "<", "'", " "]),
        st.integers(4_000, 60_000),
    ),
)
FIELD = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3))  # a field sent twice


def form(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """Some of the form's fields, each either plausible or hostile, and a few unknown ones."""
    known = st.fixed_dictionaries(
        {}, optional={name: st.one_of(plausible, FIELD) for name, plausible in fields.items()}
    )
    extra = st.dictionaries(st.text(min_size=1, max_size=20), FIELD, max_size=3)
    return st.tuples(known, extra).map(lambda both: {**both[1], **both[0]})


def counts() -> dict[str, int]:
    db.session.expire_all()
    with db.engine.connect() as conn:
        return {
            t.name: conn.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables
        }


def changed(before: dict, after: dict) -> dict:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


class Poster:
    """A browser that got the form page once: posts with its CSRF token (or a broken one)."""

    def __init__(self, app):
        self.client = app.test_client()
        self.csrf = csrf_from(self.client.get("/complaint").get_data(as_text=True))

    def post(self, url: str, data: dict, csrf: str | None = "valid"):
        limiter.reset()  # the limits are tested elsewhere; here every example must get through
        if csrf == "valid":
            data = {**data, "csrf_token": self.csrf}
        elif csrf is not None:
            data = {**data, "csrf_token": csrf}
        response = self.client.post(url, data=data)
        response.close()
        return response


CSRF = st.one_of(st.just("valid"), st.just("valid"), st.just("valid"), st.none(), VALUE)


@pytest.fixture
def world(app, make_team, make_user, make_sale):
    built = _world(make_team, make_user, make_sale)
    get_policy()  # made on first use: make it before anything is counted
    db.session.commit()
    return built


def refused_changes_nothing(response, before, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    if response.status_code >= 400:
        assert changed(before, counts()) == {}, f"{what} refused with {response.status_code}"


# --- the survey ----------------------------------------------------------------------------

SURVEY = {
    "satisfaction": st.sampled_from(["1", "2", "3", "4", "5"]),
    "recommend": st.sampled_from([str(n) for n in range(11)]),
    "comment": st.text(max_size=300),
    "may_contact": st.sampled_from(["y", "on"]),
}


@FUZZ
@given(data=form(SURVEY), csrf=CSRF)
def test_fuzz_survey_answer(app, world, data, csrf):
    url = f"/s/{world['tokens']['survey.answer']}"
    poster = Poster(app)
    before = counts()
    response = poster.post(url, data, csrf)
    refused_changes_nothing(response, before, "survey answer")
    if response.status_code == 303:
        [answer] = db.session.scalars(sa.select(SurveyResponse)).all()
        assert answer.satisfaction in range(1, 6)
        assert answer.recommend is None or answer.recommend in range(11)
        assert len(answer.comment or "") <= 5000


FOLLOWUP = {
    "resolved_concern": st.sampled_from(["yes", "no"]),
    "satisfaction": st.sampled_from(["1", "2", "3", "4", "5"]),
    "comment": st.text(max_size=300),
}


@FUZZ
@given(data=form(FOLLOWUP), csrf=CSRF)
def test_fuzz_followup_answer(app, world, data, csrf):
    case_id = world["ids"]["case_id"]
    followup = db.session.scalars(
        sa.select(SurveyInvitation).where(SurveyInvitation.case_id == case_id)
    ).first()
    if followup is None:
        now = utcnow()
        first = db.session.get(SurveyInvitation, world["ids"]["invitation_id"])
        followup = SurveyInvitation(
            kind="resolution",
            customer_id=first.customer_id,
            case_id=case_id,
            scheduled_for=now - timedelta(hours=1),
            sent_at=now - timedelta(hours=1),
            expires_at=now + timedelta(days=14),
        )
        db.session.add(followup)
        db.session.commit()
    poster = Poster(app)
    before = counts()
    response = poster.post(f"/s/{make_token('survey', followup.id)}", data, csrf)
    refused_changes_nothing(response, before, "follow-up answer")


# --- complaints --------------------------------------------------------------------------------

COMPLAINT = {
    "email": st.emails(),
    "name": st.text(min_size=1, max_size=60),
    "order_ref": st.sampled_from(["", "ORD-00001", "ord-00001", "WEB-1"]),
    "category": st.sampled_from(["delivery", "product_quality", "billing", "other"]),
    "description": st.text(min_size=10, max_size=600),
    "contact_preference": st.sampled_from(["email", "phone"]),
    "phone": st.sampled_from(["", "+46 70 123 45 67", "070-1234567"]),
    "website": st.sampled_from(["", "http://spam.example"]),
}


@FUZZ
@given(data=form(COMPLAINT), csrf=CSRF)
def test_fuzz_public_complaint_form(app, world, data, csrf):
    poster = Poster(app)
    before = counts()
    response = poster.post("/complaint", data, csrf)
    refused_changes_nothing(response, before, "complaint form")
    if response.status_code == 303:
        added = changed(before, counts())
        stored = added.get("complaints", (0, 0))
        assert stored[1] - stored[0] in (0, 1)  # one complaint, or none for a bot
        if stored[1] > stored[0]:
            complaint = db.session.scalars(
                sa.select(Complaint).order_by(Complaint.id.desc())
            ).first()
            assert 10 <= len(complaint.description) <= 5000
            assert complaint.email and complaint.name and complaint.category
            assert complaint.confirmed_at is None  # waits for the emailed link


@FUZZ
@given(data=form({k: COMPLAINT[k] for k in COMPLAINT if k not in ("email", "name")}), csrf=CSRF)
def test_fuzz_complaint_from_a_survey_link(app, world, data, csrf):
    poster = Poster(app)
    before = counts()
    url = f"/s/{world['tokens']['complaints.from_survey']}/complaint"
    response = poster.post(url, data, csrf)
    refused_changes_nothing(response, before, "complaint from a survey link")


@FUZZ
@given(data=form({"body": st.text(min_size=1, max_size=400)}), csrf=CSRF)
def test_fuzz_reply_on_the_case_status_page(app, world, data, csrf):
    poster = Poster(app)
    before = counts()
    url = f"/status/{world['tokens']['complaints.case_status']}"
    response = poster.post(url, data, csrf)
    refused_changes_nothing(response, before, "reply on the case page")


@FUZZ
@given(data=form({"List-Unsubscribe": st.just("One-Click")}), token=st.one_of(st.none(), VALUE))
def test_fuzz_unsubscribe(app, world, data, token):
    poster = Poster(app)
    before = counts()
    real = world["tokens"]["survey.unsubscribe"]
    url = f"/u/{real if token is None else token.replace('/', '') or 'x'}"
    response = poster.post(url, data, csrf=None)
    refused_changes_nothing(response, before, "unsubscribe")
    if token is None and response.status_code == 200:
        db.session.expire_all()
        ann = sa.select(Customer).where(Customer.email == "ann@example.org")
        assert db.session.scalars(ann).one().unsubscribed_at is not None


# --- staff login and passwords -------------------------------------------------------------------


@FUZZ
@given(
    data=form(
        {
            "email": st.sampled_from(["rep1@example.com", "nobody@example.com"]),
            "password": st.text(max_size=80),
            "remember": st.just("y"),
            "next": st.sampled_from(["/cases/", "//evil.example", "https://evil.example/"]),
        }
    ),
    csrf=CSRF,
)
def test_fuzz_login(app, world, data, csrf):
    poster = Poster(app)
    before = counts()
    response = poster.post("/login", data, csrf)
    assert response.status_code < 500
    assert response.status_code != 302, "a random password logged someone in"
    # A failed login is written to the audit trail (docs/audit.md), and nothing else.
    grown = changed(before, counts())
    assert set(grown) <= {"audit_events"}
    if grown:
        (first, last) = grown["audit_events"]
        assert last == first + 1


@FUZZ
@given(data=form({"email": st.emails()}), csrf=CSRF)
def test_fuzz_forgot_password(app, world, data, csrf):
    poster = Poster(app)
    before = counts()
    response = poster.post("/password/forgot", data, csrf)
    assert response.status_code < 500
    # Random addresses belong to nobody: nothing is written for them.
    assert changed(before, counts()) == {}


# --- the sales API -----------------------------------------------------------------------------

JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    VALUE,
)
JSON = st.recursive(
    JSON_SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)
SALE = st.fixed_dictionaries(
    {},
    optional={
        "order_ref": st.one_of(st.text(min_size=1, max_size=20), JSON_SCALAR),
        "sold_at": st.one_of(
            st.sampled_from(["2026-11-20T14:05:00+01:00", "2026-11-20", "yesterday"]),
            JSON_SCALAR,
        ),
        "customer_email": st.one_of(st.emails(), JSON_SCALAR),
        "customer_name": st.one_of(st.text(min_size=1, max_size=60), JSON_SCALAR),
        "rep_email": st.one_of(st.sampled_from(["rep1@example.com", ""]), JSON_SCALAR),
        "amount": st.one_of(st.sampled_from(["10.00", "1e3", "-5", "12,50"]), JSON_SCALAR),
        "currency": st.one_of(st.sampled_from(["SEK", "eur", "XXX"]), JSON_SCALAR),
        "product": st.one_of(st.text(max_size=60), JSON_SCALAR),
        "customer_locale": st.one_of(st.sampled_from(["en", "sv", "de"]), JSON_SCALAR),
    },
)
API_BODY = st.one_of(
    SALE,
    st.fixed_dictionaries({"sales": st.lists(st.one_of(SALE, JSON), max_size=4)}),
    JSON,
)


@pytest.fixture
def api_key(app):
    _, secret = api_keys.create_key("Fuzz shop", None)
    return secret


@FUZZ
@given(body=API_BODY, raw=st.one_of(st.none(), st.binary(max_size=200), VALUE))
def test_fuzz_sales_api(app, world, api_key, body, raw):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {api_key}"}
    before = counts()
    if raw is None:
        response = client.post("/api/v1/sales", json=body, headers=headers)
    else:  # not JSON at all, or JSON with the wrong content type
        response = client.post(
            "/api/v1/sales", data=raw, headers={**headers, "Content-Type": "application/json"}
        )
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    after = counts()
    new_sales = after["sales"] - before["sales"]
    if response.status_code >= 400:
        assert changed(before, after) == {}, "a refused sale left rows behind"
    elif response.is_json and "created" in response.json:
        assert new_sales == response.json["created"]
    elif response.is_json:
        assert new_sales == (1 if response.json.get("status") == "created" else 0)
    # Every customer row belongs to a sale or to what the world made: none half-written.
    orphans = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Customer)
        .where(~Customer.id.in_(sa.select(Sale.customer_id)))
    )
    assert orphans == 0
