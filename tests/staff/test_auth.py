"""Staff login: passwords, sessions, throttling, set-password links."""

import re

import pytest

from portal.config import load_config
from portal.extensions import db
from portal.models import User
from portal.services.staff import accounts, passwords
from portal.services.staff import passwords as staff_passwords

from ..conftest import PASSWORD, body_text, submit

LINK = re.compile(r"https://portal\.example\.test/password/set/\S+")


def test_login_with_the_right_password_opens_the_home_page(client, login, make_user):
    rep = make_user("rep", name="Rita Rep")
    response = login(rep)
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    assert "Rita Rep" in client.get("/home").get_data(as_text=True)


def test_passwords_are_stored_as_scrypt_hashes(app, monkeypatch, make_user):
    """The suite hashes with a cheap pbkdf2 for speed (conftest); production uses scrypt."""
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    app.config["PASSWORD_HASH_METHOD"] = load_config("production").PASSWORD_HASH_METHOD
    rep = make_user("rep")
    staff_passwords.set_password(rep, "a brand new password")
    assert rep.password_hash.startswith("scrypt:")
    assert "a brand new password" not in rep.password_hash
    assert rep.check_password("a brand new password")


def test_the_suite_hashes_passwords_cheaply_but_still_salted(make_user):
    rep, other = make_user("rep"), make_user("rep")
    assert rep.password_hash.startswith("pbkdf2:")
    assert PASSWORD not in rep.password_hash
    assert rep.password_hash != other.password_hash  # salted
    assert rep.check_password(PASSWORD) and not rep.check_password("wrong password!")


@pytest.mark.parametrize("email", ["rep1@example.com", "nobody@example.com"])
def test_wrong_password_and_unknown_email_get_the_same_answer(client, login, make_user, email):
    make_user("rep", email="rep1@example.com")
    response = login(email, password="wrong password!")
    assert response.status_code == 401
    assert "Email or password is incorrect." in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # still not logged in


def test_login_form_without_csrf_token_is_refused(client, make_user):
    rep = make_user("rep")
    response = client.post("/login", data={"email": rep.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/home").status_code == 302


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/admin/users", "/admin/users"),
        ("//evil.example.com/phish", "/home"),
        ("https://evil.example.com/", "/home"),
        ("/\\evil.example.com", "/home"),
        ("javascript:alert(1)", "/home"),
    ],
)
def test_next_parameter_never_leaves_the_site(client, make_user, next_url, lands_on):
    admin = make_user("admin")
    response = submit(
        client,
        "/login",
        {"email": admin.email, "password": PASSWORD, "next": next_url},
    )
    assert response.headers["Location"] == lands_on


def test_logout_needs_a_post_with_csrf(client, login, make_user):
    login(make_user("rep"))
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    response = submit(client, "/logout", {}, page="/home")
    assert response.headers["Location"] == "/login"
    assert client.get("/home").status_code == 302


def test_a_deactivated_users_session_stops_working(client, login, make_user):
    rep = make_user("rep")
    login(rep)
    assert client.get("/home").status_code == 200
    accounts.deactivate(db.session.get(User, rep.id))
    response = client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_a_deactivated_user_cannot_log_in(login, make_user):
    rep = make_user("rep", active=False)
    response = login(rep)
    assert response.status_code == 401


def _remember_only(client):
    """Forget the session cookie, keep the remember-me cookie: a browser reopened later."""
    client.delete_cookie("session")


def test_remember_me_cookie_stops_working_after_deactivation(client, login, make_user):
    rep = make_user("rep")
    login(rep, remember="y")
    assert client.get_cookie("remember_token") is not None
    _remember_only(client)
    assert client.get("/home").status_code == 200  # the cookie logs them back in
    _remember_only(client)
    accounts.deactivate(db.session.get(User, rep.id))
    assert client.get("/home").status_code == 302


def test_changing_the_password_ends_other_sessions(app, client, login, make_user):
    rep = make_user("rep")
    login(rep)
    user = db.session.get(User, rep.id)
    passwords.set_password(user, "a brand new password")
    assert client.get("/home").status_code == 302


def test_login_is_throttled_per_account(client, login, make_user):
    rep = make_user("rep")
    other = make_user("rep")
    for _ in range(5):
        assert login(rep, password="wrong password!").status_code == 401
    # Even the right password is refused now, and the answer says to wait.
    response = login(rep)
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    # Another account from the same address is not locked out.
    assert login(other).status_code == 302


