"""The complaint forms: the public one, and the shorter one reached from a survey link (whose
customer and order are known from the invitation)."""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import EmailField, RadioField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from portal.form_helpers import strip
from portal.models.complaint import COMPLAINT_CATEGORIES, CONTACT_PREFERENCES
from portal.services import customer_files
from portal.services.cases.messages import MESSAGE_MAX
from portal.services.customer_files import Limits
from portal.text_input import single_line

DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 5000
# Loose on purpose: people write numbers in every national style. Digits with the usual
# separators, an optional leading "+", and enough digits to be callable.
PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-./]+$")
PHONE_MIN_DIGITS = 6

CATEGORY_LABELS = {
    "delivery": _l("Delivery (late, missing or damaged)"),
    "product_quality": _l("The product is faulty or poor quality"),
    "wrong_item": _l("I received the wrong item"),
    "billing": _l("Invoice or payment"),
    "service": _l("How I was treated"),
    "returns": _l("Return or refund"),
    "other": _l("Something else"),
}
CONTACT_LABELS = {"email": _l("By email"), "phone": _l("By phone")}
assert set(CATEGORY_LABELS) == set(COMPLAINT_CATEGORIES)
assert set(CONTACT_LABELS) == set(CONTACT_PREFERENCES)


# What a phone offers for the file input: the camera and the photo library, and PDF files.
ACCEPTED_FILES = "image/*,application/pdf"


def upload_limits() -> Limits:
    config = current_app.config
    return Limits(count=config["COMPLAINT_MAX_FILES"], size=config["COMPLAINT_MAX_FILE_BYTES"])


def megabytes(size: int) -> str:
    """ "10 MB", "0.2 MB": the limit as the customer reads it."""
    return f"{size / 1_000_000:g} MB"


def _refusal_text(refusal: customer_files.Refusal, limits: Limits) -> str:
    name = refusal.filename
    if refusal.reason == "size":
        return _l(
            "%(name)s is too big: each file can be at most %(max)s.",
            name=name,
            max=megabytes(limits.size),
        )
    if refusal.reason == "count":
        return _l(
            "%(name)s: you can send at most %(count)d files at a time.",
            name=name,
            count=limits.count,
        )
    if refusal.reason == "unreadable":
        return _l(
            "%(name)s could not be opened as a photo. Take the photo again, or send it as a JPEG.",
            name=name,
        )
    return _l("%(name)s: only photos (JPEG, PNG, HEIC, WebP) and PDF files.", name=name)


class PhotosMixin:
    """The photos and files field: checked by their content (services/customer_files.py),
    cleaned of their metadata. `kept_files` holds them once the form validates."""

    photos = MultipleFileField(_l("Photos or files"))
    kept_files: list = []

    def validate_photos(self, field) -> None:
        limits = upload_limits()
        uploads = [
            customer_files.Upload(f.filename, f.read(limits.size + 1))
            for f in (field.data or [])
            if f is not None and hasattr(f, "read")
        ]
        checked = customer_files.check_uploads(uploads, limits)
        self.kept_files = checked.files
        if checked.refused:
            self.kept_files = []
            raise ValidationError(" ".join(str(_refusal_text(r, limits)) for r in checked.refused))

    @property
    def photos_help(self) -> str:
        limits = upload_limits()
        return _l(
            "Up to %(count)d photos (JPEG, PNG, HEIC, WebP) or PDF files, at most %(max)s each. "
            "Location data is removed from photos before they are kept.",
            count=limits.count,
            max=megabytes(limits.size),
        )

    @property
    def picked_files(self) -> bool:
        """Whether files were sent with the form (then, if it comes back, they must be
        picked again: a browser cannot be given them back)."""
        return any(getattr(f, "filename", None) for f in (self.photos.data or []))


class ComplaintDetailsForm(PhotosMixin, FlaskForm):
    """What went wrong and how to reach the customer: the part every complaint has."""

    category = RadioField(
        _l("What is it about?"),
        choices=[SelectChoice(key, CATEGORY_LABELS[key]) for key in COMPLAINT_CATEGORIES],
        validators=[InputRequired(message=_l("Choose what your complaint is about."))],
    )
    description = TextAreaField(
        _l("What happened?"),
        description=_l("Tell us in your own words. What would put it right for you?"),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Tell us what happened.")),
            Length(
                min=DESCRIPTION_MIN,
                max=DESCRIPTION_MAX,
                message=_l(
                    "Please write between %(min)d and %(max)d characters.",
                    min=DESCRIPTION_MIN,
                    max=DESCRIPTION_MAX,
                ),
            ),
        ],
    )
    contact_preference = RadioField(
        _l("How would you like us to contact you?"),
        choices=[SelectChoice(key, CONTACT_LABELS[key]) for key in CONTACT_PREFERENCES],
        default="email",
        validators=[InputRequired(message=_l("Choose how we should contact you."))],
    )
    phone = StringField(
        _l("Phone number"),
        description=_l("Only needed if you would like us to call you."),
        filters=[strip],
        # Not Optional(): it would end the checks before validate_phone sees an empty field.
        validators=[Length(max=40, message=_l("That phone number is too long."))],
    )
    submit = SubmitField(_l("Send my complaint"))

    def validate_phone(self, field) -> None:
        if self.contact_preference.data == "phone" and not field.data:
            raise ValidationError(_l("Give us a phone number to call, or choose email."))
        if field.data and (
            not PHONE_CHARS.match(field.data)
            or sum(c.isdigit() for c in field.data) < PHONE_MIN_DIGITS
        ):
            raise ValidationError(_l("Write the phone number with digits, e.g. +46 70 123 45 67."))


class ComplaintForm(ComplaintDetailsForm):
    """The public form: the customer also says who they are and which order it is about."""

    order_ref = StringField(
        _l("Order number"),
        description=_l(
            "You find it in your order confirmation. Leave it empty if you do not have it."
        ),
        filters=[single_line],
        validators=[Optional(), Length(max=64, message=_l("That order number is too long."))],
    )
    email = EmailField(
        _l("Email address"),
        description=_l("The address you used for the order. We send a confirmation link to it."),
        filters=[strip],
        validators=[
            InputRequired(message=_l("Enter your email address.")),
            Length(max=254, message=_l("That email address is too long.")),
            Email(message=_l("Enter an email address like name@example.com.")),
        ],
    )
    name = StringField(
        _l("Your name"),
        filters=[single_line],  # it goes into email subjects: one line, no control characters
        validators=[
            InputRequired(message=_l("Enter your name.")),
            Length(max=200, message=_l("That name is too long.")),
        ],
    )
    # The honeypot: hidden from people (CSS, aria-hidden, out of the tab order), filled in by
    # bots that fill in everything. A submit with it filled looks accepted and stores nothing.
    website = StringField(_l("Leave this field empty"))

    @property
    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())


# The order the fields appear in on the page, for the error summary at the top.
PUBLIC_FIELD_ORDER = (
    "order_ref",
    "email",
    "name",
    "category",
    "description",
    "contact_preference",
    "phone",
    "photos",
)


class ReplyForm(PhotosMixin, FlaskForm):
    """The customer's answer on their case's status page."""

    body = TextAreaField(
        _l("Write to us"),
        description=_l("Your message goes to the person handling your case."),
        filters=[strip],
        validators=[
            # DataRequired, not InputRequired: only spaces is no message either.
            DataRequired(message=_l("Write your message first.")),
            Length(
                max=MESSAGE_MAX,
                message=_l("Please keep it under %(max)d characters.", max=MESSAGE_MAX),
            ),
        ],
    )
    submit = SubmitField(_l("Send my message"))
