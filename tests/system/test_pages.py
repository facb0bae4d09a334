"""The pages as a person meets them: login, each role's home page, errors, emails."""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from portal.extensions import db
from portal.models import Case, Customer, SurveyInvitation, SurveyResponse, utcnow
from portal.services.staff.accounts import create_user
from portal.tokens import make_token
from tests.conftest import CSRF_INPUT, PASSWORD, body_text, sent_invitation, submit

SET_PASSWORD_LINK = re.compile(r"https://portal\.example\.test/password/set/[\w.\-]+")


def make_case(rep, customer=None, sale=None, **fields) -> Case:
    now = utcnow()
    case = Case(
        source=fields.pop("source", "survey"),
        customer=customer or (sale.customer if sale else Customer(email="c@example.org", name="C")),
        sale=sale,
        assigned_rep=rep,
        severity=fields.pop("severity", "normal"),
        status=fields.pop("status", "open"),
        first_contact_due=fields.pop("first_contact_due", now + timedelta(hours=4)),
        resolve_due=fields.pop("resolve_due", now + timedelta(days=3)),
        **fields,
    )
    db.session.add(case)
    db.session.commit()
    return case


def answer(sale, satisfaction: int, comment: str) -> SurveyResponse:
    invitation = SurveyInvitation(
        kind="post_sale", customer=sale.customer, sale=sale, scheduled_for=utcnow()
    )
    response = SurveyResponse(
        invitation=invitation, satisfaction=satisfaction, recommend=3, comment=comment
    )
    db.session.add(response)
    db.session.commit()
    return response


