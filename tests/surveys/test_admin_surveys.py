"""The admin side of surveys (invitations, policy, unsubscribed) and of API keys, as an
administrator (and others) meet it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ApiKey, Customer, SurveyInvitation, utcnow
from portal.models.survey_policy import SurveyPolicy
from portal.services.staff import api_keys
from portal.services.surveys import admin as survey_admin
from portal.services.surveys.schedule import get_policy
from portal.services.surveys.sending import dispatch
from tests.conftest import csrf_from, submit

SURVEY_PAGES = [
    "/admin/surveys/invitations",
    "/admin/surveys/policy",
    "/admin/surveys/unsubscribed",
    "/admin/api-keys",
    "/admin/api-keys/new",
]
POLICY = {
    "send_after_days": "3",
    "window_start_hour": "9",
    "window_end_hour": "18",
    "budget_days": "30",
    "reminder_after_days": "4",
    "link_expiry_days": "28",
}
SECRET = re.compile(r"\bas_[\w-]{20,}")


@pytest.fixture
def admin(login, make_user):
    user = make_user("admin", name="Ada Admin", email="ada@example.com")
    login(user)
    return user


@pytest.fixture
def invitation(app, make_sale):
    """An invitation of a sale made two days ago, in any state: pass the fields."""
    counter = iter(range(1, 1000))

    def make(name: str | None = None, email: str | None = None, **fields) -> SurveyInvitation:
        n = next(counter)
        now = utcnow()
        customer = Customer(
            email=email or f"buyer{n}@example.org", name=name or f"Buyer {n}", locale="en"
        )
        sale = make_sale(customer=customer, sold_at=now - timedelta(days=2))
        inv = SurveyInvitation(
            kind="post_sale",
            customer=customer,
            sale=sale,
            scheduled_for=fields.pop("scheduled_for", now - timedelta(hours=n)),
            **fields,
        )
        db.session.add(inv)
        db.session.commit()
        return inv

    return make


def failed(invitation, **fields) -> SurveyInvitation:
    now = utcnow()
    return invitation(
        failed_at=now - timedelta(hours=1),
        send_attempts=5,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed by mail.example.net",
        **fields,
    )


def sent(invitation, **fields) -> SurveyInvitation:
    now = utcnow()
    return invitation(
        sent_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=27),
        send_attempts=1,
        **fields,
    )


def customers_listed(html: str) -> set[str]:
    return set(re.findall(r'<span class="fw-semibold word-break">([^<]+)</span>', html))


# --- who may use the pages ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_reps_and_managers_get_403_on_every_survey_and_api_key_page(
    client, login, make_user, invitation, role
):
    inv = failed(invitation)
    key, _ = api_keys.create_key("Webshop", None)
    login(make_user(role))
    for url in SURVEY_PAGES:
        assert client.get(url).status_code == 403, url
    posts = [
        ("/admin/surveys/policy", {**POLICY, "send_after_days": "7"}),
        (f"/admin/surveys/invitations/{inv.id}/resend", {}),
        ("/admin/api-keys/new", {"name": "Sneaky"}),
        (f"/admin/api-keys/{key.id}/revoke", {}),
    ]
    for url, data in posts:
        assert submit(client, url, data, page="/home").status_code == 403, url
    db.session.expire_all()
    assert get_policy().send_after_days == 3
    assert db.session.get(SurveyInvitation, inv.id).failed_at is not None
    assert [k.name for k in db.session.scalars(sa.select(ApiKey))] == ["Webshop"]
    assert db.session.get(ApiKey, key.id).is_active


def test_admin_finds_surveys_and_api_keys_in_the_navigation(client, admin):
    html = client.get("/admin/surveys/policy").get_data(as_text=True)
    assert 'href="/admin/surveys/invitations" aria-current="page">Surveys</a>' in html
    assert 'href="/admin/api-keys"' in html
    # The sub-navigation between the three survey pages.
    tabs = re.search(r'<nav aria-label="Survey pages".*?</nav>', html, re.S).group(0)
    assert re.findall(r">(Invitations|Policy|Unsubscribed)</a>", tabs) == [
        "Invitations",
        "Policy",
        "Unsubscribed",
    ]
    assert re.search(r'aria-current="page">Policy</a>', tabs)


def test_state_changes_only_on_post(client, admin, invitation):
    inv = failed(invitation)
    assert client.get(f"/admin/surveys/invitations/{inv.id}/resend").status_code == 405
    assert db.session.get(SurveyInvitation, inv.id).failed_at is not None


# --- the survey policy ----------------------------------------------------------------------


def test_editing_the_policy_saves_it_and_records_who(client, admin):
    page = client.get("/admin/surveys/policy").get_data(as_text=True)
    assert "0 means no reminder" in page  # every setting says what it does
    assert "These are the default settings" in page
    changed = {
        **POLICY,
        "send_after_days": "5",
        "window_end_hour": "24",
        "reminder_after_days": "0",
    }
    response = submit(client, "/admin/surveys/policy", changed, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "The survey policy is saved." in html
    assert "No reminder is sent." in html
    assert "by Ada Admin" in html
    db.session.expire_all()
    policy = db.session.get(SurveyPolicy, 1)
    assert policy.send_after_days == 5 and policy.window_end_hour == 24
    assert policy.reminder_after_days == 0
    assert policy.updated_by_id == admin.id


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"window_start_hour": "20", "window_end_hour": "8"},
            "window_end_hour",
            "The sending hours must end later in the day than they start",
        ),
        ({"send_after_days": "61"}, "send_after_days", "Enter a whole number from 0 to 60."),
        ({"budget_days": "-1"}, "budget_days", "Enter a whole number from 0 to 365."),
        ({"link_expiry_days": "0"}, "link_expiry_days", "Enter a whole number from 1 to 365."),
        ({"reminder_after_days": "soon"}, "reminder_after_days", "Enter a whole number from 0"),
        ({"window_end_hour": ""}, "window_end_hour", "Enter a whole number from 0 to 24."),
        ({"window_start_hour": "9.5"}, "window_start_hour", "Enter a whole number from 0 to 24."),
    ],
)
def test_a_bad_policy_is_refused_with_the_message_next_to_the_field(
    client, admin, fields, field, message
):
    response = submit(client, "/admin/surveys/policy", {**POLICY, "send_after_days": "7", **fields})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    error = re.search(rf'id="{field}-error"[^>]*>([^<]*)<', html)
    assert error and message in error.group(1)
    assert re.search(
        rf'<input[^>]*aria-invalid="true"[^>]*id="{field}"|id="{field}"[^>]*aria-invalid', html
    )
    db.session.expire_all()
    policy = get_policy()
    assert (policy.send_after_days, policy.window_start_hour, policy.window_end_hour) == (3, 9, 18)
    assert policy.updated_by_id is None


def test_every_mistake_in_the_policy_is_shown_at_once(client, admin):
    bad = {**POLICY, "window_start_hour": "20", "window_end_hour": "8", "budget_days": "400"}
    html = submit(client, "/admin/surveys/policy", bad).get_data(as_text=True)
    assert "The sending hours must end later in the day than they start (at 20)." in html
    assert "Enter a whole number from 0 to 365." in html
    assert get_policy().window_start_hour == 9


# --- invitations ----------------------------------------------------------------------------


def test_the_invitations_list_filters_by_state_and_shows_a_failure_in_full(
    client, admin, invitation
):
    failed(invitation, name="Fiona Failed")
    sent(invitation, name="Sam Sent")
    sent(invitation, name="Olle Opened", opened_at=utcnow() - timedelta(hours=2))
    invitation(
        name="Ann Answered",
        sent_at=utcnow() - timedelta(days=3),
        expires_at=utcnow() + timedelta(days=25),
        answered_at=utcnow() - timedelta(days=2),
    )
    invitation(
        name="Bo Bounced",
        bounced_at=utcnow(),
        skipped_at=utcnow(),
        skip_reason="bounced",
        last_error="address refused (550); marked bounced",
    )
    invitation(name="Sid Scheduled", scheduled_for=utcnow() + timedelta(days=1))
    invitation(
        name="Eva Expired",
        sent_at=utcnow() - timedelta(days=30),
        expires_at=utcnow() - timedelta(days=2),
    )

    def listed(query: str = "") -> set[str]:
        return customers_listed(
            client.get(f"/admin/surveys/invitations?{query}").get_data(as_text=True)
        )

    everyone = {
        "Fiona Failed",
        "Sam Sent",
        "Olle Opened",
        "Ann Answered",
        "Bo Bounced",
        "Sid Scheduled",
        "Eva Expired",
    }
    assert listed() == everyone
    assert listed("state=failed") == {"Fiona Failed"}
    assert listed("state=sent") == {"Sam Sent"}
    assert listed("state=opened") == {"Olle Opened"}
    assert listed("state=answered") == {"Ann Answered"}
    assert listed("state=bounced") == {"Bo Bounced"}
    assert listed("state=scheduled") == {"Sid Scheduled"}
    assert listed("state=expired") == {"Eva Expired"}
    assert listed("state=unsubscribed") == set()
    assert listed("state=nonsense") == everyone
    assert listed("q=fiona") == {"Fiona Failed"}
    assert listed("q=%25") == set()  # a % is a character to find, not a wildcard

    html = client.get("/admin/surveys/invitations?state=failed").get_data(as_text=True)
    assert "SMTPServerDisconnected: Connection unexpectedly closed by mail.example.net" in html
    assert '<span class="badge badge-state badge-state-failed">Failed</span>' in html
    assert ">Resend<" in html
    html = client.get("/admin/surveys/invitations?state=bounced").get_data(as_text=True)
    assert "address refused (550); marked bounced" in html
    assert ">Resend<" not in html


def test_every_state_filter_lists_exactly_the_invitations_shown_in_that_state(
    app, admin, invitation
):
    now = utcnow()
    failed(invitation)
    sent(invitation)
    sent(invitation, opened_at=now)
    sent(invitation, unsubscribed_at=now)
    invitation(skipped_at=now, skip_reason="budget")
    invitation(claimed_at=now)
    invitation(sent_at=now - timedelta(days=9), expires_at=None)  # an old row: no expiry
    all_rows = db.session.scalars(survey_admin.invitations_query(now)).all()
    for state in survey_admin.STATES:
        rows = db.session.scalars(survey_admin.invitations_query(now, state=state)).all()
        assert {r.id for r in rows} == {
            r.id for r in all_rows if survey_admin.state_of(r, now) == state
        }, state


def test_the_funnel_counts_the_last_30_days(client, admin, invitation):
    sent(invitation)
    sent(invitation, opened_at=utcnow())
    sent(invitation, opened_at=utcnow(), answered_at=utcnow())
    sent(invitation, unsubscribed_at=utcnow())
    failed(invitation)
    invitation(bounced_at=utcnow(), skipped_at=utcnow(), skip_reason="bounced")
    invitation(sent_at=utcnow() - timedelta(days=40), answered_at=utcnow() - timedelta(days=39))
    html = client.get("/admin/surveys/invitations").get_data(as_text=True)

    def figure(label: str) -> str:
        found = re.search(
            rf'<p class="stat-label">{label}</p>\s*<p class="stat-value mb-0">([^<]+)', html
        )
        return found.group(1).strip()

    assert [figure(x) for x in ("Sent", "Opened", "Answered", "Response rate")] == [
        "4",
        "2",
        "1",
        "25",
    ]
    assert [figure(x) for x in ("Bounced", "Unsubscribed", "Failed")] == ["1", "1", "1"]


def test_resending_a_failed_invitation_sends_it_at_the_next_dispatch(
    app, client, admin, invitation, smtp_server
):
    policy = get_policy()
    policy.window_start_hour, policy.window_end_hour = 0, 24  # any hour: the test runs any time
    db.session.commit()
    inv = failed(invitation, name="Fiona Failed", email="fiona@example.org")
    assert dispatch().sent == 0  # failed: not retried by itself

    page = "/admin/surveys/invitations?state=failed"
    response = submit(
        client,
        f"/admin/surveys/invitations/{inv.id}/resend",
        {"state": "failed"},
        page=page,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/surveys/invitations?state=failed")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The survey to fiona@example.org goes out again" in html
    assert "Fiona Failed" not in customers_listed(html)  # no longer failed

    result = dispatch()
    assert result.sent == 1
    [message] = smtp_server.messages
    assert message["To"] == "fiona@example.org"
    db.session.expire_all()
    assert survey_admin.state_of(db.session.get(SurveyInvitation, inv.id), utcnow()) == "sent"
    assert dispatch().sent == 0
    assert len(smtp_server.messages) == 1


def test_resending_an_invitation_that_was_sent_is_refused(client, admin, invitation):
    inv = sent(invitation, name="Sam Sent")
    response = submit(
        client,
        f"/admin/surveys/invitations/{inv.id}/resend",
        {},
        follow_redirects=True,
        page="/admin/surveys/invitations",
    )
    html = response.get_data(as_text=True)
    assert "Error:" in html
    assert "Only a failed invitation that never reached the customer can be resent." in html
    db.session.expire_all()
    assert db.session.get(SurveyInvitation, inv.id).send_attempts == 1


def test_a_long_invitations_list_is_paged_and_keeps_the_filter(client, admin, invitation):
    for _ in range(55):
        sent(invitation)
    html = client.get("/admin/surveys/invitations?state=sent").get_data(as_text=True)
    assert "55 invitations found" in html and "Page 1 of 2" in html
    assert len(customers_listed(html)) == 50
    assert 'href="/admin/surveys/invitations?state=sent&amp;page=2"' in html
    page_two = client.get("/admin/surveys/invitations?state=sent&page=2").get_data(as_text=True)
    assert len(customers_listed(page_two)) == 5


# --- unsubscribed ---------------------------------------------------------------------------


def test_the_unsubscribed_page_lists_who_unsubscribed_and_nobody_else(client, admin):
    db.session.add_all(
        [
            Customer(email="ulla@example.org", name="Ulla Unsub", unsubscribed_at=utcnow()),
            Customer(email="sara@example.org", name="Sara Subscribed"),
        ]
    )
    db.session.commit()
    html = client.get("/admin/surveys/unsubscribed").get_data(as_text=True)
    assert "Ulla Unsub" in html and "ulla@example.org" in html
    assert "Sara Subscribed" not in html and "sara@example.org" not in html
    assert "1 customer" in html
    assert "Ulla Unsub" in client.get("/admin/surveys/unsubscribed?q=ULLA@").get_data(as_text=True)
    html = client.get("/admin/surveys/unsubscribed?q=sara").get_data(as_text=True)
    assert "No unsubscribed customer matches" in html
    assert '<form method="post"' not in html.split('id="main"')[1]  # read-only


# --- API keys -------------------------------------------------------------------------------


def test_a_new_api_key_is_shown_once_and_works_until_revoked(app, client, admin, make_user):
    make_user("rep", email="rita.rep@example.com")
    # The box "Send sales in" is ticked on the page: a browser sends it.
    response = submit(
        client, "/admin/api-keys/new", {"name": "  Webshop  ", "scopes": "write:sales"}
    )
    assert response.status_code == 200  # shown in the answer to the POST, not after a redirect
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    [secret] = set(SECRET.findall(html))
    assert "Copy the key now: it will not be shown again." in html
    assert "curl -X POST https://portal.example.test/api/v1/sales" in html
    assert f'-H "Authorization: Bearer {secret}"' in html
    assert 'href="/api/v1/openapi.json"' in html
    set_cookie = " ".join(response.headers.getlist("Set-Cookie"))
    assert secret not in set_cookie

    listing = client.get("/admin/api-keys").get_data(as_text=True)
    assert secret not in listing
    assert "Webshop" in listing and f"{secret[:10]}…" in listing and "Active" in listing
    assert 'href="/api/v1/openapi.json"' in listing

    api = app.test_client()  # another system: no session
    sale = {
        "order_ref": "WEB-1001",
        "sold_at": utcnow().isoformat(),
        "customer_email": "ann@example.org",
        "customer_name": "Ann Andersson",
        "rep_email": "rita.rep@example.com",
        "amount": "1234.50",
        "currency": "SEK",
        "product": "Office chair",
    }
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.post("/api/v1/sales", json=sale, headers=headers).status_code == 201
    listing = client.get("/admin/api-keys").get_data(as_text=True)
    last_used = re.search(r'data-label="Last used"[^>]*>([^<]+)<', listing).group(1)
    assert last_used != "Never" and last_used.endswith("Stockholm time")

    key = db.session.scalar(sa.select(ApiKey).where(ApiKey.name == "Webshop"))
    page = client.get("/admin/api-keys").get_data(as_text=True)
    assert 'data-confirm="Revoke the key Webshop?' in page
    response = client.post(
        f"/admin/api-keys/{key.id}/revoke",
        data={"csrf_token": csrf_from(page)},
        follow_redirects=True,
    )
    assert "The key Webshop is revoked" in response.get_data(as_text=True)
    assert "Revoked" in response.get_data(as_text=True)
    second = {**sale, "order_ref": "WEB-1002"}
    assert api.post("/api/v1/sales", json=second, headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "Enter a name"), ("x" * 121, "Keep the name to 120 characters or fewer.")],
)
def test_an_api_key_needs_a_name(client, admin, name, message):
    response = submit(client, "/admin/api-keys/new", {"name": name})
    html = response.get_data(as_text=True)
    assert message in html
    assert not SECRET.search(html)
    assert db.session.scalar(sa.select(sa.func.count(ApiKey.id))) == 0