def test_login_is_throttled_per_address(app, client, login, make_user):
    app.config["LOGIN_ATTEMPTS_PER_ADDRESS"] = "4 per 15 minutes"
    users = [make_user("rep") for _ in range(5)]
    for user in users[:4]:
        assert login(user, password="wrong password!").status_code == 401
    assert login(users[4]).status_code == 429


def test_successful_logins_do_not_count_against_the_limit(client, login, make_user):
    rep = make_user("rep")
    for _ in range(7):
        assert login(rep).status_code == 302
        submit(client, "/logout", {}, page="/home")


def test_staff_pages_need_a_login(client):
    response = client.get("/home")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fhome"


def test_admin_pages_refuse_reps_and_managers(client, login, make_user):
    login(make_user("rep"))
    assert client.get("/admin/users").status_code == 403


# --- set-password links ---------------------------------------------------------------------


def _reset_link(client, outbox, run_jobs, email, host=None):
    headers = {"Host": host} if host else {}
    html = client.get("/password/forgot", headers=headers).get_data(as_text=True)
    from ..conftest import csrf_from

    client.post(
        "/password/forgot",
        data={"csrf_token": csrf_from(html), "email": email},
        headers=headers,
    )
    run_jobs()
    messages = [m for m in outbox() if m["To"] == email]
    return messages


def test_forgot_password_mails_a_link_that_sets_a_new_password(
    client, login, make_user, outbox, run_jobs
):
    rep = make_user("rep")
    messages = _reset_link(client, outbox, run_jobs, rep.email)
    assert len(messages) == 1
    assert messages[0]["Subject"] == "Reset your Aftersale password"
    link = LINK.search(body_text(messages[0])).group(0)
    path = link.removeprefix("https://portal.example.test")
    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    response = submit(client, path, {"password": "new password 123", "confirm": "new password 123"})
    assert response.headers["Location"] == "/login"
    assert login(rep, password="new password 123").status_code == 302
    # The link worked once; it is dead now.
    assert client.get(path).status_code == 410


def test_reset_link_ignores_a_forged_host_header(client, make_user, outbox, run_jobs):
    rep = make_user("rep")
    messages = _reset_link(client, outbox, run_jobs, rep.email, host="evil.example.com")
    text = body_text(messages[0])
    assert "evil.example.com" not in text
    assert LINK.search(text)


def test_forgot_password_for_an_unknown_address_says_the_same_and_sends_nothing(
    client, outbox, run_jobs
):
    from ..conftest import csrf_from

    html = client.get("/password/forgot").get_data(as_text=True)
    response = client.post(
        "/password/forgot",
        data={"csrf_token": csrf_from(html), "email": "nobody@example.com"},
        follow_redirects=True,
    )
    assert "If that address has an account" in response.get_data(as_text=True)
    run_jobs()
    assert outbox() == []


def test_short_or_mismatched_passwords_are_refused_with_a_reason(client, app, make_user):
    rep = make_user("rep")
    path = f"/password/set/{passwords.set_password_token(rep)}"
    short = submit(client, path, {"password": "short", "confirm": "short"})
    assert "Use at least 10 characters." in short.get_data(as_text=True)
    differ = submit(client, path, {"password": "long enough 1", "confirm": "long enough 2"})
    assert "The two passwords differ." in differ.get_data(as_text=True)


def test_tampered_expired_and_foreign_tokens_are_refused(app, client, make_user):
    from portal.tokens import make_token

    rep = make_user("rep")
    token = passwords.set_password_token(rep)
    assert client.get(f"/password/set/{token}").status_code == 200
    assert client.get(f"/password/set/{token[:-2]}xx").status_code == 410
    app.config["TOKEN_MAX_AGE_SET_PASSWORD"] = -1
    assert client.get(f"/password/set/{token}").status_code == 410
    app.config["TOKEN_MAX_AGE_SET_PASSWORD"] = 3600
    # A token signed with the right key but for another purpose does not open the page.
    from itsdangerous import URLSafeTimedSerializer

    foreign = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="aftersale:survey").dumps(
        {"u": rep.id, "s": rep.session_token[:16]}
    )
    assert client.get(f"/password/set/{foreign}").status_code == 410
    assert make_token("set-password", {"u": rep.id, "s": "stale"})  # well-formed, wrong state
    stale = make_token("set-password", {"u": rep.id, "s": "stale"})
    assert client.get(f"/password/set/{stale}").status_code == 410
