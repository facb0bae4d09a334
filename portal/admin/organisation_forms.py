"""The form of the organisation page (Admin > Organisation); the rules behind it are in
portal/services/organisation.py."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from portal.admin.forms import timezone_choices
from portal.form_helpers import strip


class OrganisationForm(FlaskForm):
    name = StringField(
        "Company name",
        validators=[DataRequired("Enter the company's name."), Length(max=120)],
        filters=[strip],
        description="As customers know it: at the top of every customer page and email.",
    )
    logo = FileField(
        "Logo",
        description="PNG, JPEG or WebP, at most 512 KB; shown 40 px high. Leave empty to keep "
        "the current one.",
    )
    sender_name = StringField(
        "Sender name",
        validators=[Optional(), Length(max=120)],
        filters=[strip],
        description="The name customer emails come from; empty: the company name.",
    )
    sender_address = StringField(
        "Sender address",
        validators=[Optional(), Length(max=254)],
        filters=[strip],
        description="The From address of customer emails; your mail server must be allowed to "
        "send for its domain (SPF, DKIM). Empty: MAIL_FROM.",
    )
    reply_to = StringField(
        "Reply-to address",
        validators=[Optional(), Length(max=254)],
        filters=[strip],
        description="Where customers' replies go. Empty: the emails say replies are not read.",
    )
    support_email = StringField(
        "Customer service email", validators=[Optional(), Length(max=254)], filters=[strip]
    )
    support_phone = StringField(
        "Customer service phone", validators=[Optional(), Length(max=40)], filters=[strip]
    )
    support_url = StringField(
        "Customer service web page",
        validators=[Optional(), Length(max=300)],
        filters=[strip],
        description="Starting with https://.",
    )
    brand_colour = StringField(
        "Brand colour",
        validators=[Optional(), Length(max=7)],
        filters=[strip],
        description="# and six hex digits, like #1f5f8b: the header band of customer pages and "
        "emails, behind white text, so it must be dark enough (contrast 4.5:1, WCAG AA).",
    )
    time_zone = SelectField(
        "Company time zone",
        description="Staff without a team are shown times in it.",
    )
    submit = SubmitField("Save settings")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = timezone_choices()


SETTINGS = (
    "name",
    "sender_name",
    "sender_address",
    "reply_to",
    "support_email",
    "support_phone",
    "support_url",
    "brand_colour",
    "time_zone",
)
