"""Staff login, logout and passwords."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from portal import urls
from portal.auth import devices
from portal.auth import session as auth_session
from portal.auth.forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from portal.errors import MESSAGES
from portal.extensions import limiter
from portal.security import token_page
from portal.services import addresses
from portal.services.staff import passwords

bp = Blueprint("auth", __name__)

BAD_LOGIN = "Email or password is incorrect."


def _account_key() -> str:
    return "login-account:" + addresses.normalise_email(request.form.get("email", ""))


def _trusted_device() -> str | None:
    """This browser's device id, if the account named in the form logged in here before."""
    if "login_device" not in g:
        g.login_device = devices.trusted_device(request.form.get("email", ""))
    return g.login_device


def _device_key() -> str:
    return "login-device:" + (_trusted_device() or "")


def _failed(response) -> bool:
    # Only failed attempts count against the limits; a successful login redirects.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_ATTEMPTS_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed,
    scope="login-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_ATTEMPTS_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=lambda: _trusted_device() is not None,
    scope="login-account",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_ATTEMPTS_PER_DEVICE"],
    key_func=_device_key,
    methods=["POST"],
    deduct_when=_failed,
    exempt_when=lambda: _trusted_device() is None,
    scope="login-device",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = passwords.authenticate(form.email.data, form.password.data)
        if user is not None:
            auth_session.start_session(user)
            login_user(user, remember=form.remember.data)
            response = redirect(urls.safe_next_url(form.next.data) or url_for("main.home"))
            devices.remember(response, user)
            return response
        flash(BAD_LOGIN, "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form)


@bp.errorhandler(429)
def too_many_logins(exc):
    """Says what to do: wait, or set a new password (which also lets this browser in)."""
    if request.endpoint != "auth.login":
        title, text = MESSAGES[429]
        return render_template("errors/error.html", code=429, title=title, text=text), 429
    form = LoginForm(formdata=None, email=request.form.get("email", ""))
    page = render_template("auth/login.html", form=form, locked=True)
    return page, 429


@bp.post("/logout")
@login_required
def logout():
    """Ends this device's session on the server: a copy of its cookies opens nothing after."""
    auth_session.end_session(current_user)
    logout_user()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/logout/everywhere")
@login_required
def logout_everywhere():
    """For a lost phone or a shared computer: every session of this user ends."""
    auth_session.end_all_sessions(current_user)
    logout_user()
    flash("You are logged out on every device.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        passwords.request_password_reset(form.email.data)
        flash("If that address has an account, a link to set a new password is on its way.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/password/set/<token>", methods=["GET", "POST"])
@token_page
def set_password(token: str):
    user = passwords.user_for_set_password_token(token)
    if user is None:
        return render_template("auth/link_invalid.html"), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        passwords.set_password(user, form.password.data)
        flash("Your password is set. Log in with it now.", "success")
        response = redirect(url_for("auth.login"))
        # The emailed link proved who this is: this browser logs in even while someone
        # else's wrong guesses hold the account's login limit.
        devices.remember(response, user)
        return response
    return render_template("auth/set_password.html", form=form, user=user)
