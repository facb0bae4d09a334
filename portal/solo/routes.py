"""The first-run page: while the install has no user at all, anyone who opens /setup may
create the one account of a seller on their own (services/staff/solo.py). Once a user exists
the page is gone for good (404). Also gives every template `solo_install()`."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo

from portal.auth import session as auth_session
from portal.extensions import limiter
from portal.form_helpers import show_rule_error, strip
from portal.services.rules import RuleError
from portal.services.staff import solo

bp = Blueprint("solo", __name__)
POSTS_PER_ADDRESS = "10 per minute; 30 per hour"


class FirstRunForm(FlaskForm):
    name = StringField("Your name", filters=[strip], validators=[DataRequired("Enter your name.")])
    email = EmailField(
        "Email (your login)", filters=[strip], validators=[DataRequired("Enter your email.")]
    )
    password = PasswordField("Password", validators=[DataRequired("Choose a password.")])
    confirm = PasswordField(
        "The password again",
        validators=[EqualTo("password", message="The two passwords differ: type them again.")],
    )
    submit = SubmitField("Start selling")


@bp.app_context_processor
def solo_context() -> dict:
    def solo_install() -> bool:
        """A signed-in seller on their own (exactly one active user), once per request."""
        if "solo_install" not in g:
            g.solo_install = current_user.is_authenticated and solo.is_solo_install()
        return g.solo_install

    return {"solo_install": solo_install}


@bp.route("/setup", methods=["GET", "POST"])
@limiter.limit(POSTS_PER_ADDRESS, methods=["POST"], scope="first-run")
def first_run():
    if solo.has_users():
        abort(404)  # closed for good once anyone exists
    form = FirstRunForm()
    if form.validate_on_submit():
        try:
            user = solo.create_solo(form.email.data, form.name.data, form.password.data)
        except RuleError as exc:
            show_rule_error(form, exc)
        else:
            auth_session.start_session(user)
            login_user(user)
            flash(
                "Welcome! This is your own Aftersale: your sales, customers and figures.", "success"
            )
            return redirect(url_for("main.home"))
    status = 422 if form.errors or form.is_submitted() else 200
    return render_template("solo/first_run.html", form=form), status
