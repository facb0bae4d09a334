"""The helpdesk routes of issue 17 fed random and hostile input (Hypothesis), as test_fuzz.py
does for the public forms: waiting for the customer on the case page, an admin's new webhook
endpoint, and the read API's query. Never a 500; a refused post changes nothing; an accepted
one leaves complete rows."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from portal.extensions import db, limiter
from portal.models import Case, CasePause, WebhookEndpoint, utcnow
from portal.models.webhook import WEBHOOK_EVENTS
from portal.services.cases import waiting
from portal.services.staff import api_keys

from ..conftest import PASSWORD, csrf_from, submit
from .test_access_table import _world
from .test_fuzz import CSRF, FIELD, FUZZ, VALUE, changed, counts, form, refused_changes_nothing


@pytest.fixture
def world(app, make_team, make_user, make_sale):
    built = _world(make_team, make_user, make_sale)
    db.session.commit()
    return built


class StaffPoster:
    """A logged-in browser that got one staff page (for its CSRF token)."""

    def __init__(self, app, user, page: str):
        self.client = app.test_client()
        assert submit(self.client, "/login", {"email": user.email, "password": PASSWORD})
        self.csrf = csrf_from(self.client.get(page).get_data(as_text=True))

    def post(self, url: str, data: dict, csrf: str | None = "valid", field="csrf_token"):
        limiter.reset()
        if csrf == "valid":
            data = {**data, field: self.csrf}
        elif csrf is not None:
            data = {**data, field: csrf}
        response = self.client.post(url, data=data)
        response.close()
        return response


WAIT = {
    "wait-question": st.text(min_size=1, max_size=300),
    "wait-days": st.sampled_from(["1", "2", "3", "5", "10"]),
}


@FUZZ
@given(data=form(WAIT), csrf=CSRF, right_version=st.booleans())
def test_fuzz_wait_for_the_customer(app, world, data, csrf, right_version):
    case = db.session.get(Case, world["ids"]["case_id"])
    if case.status != "contacted":  # a wait from an earlier example is taken back first
        if case.status == "waiting":
            waiting.take_back(case, world["personas"]["rep"], case.version, utcnow())
        else:
            case.status, case.first_contact_at = "contacted", utcnow()
            db.session.commit()
    poster = StaffPoster(app, world["personas"]["rep"], f"/cases/{case.id}")
    if right_version:
        data = {**data, "wait-version": str(case.version)}
    before = counts()
    response = poster.post(f"/cases/{case.id}/wait", data, csrf, field="wait-csrf_token")
    refused_changes_nothing(response, before, "wait for the customer")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    if response.status_code == 302:
        pause = db.session.scalar(sa.select(CasePause).where(CasePause.ended_at.is_(None)))
        assert case.status == "waiting" and pause.question
        assert pause.business_days in waiting.WAIT_DAY_CHOICES
    else:
        assert case.status == "contacted"


WEBHOOK = {
    "name": st.text(min_size=1, max_size=60),
    "url": st.sampled_from(
        ["https://crm.example.test/hook", "http://127.0.0.1:1/hook", "https://127.0.0.1:9/x"]
    ),
    "events": st.one_of(
        st.sampled_from(WEBHOOK_EVENTS), st.lists(st.sampled_from(WEBHOOK_EVENTS), max_size=6)
    ),
}


@FUZZ
@given(data=form(WEBHOOK), csrf=CSRF)
def test_fuzz_new_webhook_endpoint(app, world, data, csrf):
    poster = StaffPoster(app, world["personas"]["admin"], "/admin/webhooks/new")
    before = counts()
    response = poster.post("/admin/webhooks/new", data, csrf)
    refused_changes_nothing(response, before, "new webhook endpoint")
    created = counts()["webhook_endpoints"] - before["webhook_endpoints"]
    assert created in (0, 1)
    if created:
        assert "whsec_" in response.get_data(as_text=True)
        endpoint = db.session.scalars(
            sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc())
        ).first()
        assert endpoint.name.strip() and endpoint.events
        assert set(endpoint.events) <= set(WEBHOOK_EVENTS)
        assert endpoint.url.startswith(("https://", "http://127.0.0.1:"))
    else:
        assert "whsec_" not in response.get_data(as_text=True)


QUERY_NAMES = st.sampled_from(["order_ref", "status", "page", "per_page", "case_id", "x"])


@FUZZ
@given(query=st.dictionaries(QUERY_NAMES, FIELD, max_size=4), case_id=VALUE)
def test_fuzz_case_api(app, world, query, case_id):
    """GET /api/v1/cases with any query, and /cases/<anything>: a documented answer, a read
    that changes nothing."""
    _, secret = api_keys.create_key("Fuzz CRM", None, ["read:cases"])
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    before = counts()
    response = client.get("/api/v1/cases", query_string=query, headers=headers)
    assert response.status_code in (200, 400, 422), response.get_data(as_text=True)[:300]
    if response.status_code == 200:
        assert response.json["total"] >= len(response.json["cases"])
    one = client.get(f"/api/v1/cases/{quote(str(case_id), safe='')}", headers=headers)
    assert one.status_code in (200, 400, 404), one.get_data(as_text=True)[:300]
    assert changed(before, counts()) == {}  # a read writes nothing
