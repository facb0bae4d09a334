"""The organisation and the webhook endpoints a web process keeps for SETTINGS_CACHE_SECONDS
(portal/settings_cache.py): an admin's change shows at once in the process that made it, and
in every other process (here: a change written straight to the database, as another worker
would) within SETTINGS_CACHE_SECONDS; never later."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal import settings_cache
from portal.extensions import db
from portal.models import (
    Customer,
    Organisation,
    SurveyInvitation,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from portal.services import organisation as company
from portal.services.webhooks import endpoints as webhook_endpoints
from portal.tokens import make_token

from ..cases.webhook_receiver import Receiver
from ..conftest import csrf_from


@pytest.fixture
def clock(app, monkeypatch):
    """Caching on (5 s, as in production) and a clock the test moves."""
    app.config["SETTINGS_CACHE_SECONDS"] = 5
    now = [1000.0]
    monkeypatch.setattr(settings_cache.time, "monotonic", lambda: now[0])
    return now


@pytest.fixture
def survey_path(app, make_sale):
    def make() -> str:
        now = utcnow()
        customer = Customer(email=f"c{now.timestamp()}@example.org", name="Ann Ek", locale="en")
        sale = make_sale(customer=customer, sold_at=now - timedelta(days=4))
        inv = SurveyInvitation(
            kind="post_sale",
            customer=customer,
            sale=sale,
            scheduled_for=now - timedelta(days=1),
            sent_at=now - timedelta(days=1),
            expires_at=now + timedelta(days=27),
        )
        db.session.add(inv)
        db.session.commit()
        return f"/s/{make_token('survey', inv.id)}"

    return make


def title_of(client, path: str) -> str:
    return re.search(r"<title>(.*?)</title>", client.get(path).text, re.S).group(1)


def test_a_company_name_change_shows_at_once_here_and_within_seconds_elsewhere(
    client, clock, survey_path
):
    path = survey_path()
    company.save_settings({"name": "Nordhem"}, utcnow())
    assert "Nordhem" in title_of(client, path)
    company.save_settings({"name": "Nordhem Möbler"}, utcnow())  # this process: at once
    assert "Nordhem Möbler" in title_of(client, path)

    # Another worker renames it: this process shows the old name for at most 5 s.
    db.session.execute(sa.update(Organisation).values(name="Söderhem"))
    db.session.commit()
    clock[0] += 4
    assert "Nordhem Möbler" in title_of(client, path)
    clock[0] += 1.5
    assert "Söderhem" in title_of(client, path)


def answer(client, path: str) -> int:
    page = client.get(path).text
    data = {"csrf_token": csrf_from(page), "satisfaction": "4", "comment": "Fine."}
    return client.post(path, data=data).status_code


def survey_deliveries() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(WebhookDelivery)
        .where(WebhookDelivery.event == "survey.answered")
    )


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def test_a_new_or_turned_off_endpoint_takes_effect_within_seconds(
    client, clock, survey_path, receiver
):
    assert answer(client, survey_path()) == 303  # no endpoint yet: read, and kept
    endpoint, _ = webhook_endpoints.create_endpoint("CRM", receiver.url, ["survey.answered"], None)
    assert answer(client, survey_path()) == 303
    assert survey_deliveries() == 1  # the process that added it sends at once

    # Another worker turns it off: at most 5 s more of deliveries from this process.
    db.session.execute(
        sa.update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint.id)
        .values(disabled_at=utcnow())
    )
    db.session.commit()
    clock[0] += 4
    assert answer(client, survey_path()) == 303
    assert survey_deliveries() == 2
    clock[0] += 1.5
    assert answer(client, survey_path()) == 303
    assert survey_deliveries() == 2
