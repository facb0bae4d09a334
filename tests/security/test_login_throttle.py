"""Nobody can lock the owner out of their account (issue 18, point 8).

Wrong passwords are still throttled per account, but not for a browser the owner logged in on
before (a signed device cookie, as OWASP recommends); such a browser has a limit of its own.
Addresses stay limited as well (tests/test_auth.py)."""

from __future__ import annotations

import re

from portal.auth import devices

from ..conftest import PASSWORD, body_text, csrf_from

OWNER_HOME = {"REMOTE_ADDR": "192.0.2.10"}
ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
CAFE = {"REMOTE_ADDR": "198.51.100.7"}


def attempt(client, email: str, password: str, env: dict) -> int:
    page = client.get("/login", environ_base=env).get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "email": email, "password": password}
    return client.post("/login", data=data, environ_base=env).status_code


def log_out(client, env) -> None:
    page = client.get("/home", environ_base=env).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_from(page)}, environ_base=env)


def guess_five_times(app, email: str) -> list[int]:
    attacker = app.test_client()
    return [attempt(attacker, email, "wrong password!", ATTACKER) for _ in range(5)]


def test_the_attacker_is_throttled_and_the_owner_still_logs_in_from_their_browser(
    app, client, make_user
):
    owner = make_user("rep", email="rita@example.com")
    assert attempt(client, owner.email, PASSWORD, OWNER_HOME) == 302  # yesterday, at home
    log_out(client, OWNER_HOME)
    assert client.get_cookie(devices.COOKIE) is not None

    assert guess_five_times(app, owner.email) == [401] * 5
    attacker = app.test_client()
    # The attacker is stopped, even with the right password.
    assert attempt(attacker, owner.email, PASSWORD, ATTACKER) == 429
    # The owner's own browser is not.
    assert attempt(client, owner.email, PASSWORD, OWNER_HOME) == 302
    assert client.get("/home", environ_base=OWNER_HOME).status_code == 200


def test_the_owner_in_a_new_browser_is_told_to_wait_or_set_a_new_password(
    app, make_user, outbox, run_jobs
):
    owner = make_user("rep", email="rita@example.com")
    guess_five_times(app, owner.email)
    new_browser = app.test_client()
    response = new_browser.post(
        "/login",
        data={
            "csrf_token": csrf_from(new_browser.get("/login").get_data(as_text=True)),
            "email": owner.email,
            "password": PASSWORD,
        },
        environ_base=CAFE,
    )
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Too many attempts" in html and "Wait 15 minutes" in html
    assert 'href="/password/forgot"' in html
    # Setting a new password through the emailed link lets this browser in at once.
    page = new_browser.get("/password/forgot").get_data(as_text=True)
    new_browser.post("/password/forgot", data={"csrf_token": csrf_from(page), "email": owner.email})
    run_jobs()
    [message] = [m for m in outbox() if m["To"] == owner.email]
    path = re.search(r"https://portal\.example\.test(/password/set/\S+)", body_text(message))[1]
    form = new_browser.get(path).get_data(as_text=True)
    new_password = {"password": "a new password 42", "confirm": "a new password 42"}
    new_browser.post(path, data={"csrf_token": csrf_from(form), **new_password})
    assert attempt(new_browser, owner.email, "a new password 42", CAFE) == 302


def test_a_device_cookie_of_another_account_does_not_help_the_attacker(app, make_user):
    owner = make_user("rep", email="rita@example.com")
    attacker_account = make_user("rep", email="mallory@example.com")
    attacker = app.test_client()
    assert attempt(attacker, attacker_account.email, PASSWORD, ATTACKER) == 302
    log_out(attacker, ATTACKER)
    codes = [attempt(attacker, owner.email, "wrong password!", ATTACKER) for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_a_forged_device_cookie_does_not_help_the_attacker(app, make_user):
    owner = make_user("rep", email="rita@example.com")
    attacker = app.test_client()
    from portal.tokens import make_token

    genuine_shape = make_token("device", {"u": owner.id, "d": "x"})
    attacker.set_cookie(devices.COOKIE, genuine_shape[:-3] + "abc")
    codes = [attempt(attacker, owner.email, "wrong password!", ATTACKER) for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_a_stolen_device_cookie_is_limited_too(app, client, make_user):
    """A device cookie is no licence to guess: it has a limit of its own."""
    app.config["LOGIN_ATTEMPTS_PER_DEVICE"] = "8 per 15 minutes"
    owner = make_user("rep", email="rita@example.com")
    assert attempt(client, owner.email, PASSWORD, OWNER_HOME) == 302
    log_out(client, OWNER_HOME)
    codes = [attempt(client, owner.email, "wrong password!", OWNER_HOME) for _ in range(9)]
    assert codes == [401] * 8 + [429]