class Page(HTMLParser):
    """What the browser would load and run from a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.inline_scripts = 0
        self.style_attributes = 0
        self.html_lang = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.style_attributes += 1
        if any(name.startswith("on") for name in attrs):
            self.inline_scripts += 1
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if tag == "script":
            if attrs.get("src"):
                self.assets.append(attrs["src"])
            else:
                self.inline_scripts += 1
        if tag == "link" and attrs.get("href"):
            self.assets.append(attrs["href"])
        if tag == "img" and attrs.get("src"):
            self.assets.append(attrs["src"])
        if tag == "style":
            self.style_attributes += 1


# --- login ----------------------------------------------------------------------------------


def test_login_page_renders_a_form_with_a_csrf_field(client):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert CSRF_INPUT.search(html)
    assert 'name="email"' in html and 'name="password"' in html
    assert '<label class="form-label" for="email">Email</label>' in html
    assert "Forgot your password?" in html


def test_wrong_password_says_so_and_keeps_the_email(client, login, make_user):
    user = make_user(email="ann@example.com")
    response = login(user, password="wrong password")
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "Email or password is incorrect." in html
    assert 'value="ann@example.com"' in html
    assert 'role="alert"' in html


def test_a_staff_page_sends_the_anonymous_visitor_to_log_in(client):
    response = client.get("/home", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.request.path == "/login"
    assert "Please log in to see that page." in html


def test_logout_button_posts_and_ends_the_session(client, login, make_user):
    login(make_user())
    home = client.get("/home").get_data(as_text=True)
    assert 'action="/logout"' in home and "Log out" in home
    response = submit(client, "/logout", {}, page="/home", follow_redirects=True)
    assert "You are logged out." in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302


# --- the whole site: accessible, local and CSP-clean ----------------------------------------


def assert_local_and_csp_clean(client, url: str) -> None:
    response = client.get(url)
    html = response.get_data(as_text=True)
    page = Page(html)
    assert response.status_code in (200, 404), url
    assert page.html_lang == "en", url
    assert page.inline_scripts == 0, url
    assert page.style_attributes == 0, url
    assert 'href="#main">Skip to main content</a>' in html, url
    assert 'id="main"' in html, url
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert page.assets, url
    for asset in page.assets:
        assert asset.startswith("/static/"), f"{url} loads {asset}"
        with client.get(asset) as loaded:
            assert loaded.status_code == 200, asset


@pytest.mark.parametrize("role", ["rep", "manager", "admin"])
def test_pages_load_only_local_assets_and_no_inline_code(client, login, make_user, role):
    """Every page works on an intranet with no internet, and under the strict CSP."""
    for url in ["/login", "/password/forgot", "/no-such-page"]:
        assert_local_and_csp_clean(client, url)
    user = make_user(role)
    login(user)
    pages = ["/home", "/no-such-page"]
    if role == "admin":
        pages += [
            "/admin/users",
            "/admin/users/new",
            f"/admin/users/{user.id}/edit",
            "/admin/teams",
            "/admin/teams/new",
        ]
    for url in pages:
        assert_local_and_csp_clean(client, url)


# --- the rep's home -------------------------------------------------------------------------


def test_rep_home_lists_their_own_open_case_and_not_another_reps(
    client, login, make_user, make_sale
):
    rep, other = make_user("rep", name="Rita Rep"), make_user("rep", name="Olle Other")
    make_case(rep, sale=make_sale(rep, product="Standing desk"), subject="Desk arrived scratched")
    make_case(other, sale=make_sale(other), subject="Someone else's trouble")
    make_case(rep, sale=make_sale(rep), subject="Closed long ago", status="closed")
    login(rep)
    html = client.get("/home").get_data(as_text=True)
    assert "Hello, Rita Rep" in html
    assert "Desk arrived scratched" in html
    assert "Someone else&#39;s trouble" not in html and "Someone else's trouble" not in html
    assert "Closed long ago" not in html
    assert "in 4 h" in html or "in 3 h" in html


def test_rep_home_says_overdue_in_words(client, login, make_user, make_sale):
    rep = make_user("rep")
    make_case(
        rep,
        sale=make_sale(rep),
        subject="Waiting for a call",
        first_contact_due=utcnow() - timedelta(hours=5),
    )
    login(rep)
    html = client.get("/home").get_data(as_text=True)
    assert "Overdue</span>" in html
    assert "by 5 h" in html or "by 4 h" in html
    assert "h overdue" not in html  # not "Overdue 5 h overdue"


def test_rep_home_with_nothing_yet_shows_friendly_empty_states(client, login, make_user):
    login(make_user("rep"))
    html = client.get("/home").get_data(as_text=True)
    assert "No open cases" in html
    assert "No answers yet" in html
    assert "No answers in the last 30 days" in html


def test_rep_home_shows_recent_answers_as_text(client, login, make_user, make_sale):
    rep = make_user("rep")
    sale = make_sale(rep, product="Office chair")
    answer(sale, 2, "<script>alert('x')</script> The chair squeaks")
    login(rep)
    html = client.get("/home").get_data(as_text=True)
    assert "Satisfaction 2/5" in html
    assert "Unhappy</span>" in html  # a low score stands out in words, not colour alone
    assert "The chair squeaks" in html
    assert "<script>alert" not in html  # the customer's words are shown, never run
    assert "SEK\u00a01,250.00" in html
    assert '2.0 <span class="stat-unit">/ 5</span>' in html


# --- the manager's and the admin's home -----------------------------------------------------


def test_manager_home_shows_their_team_and_triage(client, login, make_user, make_team, make_sale):
    manager = make_user("manager")
    north, south = make_team("North", lead=manager), make_team("South")
    ann = make_user("rep", team=north, name="Ann North")
    make_user("rep", team=south, name="Sam South")
    make_case(ann, sale=make_sale(ann), first_contact_due=utcnow() - timedelta(hours=1))
    make_case(None, sale=make_sale(None), subject="Nobody's yet")
    login(manager)
    html = client.get("/home").get_data(as_text=True)
    assert "Team overview" in html and "North." in html
    assert "Ann North" in html
    assert "Sam South" not in html
    assert "In triage" in html
    assert "Waiting longest for first contact" in html
    assert "Overdue</span>" in html
    assert "Portal totals" not in html
    assert "/admin/users" not in html


def test_manager_without_a_team_is_told_so(client, login, make_user):
    login(make_user("manager"))
    html = client.get("/home").get_data(as_text=True)
    assert "You do not manage a team yet." in html
    assert "No reps to show" in html


def test_admin_home_has_portal_totals_and_admin_navigation(client, login, make_user):
    admin = make_user("admin")
    make_user("rep")
    login(admin)
    html = client.get("/home").get_data(as_text=True)
    assert "Portal totals" in html
    assert 'href="/admin/users"' in html and 'href="/admin/teams"' in html
    assert 'aria-current="page">Home</a>' in html


def test_rep_navigation_has_home_but_no_admin_pages(client, login, make_user):
    login(make_user("rep", name="Rita Rep"))
    html = client.get("/home").get_data(as_text=True)
    assert 'href="/home"' in html
    assert "/admin/" not in html
    assert "Rita Rep" in html


# --- error pages ----------------------------------------------------------------------------


def test_404_page_for_staff_explains_and_shows_no_traceback(client, login, make_user):
    login(make_user("rep"))
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Not found" in html and "The link may be old or mistyped." in html
    assert 'id="main-nav"' in html  # their own navigation, to carry on
    assert "Traceback" not in html and "werkzeug" not in html.lower()


@pytest.mark.parametrize(
    "headers, query, lang, heading, form",
    [
        ({}, "", "en", "We cannot find that page", "/complaint?lang=en"),
        ({"Accept-Language": "sv-SE,sv;q=0.9"}, "", "sv", "Vi hittar inte den sidan", "lang=sv"),
        ({"Accept-Language": "en"}, "?lang=sv", "sv", "Vi hittar inte den sidan", "lang=sv"),
    ],
)
def test_404_page_for_a_visitor_is_a_customer_page_in_their_language(
    app, client, headers, query, lang, heading, form
):
    app.config.update(SUPPORT_EMAIL="kundservice@shop.example")
    response = client.get(f"/old/link/from-an-email{query}", headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert f'<html lang="{lang}">' in html and heading in html
    assert form in html  # the complaint form, in the same language
    assert 'href="mailto:kundservice@shop.example"' in html  # customer service
    # No staff frame: no staff navigation, no staff home or login link, no staff wording.
    assert "Aftersale" not in html and 'href="/login"' not in html and 'href="/"' not in html
    assert "public-header" in html and "Not found" not in html
    assert "Traceback" not in html


def test_the_language_picked_on_the_complaint_form_sticks_on_a_mistyped_link(client):
    """A customer with an English browser picks Swedish on the complaint form, then follows a
    mistyped link: the 404 is in Swedish too; picking English again brings it back."""
    english_browser = {"Accept-Language": "en"}
    assert "Vi hittar inte" not in client.get("/no-such-page", headers=english_browser).text
    client.get("/complaint?lang=sv", headers=english_browser)
    page = client.get("/no-such-page", headers=english_browser)
    assert page.status_code == 404 and '<html lang="sv">' in page.text
    assert "Vi hittar inte den sidan" in page.text and "/complaint?lang=sv" in page.text
    client.get("/complaint?lang=en", headers=english_browser)
    assert "We cannot find that page" in client.get("/no-such-page", headers=english_browser).text


def test_a_swedish_customers_survey_language_sticks_on_a_mistyped_link(client, make_sale):
    sale = make_sale(customer=Customer(email="sv@example.se", name="Sven", locale="sv"))
    invitation = sent_invitation(sale)
    db.session.add(invitation)
    db.session.commit()
    english_browser = {"Accept-Language": "en"}
    survey = client.get(f"/s/{make_token('survey', invitation.id)}", headers=english_browser)
    assert '<html lang="sv">' in survey.text
    page = client.get("/s/typo-in-the-link/extra", headers=english_browser)
    assert page.status_code == 404 and "Vi hittar inte den sidan" in page.text


def test_500_page_hides_the_exception(app, client):
    def broken():
        raise RuntimeError("secret internals: password=hunter2")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    response = client.get("/broken-for-test")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "hunter2" not in html and "Traceback" not in html and "RuntimeError" not in html


def test_rep_on_an_admin_page_gets_a_clear_403(client, login, make_user):
    login(make_user("rep"))
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Your account does not have access to this page." in response.get_data(as_text=True)


# --- passwords and their emails -------------------------------------------------------------


def test_forgotten_password_link_sets_a_new_password_once(
    client, login, make_user, run_jobs, outbox
):
    """The whole way from "Forgot your password?" to logging in with the new one."""
    user = make_user(email="ann@example.com")
    response = submit(
        client, "/password/forgot", {"email": "ANN@example.com"}, follow_redirects=True
    )
    assert "a link to set a new password is on its way" in response.get_data(as_text=True)
    run_jobs()
    [message] = outbox()
    assert message["To"] == "ann@example.com"
    assert message["Subject"] == "Reset your Aftersale password"
    link = SET_PASSWORD_LINK.search(body_text(message)).group(0)
    path = urlsplit(link).path

    page = client.get(path).get_data(as_text=True)
    assert "Set your password" in page and "ann@example.com" in page
    response = submit(
        client,
        path,
        {"password": "a brand new secret", "confirm": "a brand new secret"},
        follow_redirects=True,
    )
    assert "Your password is set." in response.get_data(as_text=True)

    again = client.get(path)
    assert again.status_code == 410
    assert "This link no longer works" in again.get_data(as_text=True)
    assert login(user, password=PASSWORD).status_code == 401
    assert login(user, password="a brand new secret").status_code == 302


def test_set_password_page_explains_mismatched_passwords(client, make_user, run_jobs, outbox):
    make_user(email="bo@example.com")
    submit(client, "/password/forgot", {"email": "bo@example.com"})
    run_jobs()
    path = urlsplit(SET_PASSWORD_LINK.search(body_text(outbox()[0])).group(0)).path
    response = submit(client, path, {"password": "a brand new secret", "confirm": "something else"})
    html = response.get_data(as_text=True)
    assert "The two passwords differ." in html
    assert 'aria-invalid="true"' in html


def test_welcome_email_shows_the_link_as_text_in_both_parts(app, run_jobs, outbox):
    create_user("new@example.com", "Nina New", "rep")
    run_jobs()
    [message] = outbox()
    assert message["Subject"] == "Your Aftersale account is ready"
    text = body_text(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    link = SET_PASSWORD_LINK.search(text).group(0)
    assert "Hello Nina New" in text and "72 hours" in text
    assert f">{link}</a>" in html  # the address itself is readable, not only a button
    assert "<img" not in html and "http://" not in html
    assert set(SET_PASSWORD_LINK.findall(html)) == {link}
