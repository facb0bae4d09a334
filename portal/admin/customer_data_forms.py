"""Forms of the customer data pages (Admin, System, Customer data)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, SearchField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from portal.form_helpers import strip


class CustomerSearchForm(FlaskForm):
    """Read from the query string; changes nothing."""

    class Meta:
        csrf = False  # a GET form: a token would only leak into URLs and logs

    q = SearchField(
        "Email or order number", filters=[strip], validators=[Optional(), Length(max=254)]
    )


class ExportForm(FlaskForm):
    """A download button: a POST, because every export is written to the audit trail."""


class AnonymiseForm(FlaskForm):
    confirm_email = EmailField(
        "Type the customer's email address to confirm",
        filters=[strip],
        validators=[DataRequired("Type the customer's email address."), Length(max=254)],
    )
    submit = SubmitField("Anonymise this customer")
