from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

COMMENT_MAX = 5000


class SurveyForm(FlaskForm):
    satisfaction = RadioField(
        _l("How satisfied are you with your purchase?"),
        choices=[SelectChoice(str(n)) for n in range(1, 6)],
        validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))],
    )
    recommend = RadioField(
        _l("How likely are you to recommend us to a friend or colleague?"),
        choices=[SelectChoice(str(n)) for n in range(0, 11)],
        validators=[Optional()],
    )
    comment = TextAreaField(
        _l("Anything you would like to tell us?"),
        validators=[
            Optional(),
            Length(
                max=COMMENT_MAX,
                message=_l("Please keep it under %(max)d characters.", max=COMMENT_MAX),
            ),
        ],
    )
    may_contact = BooleanField(_l("You may contact me by email about my answer."))
    submit = SubmitField(_l("Send my answer"))


class FollowupForm(FlaskForm):
    """After a case is resolved: did it fix the customer's concern, and how satisfied are they?"""

    resolved_concern = RadioField(
        _l("Did this resolve your concern?"),
        choices=[SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))],
        validators=[InputRequired(message=_l("Choose yes or no."))],
    )
    satisfaction = RadioField(
        _l("How satisfied are you with how we handled it?"),
        choices=[SelectChoice(str(n)) for n in range(1, 6)],
        validators=[InputRequired(message=_l("Choose a rating from 1 to 5."))],
    )
    comment = TextAreaField(
        _l("Anything you would like to add?"),
        validators=[
            Optional(),
            Length(
                max=COMMENT_MAX,
                message=_l("Please keep it under %(max)d characters.", max=COMMENT_MAX),
            ),
        ],
    )
    submit = SubmitField(_l("Send my answer"))
